package rules_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/rules"
)

// problems validates rs and returns its problems, failing unless the error
// is an EInvalid wrapping them.
func problems(t testing.TB, rs rules.Ruleset) rules.Problems {
	t.Helper()
	_, _, err := rules.Validate(rs, nil, now)
	if err == nil {
		return nil
	}
	if code := candor.ErrorCode(err); code != candor.EInvalid {
		t.Fatalf("Validate: code %q (%v), want invalid", code, err)
	}
	var ps rules.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Validate: %v does not wrap Problems", err)
	}
	return ps
}

// TestValidateListsEveryProblem: all problems at once, each with its rule
// ID, field and, in conditions, line and column.
func TestValidateListsEveryProblem(t *testing.T) {
	rs := rules.Ruleset{Name: "promo", Rules: []rules.Rule{
		{ID: "ok", When: `item.brand == "acme"`, Action: rules.Action{Type: rules.ActionBoost, Factor: 2}},
		{ID: "typo", When: "item.brand == \"acme\" and\n  item.colour == \"red\"", Action: rules.Action{Type: rules.ActionFilter}},
		{ID: "syntax", When: `item.price <`, Action: rules.Action{Type: rules.ActionFilter}},
		{ID: "notbool", When: `item.price`, Action: rules.Action{Type: rules.ActionFilter}},
		{ID: "badfactor", Action: rules.Action{Type: rules.ActionBoost, Factor: 0.5}},
		{ID: "both", Action: rules.Action{Type: rules.ActionBury, Factor: 0.5, Add: -1}},
		{ID: "unknown", Action: rules.Action{Type: rules.ActionFilter, Slot: 3}},
		{ID: "where", Placements: []string{"home", "checkout"}, Action: rules.Action{Type: "hide"}},
		{ID: "ok", Action: rules.Action{Type: rules.ActionDiversity, Field: "colour"}},
		{ID: "", Action: rules.Action{Type: rules.ActionPin, Slot: 0}},
		{ID: "sched", From: tp(now), Until: tp(now), Action: rules.Action{Type: rules.ActionExcludePurchased, Lookback: "a week"}},
	}}
	got := problems(t, rs)
	want := []rules.Problem{
		{RuleID: "typo", Field: "when", Pos: rules.Pos{Line: 2, Column: 8}},
		{RuleID: "syntax", Field: "when", Pos: rules.Pos{Line: 1, Column: 12}},
		{RuleID: "notbool", Field: "when"},
		{RuleID: "badfactor", Field: "action.factor"},
		{RuleID: "both", Field: "action.factor"},
		{RuleID: "unknown", Field: "action.slot"},
		{RuleID: "where", Field: "placements"},
		{RuleID: "where", Field: "action.type"},
		{RuleID: "ok", Field: "id"},
		{RuleID: "ok", Field: "action.field"},
		{RuleID: "ok", Field: "action.max"},
		{RuleID: "", Field: "id"},
		{RuleID: "", Field: "action.slot"},
		{RuleID: "", Field: "action.item_id"},
		{RuleID: "sched", Field: "until"},
		{RuleID: "sched", Field: "action.lookback"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.RuleID != w.RuleID || g.Field != w.Field || g.Pos != w.Pos || g.Message == "" {
			t.Errorf("problem %d = %+v, want %+v with a message", i, g, w)
		}
	}
	if m := got[0].Message; !strings.Contains(m, "item has no field colour") || !strings.Contains(m, "brand") {
		t.Errorf("unknown field message %q should name item and list its fields", m)
	}
	_, _, err := rules.Validate(rs, nil, now)
	if msg := candor.ErrorMessage(err); !strings.Contains(msg, "16 problems") || !strings.Contains(msg, "rule typo, when 2:8") {
		t.Errorf("client message %q should count and list the problems", msg)
	}
}

// A condition of the wrong shape is told in words, where it goes wrong,
// with a hint for = and <>, never in the parser's names for its tokens.
func TestSyntaxMessages(t *testing.T) {
	for _, c := range []struct {
		when string
		pos  rules.Pos
		want string
	}{
		{`item.price <`, rules.Pos{Line: 1, Column: 12}, "the condition ends too soon"},
		{"item.brand == \"acme\" and", rules.Pos{Line: 1, Column: 24}, "the condition ends too soon"},
		{`(item.price < 50`, rules.Pos{Line: 1, Column: 16}, "a closing bracket is missing"},
		{`item.price < 50)`, rules.Pos{Line: 1, Column: 16}, `")" is not expected here: it closes a bracket that was not opened`},
		{`item.price = 5`, rules.Pos{Line: 1, Column: 12}, `"=" is not expected here; to compare, write ==`},
		{`item.price <> 5`, rules.Pos{Line: 1, Column: 13}, `">" is not expected here; for not equal, write !=`},
		{`item.title == "é" and item.price <> 5`, rules.Pos{Line: 1, Column: 35}, "for not equal, write !="},
		{`item.brand == 'acme`, rules.Pos{Line: 1, Column: 20}, "a quoted text is not closed"},
		{`item.price > 5 5`, rules.Pos{Line: 1, Column: 16}, `"5" is not expected here`},
		{`item.brand in ["acme", "globex")`, rules.Pos{Line: 1, Column: 32}, `")" is not expected here: the bracket open here is "["; close it with ]`},
		{`item.price < = 5`, rules.Pos{Line: 1, Column: 14}, "for less or equal, write <="},
		{`item.price !== 50`, rules.Pos{Line: 1, Column: 14}, "for not equal, write !="},
		{`item.price < 5 AND item.brand == "x"`, rules.Pos{Line: 1, Column: 16}, `"AND" is not expected here; write and in small letters`},
		{`item.brand == “acme”`, rules.Pos{Line: 1, Column: 15}, "typographic quotes"},
		{`item.brand in {`, rules.Pos{Line: 1, Column: 15}, "a key of a map ({key: value}) must be"},
		{`item.brand == "x" ''`, rules.Pos{Line: 1, Column: 19}, "a quoted text is not expected here"},
		{`item.price => 5`, rules.Pos{Line: 1, Column: 12}, `"=" is not expected here; for greater or equal, write >=`},
		{`item.price =< 5`, rules.Pos{Line: 1, Column: 12}, `"=" is not expected here; for less or equal, write <=`},
		{"item.price <\t> 5", rules.Pos{Line: 1, Column: 14}, "for not equal, write !="},
		{`(item.price < )`, rules.Pos{Line: 1, Column: 15}, `")" is not expected here: a value is missing before it`},
		{`item.tags[]`, rules.Pos{Line: 1, Column: 11}, `"]" is not expected here: a value is missing before it`},
		{`item.brand == "(" )`, rules.Pos{Line: 1, Column: 19}, "it closes a bracket that was not opened"},
	} {
		got := problems(t, rules.Ruleset{Name: "r", Rules: []rules.Rule{{ID: "a", When: c.when, Action: rules.Action{Type: rules.ActionFilter}}}})
		if len(got) != 1 || got[0].Pos != c.pos || !strings.Contains(got[0].Message, c.want) {
			t.Errorf("%s: %+v, want %v %q", c.when, got, c.pos, c.want)
			continue
		}
		if m := got[0].Message; strings.Contains(m, "token") || strings.Contains(m, "EOF") || strings.Contains(m, "Operator(") {
			t.Errorf("%s: %q names the parser's tokens", c.when, m)
		}
	}
}

// A condition that compares or passes values of the wrong kinds is told
// in the rule language's names for them (a number, a text, a list of
// texts), never Go's; an unknown name says where names start.
func TestTypeMessages(t *testing.T) {
	for _, c := range []struct{ when, want string }{
		{`item.price == "5"`, "== does not work between a number and a text"},
		{`item.brand > 5`, "> does not work between a text and a number"},
		{`item.attributes == 1`, "== does not work between a map of texts and a number"},
		{`item.category_path`, "a condition must be true or false (e.g. item.price < 50), not a list of texts"},
		{`item.price`, "not a number"},
		{`upper(item.price) == "A"`, "upper takes a text, not a number"},
		{`len(item.price) > 1`, "len takes a text, a list or a map, not a number"},
		{`item.brand.x == 1`, "a text has no field x"},
		{`item.brand == acme`, `unknown name acme: a text is written in quotes ("acme"); a name starts with item, context, customer or placement`},
		{`item.available == TRUE`, "unknown name TRUE: write true in small letters"},
		{`item.brand == null`, "unknown name null: for no value, write nil"},
		{`customer.purchases.dayssince > 60`, "customer.purchases has no field dayssince; its fields are days_since_last, count"},
		{`customer.location == "DE"`, "== does not work between customer.location (a group of fields) and a text"},
		{`!item.brand`, "! does not work on a text"},
		{`item.price < 50 and item.brand`, "and does not work between a true/false value and a text"},
		{`any(item.brand, # == "a")`, "any takes a list, not a text"},
		{`any(item.category_path, #)`, "the test inside the braces must be true or false"},
		{`item.brand in [1, 2]`, "a list holds values of one kind, not both a number and a text"},
		{`item.brand.startsWith("a")`, "a text has no method startsWith"},
		{`item.brand ? 1 : 2`, "the value before ? must be true or false, not a text"},
		{`now() > 1`, "now() is not available"},
		{`item.string == 1`, "item has no field string; its fields are"},
		{`item.price < 5 string`, `"string" is not expected here`},
	} {
		got := problems(t, rules.Ruleset{Name: "r", Rules: []rules.Rule{{ID: "a", When: c.when, Action: rules.Action{Type: rules.ActionFilter}}}})
		if len(got) != 1 || !strings.Contains(got[0].Message, c.want) {
			t.Errorf("%s: %+v, want %q", c.when, got, c.want)
			continue
		}
		for _, goName := range []string{"float64", "string", "[]", "map[", "bool", "int"} {
			if m := got[0].Message; strings.Contains(m, goName) && !strings.Contains(c.when, goName) {
				t.Errorf("%s: %q names Go's type %s", c.when, got[0].Message, goName)
			}
		}
	}
}

// TestSensitiveTargetingRejected: boost, bury and pin may not use
// item.sensitive; filter, exclude and limit may.
func TestSensitiveTargetingRejected(t *testing.T) {
	for _, tt := range []struct {
		action rules.Action
		when   string
		ok     bool
	}{
		{rules.Action{Type: rules.ActionBoost, Factor: 2}, `item.sensitive`, false},
		{rules.Action{Type: rules.ActionBoost, Factor: 2}, `item.price > 3 or item["sensitive"]`, false},
		{rules.Action{Type: rules.ActionBury, Factor: 0.5}, `!item.sensitive`, false},
		{rules.Action{Type: rules.ActionPin, Slot: 1}, `item.sensitive && item.price > 0`, false},
		{rules.Action{Type: rules.ActionBoost, Factor: 2}, `let i = item; i.sensitive`, false},
		{rules.Action{Type: rules.ActionBoost, Factor: 2}, `$env.item.sensitive`, false},
		{rules.Action{Type: rules.ActionBoost, Factor: 2}, `item["sensi" + "tive"]`, false},
		{rules.Action{Type: rules.ActionFilter}, `item.sensitive`, true},
		{rules.Action{Type: rules.ActionExcludePurchased}, `item.sensitive`, true},
		{rules.Action{Type: rules.ActionLimit, Max: 1}, `item.sensitive`, true},
	} {
		ps := problems(t, rules.Ruleset{Name: "s", Rules: []rules.Rule{{ID: "r", When: tt.when, Action: tt.action}}})
		if got := len(ps) == 0; got != tt.ok {
			t.Errorf("%s when %s: accepted %v, want %v (%v)", tt.action.Type, tt.when, got, tt.ok, ps)
		}
	}
}

// TestCustomerFactsOnlyByField: the guard rail must see which sets a
// condition reads, so customer and item cannot be used whole.
func TestCustomerFactsOnlyByField(t *testing.T) {
	for _, when := range []string{
		`let c = customer; c.location.country == "DE"`,
		`customer["loc" + "ation"].country == "DE"`,
		`len(toJSON(customer)) > 2`,
		`$env["customer"].location.country == "DE"`,
	} {
		ps := problems(t, rules.Ruleset{Name: "s", Rules: []rules.Rule{filter("r", when)}})
		if len(ps) == 0 {
			t.Errorf("%s: accepted", when)
		}
	}
}

func TestValidateName(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
	}{{"default", true}, {"black-friday_2026", true}, {"", false}, {"Promo", false}, {"a:b", false}, {"{c}", false}, {strings.Repeat("a", 65), false}} {
		if got := rules.ValidateName(tt.name) == nil; got != tt.ok {
			t.Errorf("ValidateName(%q) ok = %v, want %v", tt.name, got, tt.ok)
		}
	}
}

