package main

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

func TestEvalCommandJSON(t *testing.T) {
	out := &syncBuffer{}
	err := run(context.Background(), []string{"candor", "eval", "--data", "testdata/ml-mini", "--model", "itemknn", "--json"}, out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(out.String())), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, k := range []string{"model", "ndcg_at_k", "precision_at_k", "recall_at_k", "map_at_k", "coverage", "train_seconds"} {
		if _, ok := r[k]; !ok {
			t.Errorf("eval --json lacks %s: %s", k, out)
		}
	}
	if err := run(context.Background(), []string{"candor", "eval", "--data", t.TempDir()}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "ratings.csv") {
		t.Errorf("unknown layout: %v", err)
	}
}

func TestEvalRefusesFoldsOutOfRange(t *testing.T) {
	for _, folds := range []string{"-1", "11"} {
		err := run(context.Background(), []string{"candor", "eval", "--data", "testdata/ml-mini", "--validation-folds", folds}, io.Discard, io.Discard)
		if want := "--validation-folds " + folds + ": must be 0 (the default) to 10"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--validation-folds %s: %v, want %q", folds, err, want)
		}
	}
}
