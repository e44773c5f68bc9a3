package main

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/redisstore"
)

func TestConsentVerifyCommand(t *testing.T) {
	db := redistest.New(t)
	if !db.Real() {
		t.Skip("consent verify needs REDIS_URL")
	}
	ctx := context.Background()
	svc := consent.NewService(redisstore.New(db.Client, db.Namespace), consent.Config{PolicyVersion: 1})
	if _, err := svc.Put(ctx, "v1", consent.Change{Preset: consent.PresetFull}, "", false); err != nil {
		t.Fatal(err)
	}
	args := []string{"candor", "--redis-url", os.Getenv("REDIS_URL"), "--redis-timeout", "5s", "--namespace", db.Namespace, "consent", "verify", "--customer", "v1"}
	out := &syncBuffer{}
	if err := run(ctx, args, out, io.Discard); err != nil || !strings.Contains(out.String(), "chain valid") {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	key := db.Namespace + ":{c:v1}:consent:log"
	entries := db.Client.LRange(ctx, key, 0, -1).Val()
	db.Client.LRem(ctx, key, 1, entries[1]) // remove entry 2: entry 3 no longer follows the one before it
	out.b.Reset()
	err := run(ctx, args, out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "broken at entry 3, the first marked BAD above (6 entries)") || !strings.Contains(out.String(), "BAD    3 ") {
		t.Errorf("tampered log: err = %v, want broken at entry 3, the one marked BAD in:\n%s", err, out)
	}
}

// `candor consent recount` rebuilds the count of customers per level.
func TestConsentRecountCommand(t *testing.T) {
	db := redistest.New(t)
	ctx := context.Background()
	svc := consent.NewService(redisstore.New(db.Client, db.Namespace), consent.Config{PolicyVersion: 1})
	for id, p := range map[string]string{"n1": consent.PresetFull, "n2": consent.PresetNone} {
		if _, err := svc.Put(ctx, id, consent.Change{Preset: p}, "", false); err != nil {
			t.Fatal(err)
		}
	}
	db.Client.Del(ctx, db.Namespace+":trust:levels")
	out := &syncBuffer{}
	args := []string{"candor", "--redis-url", redisURL(db), "--namespace", db.Namespace, "consent", "recount"}
	if err := run(ctx, args, out, io.Discard); err != nil || !strings.Contains(out.String(), "full 1, partial 0, none 1 (0 customers fixed)") {
		t.Fatalf("recount: %v\n%s", err, out)
	}
	if got := db.Client.HGetAll(ctx, db.Namespace+":trust:levels").Val(); got["full"] != "1" || got["none"] != "1" {
		t.Errorf("levels after recount: %v", got)
	}
}

// `candor migrate` turns a consent log kept as a stream by an earlier
// version into the list, and says how many it turned.
func TestMigrateTurnsStreamLogs(t *testing.T) {
	db := redistest.New(t)
	ctx := context.Background()
	svc := consent.NewService(redisstore.New(db.Client, db.Namespace), consent.Config{PolicyVersion: 1})
	if _, err := svc.Put(ctx, "l1", consent.Change{Preset: consent.PresetBasic}, "", false); err != nil {
		t.Fatal(err)
	}
	key := db.Namespace + ":{c:l1}:consent:log"
	entries := db.Client.LRange(ctx, key, 0, -1).Val()
	db.Client.Del(ctx, key)
	for _, e := range entries { // as the version before wrote it
		f := strings.Split(e, "\n")
		db.Client.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: []any{"seq", f[0], "scope", f[1], "record", f[2], "prev", f[3], "hash", f[4]}})
	}
	out := &syncBuffer{}
	args := []string{"candor", "--redis-url", redisURL(db), "--namespace", db.Namespace, "migrate"}
	if err := run(ctx, args, out, io.Discard); err != nil || !strings.Contains(out.String(), "turned 1 consent logs from streams into lists") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	if got := db.Client.LRange(ctx, key, 0, -1).Val(); len(entries) == 0 || strings.Join(got, "|") != strings.Join(entries, "|") {
		t.Errorf("the log after migrate: %q, want %q", got, entries)
	}
	if h, err := svc.History(ctx, "l1"); err != nil || !h.ChainValid {
		t.Errorf("history after migrate: %+v, %v", h, err)
	}
}
