package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"
)

// With --cpuprofile, the goroutine answering a request carries the phase
// being sent and side=server, and the load generator's goroutines the
// phase and side=generator, so a profile of one run reads a phase at a
// time; without it nothing is labelled. The labels are read as the
// profiler reads them: the goroutine profile, from inside the handler.
func TestProfileLabels(t *testing.T) {
	for _, labelled := range []bool{true, false} {
		var (
			mu   sync.Mutex
			seen = map[string]bool{} // label sets of goroutines, while requests were answered
		)
		w := &world{labelled: labelled, setLabels: pprof.SetGoroutineLabels}
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			var b strings.Builder
			_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
			mu.Lock()
			defer mu.Unlock()
			for _, l := range strings.Split(b.String(), "\n") {
				if set, ok := strings.CutPrefix(l, "# labels: "); ok {
					seen[set] = true
				}
			}
		}))
		srv.Config.ConnState = w.connState // as serve sets it with --cpuprofile; a no-op without
		srv.Start()
		b := &bench{world: w, labelled: labelled}
		for _, name := range []string{"recommendations-h500", "readyz"} {
			p := phase{name: name, base: srv.URL, rate: 20, duration: 300 * time.Millisecond, path: func(uint64) string { return "/" }}
			if r := b.attack(context.Background(), p, window{}); r.Requests == 0 || r.Errors > 0 {
				t.Fatalf("%s: %d requests, %d errors (%s)", name, r.Requests, r.Errors, r.FirstError)
			}
		}
		srv.Close()
		mu.Lock()
		for _, name := range []string{"recommendations-h500", "readyz"} {
			for _, side := range []string{"server", "generator"} {
				set := `{"phase":"` + name + `", "side":"` + side + `"}`
				if seen[set] != labelled {
					t.Errorf("labelled %v: goroutines labelled %s seen %v; all seen: %v", labelled, set, seen[set], seen)
				}
			}
		}
		if !labelled && len(seen) > 0 {
			t.Errorf("labels without --cpuprofile: %v", seen)
		}
		mu.Unlock()
	}
}
