package actions

import (
	"context"
	"slices"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

// Deliverer records deliveries so that consent, caps and contact policies
// hold under concurrent requests, events and erasures. redisstore.Store
// implements it.
type Deliverer interface {
	// Deliver reads the customer's consent (evaluated for req) and current
	// contacts and calls decide with them; when its reason is "", it adds
	// the member decide returns at t and counts an impression of action,
	// atomically: if the consent or the contacts change between the read
	// and the write (a withdrawal, an erasure, another Deliver, an
	// ingested event) it reads and asks again. It returns decide's last
	// reason: "" when the member was recorded. EConflict when it could not
	// win the race.
	Deliver(ctx context.Context, customerID, action string, t time.Time, req consent.Request, decide func(consent.Decision, []features.Contact) (member, reason string)) (string, error)
}

// Allow returns why delivering action id on ch at now would break a cap,
// a dismissal cooldown or the channel's contact policy given contacts,
// or "" when it would not; ReasonUnknownAction when id is not in the
// catalog.
func (e *Engine) Allow(contacts []features.Contact, id string, ch consent.Scope, now time.Time) string {
	c := e.catalog()
	i, ok := c.index[id]
	if !ok {
		return ReasonUnknownAction
	}
	if !slices.Contains(c.actions[i].Channels, ch) {
		return ReasonOtherChannel
	}
	lim, limited := e.cfg.Policy[ch]
	u := c.usage(contacts, ch, lim, now)
	reason, _ := c.capped(i, &u, lim, limited, now)
	return reason
}

// Check returns why action id could not go to the customer of req on
// req.Channel now: every check Decide makes (channel, validity window,
// channel consent, sharing and GPC, the feature sets its condition reads,
// the condition, caps) except the score; "" when it could. Deliver then
// enforces the caps atomically.
func (e *Engine) Check(req Request, id string) (reason, detail string) {
	c := e.catalog()
	i, ok := c.index[id]
	if !ok {
		return ReasonUnknownAction, ""
	}
	if !slices.Contains(consent.Channels, req.Channel) {
		return ReasonOtherChannel, ""
	}
	req.Model = nil // no scoring: affinity is not needed
	return e.start(c, &req).check(i)
}

// ReasonUnknownAction: Allow or Deliver was asked about an action that is
// not in the catalog.
const ReasonUnknownAction = "unknown_action"

// Deliver records an impression of action id on ch for the customer at
// req.Now through d, unless the customer's consent at that moment refuses
// it (the channel, sharing under GPC or without sale_share, or a feature
// set its condition reads) or it would
// break a cap or the contact policy: then it returns the reason and
// records nothing. Call it when the action is actually sent; consent and
// contacts are read inside the same optimistic transaction as the write.
func (e *Engine) Deliver(ctx context.Context, d Deliverer, customerID, id string, ch consent.Scope, req consent.Request) (string, error) {
	if err := candor.ValidateID("customer id", customerID); err != nil {
		return "", err
	}
	now := req.Now
	return d.Deliver(ctx, customerID, id, now, req, func(dec consent.Decision, cs []features.Contact) (string, string) {
		if reason := e.consented(dec, id, ch, req.GPC); reason != "" {
			return "", reason
		}
		if reason := e.Allow(cs, id, ch, now); reason != "" {
			return "", reason
		}
		return uniqueMember(cs, id, ch, now), ""
	})
}

// consented returns why the consent in dec does not allow action id on
// ch, or "": the same consent checks Decide makes.
func (e *Engine) consented(dec consent.Decision, id string, ch consent.Scope, gpc bool) string {
	c := e.catalog()
	i, ok := c.index[id]
	if !ok {
		return ReasonUnknownAction
	}
	reason, _ := c.actions[i].consentReason(dec.Grant(), ch, gpc)
	return reason
}

// uniqueMember is the contacts member of an impression of action id on ch
// at now, moved on by a millisecond at a time past any member already
// held: two deliveries in the same millisecond are two contacts, not one.
func uniqueMember(cs []features.Contact, id string, ch consent.Scope, now time.Time) string {
	held := make(map[string]bool, len(cs))
	for _, c := range cs {
		held[c.Member] = true
	}
	m := features.ContactMember(id, features.Impression, ch, now)
	for held[m] {
		now = now.Add(time.Millisecond)
		m = features.ContactMember(id, features.Impression, ch, now)
	}
	return m
}
