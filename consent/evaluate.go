package consent

import "time"

// DefaultMaxAge is how long a grant counts when Request.MaxAge is zero:
// about 13 months, the consent lifetime the French CNIL recommends.
const DefaultMaxAge = 395 * 24 * time.Hour

// Reasons a scope is not granted, as shown to customers and clients.
const (
	ReasonNoRecord        = "no_record"        // the customer never answered
	ReasonDenied          = "denied"           // the customer said no
	ReasonExpired         = "expired"          // the grant is older than MaxAge or past its Expiry
	ReasonReconsentNeeded = "reconsent_needed" // the grant predates the live policy version
	ReasonGPC             = "gpc"              // the request carries a Global Privacy Control signal
)

// Request is what Evaluate needs to know about the request being served.
type Request struct {
	Now           time.Time     // the request time
	PolicyVersion int           // the live policy version; below 1 counts as 1
	GPC           bool          // the request carried Sec-GPC: 1
	MaxAge        time.Duration // how long a grant counts; zero or less means DefaultMaxAge
}

// Effective is the evaluated consent for one scope.
type Effective struct {
	Scope   Scope
	Granted bool
	Reason  string  // "" when granted, else one of the Reason constants
	Record  *Record // the stored record, nil when there is none
}

// Decision is the evaluated consent for every scope.
type Decision struct {
	Scopes []Effective // one per scope, in AllScopes order
}

// Effective returns the evaluated consent for s; for an unknown scope it is
// a denial with reason no_record.
func (d Decision) Effective(s Scope) Effective {
	for _, e := range d.Scopes {
		if e.Scope == s {
			return e
		}
	}
	return Effective{Scope: s, Reason: ReasonNoRecord}
}

// Grant returns the scopes d grants.
func (d Decision) Grant() Grant {
	var g Grant
	for _, e := range d.Scopes {
		if e.Granted {
			g = g.with(e.Scope)
		}
	}
	return g
}

// Evaluate turns a customer's stored records (keyed by scope; the key is
// authoritative) into the effective consent for req. It is pure, and the
// store's Lua script mirrors it exactly, so the rules are spelled out. For
// each scope, the first that applies wins:
//
//  1. GPC and the scope is sale_share: denied, reason gpc, whatever is stored.
//  2. No record: denied, reason no_record (fail closed).
//  3. The record is not a grant: denied, reason denied.
//  4. now_ms >= min(expiry_ms if set, time_ms + maxage_ms): denied, reason
//     expired. All times are compared as Unix milliseconds (now truncated).
//  5. The record's policy version is below the live one: denied, reason
//     reconsent_needed.
//  6. Otherwise granted.
//
// Sensitive gets no special case: it is granted only by its own record, and
// presets always write a denial for it.
func Evaluate(records map[Scope]Record, req Request) Decision {
	d := Decision{Scopes: make([]Effective, len(AllScopes))}
	stored := make([]Record, len(AllScopes)) // one allocation for every Effective.Record
	for i, s := range AllScopes {
		d.Scopes[i] = evaluateScope(s, records, req, &stored[i])
	}
	return d
}

func evaluateScope(s Scope, records map[Scope]Record, req Request, slot *Record) Effective {
	e := Effective{Scope: s}
	r, ok := records[s]
	if ok {
		*slot = r
		e.Record = slot
	}
	switch {
	case req.GPC && s == SaleShare:
		e.Reason = ReasonGPC
	case !ok:
		e.Reason = ReasonNoRecord
	case r.State != Granted:
		e.Reason = ReasonDenied
	case expired(r, req):
		e.Reason = ReasonExpired
	case r.PolicyVersion < liveVersion(req.PolicyVersion):
		e.Reason = ReasonReconsentNeeded
	default:
		e.Granted = true
	}
	return e
}

// expired reports whether the grant in r no longer counts at req.Now.
func expired(r Record, req Request) bool {
	return req.Now.UnixMilli() >= r.validUntilMillis(req.MaxAge)
}

// liveVersion treats a live policy version below 1 as 1, the first version.
func liveVersion(v int) int { return max(v, 1) }
