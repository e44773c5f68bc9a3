package actions

import (
	"strconv"
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
		k, ok := features.ParseContact(fc)
		if !ok {
			continue
		}
		i, known := c.index[k.Action]
		if k.Channel == "" && known {
			k.Channel = c.actions[i].main
		}
		switch {
		case k.Event == features.Dismiss && known && k.Time.After(u.dismissed[i]):
			u.dismissed[i] = k.Time
		case k.Event != features.Impression:
		default:
			if known && k.Time.After(now.Add(-c.actions[i].period)) {
				u.shown[i]++
			}
			if k.Channel == ch && k.Time.After(now.Add(-lim.Period)) {
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
