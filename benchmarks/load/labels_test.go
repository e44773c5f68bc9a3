package main

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"runtime/pprof"
	"sync"
	"testing"
	"time"
)

// With --cpuprofile, a connection's goroutine is labelled with the phase
// being sent when a request on it becomes active, and side=server, so a
// profile of one run reads a phase at a time; without it nothing is
// labelled.
func TestProfileLabels(t *testing.T) {
	for _, labelled := range []bool{true, false} {
		var (
			mu  sync.Mutex
			got = map[string]int{}
		)
		w := &world{labelled: labelled, setLabels: func(ctx context.Context) {
			phase, _ := pprof.Label(ctx, "phase")
			side, _ := pprof.Label(ctx, "side")
			mu.Lock()
			got[phase+"/"+side]++
			mu.Unlock()
		}}
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		if labelled {
			srv.Config.ConnState = w.connState
		}
		srv.Start()
		b := &bench{world: w}
		sent := map[string]int{}
		for _, name := range []string{"recommendations-h500", "readyz"} {
			p := phase{name: name, base: srv.URL, rate: 20, duration: 300 * time.Millisecond, path: func(uint64) string { return "/" }}
			if r := b.attack(context.Background(), p, window{}); r.Requests == 0 || r.Errors > 0 {
				t.Fatalf("%s: %d requests, %d errors (%s)", name, r.Requests, r.Errors, r.FirstError)
			} else {
				sent[name+"/server"] = int(r.Requests)
			}
		}
		srv.Close()
		mu.Lock()
		if labelled && !maps.Equal(got, sent) {
			t.Errorf("labels set, by phase: %v; want one a request sent: %v", got, sent)
		}
		if !labelled && len(got) != 0 {
			t.Errorf("labels set without --cpuprofile: %v", got)
		}
		mu.Unlock()
	}
}
