package importer

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// MaxProblems is how many problems a Summary lists; the rest are counted.
const MaxProblems = 20

// Problem is one line that was not imported, and why.
type Problem struct {
	Line      int
	Message   string
	Truncated bool // the file ends in the middle of this line
	Duplicate bool // the line repeats an ID of an earlier line
}

func (p *Problem) Error() string { return fmt.Sprintf("line %d: %s", p.Line, p.Message) }

// Summary is what an import did.
type Summary struct {
	Kind   Kind
	File   string
	DryRun bool
	// Lines is the records read: non-blank lines of JSON Lines, rows after
	// the header of CSV.
	Lines int
	// Stored is what was written: items new or changed, consent lines that
	// changed the record (each adds Entries to the ledger), events stored.
	// In a dry run it is what would be sent to the store.
	Stored  int
	Entries int
	// Unchanged is what the store already held as the file has it: items
	// unchanged, consent lines already recorded, events whose event_id was
	// stored before. Importing a file again makes every line unchanged.
	Unchanged int
	// Dropped counts events not stored, by reason: the consent gate's
	// (no_record, denied, expired, reconsent_needed) and the others
	// (anonymous, no_feature_set, older_than_retention).
	Dropped map[string]int
	// Duplicates is lines repeating the ID of an earlier line of the file;
	// Invalid is lines that are malformed or fail validation; Truncated is
	// a last line cut short. None of them was imported.
	Duplicates, Invalid, Truncated int
	// Problems are the first MaxProblems of those lines, by line number.
	Problems []Problem
	Elapsed  time.Duration

	mu sync.Mutex
}

// ConsentReasons are the drop reasons of the consent gate, as opposed to
// events that feed no feature set or are too old to keep.
var ConsentReasons = []string{"no_record", "denied", "expired", "reconsent_needed", "gpc"}

// NotImported is the lines that were not imported because of what they
// hold: invalid, duplicate or truncated.
func (s *Summary) NotImported() int { return s.Invalid + s.Duplicates + s.Truncated }

// problem records a line that was not imported.
func (s *Summary) problem(p Problem) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case p.Truncated:
		s.Truncated++
	case p.Duplicate:
		s.Duplicates++
	default:
		s.Invalid++
	}
	if len(s.Problems) == MaxProblems && p.Line >= s.Problems[MaxProblems-1].Line {
		return
	}
	i, _ := slices.BinarySearchFunc(s.Problems, p.Line, func(q Problem, line int) int { return q.Line - line })
	s.Problems = slices.Insert(s.Problems, i, p)
	if len(s.Problems) > MaxProblems {
		s.Problems = s.Problems[:MaxProblems]
	}
}

// drop counts an event not stored for reason.
func (s *Summary) drop(reason string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Dropped == nil {
		s.Dropped = map[string]int{}
	}
	s.Dropped[reason] += n
}

// count adds to Stored, Unchanged and Entries.
func (s *Summary) count(stored, unchanged, entries int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Stored += stored
	s.Unchanged += unchanged
	s.Entries += entries
}

// DroppedBy returns the counts of Dropped whose reason is the consent
// gate's (gate true) or any other (gate false).
func (s *Summary) DroppedBy(gate bool) map[string]int {
	out := map[string]int{}
	for r, n := range s.Dropped {
		if slices.Contains(ConsentReasons, r) == gate {
			out[r] = n
		}
	}
	return out
}
