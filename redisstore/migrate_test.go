package redisstore

import (
	"context"
	"testing"

	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/versioned"
)

// Keys written under the names before the {shared} tag move to the names
// the store reads now; a key already under its new name is not replaced;
// other keys are not touched; a second run moves nothing.
func TestMigrateSharedMovesOldNames(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		ns := db.Namespace
		old := map[string]string{ns + ":rules:default:draft": "draft", ns + ":actions:live": "3", ns + ":model:live": "v1", ns + ":audit": "x"}
		for k, v := range old {
			if err := db.Client.Set(ctx, k, v, 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
		db.Client.Set(ctx, st.keys.liveModel(), "v2", 0)       // already migrated: kept
		db.Client.HSet(ctx, st.keys.actionResponses(), "x", 1) // never shared: untouched
		n, err := st.MigrateShared(ctx)
		if err != nil || n != 3 {
			t.Fatalf("moved %d, %v; want 3", n, err)
		}
		for k, want := range map[string]string{st.keys.docDraft(versioned.Ref{Kind: "rules", Name: "default"}): "draft", st.keys.docLive(versioned.Ref{Kind: "actions"}): "3", st.keys.liveModel(): "v2", st.keys.audit(): "x"} {
			if got, _ := db.Client.Get(ctx, k).Result(); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		if n, _ := db.Client.Exists(ctx, ns+":rules:default:draft", ns+":actions:live", ns+":audit").Result(); n != 0 {
			t.Errorf("%d old keys left", n)
		}
		if n, _ := db.Client.Exists(ctx, st.keys.actionResponses()).Result(); n != 1 {
			t.Error("the response totals moved")
		}
		if n, err := st.MigrateShared(ctx); err != nil || n != 0 {
			t.Errorf("second run moved %d, %v", n, err)
		}
	})
}
