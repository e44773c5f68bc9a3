package redisstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/recommend"
)

func trainSmall(t *testing.T, seed int) *models.Model {
	t.Helper()
	var ins []models.Interaction
	for u := 0; u < 40; u++ {
		for k := 0; k < 6; k++ {
			ins = append(ins, models.Interaction{User: fmt.Sprint("u", u), Item: fmt.Sprint("i", (u*seed+k)%15), Value: 1, Time: t0})
		}
	}
	m, err := models.Train(context.Background(), models.NewData(ins, nil), models.TrainOptions{Kind: models.KindItemKNN, Clock: func() time.Time { return t0.Add(time.Duration(seed) * time.Minute) }})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestModelRegistry(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		a, b := recommend.NewRegistry(st, nil), recommend.NewRegistry(st, nil) // two servers
		if err := b.Reload(ctx); candor.ErrorCode(err) != candor.ENotFound || b.Current() != nil {
			t.Fatalf("empty store: %v", err)
		}
		v1, err := a.Publish(ctx, trainSmall(t, 1), true)
		if err != nil {
			t.Fatal(err)
		}
		v2, _ := a.Publish(ctx, trainSmall(t, 2), true)
		if err := b.Reload(ctx); err != nil || b.Current().Version() != v2 {
			t.Fatalf("second server: %v, version %v", err, b.Current())
		}
		list, _ := a.List(ctx)
		if len(list) != 2 || list[0].Version != v2 || !list[0].Live || list[1].Live || list[0].SHA256 == "" {
			t.Errorf("list = %+v", list)
		}
		if err := b.Activate(ctx, v1); err != nil || b.Current().Version() != v1 {
			t.Fatalf("rollback: %v", err)
		}
		if err := a.Reload(ctx); err != nil || a.Current().Version() != v1 {
			t.Errorf("rollback not seen by the other server")
		}
		if err := a.Activate(ctx, "nope"); candor.ErrorCode(err) != candor.ENotFound {
			t.Errorf("activate unknown: %v", err)
		}
		// a corrupt artifact is refused; the previous model stays live
		db.Client.SetRange(ctx, st.keys.modelKey(v2), 100, "garbage")
		_ = st.SetLiveModel(ctx, v2)
		if err := a.Reload(ctx); err == nil || a.Current().Version() != v1 {
			t.Errorf("corrupt artifact: err %v, live %s", err, a.Current().Version())
		}
	})
}
