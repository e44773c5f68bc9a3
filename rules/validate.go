package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
)

// MaxNameLen is the longest ruleset name.
const MaxNameLen = 64

// ValidateName checks a ruleset name: 1-64 of [a-z0-9_-], so that it is
// safe in URLs and Redis keys. Errors are EInvalid.
func ValidateName(name string) error {
	if name == "" || len(name) > MaxNameLen {
		return candor.Errorf(candor.EInvalid, "ruleset name must be 1-%d characters long", MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return candor.Errorf(candor.EInvalid, "ruleset name %q may use only a-z, 0-9, _ and -", clip(name))
		}
	}
	return nil
}

// Validate checks every rule of rs, compiles its conditions and returns the
// compiled ruleset with warnings. When anything is wrong the error is
// EInvalid and wraps Problems listing every problem (not only the first),
// each with its rule ID, field and, for conditions, line and column.
//
// Guard rails checked here: conditions name only known fields; customer
// facts are read through customer.<set>.<field> so that the sets a rule
// reads are known (and Apply skips the rule when one is not granted);
// boost, bury and pin may not use item.sensitive.
//
// sample (may be nil) is a sample of the catalog: a filter that matches
// every sample item for some placement, before any customer facts, is
// reported as a warning. now dates the schedule warnings.
func Validate(rs Ruleset, sample []*catalog.Item, now time.Time) (*Compiled, []Warning, error) {
	var probs Problems
	if err := ValidateName(rs.Name); err != nil {
		probs = append(probs, Problem{Field: "name", Message: candor.ErrorMessage(err)})
	}
	if len(rs.Rules) > MaxRules {
		probs = append(probs, Problem{Field: "rules", Message: fmt.Sprintf("a ruleset may hold at most %d rules, got %d", MaxRules, len(rs.Rules))})
		return nil, nil, invalid(probs)
	}
	c := &Compiled{rs: rs, rules: make([]compiledRule, len(rs.Rules))}
	seen := map[string]bool{}
	for i, r := range rs.Rules {
		if r.ID != "" && seen[r.ID] {
			probs = append(probs, Problem{RuleID: r.ID, Field: "id", Message: "another rule has the same id"})
		}
		seen[r.ID] = true
		cr, ps := compileRule(r)
		probs = append(probs, ps...)
		c.rules[i] = cr
	}
	if err := invalid(probs); err != nil {
		return nil, nil, err
	}
	c.index()
	return c, c.warnings(sample, now), nil
}

// Compile is Validate without a sample or warnings, for loading versions
// that were validated when they were published.
func Compile(rs Ruleset) (*Compiled, error) {
	c, _, err := Validate(rs, nil, time.Time{})
	return c, err
}

// compileRule checks one rule and compiles its condition.
func compileRule(r Rule) (compiledRule, Problems) {
	cr := compiledRule{Rule: r}
	probs := checkRule(r)
	probs = append(probs, cr.parseAction(r)...)
	cond, eps := compileCondition(r.When)
	for _, p := range eps {
		probs = append(probs, Problem{RuleID: r.ID, Field: "when", Pos: p.pos, Message: p.msg})
	}
	if cond.sensitive && promotes(r.Action.Type) {
		probs = append(probs, Problem{RuleID: r.ID, Field: "when", Message: "item.sensitive may be used to filter, exclude or limit items, never to " + r.Action.Type + " them: sensitive data must not target or promote"})
	}
	cr.cond = cond
	return cr, probs
}

// promotes reports whether an action raises or places items, and so may
// not use sensitive data.
func promotes(typ string) bool {
	return typ == ActionBoost || typ == ActionBury || typ == ActionPin
}

