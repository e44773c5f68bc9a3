package redisstore

import (
	"context"
	"encoding/json"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/recommend"
)

var _ recommend.ModelStore = (*Store)(nil)

func (k keys) modelInfos() string { return k.shared() + ":models" }
func (k keys) liveModel() string  { return k.shared() + ":model:live" }

// PutModel stores an artifact and its description.
func (s *Store) PutModel(ctx context.Context, info recommend.ModelInfo, artifact []byte) error {
	b, err := json.Marshal(info)
	if err != nil {
		return candor.Wrap("redisstore.PutModel", err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.keys.modelKey(info.Version), artifact, 0)
		p.HSet(ctx, s.keys.modelInfos(), info.Version, b)
		return nil
	})
	return translate("redisstore.PutModel", err)
}

// ModelInfos lists the stored versions.
func (s *Store) ModelInfos(ctx context.Context) ([]recommend.ModelInfo, error) {
	m, err := s.rdb.HGetAll(ctx, s.keys.modelInfos()).Result()
	if err != nil {
		return nil, translate("redisstore.ModelInfos", err)
	}
	out := make([]recommend.ModelInfo, 0, len(m))
	for _, v := range m {
		var info recommend.ModelInfo
		if json.Unmarshal([]byte(v), &info) == nil {
			out = append(out, info)
		}
	}
	return out, nil
}

// SetLiveModel makes version live and tells every replica.
func (s *Store) SetLiveModel(ctx context.Context, version string) error {
	ok, err := s.rdb.HExists(ctx, s.keys.modelInfos(), version).Result()
	if err != nil {
		return translate("redisstore.SetLiveModel", err)
	}
	if !ok {
		return candor.Errorf(candor.ENotFound, "No model version %q; see GET /v1/models.", version)
	}
	if err := s.rdb.Set(ctx, s.keys.liveModel(), version, 0).Err(); err != nil {
		return translate("redisstore.SetLiveModel", err)
	}
	return s.Publish(ctx, TopicModel)
}

// LiveModel returns the live version and its artifact.
func (s *Store) LiveModel(ctx context.Context) (string, []byte, error) {
	v, err := s.rdb.Get(ctx, s.keys.liveModel()).Result()
	if err != nil {
		return "", nil, translate("redisstore.LiveModel", err)
	}
	b, err := s.rdb.Get(ctx, s.keys.modelKey(v)).Bytes()
	if err != nil {
		return "", nil, translate("redisstore.LiveModel", err)
	}
	return v, b, nil
}

// Model returns a stored version's artifact.
func (s *Store) Model(ctx context.Context, version string) ([]byte, error) {
	b, err := s.rdb.Get(ctx, s.keys.modelKey(version)).Bytes()
	if err == redis.Nil {
		return nil, candor.Errorf(candor.ENotFound, "No model version %q; see GET /v1/models.", version)
	}
	return b, translate("redisstore.Model", err)
}