// TestWarnings: a filter that removes every sample item, and a schedule
// that is over, are reported without blocking.
func TestWarnings(t *testing.T) {
	sample := []*catalog.Item{item(t, "shoe1"), item(t, "shirt1"), item(t, "book1")}
	past := now.Add(-time.Hour)
	rs := rules.Ruleset{Name: "w", Rules: []rules.Rule{
		filter("all", `item.price > 0`),
		filter("some", `item.price > 30`),
		filter("none", ``),
		{ID: "cartonly", Placements: []string{"cart"}, When: `placement == "cart" or item.price > 1000`, Action: rules.Action{Type: rules.ActionFilter}},
		{ID: "over", Until: &past, Action: rules.Action{Type: rules.ActionBoost, Add: 1}},
		filter("personal", `customer.location.country != "DE"`),
		boost("slow", `any(customer.declared.favourite_brands, # == item.brand)`, 2),
		boost("fast", `item.brand in customer.declared.favourite_brands`, 2),
	}}
	c, ws, err := rules.Validate(rs, sample, now)
	if err != nil || c == nil {
		t.Fatalf("Validate: %v", err)
	}
	var got []string
	for _, w := range ws {
		got = append(got, w.RuleID)
	}
	if want := []string{"all", "none", "cartonly", "cartonly", "over", "personal", "slow"}; !slices.Equal(got, want) {
		t.Errorf("warnings for %v, want %v: %+v", got, want, ws)
	}
}

