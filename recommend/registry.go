package recommend

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/models"
)

// ModelInfo describes one stored model version.
type ModelInfo struct {
	Version      string             `json:"version"`
	Kind         string             `json:"kind"`
	TrainedAt    time.Time          `json:"trained_at"`
	DataReadAt   time.Time          `json:"data_read_at,omitzero"` // when its training data was read (models.Meta.DataReadAt)
	Users        int                `json:"users"`
	Items        int                `json:"items"`
	Interactions int                `json:"interactions"`
	TrainSeconds float64            `json:"train_seconds"`
	Metrics      map[string]float64 `json:"metrics,omitempty"`
	Bytes        int                `json:"bytes"`
	SHA256       string             `json:"sha256"`
	Live         bool               `json:"live"`
}

// ModelStore keeps model artifacts and the live pointer. Implemented by
// redisstore.Store.
type ModelStore interface {
	PutModel(ctx context.Context, info ModelInfo, artifact []byte) error
	ModelInfos(ctx context.Context) ([]ModelInfo, error)
	// SetLiveModel points servers at version and announces it; not_found if
	// the version is not stored.
	SetLiveModel(ctx context.Context, version string) error
	// LiveModel returns the live version and its artifact, or not_found.
	LiveModel(ctx context.Context) (string, []byte, error)
	// Model returns a stored version's artifact, or not_found.
	Model(ctx context.Context, version string) ([]byte, error)
}

// Registry publishes, lists and activates model versions and holds the
// model this server scores with.
type Registry struct {
	store       ModelStore
	catalog     func() *catalog.Snapshot
	live        atomic.Pointer[Trained]
	maxAge      time.Duration // 0: models never retire
	now         func() time.Time
	publishOnly bool // set by PublishOnly: no reverse lists for models made live
}

// NewRegistry returns a registry over store with no live model. A model is
// made live only if it knows the items of cat (the live catalog); nil
// checks nothing.
func NewRegistry(store ModelStore, cat func() *catalog.Snapshot) *Registry {
	return &Registry{store: store, catalog: cat}
}

// RetireAfter bounds how long a model's data may be used: once its data
// is older than maxAge (DataOf), Current no longer returns it, whatever
// the live pointer says, so an erased customer's data leaves what this
// server scores with by maxAge after the erasure at the latest. Call it
// before serving; 0 turns it off (the default).
func (r *Registry) RetireAfter(maxAge time.Duration, now func() time.Time) {
	r.maxAge, r.now = maxAge, now
}

// PublishOnly marks r as a registry that publishes models but never
// scores with them (candor train's): the models it makes live get no
// reverse lists (models.Model.BuildReverse), which cost about a second and
// 8 bytes a weight at 100,000 items. Every other registry builds them for
// each model it makes live, before it serves, so a server that forgot a
// call would still score a long history in a few thousand steps.
func (r *Registry) PublishOnly() { r.publishOnly = true }

// MaxAge is the bound set by RetireAfter (0: none).
func (r *Registry) MaxAge() time.Duration { return r.maxAge }

// DataOf is when m's training data was read: Meta.DataReadAt, or for a
// model that does not record it, its training time.
func DataOf(m *models.Model) time.Time {
	if !m.Meta.DataReadAt.IsZero() {
		return m.Meta.DataReadAt
	}
	return m.Meta.TrainedAt
}

// Current returns the live model, or nil when there is none or it is
// older than RetireAfter allows.
func (r *Registry) Current() Model {
	t := r.live.Load()
	if t == nil || r.retired(t) {
		return nil
	}
	return t
}

// Loaded returns the live model this server holds, retired or not (for
// its age and metadata), or nil.
func (r *Registry) Loaded() *Trained { return r.live.Load() }

// Retired reports whether the model this server holds is retired.
func (r *Registry) Retired() bool {
	t := r.live.Load()
	return t != nil && r.retired(t)
}

func (r *Registry) retired(t *Trained) bool {
	return r.maxAge > 0 && r.now().Sub(DataOf(t.M)) >= r.maxAge
}

// Ready reports whether a model is loaded. A retired one still counts:
// the server answers everything but recommendations, and says why.
func (r *Registry) Ready(context.Context) error {
	if r.live.Load() == nil {
		return candor.Errorf(candor.EUnavailable, "no model loaded yet")
	}
	return nil
}

