package actions

import (
	"strconv"
	"strings"
	"time"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

// Limit allows at most Max deliveries per Period; Max 0 allows none.
type Limit struct {
	Max    int           `json:"max"`
	Period time.Duration `json:"period"`
}

// Policy is the contact policy: a Limit per channel, counted over all
// actions. A channel that is absent is not limited.
type Policy map[consent.Scope]Limit

// DefaultPolicy: email at most 2 per 7 days, sms 1 per 7 days, push 3 per
// day, onsite 20 per day.
func DefaultPolicy() Policy {
	const day = 24 * time.Hour
	return Policy{
		consent.Email:  {Max: 2, Period: 7 * day},
		consent.SMS:    {Max: 1, Period: 7 * day},
		consent.Push:   {Max: 3, Period: day},
		consent.Onsite: {Max: 20, Period: day},
	}
}

// contact is one parsed features.Contact.
type contact struct {
	action  string
	event   features.EventType
	channel consent.Scope // "" when the member does not name it
	t       time.Time
}

// parseContact reads a contact member (features.ContactMember) from the
// right, since action IDs may hold ':'. Members without the channel
// ("<action>:<event>:<ms>", or the older "<action>:<ms>", an impression)
// are read too; their channel is then the action's first one. ok is false
// when it has no time.
func parseContact(c features.Contact) (contact, bool) {
	rest, ms, ok := cutLast(c.Member)
	if !ok {
		return contact{}, false
	}
	out := contact{event: features.Impression, t: c.Time}
	if n, err := strconv.ParseInt(ms, 10, 64); err == nil {
		out.t = time.UnixMilli(n)
	}
	if head, last, ok := cutLast(rest); ok && isChannel(last) {
		if action, ev, ok := cutLast(head); ok && isContactEvent(ev) {
			out.action, out.event, out.channel = action, features.EventType(ev), consent.Scope(last)
			return out, true
		}
	}
	if action, ev, ok := cutLast(rest); ok && isContactEvent(ev) {
		out.action, out.event = action, features.EventType(ev)
		return out, true
	}
	out.action = rest
	return out, rest != ""
}

func cutLast(s string) (before, after string, ok bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

func isChannel(s string) bool {
	return s == string(consent.Onsite) || s == string(consent.Email) || s == string(consent.SMS) || s == string(consent.Push)
}

func isContactEvent(s string) bool {
	return s == string(features.Impression) || s == string(features.Click) || s == string(features.Dismiss)
}

// usage is what a customer's contacts say about caps, for one request.
type usage struct {
	shown     []int       // per action: impressions within its caps.period
	dismissed []time.Time // per action: the last dismiss
	channel   int         // impressions on the requested channel within its limit's period
}

// usage counts contacts once for every action. An impression counts as a
// delivery; clicks do not (they follow one). A contact of an action no
// longer in the catalog and not naming its channel cannot be attributed
// to a channel and is not counted.
func (c *Compiled) usage(contacts []features.Contact, ch consent.Scope, lim Limit, now time.Time) usage {
	u := usage{shown: make([]int, len(c.actions)), dismissed: make([]time.Time, len(c.actions))}
	for _, fc := range contacts {
		k, ok := parseContact(fc)
		if !ok {
			continue
		}
		i, known := c.index[k.action]
		if k.channel == "" && known {
			k.channel = c.actions[i].main
		}
		switch {
		case k.event == features.Dismiss && known && k.t.After(u.dismissed[i]):
			u.dismissed[i] = k.t
		case k.event != features.Impression:
		default:
			if known && k.t.After(now.Add(-c.actions[i].period)) {
				u.shown[i]++
			}
			if k.channel == ch && k.t.After(now.Add(-lim.Period)) {
				u.channel++
			}
		}
	}
	return u
}

// capped returns the cap reason that stops action i, or "".
func (c *Compiled) capped(i int, u *usage, lim Limit, limited bool, now time.Time) (reason, detail string) {
	a := &c.actions[i]
	switch {
	case a.Caps.MaxPer > 0 && u.shown[i] >= a.Caps.MaxPer:
		return ReasonCapped, strconv.Itoa(u.shown[i]) + " of " + strconv.Itoa(a.Caps.MaxPer) + " per " + a.Caps.Period
	case a.cooldown > 0 && !u.dismissed[i].IsZero() && now.Before(u.dismissed[i].Add(a.cooldown)):
		return ReasonDismissed, "dismissed at " + u.dismissed[i].UTC().Format(time.RFC3339)
	case limited && u.channel >= lim.Max:
		return ReasonContactPolicy, strconv.Itoa(u.channel) + " of " + strconv.Itoa(lim.Max) + " per " + lim.Period.String()
	}
	return "", ""
}
