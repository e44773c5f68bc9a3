package main

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/candorhq/candor/importer"
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
	Old       int            // events older than their feature set's retention, dropped
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
	b.WriteString(fmt.Sprintf(", %s %s (%s stored, %s dropped by the consent gate", thousands(s.Events), name,
		thousands(s.Stored), thousands(s.Dropped)))
	if s.Old > 0 {
		b.WriteString(", " + thousands(s.Old) + " older than retention")
	}
	b.WriteString(")")
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

// fileImportSummary describes a file import for people: what was stored,
// what the store already held, what the consent gate dropped and why, and
// the lines not imported, the first importer.MaxProblems with their
// numbers. For example:
//
//	imported events from events.jsonl: 100,000 lines in 1.9s (52,631 lines/s)
//	  stored                 95,000
//	  already stored          3,000 (their event_id was stored before: nothing changed)
//	  dropped by consent      1,200: 800 no_record and 400 denied
//	  dropped                    30: 20 anonymous and 10 no_feature_set
//	  not imported                2: 1 invalid and 1 duplicate
//	  line 7: time 2031-01-01T00:00:00Z is in the future
//	  line 9: event_id "e1" repeats line 2; the first one was kept
func fileImportSummary(s *importer.Summary) string {
	var b strings.Builder
	verb, stored, again := "imported", "stored", "already stored"
	switch s.Kind {
	case importer.Items:
		stored, again = "new or changed", "unchanged"
	case importer.Consent:
		stored, again = "recorded", "already recorded"
	}
	if s.DryRun {
		verb, stored = "checked (dry run: nothing was written)", "valid"
	}
	fmt.Fprintf(&b, "%s %s from %s: %s in %s", verb, s.Kind, cmp.Or(s.File, "input"), count(s.Lines, "line", "lines"), s.Elapsed.Round(100*time.Millisecond))
	if secs := s.Elapsed.Seconds(); secs >= 0.5 {
		fmt.Fprintf(&b, " (%s lines/s)", thousands(int(float64(s.Lines)/secs)))
	}
	b.WriteString("\n")
	row := func(name string, n int, note string) {
		fmt.Fprintf(&b, "  %-20s %9s%s\n", name, thousands(n), note)
	}
	note := ""
	if s.Kind == importer.Consent && s.Entries > 0 {
		note = fmt.Sprintf(" (%s)", count(s.Entries, "ledger entry", "ledger entries"))
	}
	row(stored, s.Stored, note)
	if !s.DryRun {
		note = map[importer.Kind]string{importer.Events: " (their event_id was stored before: nothing changed)",
			importer.Consent: " (the ledger holds them, or a later answer: nothing changed)"}[s.Kind]
		row(again, s.Unchanged, note)
	}
	if gate := s.DroppedBy(true); len(gate) > 0 {
		row("dropped by consent", sum(gate), ": "+tally(gate))
	}
	if other := s.DroppedBy(false); len(other) > 0 {
		row("dropped", sum(other), ": "+tally(other))
	}
	if n := s.NotImported(); n > 0 {
		row("not imported", n, ": "+tally(map[string]int{"invalid": s.Invalid, plural(s.Duplicates, "duplicate", "duplicates"): s.Duplicates, "cut short": s.Truncated}))
		for _, p := range s.Problems {
			fmt.Fprintf(&b, "  line %d: %s\n", p.Line, p.Message)
		}
		if more := n - len(s.Problems); more > 0 {
			fmt.Fprintf(&b, "  and %s more not imported\n", count(more, "line", "lines"))
		}
	}
	return b.String()
}

// plural is one or many as n says.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// sum adds up the counts of m.
func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
