package recommend_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/recommend"
)

// memModels is an in-memory ModelStore.
type memModels struct {
	infos map[string]recommend.ModelInfo
	arts  map[string][]byte
	live  string
}

func (s *memModels) PutModel(_ context.Context, info recommend.ModelInfo, b []byte) error {
	s.infos[info.Version], s.arts[info.Version] = info, b
	return nil
}

func (s *memModels) ModelInfos(context.Context) ([]recommend.ModelInfo, error) {
	var out []recommend.ModelInfo
	for _, i := range s.infos {
		out = append(out, i)
	}
	return out, nil
}

func (s *memModels) SetLiveModel(_ context.Context, v string) error {
	if _, ok := s.arts[v]; !ok {
		return candor.Errorf(candor.ENotFound, "no version %s", v)
	}
	s.live = v
	return nil
}

func (s *memModels) LiveModel(ctx context.Context) (string, []byte, error) {
	b, err := s.Model(ctx, s.live)
	return s.live, b, err
}

func (s *memModels) Model(_ context.Context, v string) ([]byte, error) {
	b, ok := s.arts[v]
	if !ok {
		return nil, candor.Errorf(candor.ENotFound, "no version %s", v)
	}
	return b, nil
}

// trainedOn trains a small itemknn model on items named prefix0..prefix9.
func trainedOn(t *testing.T, prefix string) *models.Model {
	t.Helper()
	var ins []models.Interaction
	for u := range 12 {
		for i := range 10 {
			if (u+i)%3 != 0 {
				ins = append(ins, models.Interaction{User: fmt.Sprint(u), Item: fmt.Sprintf("%s%d", prefix, i), Value: 1, Time: time.Unix(1e9, 0)})
			}
		}
	}
	m, err := models.Train(context.Background(), models.NewData(ins, nil), models.TrainOptions{Kind: models.KindItemKNN, Clock: func() time.Time { return time.Unix(1e9+int64(len(prefix)), 0) }})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// catalogOfM is a catalog of the items trainedOn(t, "m") is trained on.
func catalogOfM() *catalog.Snapshot {
	items := make([]catalog.Item, 10)
	for i := range items {
		items[i] = catalog.Item{ID: fmt.Sprintf("m%d", i), Title: "t", Category: []string{"c"}, Available: true}
	}
	return catalog.NewSnapshot(items, nil)
}

// TestRegistryRefusesModelOfOtherIDs: a model trained on raw MovieLens IDs
// ("1", "2") cannot go live over a catalog of "m1", "m2"; it would serve
// nothing.
func TestRegistryRefusesModelOfOtherIDs(t *testing.T) {
	cat, st := catalogOfM(), &memModels{infos: map[string]recommend.ModelInfo{}, arts: map[string][]byte{}}
	reg := recommend.NewRegistry(st, func() *catalog.Snapshot { return cat })
	ctx := context.Background()

	good, err := reg.Publish(ctx, trainedOn(t, "m"), true)
	if err != nil {
		t.Fatalf("a model of the catalog's items: %v", err)
	}
	_, err = reg.Publish(ctx, trainedOn(t, ""), true)
	if candor.ErrorCode(err) != candor.EConflict || !strings.Contains(candor.ErrorMessage(err), "only 0 of its 10 items") {
		t.Fatalf("publishing a model of other IDs: %v, want a conflict naming the overlap", err)
	}
	if reg.Current().Version() != good {
		t.Errorf("the refused model went live")
	}
	stored, err := reg.Publish(ctx, trainedOn(t, ""), false) // storing is allowed
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Activate(ctx, stored); candor.ErrorCode(err) != candor.EConflict {
		t.Errorf("activating it: %v, want a conflict", err)
	}
	if st.live != good || reg.Current().Version() != good {
		t.Errorf("live = %s (held %s), want %s", st.live, reg.Current().Version(), good)
	}
	empty := recommend.NewRegistry(st, func() *catalog.Snapshot { return catalog.NewSnapshot(nil, nil) })
	if _, err := empty.Publish(ctx, trainedOn(t, "m"), true); candor.ErrorCode(err) != candor.EConflict || !strings.Contains(candor.ErrorMessage(err), "catalog is empty") {
		t.Errorf("publishing over an empty catalog: %v", err)
	}
}

// TestRegistryRetiresOldModels: a model whose data is older than the
// maximum age is no longer served (whatever the live pointer says) and
// cannot be made live again; its data read time is listed.
func TestRegistryRetiresOldModels(t *testing.T) {
	cat, st := catalogOfM(), &memModels{infos: map[string]recommend.ModelInfo{}, arts: map[string][]byte{}}
	reg := recommend.NewRegistry(st, func() *catalog.Snapshot { return cat })
	read := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	now := read.Add(time.Hour)
	reg.RetireAfter(24*time.Hour, func() time.Time { return now })
	ctx := context.Background()
	m := trainedOn(t, "m")
	m.Meta.DataReadAt = read
	v, err := reg.Publish(ctx, m, true)
	if err != nil || reg.Current() == nil {
		t.Fatalf("a fresh model: %v, current %v", err, reg.Current())
	}
	if infos, _ := reg.List(ctx); len(infos) != 1 || !infos[0].DataReadAt.Equal(read) {
		t.Errorf("List = %+v, want data read at %v", infos, read)
	}
	now = read.Add(24 * time.Hour)
	if cur := reg.Current(); cur != nil {
		t.Errorf("a model whose data is 24 h old still serves with a 24 h maximum age: %s", cur.Version())
	}
	if reg.Loaded() == nil || reg.Ready(ctx) != nil {
		t.Error("a retired model is no longer held or the server not ready")
	}
	if err := reg.Activate(ctx, v); candor.ErrorCode(err) != candor.EConflict || !strings.Contains(candor.ErrorMessage(err), "maximum model age") {
		t.Errorf("activating it again: %v, want a conflict", err)
	}
}

// TestLiveModelsHaveReverseLists: a model that goes live on a server, by
// Publish or by Reload on another server, serves with its reverse lists
// built (the cheap walk for a long history's parts), not built on a
// request; a registry that only publishes (candor train's) builds none.
func TestLiveModelsHaveReverseLists(t *testing.T) {
	cat, st := catalogOfM(), &memModels{infos: map[string]recommend.ModelInfo{}, arts: map[string][]byte{}}
	ctx := context.Background()
	m := trainedOn(t, "m")
	if _, _, ok := m.Reverse(0); ok {
		t.Fatal("a freshly trained model has reverse lists: the test shows nothing")
	}
	publisher := recommend.NewRegistry(st, func() *catalog.Snapshot { return cat })
	publisher.PublishOnly() // as candor train's
	if _, err := publisher.Publish(ctx, m, true); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := m.Reverse(0); ok {
		t.Error("a registry that only publishes built reverse lists")
	}
	published := recommend.NewRegistry(st, func() *catalog.Snapshot { return cat })
	if _, err := published.Publish(ctx, m, true); err != nil {
		t.Fatal(err)
	}
	reloaded := recommend.NewRegistry(st, func() *catalog.Snapshot { return cat })
	if err := reloaded.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	for name, reg := range map[string]*recommend.Registry{"published": published, "reloaded": reloaded} {
		live, ok := reg.Current().(*recommend.Trained)
		if !ok {
			t.Fatalf("%s: the live model is a %T", name, reg.Current())
		}
		if _, _, ok := live.Reverse(0); !ok {
			t.Errorf("%s: the live model has no reverse lists", name)
		}
	}
}
