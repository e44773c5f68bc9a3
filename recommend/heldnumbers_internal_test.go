package recommend

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/recommend/recommendtest"
)

// A set's evidence found by its model numbers is written exactly as when
// found by its IDs: whatever the lists, whichever of their reasons come
// with numbers (a reason without turns the rest to the IDs' map), in a
// scratch reused from one record to the next, and a reason naming an ID
// twice is refused either way.
func TestHeldEvidenceFoundByNumber(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	pool := make([]string, 300)
	number := map[string]int32{}
	for i, n := range rng.Perm(5000)[:len(pool)] {
		pool[i] = fmt.Sprintf("sku-%d", rng.IntN(1_000_000)*1000+i)
		number[pool[i]] = int32(n)
	}
	reused := &heldLists{}
	for round := range 400 {
		lists := make([][]string, 1+rng.IntN(8))
		for i := range lists {
			for range rng.IntN(60) {
				lists[i] = append(lists[i], pool[rng.IntN(len(pool))])
			}
			if rng.IntN(8) > 0 {
				lists[i] = compactUnsorted(lists[i])
			}
		}
		named, byNumber := &heldLists{}, reused
		mode := round % 3 // 0: every list with numbers, 1: some, 2: none
		for i, l := range lists {
			var nums []int32
			if mode == 0 || mode == 1 && rng.IntN(2) == 0 {
				for _, id := range l {
					nums = append(nums, number[id])
				}
			}
			okNamed, okNumbered := named.add(l, nil), byNumber.add(l, nums)
			if okNamed != okNumbered {
				t.Fatalf("round %d, list %d %v: accepted by ID %v, by number %v", round, i, l, okNamed, okNumbered)
			}
			if !okNamed {
				lists = lists[:i]
				break
			}
		}
		if !named.used {
			reused.reset()
			continue
		}
		if mode == 0 && byNumber.named {
			t.Fatalf("round %d: every list came with numbers, but the set was found by the map", round)
		}
		want := bytes.Clone(named.encode())
		if got := byNumber.encode(); !bytes.Equal(got, want) {
			t.Fatalf("round %d (mode %d): found by number\n%x\nby ID\n%x", round, mode, got, want)
		}
		reused.reset()
	}
}

// Numbers the index cannot take (negative, past maxByItem) or that are
// not one per ID turn the set to the map, with the same bytes as the map
// alone; the index never grows past maxByItem.
func TestHeldEvidenceNumbersTheIndexRefuses(t *testing.T) {
	ids := []string{"a", "b", "c", "d"}
	for _, tc := range []struct {
		name  string
		items [][]int32 // per list, the numbers of ids[:len] (one per ID but in "one number for two IDs")
	}{
		{"negative", [][]int32{{1, 2}, {1, -1, 3}}},
		{"past the bound", [][]int32{{1, 2}, {maxByItem, 2}}},
		{"at the bound", [][]int32{{maxByItem/2 + 1, 7}, {maxByItem/2 + 1, 7, maxByItem - 1}}}, // doubling would pass the bound
		{"one number for two IDs", [][]int32{{1, 2, 3}, {1, 2, 2, 4}}},
		{"taken back mid-list", [][]int32{{5, 6}, {5, 6, 6}, {5, 6, 7, 8}}},
	} {
		named, byNumber := &heldLists{}, &heldLists{}
		for _, nums := range tc.items {
			l := ids[:len(nums)]
			if named.add(l, nil) != byNumber.add(l, nums) {
				t.Fatalf("%s: %v accepted one way only", tc.name, l)
			}
		}
		if got, want := byNumber.encode(), named.encode(); !bytes.Equal(got, want) {
			t.Errorf("%s: found by number\n%x\nby ID\n%x", tc.name, got, want)
		}
		if len(byNumber.byItem) > maxByItem {
			t.Errorf("%s: an index of %d numbers", tc.name, len(byNumber.byItem))
		}
		if wantNamed := tc.name != "at the bound"; byNumber.named != wantNamed {
			t.Errorf("%s: found by the map %v, want %v", tc.name, byNumber.named, wantNamed)
		}
	}
}

// compactUnsorted drops the repeats of l, keeping first appearances.
func compactUnsorted(l []string) []string {
	var out []string
	for _, id := range l {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// The scorer's answers carry their personal reasons' model numbers, and
// their records are the same with and without them.
func TestRecordsOfAnswersFoundByNumber(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(5, 6))
	cats := []string{"kitchen", "garden", "books", "music", "toys", "health"}
	numbered := 0
	for round := range 60 {
		cat, m := recommendtest.World(uint64(round%5), 120)
		svc := NewService(Deps{Model: func() Model { return m }, Catalog: func() *catalog.Snapshot { return cat },
			Feedback: func(map[string]string) features.FeedbackState { return features.FeedbackState{} }}, Config{})
		st := randomState(rng, now, cats)
		for set, xs := range st.Interactions { // a set holds an item once, as a stored one does
			st.Interactions[set] = slices.CompactFunc(slices.SortedFunc(slices.Values(xs), func(a, b features.Interaction) int {
				return strings.Compare(a.Item, b.Item)
			}), func(a, b features.Interaction) bool { return a.Item == b.Item })
		}
		resp, err := svc.Rank(st, Request{CustomerID: "c", N: 20, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		resp.Time = now.Format(time.RFC3339Nano)
		rec, ev, err := EncodeRecord(resp)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for i := range resp.Items {
			for j := range resp.Items[i].Reasons {
				r := &resp.Items[i].Reasons[j]
				if r.items != nil {
					numbered++
					for k, id := range r.Evidence {
						if m.ItemID(r.items[k]) != id {
							t.Fatalf("round %d: %s's evidence %s has the number of %s", round, resp.Items[i].ItemID, id, m.ItemID(r.items[k]))
						}
					}
				}
				r.items = nil
			}
		}
		rec2, ev2, err := EncodeRecord(resp)
		if err != nil || !bytes.Equal(rec, rec2) || !bytes.Equal(ev, ev2) {
			t.Fatalf("round %d: the record differs without model numbers (%v)", round, err)
		}
	}
	if numbered == 0 {
		t.Fatal("no reason carried model numbers: the test tested nothing")
	}
}
