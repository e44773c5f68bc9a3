package main

import (
	"context"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/redisstore"
)

func TestImportMovieLens(t *testing.T) {
	db := redistest.New(t)
	if !db.Real() {
		t.Skip("import needs REDIS_URL")
	}
	base := []string{"candor", "--redis-url", os.Getenv("REDIS_URL"), "--redis-timeout", "5s", "--namespace", db.Namespace, "import", "movielens"}
	out := &syncBuffer{}
	if err := run(context.Background(), append(base, "--consent", "mix", "testdata/ml-mini"), out, io.Discard); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`imported (\d+) items, 30 customers \(consent: [^)]*\), 240 ratings \((\d+) stored, (\d+) dropped by the consent gate\), 1 malformed line skipped`).FindStringSubmatch(out.String())
	if m == nil || m[3] == "0" || m[2] == "0" {
		t.Fatalf("summary: %s", out)
	}
	it, err := redisstore.New(db.Client, db.Namespace).GetItem(context.Background(), "m5")
	if err != nil || it.Title != "Movie 5, The (1995)" || strings.Join(it.Category, "/") != "drama/romance" {
		t.Errorf("item m5 = %+v, %v", it, err)
	}
	err = run(context.Background(), append(base, "--strict", "testdata/ml-mini"), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "ratings.csv:") {
		t.Errorf("--strict: err = %v, want file:line", err)
	}
	if err := run(context.Background(), append(base, t.TempDir()), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "ratings.csv") {
		t.Errorf("unknown layout: err = %v, want it to name the expected files", err)
	}
}
