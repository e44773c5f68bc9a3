package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestWritesTheShape: the files hold exactly the items, customers and
// interactions asked for, each interaction a distinct (customer, item)
// of the catalogue, within its feature set's retention.
func TestWritesTheShape(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	args := []string{"--out", dir, "--items", "500", "--customers", "200", "--interactions", "6000", "--categories", "12"}
	if err := run(args, io.Discard, now); err != nil {
		t.Fatal(err)
	}
	items := map[string]bool{}
	lines(t, filepath.Join(dir, "items.jsonl"), func(m map[string]any) { items[m["id"].(string)] = true })
	customers := 0
	lines(t, filepath.Join(dir, "consent.jsonl"), func(map[string]any) { customers++ })
	pairs, ids := map[[2]string]bool{}, map[string]bool{}
	lines(t, filepath.Join(dir, "events.jsonl"), func(m map[string]any) {
		item, cust := m["item"].(string), m["customer"].(string)
		if !items[item] {
			t.Fatalf("event of item %q outside the catalogue", item)
		}
		at, err := time.Parse(time.RFC3339, m["time"].(string))
		if err != nil {
			t.Fatal(err)
		}
		keep := map[string]time.Duration{"view": 90 * 24 * time.Hour, "purchase": 730 * 24 * time.Hour}[m["type"].(string)]
		if age := now.Sub(at); age <= 0 || age >= keep {
			t.Fatalf("%s %v old, outside (0, %v)", m["type"], age, keep)
		}
		pairs[[2]string{cust, item}] = true
		ids[m["event_id"].(string)] = true
	})
	if len(items) != 500 || customers != 200 || len(pairs) != 6000 || len(ids) != 6000 {
		t.Errorf("%d items, %d customers, %d distinct interactions, %d event IDs; want 500, 200, 6000, 6000", len(items), customers, len(pairs), len(ids))
	}
}

func lines(tb testing.TB, path string, each func(map[string]any)) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		each(m)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
}
