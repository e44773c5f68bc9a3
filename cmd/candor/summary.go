package main

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Summaries the commands print when they finish: readable numbers and
// tallies, never Go values such as map[full:610].

// thousands writes n with comma separators: 27691 → "27,691".
func thousands(n int) string {
	s := strconv.Itoa(max(n, -n))
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if n < 0 {
		return "-" + s
	}
	return s
}

// count is n with its noun in the right number: "1 entry", "2,400 items".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}

// tally renders counts by name, largest first (ties by name), skipping
// zeros: "610 full, 250 basic and 90 none"; "" when all are zero.
func tally(m map[string]int) string {
	names := make([]string, 0, len(m))
	for k, n := range m {
		if n != 0 {
			names = append(names, k)
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b))
	})
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = thousands(m[k]) + " " + k
	}
	return joinAnd(parts)
}

// loadSummary is what loading data into the store did: the demo seed and
// imports print it.
type loadSummary struct {
	Items     int            // catalog items written
	Customers int            // customers whose consent was recorded
	Consent   map[string]int // customers by consent preset (none, basic, full)
	Events    int            // events sent through the collection gate
	EventName string         // what the events are: "events", "ratings"; default "events"
	Stored    int            // events the gate stored
	Dropped   int            // events the gate dropped for lack of consent
	Skipped   int            // malformed input lines skipped
}

// String is the summary in one sentence, e.g. "2,400 items, 1,200
// customers (consent: 780 full, 270 basic and 150 none), 27,691 events (19,887
// stored, 7,804 dropped by the consent gate)".
func (s loadSummary) String() string {
	var b strings.Builder
	b.WriteString(count(s.Items, "item", "items"))
	b.WriteString(", " + count(s.Customers, "customer", "customers"))
	if t := tally(s.Consent); t != "" {
		b.WriteString(" (consent: " + t + ")")
	}
	name := cmp.Or(s.EventName, "events")
	b.WriteString(fmt.Sprintf(", %s %s (%s stored, %s dropped by the consent gate)", thousands(s.Events), name,
		thousands(s.Stored), thousands(s.Dropped)))
	if s.Skipped > 0 {
		b.WriteString(", " + count(s.Skipped, "malformed line", "malformed lines") + " skipped")
	}
	return b.String()
}

// metricNames are what the model metrics mean, for people.
var metricNames = map[string]string{
	"ndcg_at_10":      "nDCG@10 (ranking quality on held-out data)",
	"precision_at_10": "precision@10 (share of the top 10 that was right)",
	"recall_at_10":    "recall@10 (share of held-out items found in the top 10)",
	"map_at_10":       "MAP@10 (mean average precision of the top 10)",
	"coverage":        "catalog coverage (share of items ever recommended)",
	"users_evaluated": "customers evaluated",
}

// metricsSummary renders model metrics one per line for people, known
// metrics first in a fixed order, counts as whole numbers:
//
//	nDCG@10 (ranking quality on held-out data)  0.085
//	customers evaluated                          700
func metricsSummary(m map[string]float64) string {
	order := []string{"ndcg_at_10", "precision_at_10", "recall_at_10", "map_at_10", "coverage", "users_evaluated"}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		ia, ib := slices.Index(order, a), slices.Index(order, b)
		if ia < 0 {
			ia = len(order)
		}
		if ib < 0 {
			ib = len(order)
		}
		return cmp.Or(cmp.Compare(ia, ib), cmp.Compare(a, b))
	})
	width := 0
	for _, k := range keys {
		width = max(width, len(cmp.Or(metricNames[k], k)))
	}
	var b strings.Builder
	for _, k := range keys {
		v := fmt.Sprintf("%.3f", m[k])
		if k == "users_evaluated" {
			v = thousands(int(m[k]))
		}
		fmt.Fprintf(&b, "  %-*s  %s\n", width, cmp.Or(metricNames[k], k), v)
	}
	return b.String()
}
