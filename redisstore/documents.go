package redisstore

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/versioned"
)

var _ versioned.Store = (*Store)(nil)

var scriptPublish = plain("publish.lua")

// DocDraft implements versioned.Store.
func (s *Store) DocDraft(ctx context.Context, doc versioned.Ref) ([]byte, error) {
	b, err := s.rdb.Get(ctx, s.keys.docDraft(doc)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, candor.Errorf(candor.ENotFound, "There is no draft.")
	}
	return b, translate("redisstore.Draft", err)
}

// PutDocDraft implements versioned.Store.
func (s *Store) PutDocDraft(ctx context.Context, doc versioned.Ref, body []byte) error {
	return translate("redisstore.PutDraft", s.rdb.Set(ctx, s.keys.docDraft(doc), body, 0).Err())
}

// PublishDoc implements versioned.Store with one script (lua/publish.lua)
// that also announces doc.Kind, so a version never goes live unannounced.
// The document's keys and the audit stream share the {shared} hash tag, so
// the script runs on Redis Cluster too.
func (s *Store) PublishDoc(ctx context.Context, doc versioned.Ref, n int, body, entry []byte) error {
	const op = "redisstore.Publish"
	ks := []string{s.keys.docVersions(doc), s.keys.docLive(doc), s.keys.audit()}
	res, err := scriptPublish.Run(ctx, s.rdb, ks, n, body, doc.Kind, doc.Name, entry, s.keys.events()).Slice()
	if err != nil {
		return translate(op, err)
	}
	if len(res) != 2 {
		return &candor.Error{Code: candor.EInternal, Op: op, Err: errors.New("unexpected script reply")}
	}
	if ok, _ := res[0].(int64); ok != 1 {
		return candor.Errorf(candor.EConflict, "Version %d cannot be published: the newest version is %v now; reload and try again.", n, res[1])
	}
	return nil
}

// LiveDoc implements versioned.Store.
func (s *Store) LiveDoc(ctx context.Context, doc versioned.Ref) ([]byte, error) {
	n, err := s.rdb.Get(ctx, s.keys.docLive(doc)).Int()
	if errors.Is(err, redis.Nil) {
		return nil, candor.Errorf(candor.ENotFound, "Nothing was published.")
	}
	if err != nil {
		return nil, translate("redisstore.Live", err)
	}
	return s.DocVersion(ctx, doc, n)
}

// DocVersion implements versioned.Store.
func (s *Store) DocVersion(ctx context.Context, doc versioned.Ref, n int) ([]byte, error) {
	b, err := s.rdb.HGet(ctx, s.keys.docVersions(doc), strconv.Itoa(n)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, candor.Errorf(candor.ENotFound, "There is no version %d.", n)
	}
	return b, translate("redisstore.Version", err)
}

// DocVersions implements versioned.Store.
func (s *Store) DocVersions(ctx context.Context, doc versioned.Ref) ([][]byte, error) {
	m, err := s.rdb.HGetAll(ctx, s.keys.docVersions(doc)).Result()
	if err != nil {
		return nil, translate("redisstore.Versions", err)
	}
	ns := make([]int, 0, len(m))
	for k := range m {
		n, err := strconv.Atoi(k)
		if err != nil {
			return nil, &candor.Error{Code: candor.EInternal, Op: "redisstore.Versions", Err: err}
		}
		ns = append(ns, n)
	}
	slices.Sort(ns)
	out := make([][]byte, len(ns))
	for i, n := range ns {
		out[i] = []byte(m[strconv.Itoa(n)])
	}
	return out, nil
}
