package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/trust"
)

// Totals add up across writers (replicas), name no one, and expire
// trust.Keep after their hour.
func TestTrustTotalsAddUpAndExpire(t *testing.T) {
	db := redistest.New(t)
	ctx := context.Background()
	st := New(db.Client, db.Namespace)
	hour := time.Now().UTC().Truncate(time.Hour)
	for range 2 {
		if err := st.AddTrust(ctx, hour, map[string]int64{"rec:full": 3, "withdrawal:shown": 1}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.Trust(ctx, []time.Time{hour.Add(-time.Hour), hour})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[0]) != 0 || got[1]["rec:full"] != 6 || got[1]["withdrawal:shown"] != 2 {
		t.Errorf("totals = %v", got)
	}
	ttl := db.Client.PTTL(ctx, st.keys.trust(hour.Unix())).Val()
	if want := time.Until(hour.Add(trust.Keep)); ttl <= 0 || ttl > want+time.Second || ttl < want-time.Minute {
		t.Errorf("TTL %v, want about %v", ttl, want)
	}
}
