package models

import (
	"maps"
	"slices"
	"testing"
	"time"
)

func TestInteractionWeights(t *testing.T) {
	day := int64(24 * 3600)
	d := &Data{Items: []string{"a", "b"}, Users: 2, Rows: []Row{
		{User: 0, Item: 0, Value: 1, Unix: 10 * day},
		{User: 0, Item: 0, Value: 0.5, Unix: 9 * day},
		{User: 1, Item: 1, Value: 2, Unix: 8 * day},
		{User: 1, Item: 0, Value: 0, Unix: 10 * day},
	}}
	tests := []struct {
		name string
		w    weighting
		want map[[2]int32]float32 // (user, item) → weight; absent = no pair
	}{
		{"latest, no decay", weighting{now: 10 * day}, map[[2]int32]float32{{0, 0}: 1, {1, 1}: 1, {1, 0}: 1}},
		{"latest, decayed", weighting{now: 10 * day, half: 48 * time.Hour}, map[[2]int32]float32{{0, 0}: 1, {1, 1}: 0.5, {1, 0}: 1}},
		{"values summed", weighting{now: 10 * day, values: true}, map[[2]int32]float32{{0, 0}: 1.5, {1, 1}: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newInteractions(d, tt.w)
			got := map[[2]int32]float32{}
			for u := range in.byUser.rows() {
				items, w := in.byUser.row(int32(u))
				for k, i := range items {
					got[[2]int32{int32(u), i}] = w[k]
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got pairs %v, want %v", got, tt.want)
			}
			for k, want := range tt.want {
				if got[k] != want {
					t.Errorf("pair %v weight %v, want %v", k, got[k], want)
				}
			}
			if got, want := len(in.byItem.col), len(tt.want); got != want {
				t.Errorf("by item: %d entries, want %d", got, want)
			}
		})
	}
}

func TestNewDataNumbersKnownItemsFirst(t *testing.T) {
	d := NewData([]Interaction{{User: "u", Item: "x"}, {User: "v", Item: "a"}}, []string{"a", "b"})
	if got, want := d.Items, []string{"a", "b", "x"}; !slices.Equal(got, want) {
		t.Errorf("items = %q, want %q", got, want)
	}
	if got, want := d.Users, 2; got != want {
		t.Errorf("users = %d, want %d", got, want)
	}
}

func TestTimeRanksOrderEachHistoryByLatestTime(t *testing.T) {
	at := func(s int64) time.Time { return time.Unix(1e9+s, 0) }
	d := NewData([]Interaction{
		{User: "u", Item: "a", Value: 1, Time: at(1)},
		{User: "u", Item: "b", Value: 1, Time: at(3)},
		{User: "u", Item: "c", Value: 1, Time: at(3)}, // taken up with b: the same place
		{User: "u", Item: "a", Value: 1, Time: at(5)}, // a again: its latest time counts
		{User: "v", Item: "c", Value: 1, Time: at(0)},
		{User: "v", Item: "b", Value: 1, Time: at(9)},
	}, []string{"a", "b", "c"})
	in := newInteractions(d, weighting{})
	want := map[string]map[string]int32{"u": {"b": 0, "c": 0, "a": 2}, "v": {"c": 0, "b": 1}}
	for u, name := range []string{"u", "v"} {
		items, _ := in.byUser.row(int32(u))
		got := map[string]int32{}
		for k, i := range items {
			got[d.Items[i]] = in.rank[in.byUser.off[u]+int64(k)]
		}
		if !maps.Equal(got, want[name]) {
			t.Errorf("%s: places %v, want %v", name, got, want[name])
		}
	}
}
