package main

import (
	"context"
	"testing"
	"time"

	"github.com/candorhq/candor/recommend"
)

type countingDecisions struct{ customers []string }

func (c *countingDecisions) AppendDecisions(_ context.Context, recs []recommend.DecisionRecord, _ recommend.Retention) error {
	for _, r := range recs {
		c.customers = append(c.customers, r.CustomerID)
	}
	return nil
}

func (c *countingDecisions) Decision(context.Context, string, string) (recommend.DecisionRecord, error) {
	return recommend.DecisionRecord{}, nil
}

func (c *countingDecisions) Decisions(context.Context, string) ([]recommend.DecisionRecord, error) {
	return nil, nil
}

// An erased notice from another replica makes this replica's writer drop
// the customer's queued decisions; other topics are not taken for one.
func TestErasedNoticeDropsQueuedDecisions(t *testing.T) {
	store := &countingDecisions{}
	w := recommend.NewWriter(store, recommend.Retention{}, 10)
	made := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	w.Record(&recommend.Response{CustomerID: "c:1", Time: made.Format(time.RFC3339Nano)})
	w.Record(&recommend.Response{CustomerID: "other", Time: made.Format(time.RFC3339Nano)})
	for topic, want := range map[string]bool{"rules": false, "erased:bad": true, "erased:" + "1795600860000" + ":c:1": true} {
		if got := forgetErased(w, topic); got != want {
			t.Errorf("forgetErased(%q) = %v, want %v", topic, got, want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w.Run(ctx)
	if len(store.customers) != 1 || store.customers[0] != "other" {
		t.Errorf("written for %v, want only other", store.customers)
	}
}