func TestDecode(t *testing.T) {
	ok := `{"name":"promo","version":0,"rules":[{"id":"r1","from":"2026-11-27T00:00:00Z","placements":["home"],"when":"item.brand == \"acme\"","action":{"type":"boost","factor":1.5}}]}`
	rs, err := rules.Decode([]byte(ok))
	if err != nil || len(rs.Rules) != 1 || rs.Rules[0].Action.Factor != 1.5 || rs.Rules[0].From == nil {
		t.Fatalf("Decode(ok) = %+v, %v", rs, err)
	}
	for _, tt := range []struct{ name, in, msg string }{
		{"unknown field", `{"name":"p","rules":[{"id":"r","action":{"type":"filter","weight":2}}]}`, "weight"},
		{"unknown rule field", `{"name":"p","rules":[{"id":"r","target":"x","action":{"type":"filter"}}]}`, "target"},
		{"wrong type", `{"name":"p","rules":[{"id":"r","action":{"type":"pin","slot":"one"}}]}`, `Field "rules.action.slot" must be a whole number, not a string.`},
		{"rules not a list", `{"name":"p","rules":"x"}`, `Field "rules" must be an array, not a string.`},
		{"unknown field named", `{"name":"p","rules":[{"id":"r","type":"boost"}]}`, `Unknown field "type" in the ruleset.`},
		{"bad time", `{"name":"p","rules":[{"id":"r","from":"tomorrow","action":{"type":"filter"}}]}`, "RFC 3339"},
		{"trailing", `{"name":"p"} {}`, "after"},
		{"syntax", `{"name":"p",}`, "byte"},
		{"empty", ``, "empty"},
		{"too many", `{"name":"p","rules":[` + strings.Repeat(`{},`, rules.MaxRules) + `{}]}`, "at most"},
	} {
		_, err := rules.Decode([]byte(tt.in))
		if candor.ErrorCode(err) != candor.EInvalid || !strings.Contains(candor.ErrorMessage(err), tt.msg) {
			t.Errorf("%s: %v; want invalid mentioning %q", tt.name, err, tt.msg)
		}
	}
}