// Publish stores m as a new version and, if activate, makes it live on every
// server. It returns the version.
func (r *Registry) Publish(ctx context.Context, m *models.Model, activate bool) (string, error) {
	if activate {
		if err := r.fits(m); err != nil {
			return "", err
		}
	}
	var buf bytes.Buffer
	if err := m.Encode(&buf); err != nil {
		return "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	info := ModelInfo{Kind: string(m.Kind), TrainedAt: m.Meta.TrainedAt.UTC(), DataReadAt: m.Meta.DataReadAt.UTC(), Users: m.Meta.Users, Items: m.Meta.Items,
		Interactions: m.Meta.Interactions, TrainSeconds: m.Meta.TrainSeconds, Metrics: m.Meta.Metrics, Bytes: buf.Len(), SHA256: hex.EncodeToString(sum[:])}
	info.Version = fmt.Sprintf("%s-%s-%s", m.Kind, info.TrainedAt.Format(versionLayout), info.SHA256[:8])
	if err := r.store.PutModel(ctx, info, buf.Bytes()); err != nil {
		return "", err
	}
	if activate {
		if err := r.store.SetLiveModel(ctx, info.Version); err != nil {
			return "", err
		}
		r.goLive(m, info.Version)
	}
	return info.Version, nil
}

// Reload loads the live version from the store if it differs from the one
// held. A corrupt or truncated artifact is refused and the previous model
// stays live.
func (r *Registry) Reload(ctx context.Context) error {
	v, b, err := r.store.LiveModel(ctx)
	if err != nil {
		return err
	}
	if cur := r.live.Load(); cur != nil && cur.Ver == v {
		return nil
	}
	m, err := models.Decode(bytes.NewReader(b))
	if err != nil {
		return candor.Wrap("recommend.Reload", err)
	}
	r.goLive(m, v)
	return nil
}

// goLive makes m, version v, the model this server scores with, with its
// reverse lists unless r only publishes.
func (r *Registry) goLive(m *models.Model, v string) {
	if !r.publishOnly {
		m.BuildReverse() // before it serves
	}
	r.live.Store(&Trained{M: m, Ver: v})
}

// Activate makes a stored version live everywhere (roll back or forward),
// unless its items do not match the live catalog or its data is older than
// RetireAfter allows (EConflict).
func (r *Registry) Activate(ctx context.Context, version string) error {
	b, err := r.store.Model(ctx, version)
	if err != nil {
		return err
	}
	m, err := models.Decode(bytes.NewReader(b))
	if err != nil {
		return candor.Wrap("recommend.Activate", err)
	}
	if err := r.fits(m); err != nil {
		return err
	}
	if r.retired(&Trained{M: m}) {
		return candor.Errorf(candor.EConflict, "Model %s was trained on data read at %s, more than the maximum model age (%s) ago; train a new one.",
			version, DataOf(m).UTC().Format(time.RFC3339), r.maxAge)
	}
	if err := r.store.SetLiveModel(ctx, version); err != nil {
		return err
	}
	return r.Reload(ctx)
}

// fits refuses a model that could not serve the live catalog: when the
// catalog is empty, or when fewer than half of the items of the smaller of
// the two are in both (a model trained on other item IDs serves nothing).
func (r *Registry) fits(m *models.Model) error {
	if r.catalog == nil || m.NumItems() == 0 {
		return nil
	}
	cat := r.catalog()
	if cat == nil || cat.Len() == 0 {
		return candor.Errorf(candor.EConflict, "The live catalog is empty: load the catalog (PUT /v1/catalog/items or candor import) before making a model live.")
	}
	both := 0
	var unknown []string
	for i := range int32(m.NumItems()) {
		if _, ok := cat.Get(m.ID(i)); ok {
			both++
		} else if len(unknown) < 3 {
			unknown = append(unknown, m.ID(i))
		}
	}
	if 2*both >= min(m.NumItems(), cat.Len()) {
		return nil
	}
	var known []string
	for _, it := range cat.Items()[:min(3, cat.Len())] {
		known = append(known, it.ID)
	}
	return candor.Errorf(candor.EConflict, "The model does not match the live catalog: only %d of its %d items are among the catalog's %d (model items such as %s; catalog items such as %s). Was it trained on other item IDs?",
		both, m.NumItems(), cat.Len(), strings.Join(unknown, ", "), strings.Join(known, ", "))
}

// List returns the stored versions, newest first, marking the live one.
func (r *Registry) List(ctx context.Context) ([]ModelInfo, error) {
	infos, err := r.store.ModelInfos(ctx)
	if err != nil {
		return nil, err
	}
	live := ""
	if t := r.live.Load(); t != nil {
		live = t.Ver
	}
	for i := range infos {
		infos[i].Live = infos[i].Version == live
	}
	sort.Slice(infos, func(a, b int) bool { return infos[a].TrainedAt.After(infos[b].TrainedAt) })
	return infos, nil
}
