package main

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/redisstore"
)

// Interaction weights for training from the store: a purchase counts more
// than a view.
const (
	trainPurchaseWeight = 1.0
	trainViewWeight     = 0.3
)

// storeData reads training data from the store, each customer through the
// consent gate: only purchases and browsing that the customer grants today.
// Sensitive data never enters the shared model.
func storeData(ctx context.Context, st *redisstore.Store, cs *consent.Service) (*trainingData, error) {
	var ins []models.Interaction
	err := st.ScanStates(ctx, cs.Request(false), func(s *features.State) error {
		ins = appendInteractions(ins, s.CustomerID, s.Interactions[consent.Purchases], trainPurchaseWeight)
		ins = appendInteractions(ins, s.CustomerID, s.Interactions[consent.Browsing], trainViewWeight)
		return nil
	})
	if err != nil {
		return nil, err
	}
	items, err := st.Items(ctx)
	if err != nil {
		return nil, err
	}
	td := &trainingData{ins: ins, ids: make([]string, len(items)), cats: make(map[string][]string, len(items))}
	for i, it := range items {
		td.ids[i] = it.ID
		td.cats[it.ID] = []string{it.TopCategory()}
	}
	return td, nil
}

// trainingData is what a model is trained on: interactions, every item
// (so items without interactions are known), and item categories.
type trainingData struct {
	ins  []models.Interaction
	ids  []string
	cats map[string][]string
}

func (td *trainingData) data() *models.Data { return models.NewData(td.ins, td.ids) }

// measured trains with o on a hold-out split first and attaches the
// figures to the model trained on everything, so that GET /v1/models
// shows what each version is worth. Too little data to measure is logged
// and leaves the metrics empty; it does not stop training.
func measured(ctx context.Context, td *trainingData, o models.TrainOptions, warn func(error)) (*models.Model, error) {
	metrics, err := models.Holdout(ctx, td.ins, td.cats, o)
	if err != nil && ctx.Err() == nil {
		warn(err)
	}
	m, err := models.Train(ctx, td.data(), o)
	if err != nil {
		return nil, err
	}
	m.Meta.Metrics = metrics
	return m, nil
}

func appendInteractions(ins []models.Interaction, user string, xs []features.Interaction, w float64) []models.Interaction {
	for _, x := range xs {
		ins = append(ins, models.Interaction{User: user, Item: x.Item, Value: w * float64(x.Count), Time: x.Last})
	}
	return ins
}

// trainAndPublish trains from the store and makes the result live on every
// server.
func trainAndPublish(ctx context.Context, st *redisstore.Store, svc *services, kind models.Kind, log *zap.Logger) error {
	td, err := storeData(ctx, st, svc.consent)
	if err != nil {
		return err
	}
	m, err := measured(ctx, td, models.TrainOptions{Kind: kind, Categories: td.cats, UseValues: true},
		func(err error) { log.Warn("model not measured", zap.Error(err)) })
	if err != nil {
		return err
	}
	v, err := svc.models.Publish(ctx, m, true)
	if err != nil {
		return err
	}
	log.Info("model live", zap.String("version", v), zap.Int("items", m.NumItems()), zap.Int("interactions", len(td.ins)), zap.Float64("train_seconds", m.Meta.TrainSeconds), zap.Any("metrics", m.Meta.Metrics))
	return nil
}

// loadOrTrain loads the live model version from the store; when there is
// none yet, it trains the first one.
func loadOrTrain(ctx context.Context, st *redisstore.Store, svc *services, log *zap.Logger) error {
	err := svc.models.Reload(ctx)
	if candor.ErrorCode(err) == candor.ENotFound {
		return trainAndPublish(ctx, st, svc, models.KindItemKNN, log)
	}
	return err
}

// trainWhenConnected loads (or trains) the first model once Redis answers,
// retrying with backoff; until then /readyz reports no model.
func trainWhenConnected(ctx context.Context, st *redisstore.Store, svc *services, log *zap.Logger) {
	for delay := 200 * time.Millisecond; ctx.Err() == nil; delay = min(2*delay, 10*time.Second) {
		err := svc.catalog.Reload(ctx)
		if err == nil {
			if err = loadOrTrain(ctx, st, svc, log); err == nil {
				return
			}
		}
		if !errors.Is(err, context.Canceled) {
			log.Warn("loading the first model", zap.Error(err))
		}
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
	}
}
