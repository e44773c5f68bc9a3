package redistest

import (
	"context"
	"strings"
	"testing"
)

func TestNamespacesAreIsolatedAndCleaned(t *testing.T) {
	Each(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		var other *DB
		t.Run("inner", func(t *testing.T) {
			other = New(t)
			if other.Namespace == db.Namespace {
				t.Fatal("two tests got the same namespace")
			}
			if err := other.Client.Set(ctx, other.Namespace+":k", "v", 0).Err(); err != nil {
				t.Fatal(err)
			}
			if got := other.Keys(t); len(got) != 1 || !strings.HasSuffix(got[0], ":k") {
				t.Fatalf("Keys = %v, want one key", got)
			}
		})
		if other.Real() {
			n, err := db.Client.Exists(ctx, other.Namespace+":k").Result()
			if err != nil || n != 0 {
				t.Errorf("key of finished test still exists: n=%d err=%v", n, err)
			}
		}
	})
}
