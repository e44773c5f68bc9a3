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

// modelUpload holds an artifact while its pieces arrive; PutModel renames
// it to modelKey. It expires after uploadTTL if the upload is abandoned.
func (k keys) modelUpload(v string) string { return k.shared() + ":upload:" + v }

// PutModel stores an artifact and its description. The artifact is
// uploaded in pieces under a temporary key (see large.go), then renamed
// into place together with the description in one MULTI, so readers see
// the version whole or not at all; a commit whose answer was lost is
// checked rather than reported as failed.
func (s *Store) PutModel(ctx context.Context, info recommend.ModelInfo, artifact []byte) error {
	const op = "redisstore.PutModel"
	b, err := json.Marshal(info)
	if err != nil {
		return candor.Wrap(op, err)
	}
	tmp, dst := s.keys.modelUpload(info.Version), s.keys.modelKey(info.Version)
	if err := s.writePieces(ctx, tmp, artifact); err != nil {
		return translate(op, err)
	}
	commit := func(ctx context.Context) error {
		_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Rename(ctx, tmp, dst)
			p.Persist(ctx, dst)
			p.HSet(ctx, s.keys.modelInfos(), info.Version, b)
			return nil
		})
		return err
	}
	landed := func(ctx context.Context) (bool, error) {
		stored, err := s.rdb.HGet(ctx, s.keys.modelInfos(), info.Version).Result()
		if err == redis.Nil {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		n, err := s.rdb.StrLen(ctx, dst).Result()
		return stored == string(b) && n == int64(len(artifact)), err
	}
	return translate(op, s.confirm(ctx, commit, landed))
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

// SetLiveModel makes version live and tells every replica. Both writes are
// idempotent and retried when Redis does not answer in time.
func (s *Store) SetLiveModel(ctx context.Context, version string) error {
	ok, err := s.rdb.HExists(ctx, s.keys.modelInfos(), version).Result()
	if err != nil {
		return translate("redisstore.SetLiveModel", err)
	}
	if !ok {
		return candor.Errorf(candor.ENotFound, "No model version %q; see GET /v1/models.", version)
	}
	if err := s.retry(ctx, func(ctx context.Context) error { return s.rdb.Set(ctx, s.keys.liveModel(), version, 0).Err() }); err != nil {
		return translate("redisstore.SetLiveModel", err)
	}
	return translate("redisstore.SetLiveModel", s.retry(ctx, func(ctx context.Context) error {
		return s.rdb.Publish(ctx, s.keys.events(), TopicModel).Err()
	}))
}

// LiveModel returns the live version and its artifact, read in pieces.
func (s *Store) LiveModel(ctx context.Context) (string, []byte, error) {
	v, err := s.rdb.Get(ctx, s.keys.liveModel()).Result()
	if err != nil {
		return "", nil, translate("redisstore.LiveModel", err)
	}
	b, err := s.readPieces(ctx, s.keys.modelKey(v))
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
