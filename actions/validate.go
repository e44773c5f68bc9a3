package actions

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/rules"
)

// Validate checks every action of c and compiles it. When anything is
// wrong the error is EInvalid and wraps Problems listing every problem
// (not only the first), each with its action ID and field and, for
// conditions, line and column.
//
// Guard rails: channels are onsite, email, sms or push; conditions compile
// with the rules' environment and guard rails (known fields only, customer
// facts read through customer.<set>.<field> so the sets an action needs are
// known, no item fields, no sensitive data).
func Validate(c Catalog) (*Compiled, error) {
	var probs Problems
	if len(c.Actions) > MaxActions {
		probs = append(probs, Problem{Field: "actions", Message: fmt.Sprintf("a catalog may hold at most %d actions, got %d", MaxActions, len(c.Actions))})
		return nil, probs.Err("action catalog", "actions.Validate")
	}
	out := &Compiled{cat: c, actions: make([]compiled, len(c.Actions)), index: make(map[string]int, len(c.Actions))}
	for i, a := range c.Actions {
		if _, dup := out.index[a.ID]; dup && a.ID != "" {
			probs = append(probs, Problem{ActionID: a.ID, Field: "id", Message: "another action has the same id"})
		}
		out.index[a.ID] = i
		ca, ps := compileAction(a)
		probs = append(probs, ps...)
		out.actions[i] = ca
	}
	if err := probs.Err("action catalog", "actions.Validate"); err != nil {
		return nil, err
	}
	return out, nil
}

// compileAction checks one action and compiles its condition and caps.
func compileAction(a Action) (compiled, Problems) {
	ca := compiled{Action: a}
	p := problems{id: a.ID}
	p.checkIdentity(a)
	p.checkChannels(a.Channels)
	p.checkNumbers(a)
	p.checkTargets(a)
	cond, eps := rules.CompileActionCondition(a.When)
	for _, e := range eps {
		p.list = append(p.list, Problem{ActionID: a.ID, Field: e.Field, Pos: e.Pos, Message: e.Message})
	}
	ca.cond = cond
	ca.period = p.duration("caps.period", a.Caps.Period)
	ca.cooldown = p.duration("caps.cooldown_after_dismiss", a.Caps.CooldownAfterDismiss)
	switch {
	case a.Caps.MaxPer < 0 || a.Caps.MaxPer > MaxCapPer:
		p.add("caps.max_per", "must be between 0 (no cap) and %d, got %d", MaxCapPer, a.Caps.MaxPer)
	case a.Caps.MaxPer > 0 && a.Caps.Period == "":
		p.add("caps.period", "a cap of %d needs a period, e.g. \"7d\"", a.Caps.MaxPer)
	case a.Caps.MaxPer == 0 && a.Caps.Period != "":
		p.add("caps.max_per", "a period needs max_per, the impressions allowed in it")
	}
	if len(a.Channels) > 0 {
		ca.main = a.Channels[0]
	}
	return ca, p.list
}

// problems collects one action's problems.
type problems struct {
	id   string
	list Problems
}

func (p *problems) add(field, format string, args ...any) {
	p.list = append(p.list, Problem{ActionID: p.id, Field: field, Message: fmt.Sprintf(format, args...)})
}

// checkIdentity checks id, name, type and the validity window.
func (p *problems) checkIdentity(a Action) {
	if err := candor.ValidateID("id", a.ID); err != nil {
		p.add("id", "%s", candor.ErrorMessage(err))
	} else if strings.Contains(a.ID, ":") {
		p.add("id", "may not contain ':', which separates the parts of a recorded contact")
	}
	if a.Name == "" || len(a.Name) > MaxNameLen || strings.ContainsAny(a.Name, "\n\r\x00") {
		p.add("name", "must be 1-%d bytes on one line", MaxNameLen)
	}
	if !slices.Contains(Types, a.Type) {
		p.add("type", "%q is not an action type: use %s", clip(string(a.Type)), consent.JoinNames(Types))
	}
	if a.From != nil && a.Until != nil && !a.From.Before(*a.Until) {
		p.add("until", "must be after from (%s)", a.From.Format(time.RFC3339))
	}
}

// checkChannels refuses unknown and repeated channels and an empty list.
func (p *problems) checkChannels(chs []consent.Scope) {
	if len(chs) == 0 {
		p.add("channels", "list at least one channel: %s", consent.JoinNames(consent.Channels))
	}
	for i, ch := range chs {
		switch {
		case !slices.Contains(consent.Channels, ch):
			p.add("channels", "%q is not a channel: use %s", clip(string(ch)), consent.JoinNames(consent.Channels))
		case slices.Contains(chs[:i], ch):
			p.add("channels", "%q is listed twice", ch)
		}
	}
}

// checkNumbers checks value and weight.
func (p *problems) checkNumbers(a Action) {
	if !(a.Value > 0 && a.Value <= MaxValue) {
		p.add("value", "must be above 0 and at most %g, got %g", float64(MaxValue), a.Value)
	}
	if a.Weight != 0 && !(a.Weight > 0 && a.Weight <= MaxWeight) {
		p.add("weight", "must be above 0 and at most %d (unset is 1), got %g", MaxWeight, a.Weight)
	}
}

// checkTargets checks the items and category an action promotes.
func (p *problems) checkTargets(a Action) {
	if len(a.Items) > MaxItems {
		p.add("items", "may list at most %d items, got %d", MaxItems, len(a.Items))
	}
	for i, it := range a.Items {
		if err := candor.ValidateID("item id", it); err != nil {
			p.add("items", "%s", candor.ErrorMessage(err))
		} else if slices.Contains(a.Items[:i], it) {
			p.add("items", "%q is listed twice", it)
		}
	}
	if len(a.Category) > 64 || strings.ContainsAny(a.Category, "\n\r\x00") {
		p.add("category", "must be at most 64 bytes on one line")
	}
}

// maxDuration bounds caps: a year, as long as contacts are kept.
const maxDuration = features.ContactLookback

// duration parses "168h", "90m" or "7d"; "" is 0. A bad one is a problem.
func (p *problems) duration(field, s string) time.Duration {
	if s == "" {
		return 0
	}
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		d = time.Duration(n) * 24 * time.Hour
		if n > 366 {
			d = maxDuration + 1
		}
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 || d > maxDuration {
		p.add(field, "must be a positive duration of at most 366d such as \"168h\" or \"7d\", got %q", clip(s))
		return 0
	}
	return d
}