// checkRule checks the fields common to every rule.
func checkRule(r Rule) Problems {
	var probs Problems
	add := func(field, format string, args ...any) {
		probs = append(probs, Problem{RuleID: r.ID, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if err := candor.ValidateID("id", r.ID); err != nil {
		add("id", "%s", candor.ErrorMessage(err))
	}
	if len(r.Description) > MaxDescription {
		add("description", "may be at most %d bytes", MaxDescription)
	}
	if r.From != nil && r.Until != nil && !r.From.Before(*r.Until) {
		add("until", "must be after from (%s)", r.From.Format(time.RFC3339))
	}
	for i, p := range r.Placements {
		switch {
		case !slices.Contains(Placements, p):
			add("placements", "%q is not a placement: use %s", clip(p), strings.Join(Placements, ", "))
		case slices.Contains(r.Placements[:i], p):
			add("placements", "%q is listed twice", p)
		}
	}
	return probs
}

// parseAction checks the action and keeps its parsed parameters.
func (cr *compiledRule) parseAction(r Rule) Problems {
	a := r.Action
	var probs Problems
	add := func(field, format string, args ...any) {
		probs = append(probs, Problem{RuleID: r.ID, Field: "action." + field, Message: fmt.Sprintf(format, args...)})
	}
	kind := slices.Index(ActionTypes, a.Type)
	if kind < 0 {
		add("type", "%q is not an action: use %s", clip(a.Type), strings.Join(ActionTypes, ", "))
		return probs
	}
	cr.kind = actionKind(kind)
	for _, f := range a.setFields() {
		if !slices.Contains(actionFields[a.Type], f) {
			add(f, "does not apply to a %s action", a.Type)
		}
	}
	switch a.Type {
	case ActionBoost, ActionBury:
		probs = append(probs, checkScore(r.ID, a)...)
	case ActionPin:
		if a.Slot < 1 || a.Slot > MaxSlot {
			add("slot", "must be between 1 and %d, got %d", MaxSlot, a.Slot)
		}
		if a.ItemID != "" {
			if err := candor.ValidateID("item_id", a.ItemID); err != nil {
				add("item_id", "%s", candor.ErrorMessage(err))
			}
		} else if r.When == "" {
			add("item_id", "a pin needs an item_id or a when condition choosing the item")
		}
	case ActionExcludePurchased:
		d, err := parseLookback(a.Lookback)
		if err != nil {
			add("lookback", "%s", err.Error())
		}
		cr.lookback = d
	case ActionDiversity:
		if a.Field != "category" && a.Field != "brand" {
			add("field", "must be category or brand, got %q", clip(a.Field))
		}
		fallthrough
	case ActionLimit:
		if a.Max < 1 || a.Max > MaxSlot {
			add("max", "must be between 1 and %d, got %d", MaxSlot, a.Max)
		}
	}
	return probs
}

// actionFields lists the optional fields each action type takes.
var actionFields = map[string][]string{
	ActionFilter:           {},
	ActionBoost:            {"factor", "add"},
	ActionBury:             {"factor", "add"},
	ActionPin:              {"slot", "item_id"},
	ActionExcludePurchased: {"lookback"},
	ActionDiversity:        {"max", "field"},
	ActionLimit:            {"max"},
}

// setFields lists the optional fields a sets, by JSON name.
func (a Action) setFields() []string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"factor", a.Factor != 0}, {"add", a.Add != 0}, {"slot", a.Slot != 0}, {"item_id", a.ItemID != ""},
		{"lookback", a.Lookback != ""}, {"max", a.Max != 0}, {"field", a.Field != ""}} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

// checkScore checks the factor or addition of a boost or bury.
func checkScore(id string, a Action) Problems {
	p := func(field, msg string) Problems {
		return Problems{{RuleID: id, Field: "action." + field, Message: msg}}
	}
	boost := a.Type == ActionBoost
	switch {
	case (a.Factor == 0) == (a.Add == 0):
		return p("factor", "set exactly one of factor (multiplies the score) and add (adds to it)")
	case a.Factor != 0 && boost && !(a.Factor > 1 && a.Factor <= MaxFactor):
		return p("factor", fmt.Sprintf("a boost factor must be above 1 and at most %d, got %g", MaxFactor, a.Factor))
	case a.Factor != 0 && !boost && !(a.Factor > 0 && a.Factor < 1):
		return p("factor", fmt.Sprintf("a bury factor must be between 0 and 1 (exclusive), got %g", a.Factor))
	case a.Add != 0 && boost && !(a.Add > 0 && a.Add <= MaxAdd):
		return p("add", fmt.Sprintf("a boost adds a positive amount of at most %g, got %g", float64(MaxAdd), a.Add))
	case a.Add != 0 && !boost && !(a.Add < 0 && a.Add >= -MaxAdd):
		return p("add", fmt.Sprintf("a bury adds a negative amount of at least %g, got %g", -float64(MaxAdd), a.Add))
	}
	return nil
}

// maxLookback bounds exclude_purchased windows: ten years.
const maxLookback = 3650 * 24 * time.Hour

// parseLookback reads "720h", "90m" or "30d"; "" is 0, meaning no limit.
func parseLookback(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		if err == nil && n > 0 && n <= int(maxLookback/(24*time.Hour)) {
			d = time.Duration(n) * 24 * time.Hour
		}
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 || d > maxLookback {
		return 0, fmt.Errorf("must be a positive duration of at most 3650d such as \"720h\" or \"30d\", got %q", clip(s))
	}
	return d, nil
}
