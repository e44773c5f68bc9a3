package redisstore

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/recommend"
)

// lossyHook lets chosen commands reach Redis and then reports a timeout,
// as when the answer is lost on the way back; it also records the largest
// command it saw.
type lossyHook struct {
	mu      sync.Mutex
	lose    map[string]int // command name → answers still to lose
	largest int            // bytes of the largest command argument
}

func (h *lossyHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *lossyHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.note(cmd)
		err := next(ctx, cmd)
		if h.loses(cmd.Name()) {
			return &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
		}
		return err
	}
}

func (h *lossyHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			h.note(c)
		}
		err := next(ctx, cmds)
		for _, c := range cmds {
			if h.loses(c.Name()) {
				return &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
			}
		}
		return err
	}
}

func (h *lossyHook) note(cmd redis.Cmder) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, a := range cmd.Args() {
		if s, ok := a.(string); ok {
			h.largest = max(h.largest, len(s))
		}
	}
}

func (h *lossyHook) loses(name string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lose[name] > 0 {
		h.lose[name]--
		return true
	}
	return false
}

// TestLargeModelArtifact: a 3 MB artifact is written and read in pieces
// no larger than pieceBytes, and answers lost on the way back (the write
// happened, the client timed out) neither fail the write nor corrupt it.
func TestLargeModelArtifact(t *testing.T) {
	artifact := make([]byte, 3<<20+12345)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range artifact {
		artifact[i] = byte(r.IntN(256))
	}
	for _, tc := range []struct {
		name string
		lose map[string]int
	}{
		{"no loss", nil},
		{"commit answer lost", map[string]int{"exec": 1}},
		{"piece answers lost", map[string]int{"setrange": 2, "getrange": 2}},
		{"publish answer lost", map[string]int{"publish": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := redistest.New(t)
			h := &lossyHook{lose: tc.lose}
			db.Client.AddHook(h)
			st := New(db.Client, db.Namespace)
			ctx := context.Background()
			if err := st.PutModel(ctx, recommend.ModelInfo{Version: "v1", Bytes: len(artifact)}, artifact); err != nil {
				t.Fatalf("PutModel: %v", err)
			}
			if err := st.SetLiveModel(ctx, "v1"); err != nil {
				t.Fatalf("SetLiveModel: %v", err)
			}
			v, got, err := st.LiveModel(ctx)
			if err != nil || v != "v1" || !bytes.Equal(got, artifact) {
				t.Fatalf("LiveModel = %s, %d bytes (equal %v), %v", v, len(got), bytes.Equal(got, artifact), err)
			}
			for name, n := range h.lose {
				if n > 0 {
					t.Errorf("the test never lost the answer of %s", name)
				}
			}
			if h.largest > pieceBytes {
				t.Errorf("a command carried %d bytes, more than a piece (%d)", h.largest, pieceBytes)
			}
			infos, _ := st.ModelInfos(ctx)
			if len(infos) != 1 || infos[0].Version != "v1" {
				t.Errorf("infos = %+v", infos)
			}
			for _, k := range db.Keys(t) {
				if strings.Contains(k, ":upload:") {
					t.Errorf("upload key %s left behind", k)
				}
			}
		})
	}
}

// TestAbandonedUploadExpires: pieces of an upload that never commits are
// not kept forever.
func TestAbandonedUploadExpires(t *testing.T) {
	db := redistest.New(t)
	st := New(db.Client, db.Namespace)
	ctx := context.Background()
	for _, b := range [][]byte{{}, []byte("abc"), bytes.Repeat([]byte("x"), pieceBytes+1)} {
		key := st.keys.modelUpload("abandoned")
		if err := st.writePieces(ctx, key, b); err != nil {
			t.Fatal(err)
		}
		if ttl := db.Client.TTL(ctx, key).Val(); ttl <= 0 || ttl > uploadTTL {
			t.Errorf("%d bytes: TTL %v, want up to %v", len(b), ttl, uploadTTL)
		}
		got, err := st.readPieces(ctx, key)
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("%d bytes read back as %d, %v", len(b), len(got), err)
		}
	}
	if _, err := st.readPieces(ctx, st.keys.modelUpload("none")); err != redis.Nil {
		t.Errorf("missing key: %v, want redis.Nil", err)
	}
}
