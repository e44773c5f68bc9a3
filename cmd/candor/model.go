package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/recommend"
	"github.com/candorhq/candor/redisstore"
)

// liveModel holds the model requests use; a swap is atomic, so no request
// sees half a model.
type liveModel struct {
	p atomic.Pointer[recommend.Trained]
}

func (l *liveModel) get() recommend.Model {
	if m := l.p.Load(); m != nil {
		return m
	}
	return nil
}

func (l *liveModel) ready(context.Context) error {
	if l.p.Load() == nil {
		return candor.Errorf(candor.EUnavailable, "no model loaded yet")
	}
	return nil
}

// Interaction weights for training from the store: a purchase counts more
// than a view.
const (
	trainPurchaseWeight = 1.0
	trainViewWeight     = 0.3
)

// trainFromStore trains a model from what the store holds now, reading each
// customer through the consent gate: only purchases and browsing that the
// customer grants today. Sensitive data never enters the shared model.
func trainFromStore(ctx context.Context, st *redisstore.Store, cs *consent.Service, items []string, kind models.Kind) (*recommend.Trained, error) {
	var ins []models.Interaction
	err := st.ScanStates(ctx, cs.Request(false), func(s *features.State) error {
		ins = appendInteractions(ins, s.CustomerID, s.Interactions[consent.Purchases], trainPurchaseWeight)
		ins = appendInteractions(ins, s.CustomerID, s.Interactions[consent.Browsing], trainViewWeight)
		return nil
	})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	m, err := models.Train(ctx, models.NewData(ins, items), models.TrainOptions{Kind: kind})
	if err != nil {
		return nil, err
	}
	v := fmt.Sprintf("%s-%s", kind, start.UTC().Format("20060102T150405Z"))
	return &recommend.Trained{M: m, Ver: v}, nil
}

func appendInteractions(ins []models.Interaction, user string, xs []features.Interaction, w float64) []models.Interaction {
	for _, x := range xs {
		ins = append(ins, models.Interaction{User: user, Item: x.Item, Value: w * float64(x.Count), Time: x.Last})
	}
	return ins
}

// trainAndSwap trains from the store and makes the result live.
func trainAndSwap(ctx context.Context, st *redisstore.Store, svc *services, log *zap.Logger) error {
	snap := svc.catalog.Load()
	ids := make([]string, 0, snap.Len())
	for _, it := range snap.Items() {
		ids = append(ids, it.ID)
	}
	start := time.Now()
	m, err := trainFromStore(ctx, st, svc.consent, ids, models.KindItemKNN)
	if err != nil {
		return err
	}
	svc.model.p.Store(m)
	log.Info("model live", zap.String("version", m.Ver), zap.Int("items", m.NumItems()), zap.Duration("took", time.Since(start)))
	return nil
}
