package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/candorhq/candor/internal/redistest"
)

// writeMovieLens writes a generated MovieLens CSV dataset into train and
// test directories, split per user 75/25: users in four taste groups rate
// mostly movies of their group's genres, so a personal model has something
// to learn.
func writeMovieLens(t *testing.T, train, test string, users, movies int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(17, 17))
	genres := []string{"Drama", "Comedy", "Sci-Fi", "Horror"}
	var mv strings.Builder
	mv.WriteString("movieId,title,genres\n")
	for m := 1; m <= movies; m++ {
		fmt.Fprintf(&mv, "%d,\"Movie %d, The (19%02d)\",%s|%s\n", m, m, m%100, genres[m%4], genres[(m/4)%4])
	}
	var tr, te strings.Builder
	tr.WriteString("userId,movieId,rating,timestamp\n")
	te.WriteString("userId,movieId,rating,timestamp\n")
	for u := 1; u <= users; u++ {
		seen := map[int]bool{}
		var rows []string
		for n := 8 + rng.IntN(40); len(rows) < n; {
			m := 1 + 4*rng.IntN(movies/4) + u%4 // the user's group
			if rng.IntN(5) == 0 {
				m = 1 + rng.IntN(movies)
			}
			if m > movies || seen[m] {
				continue
			}
			seen[m] = true
			rows = append(rows, fmt.Sprintf("%d,%d,%.1f,%d\n", u, m, float64(1+rng.IntN(10))/2, 1e9+rng.IntN(4e8)))
		}
		for k, r := range rows {
			if k%4 == 3 {
				te.WriteString(r)
			} else {
				tr.WriteString(r)
			}
		}
	}
	for dir, files := range map[string][2]string{train: {tr.String(), mv.String()}, test: {te.String(), ""}} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		_ = os.WriteFile(filepath.Join(dir, "ratings.csv"), []byte(files[0]), 0o644)
		if files[1] != "" {
			_ = os.WriteFile(filepath.Join(dir, "movies.csv"), []byte(files[1]), 0o644)
		}
	}
}

// TestServedEqualsEvaluated is the one-scorer guarantee end to end: after
// `candor import` of a training part and `candor train` from the store,
// GET /v1/recommendations returns for every customer exactly the top 10
// that `candor eval` scores for that customer on the same split.
func TestServedEqualsEvaluated(t *testing.T) {
	db := redistest.New(t)
	url := os.Getenv("REDIS_URL")
	if !db.Real() {
		url = "redis://" + db.Mini.Addr()
	}
	dir := t.TempDir()
	train, test := filepath.Join(dir, "train"), filepath.Join(dir, "test")
	writeMovieLens(t, train, test, 120, 100)
	base := []string{"candor", "--redis-url", url, "--redis-timeout", "5s", "--namespace", db.Namespace}
	ctx := context.Background()
	for _, args := range [][]string{{"import", "movielens", train}, {"train"}} {
		if err := run(ctx, append(base, args...), io.Discard, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	out := &syncBuffer{}
	if err := run(ctx, append(base, "keys", "create", "--role", "site", "--name", "q"), out, io.Discard); err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`cnd_\S+`).FindString(out.String())
	lists := filepath.Join(dir, "lists.tsv")
	if err := run(ctx, []string{"candor", "eval", "--data", train, "--holdout", test, "--lists", lists}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	want := readLists(t, lists)
	if len(want) < 100 {
		t.Fatalf("eval listed %d customers", len(want))
	}
	srv := startServer(t, "--redis-url", url, "--namespace", db.Namespace)
	personal := 0
	for customer, items := range want {
		code, body := get(t, srv.url+"/v1/recommendations?n=10&customer_id="+customer, key)
		var resp struct {
			Fallback struct {
				Active bool `json:"active"`
			} `json:"fallback"`
			Items []struct {
				ItemID  string `json:"item_id"`
				Reasons []struct {
					FeatureSet string `json:"feature_set"`
				} `json:"reasons"`
			} `json:"items"`
		}
		if code != 200 || json.Unmarshal([]byte(body), &resp) != nil || resp.Fallback.Active {
			t.Fatalf("%s: %d %s", customer, code, body)
		}
		var got []string
		for _, it := range resp.Items {
			got = append(got, it.ItemID)
			if it.Reasons[0].FeatureSet == "purchases" {
				personal++
			}
		}
		if !slices.Equal(got, items) {
			t.Errorf("%s: served %v, evaluated %v", customer, got, items)
		}
	}
	if personal < 5*len(want) {
		t.Errorf("only %d of %d items lead with a personal reason", personal, 10*len(want))
	}
}

func readLists(t *testing.T, path string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for line := range strings.Lines(string(b)) {
		c, items, _ := strings.Cut(strings.TrimSpace(line), "\t")
		out[c] = strings.Split(items, ",")
	}
	return out
}
