package main

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/candorhq/candor/internal/eventually"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/urfave/cli/v3"
	"go.uber.org/zap"

	"github.com/candorhq/candor/auth"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/redisstore"
	"github.com/candorhq/candor/retrain"
)

// testConfig is the configuration the command line args give.
func testConfig(t testing.TB, args ...string) config {
	t.Helper()
	var cfg config
	app := rootCommand()
	app.Writer, app.ErrWriter = io.Discard, io.Discard
	app.Action = func(_ context.Context, cmd *cli.Command) error {
		var err error
		cfg, err = loadConfig(cmd)
		return err
	}
	if err := app.Run(context.Background(), append([]string{"candor"}, args...)); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// shop is a store with 40 customers (full consent) who viewed and bought
// items of their taste among 30, the services of a server with scheduled
// training every hour, and a first model trained by the server's path.
type shop struct {
	db  *redistest.DB
	st  *redisstore.Store
	svc *services
	cfg config
}

func newShop(t *testing.T) *shop {
	t.Helper()
	db := redistest.New(t)
	ctx := context.Background()
	st := redisstore.New(db.Client, db.Namespace)
	cfg := testConfig(t, "--redis-url", redisURL(db), "--namespace", db.Namespace, "--train-every", "1h", "--max-model-age", "24h")
	svc, err := newServices(cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	var items []catalog.Item
	for i := range 30 {
		items = append(items, catalog.Item{ID: fmt.Sprintf("p%d", i), Title: "Item", Category: []string{fmt.Sprintf("k%d", i%3)}, Price: 1, Available: true})
	}
	if err := st.PutItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	if err := svc.catalog.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for c := range 40 {
		id := fmt.Sprintf("c%d", c)
		if _, err := svc.consent.Put(ctx, id, consent.Change{Preset: consent.PresetFull}, "", false); err != nil {
			t.Fatal(err)
		}
		var evs []features.Event
		for j := range 8 {
			item := fmt.Sprintf("p%d", (c%3)+3*((c+j*7)%10))
			evs = append(evs, features.Event{CustomerID: id, Type: []features.EventType{features.View, features.Purchase}[j%2], ItemID: item, Time: now.Add(-time.Duration(j) * time.Hour)})
		}
		if _, err := svc.features.Collect(ctx, evs, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := trainAndPublish(ctx, st, svc, models.KindItemKNN, firstModelFolds, zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	return &shop{db: db, st: st, svc: svc, cfg: cfg}
}

// serve starts the shop's API (closed when the test ends) and returns it
// with a new key of role.
func (s *shop) serve(t *testing.T, role auth.Role) (*httptest.Server, string) {
	t.Helper()
	ctx := context.Background()
	key, k := auth.NewKey(role, "test", time.Now())
	if err := s.st.PutKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	kr := auth.NewKeyring(s.st)
	if err := kr.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newAPI(s.svc, s.st, kr, zap.NewNop(), nil))
	t.Cleanup(srv.Close)
	return srv, key
}

// later is a clock an interval and a minute ahead: the next training is due.
func (s *shop) later() time.Time { return time.Now().Add(s.cfg.TrainEvery + time.Minute) }

// TestErasedCustomerIsAbsentFromNextModel: after an erasure, the training
// input read from the store holds nothing of the customer, the next
// scheduled model is trained without their interactions on data read
// after the erasure, and the receipt says by when the data leaves every
// model.
func TestErasedCustomerIsAbsentFromNextModel(t *testing.T) {
	s := newShop(t)
	ctx := context.Background()
	before, _, err := storeCorpus(ctx, s.st, s.svc)
	if err != nil {
		t.Fatal(err)
	}
	erased := 0
	for _, st := range before.States {
		if st.CustomerID == "c7" {
			for _, set := range st.Interactions {
				erased += len(set)
			}
		}
	}
	m1 := s.svc.models.Loaded()
	if erased == 0 || m1 == nil || m1.M.Meta.Users != 40 {
		t.Fatalf("c7 has %d interactions in the training input; first model %+v", erased, m1)
	}
	receipt, err := s.svc.rights.Erase(ctx, "c7")
	if err != nil {
		t.Fatal(err)
	}
	by := receipt.ErasedAt.Add(24 * time.Hour)
	if receipt.ModelsBy == nil || receipt.ModelsBy.Before(by) || receipt.ModelsBy.After(by.Add(time.Second)) ||
		!strings.Contains(receipt.Models, "Your data leaves every model by "+receipt.ModelsBy.Format(time.RFC3339)) {
		t.Errorf("receipt: %q, by %v; want erased at + 24h (%v)", receipt.Models, receipt.ModelsBy, by)
	}

	after, _, err := storeCorpus(ctx, s.st, s.svc)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range after.States {
		if st.CustomerID == "c7" {
			t.Fatalf("the training input still holds the erased customer: %+v", st.Interactions)
		}
	}
	if got, want := after.Interactions(), before.Interactions()-erased; got != want {
		t.Errorf("training input holds %d interactions, want %d (%d erased)", got, want, erased)
	}

	sch, err := newScheduler(s.st, s.svc, s.cfg, zap.NewNop(), s.later)
	if err != nil {
		t.Fatal(err)
	}
	if o, err := sch.Tick(ctx); o != retrain.Trained || err != nil {
		t.Fatalf("scheduled training: %s, %v", o, err)
	}
	m2 := s.svc.models.Loaded()
	if m2.Ver == m1.Ver || m2.M.Meta.Users != 39 || m2.M.Meta.Interactions != m1.M.Meta.Interactions-erased {
		t.Errorf("next model %s: %d users, %d interactions; want 39 users and %d interactions", m2.Ver, m2.M.Meta.Users, m2.M.Meta.Interactions, m1.M.Meta.Interactions-erased)
	}
	if !m2.M.Meta.DataReadAt.After(receipt.ErasedAt) {
		t.Errorf("next model's data read at %v, not after the erasure at %v", m2.M.Meta.DataReadAt, receipt.ErasedAt)
	}
}

// TestFirstModelIsValidatedOnOneFold: a server's first model (nothing is
// recommended until it is live) is validated on one fold; the scheduled
// retrains validate on a small corpus's three, as candor train does.
func TestFirstModelIsValidatedOnOneFold(t *testing.T) {
	s := newShop(t)
	if note := s.svc.models.Loaded().M.Scoring().Note; !strings.HasPrefix(note, "validation") || strings.Contains(note, "folds") {
		t.Errorf("first model's note %q: want validation on one fold", note)
	}
	sch, err := newScheduler(s.st, s.svc, s.cfg, zap.NewNop(), s.later)
	if err != nil {
		t.Fatal(err)
	}
	if o, err := sch.Tick(context.Background()); o != retrain.Trained || err != nil {
		t.Fatalf("scheduled training: %s, %v", o, err)
	}
	if note := s.svc.models.Loaded().M.Scoring().Note; !strings.Contains(note, " × 3 folds") {
		t.Errorf("retrained model's note %q: want validation on three folds", note)
	}
}

// TestModelsShowWhenTheirDataWasRead: GET /v1/models lists when each
// model's data was read, and /metrics has the model's age and the
// trainings by result.
func TestModelsShowWhenTheirDataWasRead(t *testing.T) {
	s := newShop(t)
	ctx := context.Background()
	sch, err := newScheduler(s.st, s.svc, s.cfg, zap.NewNop(), s.later)
	if err != nil {
		t.Fatal(err)
	}
	s.svc.training.report(zap.NewNop(), s.cfg.MaxModelAge)(sch.Tick(ctx))
	srv, admin := s.serve(t, auth.RoleAdmin)
	_, body := send(t, "GET", srv.URL+"/v1/models", admin, "")
	var list struct {
		Models []struct {
			Version    string    `json:"version"`
			DataReadAt time.Time `json:"data_read_at"`
			TrainedAt  time.Time `json:"trained_at"`
			Live       bool      `json:"live"`
		} `json:"models"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Models) != 2 {
		t.Fatalf("GET /v1/models: %v\n%s", err, body)
	}
	for _, m := range list.Models {
		if m.DataReadAt.IsZero() || m.DataReadAt.After(m.TrainedAt) {
			t.Errorf("model %s: data read at %v, trained at %v", m.Version, m.DataReadAt, m.TrainedAt)
		}
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, want := range []string{"candor_model_age_seconds ", `candor_model_trainings_total{result="trained"} 1`,
		`candor_model_training_duration_seconds_count{result="trained"} 1`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestFailedTrainingKeepsTheLiveModel: a scheduled training that fails
// (here: the catalog was emptied, so no model can go live) leaves the live
// model serving, and is counted.
func TestFailedTrainingKeepsTheLiveModel(t *testing.T) {
	s := newShop(t)
	ctx := context.Background()
	live := s.svc.models.Loaded().Ver
	for i := range 30 {
		if err := s.st.DeleteItem(ctx, fmt.Sprintf("p%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	sch, err := newScheduler(s.st, s.svc, s.cfg, zap.NewNop(), s.later)
	if err != nil {
		t.Fatal(err)
	}
	o, err := sch.Tick(ctx)
	s.svc.training.report(zap.NewNop(), s.cfg.MaxModelAge)(o, err)
	if o != retrain.Failed || err == nil {
		t.Fatalf("training over an empty catalog: %s, %v; want failed", o, err)
	}
	var m dto.Metric
	_ = s.svc.training.runs.WithLabelValues("failed").Write(&m)
	if got := m.GetCounter().GetValue(); got != 1 {
		t.Errorf("failed trainings counted %v, want 1", got)
	}
	if cur := s.svc.models.Current(); cur == nil || cur.Version() != live {
		t.Errorf("live model after a failed training: %v, want %s", cur, live)
	}
	if v, _, err := s.st.LiveModel(ctx); err != nil || v != live {
		t.Errorf("stored live pointer %q, %v; want %s", v, err, live)
	}
}

// TestRequestsDoNotWaitForTraining: while a training is under way,
// recommendations are answered with the live model; the new one serves
// as soon as it is published.
func TestRequestsDoNotWaitForTraining(t *testing.T) {
	s := newShop(t)
	ctx := context.Background()
	live := s.svc.models.Loaded().Ver
	started, release := make(chan struct{}), make(chan struct{})
	sch, err := retrain.New(s.st, func(ctx context.Context) error {
		close(started)
		<-release // training in progress
		return trainAndPublish(ctx, s.st, s.svc, models.KindItemKNN, 0, zap.NewNop())
	}, retrain.Config{Every: s.cfg.TrainEvery, Now: s.later})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan retrain.Outcome)
	go func() {
		o, _ := sch.Tick(ctx)
		done <- o
	}()
	<-started
	resp, err := s.svc.recommend.Recommend(ctx, recommend.Request{CustomerID: "c1", N: 5})
	if err != nil || resp.ModelVersion != live || resp.Fallback.Active || len(resp.Items) == 0 {
		t.Fatalf("during training: %v, %+v; want an answer from %s", err, resp, live)
	}
	close(release)
	if o := <-done; o != retrain.Trained {
		t.Fatalf("training: %s", o)
	}
	resp, err = s.svc.recommend.Recommend(ctx, recommend.Request{CustomerID: "c1", N: 5})
	if err != nil || resp.ModelVersion == live {
		t.Errorf("after training: %v, model %s; want the new model", err, resp.ModelVersion)
	}
}

// TestTrainEveryWorker: `candor train --every` trains at once, then on
// schedule, until it is stopped; with --metrics-addr, its /metrics counts
// and times the training.
func TestTrainEveryWorker(t *testing.T) {
	s := newShop(t)
	live := s.svc.models.Loaded().Ver
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := &syncBuffer{}, &syncBuffer{}
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"candor", "--redis-url", redisURL(s.db), "--namespace", s.db.Namespace, "--log-level", "error",
			"train", "--every", "1m", "--model", "itemknn", "--no-measure", "--no-tuning", "--metrics-addr", "127.0.0.1:0"}, out, errOut)
	}()
	addr := regexp.MustCompile(`metrics on (http://\S+/metrics)`)
	eventually.True(t, "the trainer to say where its metrics are", func() bool { return addr.MatchString(errOut.String()) })
	url := addr.FindStringSubmatch(errOut.String())[1]
	eventually.True(t, "the trainer to publish a model", func() bool { return strings.Contains(out.String(), "published model") })
	eventually.True(t, "the trainer's metrics to count the training", func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), `candor_model_training_duration_seconds_count{result="trained"} 1`) &&
			strings.Contains(string(b), `candor_model_trainings_total{result="trained"} 1`)
	})
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("worker: %v", err)
	}
	v, _, err := s.st.LiveModel(context.Background())
	if err != nil || v == live {
		t.Errorf("live model %s, %v; want the worker's", v, err)
	}
	if last, err := s.st.LastTraining(context.Background()); err != nil || last.IsZero() {
		t.Errorf("the worker did not record its training: %v, %v", last, err)
	}
}

// TestRetiredModelAnswersFromTheCatalog: once the live model's data is
// older than --max-model-age, recommendations still answer 200, never a
// 5xx: available catalog items, labelled model_retired, with no personal
// reason; the server stays ready (its other routes work).
func TestRetiredModelAnswersFromTheCatalog(t *testing.T) {
	s := newShop(t)
	ctx := context.Background()
	srv, site := s.serve(t, auth.RoleSite)
	ask := func() (int, recommend.Response) {
		code, body := send(t, "GET", srv.URL+"/v1/recommendations?customer_id=c1&n=5", site, "")
		var r recommend.Response
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatalf("%d %s", code, body)
		}
		return code, r
	}
	if code, r := ask(); code != http.StatusOK || r.Fallback.Active || r.Personalization.Level != "full" {
		t.Fatalf("with a fresh model: %d, fallback %+v, level %s", code, r.Fallback, r.Personalization.Level)
	}
	s.svc.models.RetireAfter(s.cfg.MaxModelAge, func() time.Time { return time.Now().Add(s.cfg.MaxModelAge + time.Hour) })
	code, r := ask()
	if code != http.StatusOK || !r.Fallback.Active || r.Fallback.Reason != recommend.FallbackModelRetired || len(r.Items) != 5 || r.ModelVersion != "" {
		t.Fatalf("with a retired model: %d, fallback %+v, %d items, model %q", code, r.Fallback, len(r.Items), r.ModelVersion)
	}
	for _, it := range r.Items {
		for _, rs := range it.Reasons {
			if rs.FeatureSet != "none" {
				t.Errorf("%s: a retired model's answer used %s", it.ItemID, rs.FeatureSet)
			}
		}
	}
	if err := s.svc.models.Ready(ctx); err != nil {
		t.Errorf("a server holding a retired model is not ready: %v", err)
	}
}
