package models

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// lookupsAgree checks that every probe finds in x what a map of ids finds.
func lookupsAgree(t testing.TB, ids []string, x itemIndex, probes []string) {
	t.Helper()
	want := make(map[string]int32, len(ids))
	for i, id := range ids {
		want[id] = int32(i)
	}
	for _, p := range probes {
		wi, wok := want[p]
		gi, gok := x.item(p)
		if gok != wok || gok && gi != wi {
			t.Fatalf("ids %.60q: item(%q) = %d, %v; the map says %d, %v", ids, p, gi, gok, wi, wok)
		}
	}
}

// probesOf are lookups near ids: each ID, with a leading zero, a digit
// more or fewer, another prefix, the prefix alone, and some strangers.
func probesOf(ids []string) []string {
	ps := []string{"", "0", "00", "1", "-1", "+1", "m", "m0", "x", "99999999999999999999999", "１２", "1e3", " 1", "1 "}
	for _, id := range ids {
		pre := numberPrefix(id)
		ps = append(ps, id, pre, pre+"0"+id[len(pre):], id+"0", "x"+id, strings.ToUpper(id), id+"a")
		if id != "" {
			ps = append(ps, id[:len(id)-1])
		}
	}
	return ps
}

func TestItemIndexAgreesWithAMap(t *testing.T) {
	seq := func(prefix string, n, step, from int) []string {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = prefix + strconv.Itoa(from+i*step)
		}
		return ids
	}
	cases := []struct {
		name  string
		ids   []string
		table bool // the lookup uses the number table
	}{
		{"movielens-like", seq("", 500, 37, 1), true},
		{"prefixed", seq("m", 300, 1, 0), true},
		{"shuffled", []string{"i9", "i0", "i100", "i10", "i1"}, true},
		{"digits in the prefix", seq("sku2-", 50, 3, 5), true},
		{"zero-padded", []string{"i0001", "i0002", "i0010"}, true},
		{"zero-padded like the load harness", seq("i0000", 90, 1, 10), true},
		{"padded to two widths", []string{"i0001", "i002"}, false},
		{"one padded, one not", []string{"i1", "i02"}, false},
		{"two prefixes", []string{"a1", "a2", "b3"}, false},
		{"a name", []string{"a1", "a2", "apple"}, false},
		{"too sparse", []string{"1", "2", "9000000"}, false},
		{"at the sparsity bound", []string{"0", "1", strconv.Itoa(maxNumberSlots(3) - 1)}, true},
		{"past the sparsity bound", []string{"0", "1", strconv.Itoa(maxNumberSlots(3))}, false},
		{"one", []string{"7"}, true},
		{"empty", nil, false},
		{"no digits", []string{"alpha", "beta"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := newItemIndex(tc.ids)
			if got := x.byNum != nil; got != tc.table {
				t.Fatalf("number table used = %v, want %v", got, tc.table)
			}
			lookupsAgree(t, tc.ids, x, probesOf(tc.ids))
		})
	}
}

// TestModelLooksItemsUpByNumber: a model of numbered items finds them
// through its table, and so does its artifact read back.
func TestModelLooksItemsUpByNumber(t *testing.T) {
	ids := []string{"12", "3", "40", "7"}
	m := newModel(KindPopularity, Params{}, ids, nil, make([]float32, len(ids)), make([][]neighbour, len(ids)))
	var buf bytes.Buffer
	if err := m.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*Model{m, back} {
		if m.index.byNum == nil {
			t.Fatal("numbered items are looked up in a map")
		}
		for i, id := range ids {
			if got, ok := m.Item(id); !ok || got != int32(i) {
				t.Fatalf("Item(%q) = %d, %v; want %d", id, got, ok, i)
			}
		}
		if _, ok := m.Item("04"); ok {
			t.Fatal(`Item("04") found an item`)
		}
	}
}

func FuzzItemIndex(f *testing.F) {
	f.Add("1,2,30", "30")
	f.Add("m1,m20,m3", "m03")
	f.Add("a,b1", "b1")
	f.Add("0,10", "010")
	f.Add("a007,a010", "a07")
	f.Fuzz(func(t *testing.T, list, probe string) {
		ids := strings.Split(list, ",")
		lookupsAgree(t, ids, newItemIndex(ids), append(probesOf(ids), probe))
	})
}
