package actions_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/actions"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

// TestValidateListsEveryProblem: one catalog with many problems gets them
// all, each with its action and field.
func TestValidateListsEveryProblem(t *testing.T) {
	body := `{"actions":[
	 {"id":"ok","name":"Fine","type":"offer","channels":["email"],"value":5},
	 {"id":"ok","name":"Same id","type":"offer","channels":["fax","email","email"],"value":5},
	 {"id":"s","name":"Sensitive","type":"offer","channels":["push"],"value":5,"when":"item.sensitive"},
	 {"id":"i","name":"Item","type":"offer","channels":["push"],"value":5,"when":"item.brand == \"x\""},
	 {"id":"u","name":"Unknown","type":"bribe","channels":[],"value":0,"weight":-1,"when":"customer.shoe_size > 3"},
	 {"id":"c:1","name":"","type":"content","channels":["sms"],"value":1,"caps":{"max_per":3},"items":["x","x"],
	  "from":"2026-12-01T00:00:00Z","until":"2026-11-01T00:00:00Z"},
	 {"id":"d","name":"Bad durations","type":"service","channels":["onsite"],"value":1,"caps":{"period":"7w","cooldown_after_dismiss":"-1h"}}
	]}`
	c, err := actions.Decode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	_, err = actions.Validate(c)
	if got := candor.ErrorCode(err); got != candor.EInvalid {
		t.Fatalf("code %q, want invalid: %v", got, err)
	}
	var ps actions.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("%v does not wrap Problems", err)
	}
	want := []string{
		"action ok, id: another action has the same id",
		`action ok, channels: "fax" is not a channel`,
		`action ok, channels: "email" is listed twice`,
		"action s, when: conditions on sensitive data are refused",
		"action i, when: an action's condition cannot read item fields",
		`action u, type: "bribe" is not an action type`,
		"action u, channels: list at least one channel",
		"action u, value: must be above 0",
		"action u, weight: must be above 0",
		"action u, when 1:10: customer has no field shoe_size",
		"action c:1, id: may not contain ':'",
		"action c:1, name: must be 1-200 bytes",
		"action c:1, until: must be after from",
		`action c:1, items: "x" is listed twice`,
		"action c:1, caps.period: a cap of 3 needs a period",
		`action d, caps.period: must be a positive duration`,
		`action d, caps.cooldown_after_dismiss: must be a positive duration`,
		"action d, caps.max_per: a period needs max_per",
	}
	all := ps.Error()
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("problems lack %q", w)
		}
	}
	if len(ps) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(ps), len(want), all)
	}
	if msg := candor.ErrorMessage(err); !strings.Contains(msg, "18 problems") {
		t.Errorf("message %q does not count the problems", msg)
	}
}

// TestDecodeStrict: unknown fields, trailing data and bad shapes are refused.
func TestDecodeStrict(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"unknown field", `{"actions":[{"id":"a","colour":"red"}]}`, `Unknown field "colour" in the action catalog.`},
		{"trailing", `{"actions":[]} {}`, "The action catalog must hold one JSON value; found more after it."},
		{"type", `{"actions":[{"id":1}]}`, `Field "actions.id" must be a string, not a number.`},
		{"time", `{"actions":[{"id":"a","from":"tomorrow"}]}`, `The action catalog has a time that is not RFC 3339 (e.g. 2026-11-25T10:00:00Z): "tomorrow".`},
		{"empty", ``, "The action catalog is empty; send a JSON document."},
		{"syntax", `{"actions":[}`, "Malformed JSON at byte 13"},
		{"list", `{"actions":"a"}`, `Field "actions" must be an array, not a string.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := actions.Decode([]byte(tt.body))
			if candor.ErrorCode(err) != candor.EInvalid || !strings.Contains(candor.ErrorMessage(err), tt.want) {
				t.Errorf("Decode error %v, want invalid mentioning %q", err, tt.want)
			}
		})
	}
}

// TestValidExample: the catalog in testdata decodes and validates.
func TestValidExample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := actions.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	cc, err := actions.Validate(c)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cc.Len(), len(c.Actions); got != want {
		t.Errorf("%d actions compiled, want %d", got, want)
	}
}

// FuzzDecode: the decoder and Validate never panic, and what validates
// decides without panicking.
func FuzzDecode(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "catalog.json")); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"actions":[{"id":"a","name":"A","type":"offer","channels":["email"],"value":1,"when":"customer.location.country == \"DE\""}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := actions.Decode(b)
		if err != nil {
			if candor.ErrorCode(err) != candor.EInvalid {
				t.Fatalf("code %q for %v", candor.ErrorCode(err), err)
			}
			return
		}
		cc, err := actions.Validate(c)
		if err != nil {
			return
		}
		e := actions.NewEngine(func() *actions.Compiled { return cc }, actions.Config{})
		for _, ch := range consent.Channels {
			d := e.Decide(actions.Request{State: stateWith(full, false), Channel: ch, Now: now})
			for _, a := range d.Actions {
				if a.Channel != ch {
					t.Fatalf("action %s on %s for %s", a.ActionID, a.Channel, ch)
				}
			}
		}
	})
}

// TestParseContact: contact members old and new are read from the right.
func TestParseContact(t *testing.T) {
	at := now.Add(-time.Hour)
	ms := itoa(at.UnixMilli())
	c := compile(t, action("a"), func() actions.Action {
		a := action("p")
		a.Channels = []consent.Scope{consent.Push, consent.Email}
		return a
	}())
	e := actions.NewEngine(func() *actions.Compiled { return c }, actions.Config{Policy: actions.Policy{consent.Email: {Max: 1, Period: 24 * time.Hour}}})
	tests := []struct {
		member string
		capped bool // counts as an email delivery
	}{
		{"a:impression:email:" + ms, true},
		{"a:impression:" + ms, true},       // the action's first channel
		{"a:" + ms, true},                  // oldest format: an impression
		{"a:click:email:" + ms, false},     // clicks are not deliveries
		{"p:impression:" + ms, false},      // p's first channel is push
		{"p:impression:email:" + ms, true}, // named channel wins
		{"gone:impression:" + ms, false},   // unknown action, no channel
		{"gone:impression:email:" + ms, true},
		{"junk", false},
	}
	for _, tt := range tests {
		st := stateWith(full, false)
		st.Contacts = []features.Contact{{Member: tt.member, Time: at}}
		d := e.Decide(actions.Request{State: st, Channel: consent.Email, Now: now})
		if got := suppressed(d, "a") == actions.ReasonContactPolicy; got != tt.capped {
			t.Errorf("%s: counted %v, want %v", tt.member, got, tt.capped)
		}
	}
}
