package rules

import (
	"reflect"
	"slices"
	"time"
)

// Diff is how the rules of two versions differ, by rule ID.
type Diff struct {
	Added   []string     `json:"added"`
	Removed []string     `json:"removed"`
	Changed []RuleChange `json:"changed"`
}

// RuleChange names the fields that changed in one rule.
type RuleChange struct {
	ID     string   `json:"id"`
	Fields []string `json:"fields"` // JSON names, e.g. "when", "action.factor"
}

// Empty reports whether nothing changed.
func (d Diff) Empty() bool { return len(d.Added)+len(d.Removed)+len(d.Changed) == 0 }

// DiffRules compares before and after by rule ID. Lists follow the rule
// order of after (Added, Changed) and of before (Removed); they are never
// nil, so they encode as [].
func DiffRules(before, after []Rule) Diff {
	d := Diff{Added: []string{}, Removed: []string{}, Changed: []RuleChange{}}
	old := make(map[string]Rule, len(before))
	for _, r := range before {
		old[r.ID] = r
	}
	for _, r := range after {
		o, ok := old[r.ID]
		switch {
		case !ok:
			d.Added = append(d.Added, r.ID)
		default:
			if fs := changedFields(o, r); len(fs) > 0 {
				d.Changed = append(d.Changed, RuleChange{ID: r.ID, Fields: fs})
			}
		}
	}
	for _, r := range before {
		if !slices.ContainsFunc(after, func(a Rule) bool { return a.ID == r.ID }) {
			d.Removed = append(d.Removed, r.ID)
		}
	}
	return d
}

// changedFields lists the fields of a rule that differ between a and b.
func changedFields(a, b Rule) []string {
	var out []string
	for _, f := range []struct {
		name string
		same bool
	}{
		{"description", a.Description == b.Description},
		{"from", sameTime(a.From, b.From)},
		{"until", sameTime(a.Until, b.Until)},
		{"placements", slices.Equal(a.Placements, b.Placements)},
		{"when", a.When == b.When},
	} {
		if !f.same {
			out = append(out, f.name)
		}
	}
	av, bv := reflect.ValueOf(a.Action), reflect.ValueOf(b.Action)
	for i := range av.NumField() {
		if av.Field(i).Interface() != bv.Field(i).Interface() {
			out = append(out, "action."+jsonName(av.Type().Field(i)))
		}
	}
	return out
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// jsonName returns the JSON name of a struct field.
func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	for i := 0; i < len(tag); i++ {
		if tag[i] == ',' {
			return tag[:i]
		}
	}
	return tag
}
