package main

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/evaluation"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/models"
	"github.com/candorhq/candor/redisstore"
)

// storeCorpus reads what a model is trained on from the store: every
// customer through the consent gate (only what each grants today; the
// sensitive set never enters a shared model), and the live catalog. It
// returns when the reading began: whatever was erased or withdrawn before
// that is not in the corpus (models.Meta.DataReadAt).
func storeCorpus(ctx context.Context, st *redisstore.Store, svc *services) (*evaluation.Corpus, time.Time, error) {
	if err := svc.catalog.Reload(ctx); err != nil {
		return nil, time.Time{}, err
	}
	readAt := time.Now().UTC()
	var states []*features.State
	err := st.ScanStates(ctx, svc.consent.Request(false), func(s *features.State) error {
		states = append(states, s)
		return nil
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	return evaluation.NewCorpus(states, svc.catalog.Load()), readAt, nil
}

// measured measures a model fitted with o on a hold-out split first and
// attaches the figures to the model fitted on everything, so that GET
// /v1/models shows what each version is worth. Too little data to measure
// is reported through warn and leaves the metrics empty; it does not stop
// training.
func measured(ctx context.Context, c *evaluation.Corpus, o evaluation.Options, warn func(error)) (*models.Model, error) {
	metrics, err := evaluation.Holdout(ctx, c, o)
	if err != nil && ctx.Err() == nil {
		warn(err)
	}
	m, err := evaluation.Fit(ctx, c, o)
	if err != nil {
		return nil, err
	}
	m.Meta.Metrics = metrics
	return m, nil
}

// trainAndPublish trains from the store, with parameters chosen by
// validation on folds validation folds (0: evaluation.FoldsFor the
// corpus), and makes the result live on every server.
func trainAndPublish(ctx context.Context, st *redisstore.Store, svc *services, kind models.Kind, folds int, log *zap.Logger) error {
	c, readAt, err := storeCorpus(ctx, st, svc)
	if err != nil {
		return err
	}
	m, err := measured(ctx, c, evaluation.Options{Train: models.TrainOptions{Kind: kind}, ValidationFolds: folds},
		func(err error) { log.Warn("model not measured", zap.String("reason", candor.ErrorMessage(err))) })
	if err != nil {
		return err
	}
	m.Meta.DataReadAt = readAt
	v, err := svc.models.Publish(ctx, m, true)
	if err != nil {
		return err
	}
	log.Info("model live", zap.String("version", v), zap.Time("data_read_at", readAt), zap.Int("items", m.NumItems()), zap.Int("interactions", c.Interactions()),
		zap.Float64("train_seconds", m.Meta.TrainSeconds), zap.String("scoring", m.Scoring().String()), zap.Any("metrics", m.Meta.Metrics))
	return nil
}

// firstModelFolds is the validation folds of a server's first model: until
// it is live, recommendations are refused, so it is validated on one fold
// (on the demo's data 3 s rather than 6); the scheduled retrains that
// follow validate as `candor train` does.
const firstModelFolds = 1

// loadOrTrain loads the live model version from the store; when there is
// none yet, it trains the first one.
func loadOrTrain(ctx context.Context, st *redisstore.Store, svc *services, log *zap.Logger) error {
	err := svc.models.Reload(ctx)
	if candor.ErrorCode(err) == candor.ENotFound {
		return trainAndPublish(ctx, st, svc, models.KindItemKNN, firstModelFolds, log)
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
