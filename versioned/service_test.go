package versioned_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/versioned"
	"github.com/candorhq/candor/versioned/versionedtest"
)

// note is a toy document: a list of words, its entry the words added.
type note struct {
	Words   []string  `json:"words"`
	Version int       `json:"version"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
}

type noteEntry struct {
	ID           string   `json:"id"`
	Action       string   `json:"action"`
	Name         string   `json:"name"`
	Who          string   `json:"who"`
	Version      int      `json:"version"`
	Previous     int      `json:"previous"`
	RestoredFrom int      `json:"restored_from"`
	Added        []string `json:"added"`
}

type notes struct{}

func (notes) Name() string             { return "notes" }
func (notes) Label(name string) string { return "note " + name }
func (notes) Meta(n note) versioned.Meta {
	return versioned.Meta{Version: n.Version, CreatedAt: n.At, Author: n.By}
}
func (notes) WithMeta(n note, m versioned.Meta) note {
	n.Version, n.At, n.By = m.Version, m.CreatedAt, m.Author
	return n
}
func (notes) Entry(c versioned.Change, before, after note) noteEntry {
	var added []string
	for _, w := range after.Words {
		if !slices.Contains(before.Words, w) {
			added = append(added, w)
		}
	}
	return noteEntry{Action: c.Action, Name: c.Name, Who: c.Who, Version: c.Version, Previous: c.Previous, RestoredFrom: c.RestoredFrom, Added: added}
}
func (notes) WithID(e noteEntry, id string) noteEntry {
	e.ID = id
	return e
}

var t0 = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

func newNotes(t *testing.T) (*versioned.Service[note, noteEntry], *versionedtest.MemStore) {
	t.Helper()
	st := versionedtest.NewMemStore()
	return versioned.NewService[note, noteEntry](st, notes{}, func() time.Time { return t0 }), st
}

// TestLifecycle walks a draft, two publishes and a rollback of one
// document, beside another document of the same kind.
func TestLifecycle(t *testing.T) {
	svc, _ := newNotes(t)
	ctx := context.Background()
	if _, err := svc.Draft(ctx, "a"); candor.ErrorCode(err) != candor.ENotFound || !strings.HasPrefix(candor.ErrorMessage(err), "Note a has no draft") {
		t.Errorf("Draft before any: %v", err)
	}
	d, err := svc.PutDraft(ctx, "a", note{Words: []string{"x"}, Version: 7}, "ann")
	if err != nil || d.Version != 0 || d.By != "ann" || !d.At.Equal(t0) {
		t.Fatalf("PutDraft = %+v, %v; want version 0 stamped by ann now", d, err)
	}
	v1, err := svc.Publish(ctx, "a", note{Words: []string{"x"}}, "ann")
	if err != nil || v1.Version != 1 {
		t.Fatalf("Publish = %+v, %v", v1, err)
	}
	v2, _ := svc.Publish(ctx, "a", note{Words: []string{"x", "y"}}, "bob")
	if _, err := svc.Publish(ctx, "b", note{Words: []string{"other"}}, "cat"); err != nil {
		t.Fatal(err)
	}
	refuse := errors.New("refused")
	if _, err := svc.Rollback(ctx, "a", 1, "cat", func(note) error { return refuse }); !errors.Is(err, refuse) {
		t.Errorf("Rollback refused by its check: %v", err)
	}
	if _, err := svc.Rollback(ctx, "a", 2, "cat", accept); candor.ErrorCode(err) != candor.EConflict {
		t.Errorf("Rollback to the live version: %v, want conflict", err)
	}
	if _, err := svc.Rollback(ctx, "a", 0, "cat", accept); candor.ErrorCode(err) != candor.EInvalid {
		t.Errorf("Rollback to version 0: %v, want invalid", err)
	}
	v3, err := svc.Rollback(ctx, "a", 1, "cat", accept)
	if err != nil || v3.Version != 3 || !slices.Equal(v3.Words, []string{"x"}) || v3.By != "cat" {
		t.Fatalf("Rollback = %+v, %v; want version 3 with version 1's words", v3, err)
	}
	if live, _ := svc.Live(ctx, "a"); live.Version != 3 {
		t.Errorf("live version %d, want 3", live.Version)
	}
	vs, err := svc.Versions(ctx, "a")
	if err != nil || len(vs) != 3 || vs[0].Version != 3 || !vs[0].Live || vs[2].Live || vs[1].Doc.Version != v2.Version || vs[2].Author != "ann" {
		t.Errorf("Versions = %+v, %v; want 3, 2, 1, the newest live", vs, err)
	}
	all, _ := svc.Audit(ctx, "", 0)
	one, _ := svc.Audit(ctx, "a", 2)
	if len(all) != 4 || len(one) != 2 || one[0].ID == "" || one[0].Action != versioned.AuditRollback || one[0].RestoredFrom != 1 || one[1].Added[0] != "y" {
		t.Errorf("audit of the kind %+v, of a %+v", all, one)
	}
	if _, err := svc.Version(ctx, "a", 9); candor.ErrorCode(err) != candor.ENotFound || !strings.Contains(candor.ErrorMessage(err), "no version 9") {
		t.Errorf("Version 9: %v", err)
	}
}

func accept(note) error { return nil }

// TestLive: a holder swaps only when the live version changed, keeps what
// it holds on error, and calls Prepare before a swap.
func TestLive(t *testing.T) {
	svc, _ := newNotes(t)
	ctx := context.Background()
	var swaps, compiles int
	failing := false
	l := versioned.NewLive(&note{}, versioned.LiveOptions[note, note]{
		Load:            func(ctx context.Context) (note, error) { return svc.Live(ctx, "a") },
		Version:         func(n note) int { return n.Version },
		CompiledVersion: func(n *note) int { return n.Version },
		Compile: func(n note, err error) (*note, error) {
			compiles++
			if candor.ErrorCode(err) == candor.ENotFound {
				return &note{}, nil
			}
			if failing {
				return nil, errors.New("does not compile")
			}
			return &n, err
		},
		Prepare: func(*note) { swaps++ },
	})
	if err := l.Reload(ctx); err != nil || l.Load().Version != 0 {
		t.Fatalf("Reload before any publish: %v, v%d", err, l.Load().Version)
	}
	if _, err := svc.Publish(ctx, "a", note{Words: []string{"x"}}, "ann"); err != nil {
		t.Fatal(err)
	}
	_ = l.Reload(ctx)
	_ = l.Reload(ctx)
	if l.Load().Version != 1 || compiles != 2 || swaps != 2 {
		t.Errorf("after a publish and two reloads: v%d, %d compiles, %d swaps; want v1, 2, 2", l.Load().Version, compiles, swaps)
	}
	failing = true
	_, _ = svc.Publish(ctx, "a", note{Words: []string{"y"}}, "ann")
	if err := l.Reload(ctx); err == nil || l.Load().Version != 1 {
		t.Errorf("a version that does not compile: %v, holding v%d; want the error and v1 kept", err, l.Load().Version)
	}
}

// TestProblems: problems count and list themselves in one EInvalid error.
func TestProblems(t *testing.T) {
	var none versioned.Problems[stringer]
	if none.Err("note", "op") != nil {
		t.Error("no problems, yet an error")
	}
	ps := versioned.Problems[stringer]{"a: bad", "b: worse"}
	err := ps.Err("note", "notes.Validate")
	var got versioned.Problems[stringer]
	if candor.ErrorCode(err) != candor.EInvalid || !errors.As(err, &got) || len(got) != 2 ||
		candor.ErrorMessage(err) != "the note has 2 problems: a: bad; b: worse" {
		t.Errorf("Err = %v", err)
	}
	var l versioned.Lister
	if !errors.As(err, &l) || len(l.List().([]stringer)) != 2 {
		t.Error("the error does not list its problems")
	}
	if s := versioned.Describe("rule", "r1", "when", versioned.Pos{Line: 2, Column: 8}, "oops"); s != "rule r1, when 2:8: oops" {
		t.Errorf("Describe = %q", s)
	}
}

type stringer string

func (s stringer) String() string { return string(s) }