// FuzzDecodeRuleset: any input decodes or fails with a clean EInvalid,
// and whatever decodes validates or fails with Problems, never a panic.
func FuzzDecodeRuleset(f *testing.F) {
	f.Add([]byte(`{"name":"promo","rules":[{"id":"r1","when":"item.brand == \"acme\"","action":{"type":"boost","factor":2}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := rules.Decode(b)
		if err != nil {
			if candor.ErrorCode(err) != candor.EInvalid {
				t.Fatalf("Decode: %v is not invalid", err)
			}
			return
		}
		if _, _, err := rules.Validate(rs, []*catalog.Item{item(t, "shoe1")}, now); err != nil {
			var ps rules.Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("Validate: %v has no problems listed", err)
			}
		}
	})
}

// FuzzCompileExpr: any condition compiles or is rejected with positioned
// problems; what compiles applies without panicking, and within its
// budget: a request's conditions take at most the budget and one
// evaluation more.
func FuzzCompileExpr(f *testing.F) {
	f.Add(`item.brand == "acme" and customer.location.country == "DE"`)
	for _, s := range []string{`item.price <`, `item.price <> 5`, `(item.price = 5))`, `item.brand == 'x`, `"é" <> "é"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, when string) {
		c, _, err := rules.Validate(rules.Ruleset{Name: "f", Rules: []rules.Rule{filter("r", when)}}, nil, now)
		if err != nil {
			var ps rules.Problems
			if candor.ErrorCode(err) != candor.EInvalid || !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("Validate(%q): %v", when, err)
			}
			for _, p := range ps {
				if strings.Contains(p.Message, "unexpected token") {
					t.Fatalf("Validate(%q): %q names the parser's tokens", when, p.Message)
				}
			}
			return
		}
		req := home()
		req.Grant = grant("declared", "location", "demographics")
		req.Cart = []string{"shoe1", "book1"}
		if res := c.Apply(req, candidates(t)); res.Ops > rules.DefaultBudget+rules.MaxEvalCost {
			t.Fatalf("Apply(%q) took %d operations", when, res.Ops)
		}
	})
}
