package models

import (
	"strings"
	"testing"
	"time"
	"unsafe"
)

// A trained model keeps its item IDs in memory of its own: not in the
// strings its interactions' IDs were cut from (a store read's replies),
// which it would otherwise keep alive.
func TestModelOwnsItsItemIDs(t *testing.T) {
	reply := strings.Repeat("x", 4096) + "a1\tb22\tc333"
	var ins []Interaction
	for u, id := range strings.Split(reply[4096:], "\t") {
		for v := range 3 {
			ins = append(ins, Interaction{User: string(rune('A' + u + 3*v)), Item: id, Value: 1, Time: time.Unix(1e9, 0)})
		}
	}
	m := train(t, NewData(ins, nil), TrainOptions{Kind: KindItemKNN, KAnon: 1})
	lo := uintptr(unsafe.Pointer(unsafe.StringData(reply)))
	for i := range int32(m.NumItems()) {
		id := m.ID(i)
		if p := uintptr(unsafe.Pointer(unsafe.StringData(id))); p >= lo && p < lo+uintptr(len(reply)) {
			t.Errorf("item %q points into the reply it was read from", id)
		}
		if j, ok := m.Item(id); !ok || j != i {
			t.Errorf("item %q looks up to %d, %v; want %d", id, j, ok, i)
		}
	}
	if m.NumItems() != 3 {
		t.Fatalf("%d items, want 3", m.NumItems())
	}
}
