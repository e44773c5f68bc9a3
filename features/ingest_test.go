package features_test

import (
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

func lookup(id string) (exists, sensitive bool) { return id == "i1" || id == "vit", id == "vit" }

func TestValidateEvents(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		ev   features.Event
		want string // "" valid, else a part of the message
	}{
		{features.Event{CustomerID: "c1", Type: features.View, ItemID: "i1"}, ""},
		{features.Event{CustomerID: "c1", AnonymousID: "a1", Type: features.View, ItemID: "i1"}, "exactly one of"},
		{features.Event{Type: features.View, ItemID: "i1"}, "exactly one of"},
		{features.Event{CustomerID: "c 1", Type: features.View, ItemID: "i1"}, "customer_id"},
		{features.Event{CustomerID: "c1", Type: "like", ItemID: "i1"}, "unknown event type"},
		{features.Event{CustomerID: "c1", Type: features.Rating, ItemID: "i1", Value: 7}, "between 0.5 and 5"},
		{features.Event{CustomerID: "c1", Type: features.View, ItemID: "nope"}, "not in the catalog"},
		{features.Event{CustomerID: "c1", Type: features.View}, "needs item_id"},
		{features.Event{CustomerID: "c1", Type: features.View, ItemID: "i1", Time: now.Add(48 * time.Hour)}, "future"},
		{features.Event{CustomerID: "c1", Type: features.Impression, ActionID: "welcome"}, ""},
		{features.Event{CustomerID: "c1", Type: features.Click, ActionID: "welcome", Channel: "email"}, ""},
		{features.Event{CustomerID: "c1", Type: features.Dismiss, ActionID: "bad id"}, "action_id"},
		{features.Event{CustomerID: "c1", Type: features.Impression, ActionID: "welcome", Channel: "fax"}, "unknown channel"},
		{features.Event{CustomerID: "c1", Type: features.View, ItemID: "i1", Channel: "email"}, "channel is only for"},
	}
	for _, tt := range tests {
		ev := tt.ev
		err := features.Validate(&ev, now, lookup)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%+v: %v, want valid", tt.ev, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%+v: %v, want an error about %q", tt.ev, err, tt.want)
		}
		if tt.want == "" && ev.Time.IsZero() {
			t.Errorf("%+v: no time filled in", tt.ev)
		}
	}
}

// An interaction with a sensitive item feeds the sensitive set whatever its
// type; a contact member names its action, event, channel and time.
func TestRouteAndContactMember(t *testing.T) {
	set, ok := features.Route(&features.Event{Type: features.Purchase, ItemID: "vit"}, true)
	if !ok || set != consent.Sensitive {
		t.Errorf("purchase of a sensitive item: %s %v", set, ok)
	}
	set, ok = features.Route(&features.Event{Type: features.View, ItemID: "i1"}, false)
	if !ok || set != consent.Browsing {
		t.Errorf("view: %s %v", set, ok)
	}
	at := time.UnixMilli(1767225600123)
	if got := features.ContactMember("a:b", features.Click, consent.Email, at); got != "a:b:click:email:1767225600123" {
		t.Errorf("member %q", got)
	}
	if got := features.ContactMember("a", features.Impression, "", at); got != "a:impression:1767225600123" {
		t.Errorf("member without channel %q", got)
	}
}
