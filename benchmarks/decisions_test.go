package benchmarks

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/candorhq/candor/recommend"
)

// captured is a DecisionStore that keeps what a writer sends it.
type captured struct {
	mu   sync.Mutex
	recs []recommend.DecisionRecord
}

func (c *captured) AppendDecisions(_ context.Context, recs []recommend.DecisionRecord, _ recommend.Retention) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recs = append(c.recs, recs...)
	return nil
}

func (c *captured) Decision(context.Context, string, string) (recommend.DecisionRecord, error) {
	return recommend.DecisionRecord{}, nil
}

func (c *captured) Decisions(context.Context, string) ([]recommend.DecisionRecord, error) {
	return nil, nil
}

// BenchmarkDecisionAppend is the decision writer's Redis side alone: the
// records of real answers (history 50 and 500, the writer's encoding)
// appended in the writer's batches of up to 256, one decision_append.lua
// call each. On real Redis it reports the server's CPU per record
// (redis-µs/op, INFO commandstats) and the record's bytes.
func BenchmarkDecisionAppend(b *testing.B) {
	for _, h := range []int{50, 500} {
		b.Run(fmt.Sprintf("history=%d", h), func(b *testing.B) {
			w := newRecWorldOf(b, 10000, 300, h)
			ctx := context.Background()
			sink := &captured{}
			wr := recommend.NewWriter(sink, recommend.Retention{}, len(w.customers))
			for _, c := range w.customers {
				resp, err := w.svc.Recommend(ctx, recommend.Request{CustomerID: c, N: 10})
				if err != nil {
					b.Fatal(err)
				}
				wr.Record(resp)
			}
			done, cancel := context.WithCancel(ctx)
			cancel()
			wr.Run(done) // drains the queue into sink
			recs, bytes := sink.recs, 0
			for _, r := range recs {
				bytes += len(r.Record) + len(r.Evidence)
			}
			before, n := evalUsec(b, w.stack), 0
			batch := make([]recommend.DecisionRecord, 0, 256)
			for b.Loop() {
				batch = append(batch, recs[n%len(recs)])
				n++
				if len(batch) == cap(batch) {
					if err := w.store.AppendDecisions(ctx, batch, recommend.Retention{}); err != nil {
						b.Fatal(err)
					}
					batch = batch[:0]
				}
			}
			if err := w.store.AppendDecisions(ctx, batch, recommend.Retention{}); err != nil {
				b.Fatal(err)
			}
			if after := evalUsec(b, w.stack); after >= 0 && before >= 0 {
				b.ReportMetric((after-before)/float64(n), "redis-µs/op")
			}
			b.ReportMetric(float64(bytes)/float64(len(recs)), "record-B")
		})
	}
}
