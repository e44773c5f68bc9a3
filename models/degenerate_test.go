package models

import (
	"testing"
	"time"
)

// TestDegenerateData trains every model on data that leaves nothing to
// learn; none may panic or fail.
func TestDegenerateData(t *testing.T) {
	at := time.Unix(1e9, 0)
	tests := []struct {
		name string
		ins  []Interaction
	}{
		{"empty", nil},
		{"one user one item", []Interaction{{User: "u", Item: "i", Value: 3, Time: at}}},
		{"one user", []Interaction{{User: "u", Item: "a", Value: 3, Time: at}, {User: "u", Item: "b", Value: 3, Time: at}, {User: "u", Item: "c", Value: 3, Time: at}}},
		{"one item", []Interaction{{User: "u", Item: "a", Value: 3, Time: at}, {User: "v", Item: "a", Value: 3, Time: at}, {User: "w", Item: "a", Value: 3, Time: at}}},
		{"repeats", []Interaction{{User: "u", Item: "a", Value: 3, Time: at}, {User: "u", Item: "a", Value: 3, Time: at}}},
	}
	allEqual := []Interaction{}
	for u := range 8 {
		for _, i := range []string{"a", "b", "c", "d"} {
			allEqual = append(allEqual, Interaction{User: string(rune('A' + u)), Item: i, Value: 4, Time: at})
		}
	}
	tests = append(tests, struct {
		name string
		ins  []Interaction
	}{"all users rate all items equally", allEqual})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewData(tt.ins, nil)
			for _, kind := range Kinds {
				for _, o := range []TrainOptions{{Kind: kind}, {Kind: kind, KAnon: -1, K: -1}} {
					walk(t, train(t, d, o))
				}
			}
		})
	}
}
