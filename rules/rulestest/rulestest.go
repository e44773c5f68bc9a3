// Package rulestest helps tests of code that uses rulesets: an in-process
// store (the versioned mechanism's MemStore, which passes the store
// contract) and small valid rulesets.
package rulestest

import (
	"time"

	"github.com/candorhq/candor/rules"
	"github.com/candorhq/candor/versioned/versionedtest"
)

// MemStore is an in-process store of rulesets (and any other versioned
// document) that keeps the same contract as the Redis one.
type MemStore = versionedtest.MemStore

// NewMemStore returns an empty store.
func NewMemStore() *MemStore { return versionedtest.NewMemStore() }

var t0 = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

// Ruleset returns a small valid ruleset named name at version v, with one
// boost per id.
func Ruleset(name string, v int, ids ...string) rules.Ruleset {
	rs := rules.Ruleset{Name: name, Version: v, Author: "tester", CreatedAt: t0.Add(time.Duration(v) * time.Minute), Rules: []rules.Rule{}}
	for _, id := range ids {
		rs.Rules = append(rs.Rules, rules.Rule{ID: id, When: `item.brand == "` + id + `"`, Placements: []string{"home"},
			Action: rules.Action{Type: rules.ActionBoost, Factor: 1.5}})
	}
	return rs
}
