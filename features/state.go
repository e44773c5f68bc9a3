package features

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/candorhq/candor/consent"
)

// State is what the consent-gated read returns for one customer: the
// consent decision and only the feature sets it grants. A set that is not
// granted is absent (nil), never empty-but-read.
type State struct {
	CustomerID   string
	Decision     consent.Decision
	Interactions map[consent.Scope][]Interaction // browsing, purchases, sensitive
	Declared     *Declared
	Location     *Location
	Demographics *Demographics
	Feedback     map[string]string // the customer's own controls; see the feedback work
	Contacts     []Contact
	// Older are the items bought or rated before the most recent ones a
	// bounded read returned (ReadOptions.Recent), as bare IDs: never
	// evidence, but never recommended again either. Empty after a full read.
	Older []string
	// ConsentHead is the hash of the newest consent log entry when the
	// state was read ("" without any): decisions made from this state
	// keep their evidence only while it is still the head (see
	// recommend.DecisionRecord).
	ConsentHead string
}

// ReadOptions bound what a gated read returns.
type ReadOptions struct {
	// Recent is how many of the most recent items of each interaction set
	// are read with their times, counts and ratings (0: all of them). Older
	// purchases are read as bare IDs (State.Older); older views are not
	// read.
	Recent int
}

// Contact is one delivered next-best-action, for contact policies.
type Contact struct {
	Member string // "<action id>:<event type>:<unix ms>", e.g. "welcome:impression:1767225600000"
	Time   time.Time
}

// ContactMember is the contacts member recording event of action at t:
// "<action>:<event>:<channel>:<unix ms>", or "<action>:<event>:<unix ms>"
// when the channel is not known. Readers parse it from the right, since
// action IDs may hold ':'.
func ContactMember(action string, event EventType, channel consent.Scope, t time.Time) string {
	ms := strconv.FormatInt(t.UnixMilli(), 10)
	if channel == "" {
		return action + ":" + string(event) + ":" + ms
	}
	return action + ":" + string(event) + ":" + string(channel) + ":" + ms
}

// ContactRecord is a contacts member read back: what ContactMember wrote.
type ContactRecord struct {
	Action  string        `json:"action_id"`
	Event   EventType     `json:"event"`
	Channel consent.Scope `json:"channel,omitempty"` // "" when the member does not name it
	Time    time.Time     `json:"time"`
}

// ParseContact reads a contacts member (ContactMember) from the right,
// since action IDs may hold ':'. Members without the channel
// ("<action>:<event>:<ms>", or the older "<action>:<ms>", an impression)
// are read too, with Channel "". ok is false when it has no time.
func ParseContact(c Contact) (ContactRecord, bool) {
	rest, ms, ok := cutLast(c.Member)
	if !ok {
		return ContactRecord{}, false
	}
	out := ContactRecord{Event: Impression, Time: c.Time}
	if n, err := strconv.ParseInt(ms, 10, 64); err == nil {
		out.Time = time.UnixMilli(n).UTC()
	}
	if head, last, ok := cutLast(rest); ok && slices.Contains(consent.Channels, consent.Scope(last)) {
		if action, ev, ok := cutLast(head); ok && isContact(EventType(ev)) {
			out.Action, out.Event, out.Channel = action, EventType(ev), consent.Scope(last)
			return out, true
		}
	}
	if action, ev, ok := cutLast(rest); ok && isContact(EventType(ev)) {
		out.Action, out.Event = action, EventType(ev)
		return out, true
	}
	out.Action = rest
	return out, rest != ""
}

func cutLast(s string) (before, after string, ok bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// Grant returns the grant of the state's decision: what the scorer may use.
func (s *State) Grant() consent.Grant { return s.Decision.Grant() }

// Routed is an event after validation and routing: what the store writes.
type Routed struct {
	CustomerID string
	Set        consent.Scope // "" for a contact (an impression or click of an action)
	Channel    consent.Scope // for a contact: the channel scope that must be granted to store it
	EventID    string        // "" or the event's ID: a repeated one is a no-op
	Member     string        // item id, or ContactMember for a contact
	Rating     float64       // for a rating: its value (0.5..5); else 0
	Action     string        // for a contact: the action ID
	Event      EventType     // for a contact: impression, click or dismiss
	Time       time.Time
}

// SetProfile fills the profile set of st from its stored fields (the hash
// the store keeps).
func SetProfile(st *State, set consent.Scope, fields map[string]string) {
	switch p := ProfileOf(set, fields).(type) {
	case *Declared:
		st.Declared = p
	case *Location:
		st.Location = p
	case *Demographics:
		st.Demographics = p
	}
}

// ProfileOf is the profile a set's stored fields hold: a *Declared,
// *Location or *Demographics; nil for a set that is not a profile.
func ProfileOf(set consent.Scope, fields map[string]string) ProfileData {
	switch set {
	case consent.Declared:
		d := DeclaredFrom(fields)
		return &d
	case consent.Location:
		return &Location{Country: fields["country"], Region: fields["region"]}
	case consent.Demographics:
		return &Demographics{AgeBand: fields["age_band"]}
	}
	return nil
}
