package consent

import (
	"encoding/json"
	"errors"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/candorhq/candor"
)

// Change is one request to change a customer's consent, as sent to
// PUT /v1/customers/{id}/consent:
//
//	{"preset":"basic","scopes":{"location":"granted"},"source":"api","policy_version":"3"}
//
// Every field is optional, but a change needs a preset or at least one scope.
// Per-scope values override the preset. An empty Source means SourceAPI. A
// zero PolicyVersion (JSON: absent or "") means the live version; in JSON it
// is a string of digits.
//
// Time and Expiry are not part of the JSON form: only programs set them. A
// zero Time means the change happens now; a Time in the past makes it
// history, recorded with that time (a consent-management platform's records
// migrated by `candor import consent`; see PlanFor). Expiry, when set, is
// when the grants it records lapse.
type Change struct {
	Preset        string
	Scopes        map[Scope]State
	Source        Source
	PolicyVersion int
	Time          time.Time
	Expiry        time.Time
}

// changeJSON is the wire form of Change.
type changeJSON struct {
	Preset        string            `json:"preset,omitempty"`
	Scopes        map[string]string `json:"scopes,omitempty"`
	Source        string            `json:"source,omitempty"`
	PolicyVersion string            `json:"policy_version,omitempty"`
}

// GPCChange is the change to plan when a request carries Sec-GPC: 1: it
// records a sale_share denial with source gpc. Planned on every such request,
// it yields a record only when the stored sale_share record is not already
// that denial (the first GPC request, or after the customer or a new policy
// version changed it).
func GPCChange() Change {
	return Change{Scopes: map[Scope]State{SaleShare: Denied}, Source: SourceGPC}
}

// DecodeChange parses a Change from JSON. A null document, unknown fields, trailing data,
// wrong types, unknown presets, scopes, states or sources and malformed
// policy versions are EInvalid errors whose message names the culprit. The
// live policy version is checked by Validate.
func DecodeChange(b []byte) (Change, error) {
	var w changeJSON
	if err := candor.DecodeJSON(b, &w); err != nil {
		return Change{}, jsonError(err)
	}
	return w.change()
}

// UnmarshalJSON decodes c as strictly as DecodeChange does.
func (c *Change) UnmarshalJSON(b []byte) error {
	ch, err := DecodeChange(b)
	if err != nil {
		return err
	}
	*c = ch
	return nil
}

// MarshalJSON encodes c in the shape DecodeChange reads.
func (c Change) MarshalJSON() ([]byte, error) {
	w := changeJSON{Preset: c.Preset, Source: string(c.Source)}
	if c.PolicyVersion != 0 {
		w.PolicyVersion = strconv.Itoa(c.PolicyVersion)
	}
	if c.Scopes != nil {
		w.Scopes = make(map[string]string, len(c.Scopes))
		for s, st := range c.Scopes {
			w.Scopes[string(s)] = string(st)
		}
	}
	return json.Marshal(w)
}

// jsonError turns an encoding/json error into an EInvalid error that names
// the offending field without echoing Go type names.
func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.Is(err, candor.ErrJSONNull):
		return candor.Errorf(candor.EInvalid, "the request body is null: send a JSON object with a preset or scopes")
	case errors.Is(err, candor.ErrJSONTrailing):
		return candor.Errorf(candor.EInvalid, "the request body must hold a single JSON object")
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return candor.Errorf(candor.EInvalid, "field %q has the wrong type: want %s", typeErr.Field, jsonKind(typeErr.Field))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return candor.Errorf(candor.EInvalid, "the request body is not valid JSON")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return candor.Errorf(candor.EInvalid, "unknown field %s: valid fields are preset, scopes, source, policy_version", name)
	}
	return candor.Errorf(candor.EInvalid, "the request body must be a JSON object with preset, scopes, source and policy_version")
}

func jsonKind(field string) string {
	switch field {
	case "scopes":
		return "an object mapping scopes to \"granted\" or \"denied\""
	case "policy_version":
		return "a string of digits, such as \"3\""
	}
	return "a string"
}

// change converts and checks the wire form.
func (w changeJSON) change() (Change, error) {
	c := Change{Preset: w.Preset, Source: Source(w.Source)}
	if w.PolicyVersion != "" {
		v, ok := parseCanonical(w.PolicyVersion)
		if !ok || v < 1 || v > MaxPolicyVersion {
			return Change{}, candor.Errorf(candor.EInvalid, "policy_version must be a positive whole number written as a string, such as \"3\"")
		}
		c.PolicyVersion = int(v)
	}
	if len(w.Scopes) > 0 { // {} and null both decode to a nil map
		c.Scopes = make(map[Scope]State, len(w.Scopes))
		for s, st := range w.Scopes {
			c.Scopes[Scope(s)] = State(st)
		}
	}
	if err := c.check(); err != nil {
		return Change{}, err
	}
	return c, nil
}

// Validate reports whether c can be applied when the live policy version is
// live: it needs a preset or a scope, a known preset, scopes, states and
// source, and a policy version no newer than live (an older one is allowed:
// it records consent given under that version, which then needs
// re-consent). Errors are EInvalid and list the valid values.
func (c Change) Validate(live int) error {
	if err := c.check(); err != nil {
		return err
	}
	if live = liveVersion(live); c.PolicyVersion > live {
		return candor.Errorf(candor.EInvalid, "policy_version %d is newer than the live policy version %d", c.PolicyVersion, live)
	}
	return nil
}

// check validates everything but the live policy version.
func (c Change) check() error {
	if c.Preset == "" && len(c.Scopes) == 0 {
		return candor.Errorf(candor.EInvalid, "a consent change needs a preset (%s) or at least one scope", JoinNames(Presets))
	}
	if c.Preset != "" {
		if _, err := PresetStates(c.Preset); err != nil {
			return err
		}
	}
	for _, s := range slices.Sorted(maps.Keys(c.Scopes)) {
		if _, err := ParseScope(string(s)); err != nil {
			return err
		}
		if _, err := ParseState(string(c.Scopes[s])); err != nil {
			return candor.Errorf(candor.EInvalid, "scope %s: %s", s, candor.ErrorMessage(err))
		}
	}
	if c.Source != "" {
		if _, err := ParseSource(string(c.Source)); err != nil {
			return err
		}
	}
	if c.PolicyVersion < 0 || c.PolicyVersion > MaxPolicyVersion {
		return candor.Errorf(candor.EInvalid, "policy_version %d is out of range", c.PolicyVersion)
	}
	return c.checkTimes()
}

// checkTimes validates Time and Expiry: within the range a record can
// carry, and an expiry after the time.
func (c Change) checkTimes() error {
	if !c.Time.IsZero() && !timeInRange(c.Time) {
		return candor.Errorf(candor.EInvalid, "time %s is out of range (1970 to 9999)", c.Time.Format(time.RFC3339))
	}
	if c.Expiry.IsZero() {
		return nil
	}
	if !timeInRange(c.Expiry) {
		return candor.Errorf(candor.EInvalid, "expires %s is out of range (1970 to 9999)", c.Expiry.Format(time.RFC3339))
	}
	if !c.Time.IsZero() && !c.Expiry.After(c.Time) {
		return candor.Errorf(candor.EInvalid, "expires %s is not after time %s", c.Expiry.Format(time.RFC3339), c.Time.Format(time.RFC3339))
	}
	return nil
}

// Plan returns the records that applying ch at now, with live as the live
// policy version, changes; see PlanFor. Grants older than DefaultMaxAge are
// rewritten.
func Plan(current map[Scope]Record, ch Change, now time.Time, live int) []Record {
	return PlanFor(current, ch, Request{Now: now, PolicyVersion: live})
}

// PlanFor returns the records that applying ch to the stored records current
// changes, in AllScopes order, using req.Now, req.PolicyVersion and
// req.MaxAge (the store uses the same MaxAge as Evaluate). The wanted state
// of a scope is its per-scope value in ch, else the preset's; scopes neither
// mentions are left alone. A scope is rewritten unless its stored record has
// the wanted state, the change's policy version and source and, for a grant,
// still counts (not expired), so planning the same change again right after
// applying it yields nothing. New records carry Time = req.Now at millisecond
// precision in UTC, ch.Expiry (none by default), ch.Source (default
// SourceAPI) and ch.PolicyVersion (default the live version). ch must have
// passed Validate; PlanFor skips what Validate would reject.
//
// A change with a Time is history and is planned at that time instead:
// a scope whose stored record is as recent or more recent is left alone (a
// later answer is never overwritten by an earlier one, so importing the same
// history twice, or a history that overlaps what is stored, writes each
// answer once); a scope whose stored record is older is rewritten unless
// the record would say the same, where a grant given again counts as new
// (its age counts from the later time) and a denial given again does not.
func PlanFor(current map[Scope]Record, ch Change, req Request) []Record {
	want := ch.desired()
	at := req.Now
	if !ch.Time.IsZero() {
		at = ch.Time
	}
	base := Record{
		Time:          time.UnixMilli(at.UnixMilli()).UTC(),
		PolicyVersion: ch.version(req.PolicyVersion),
		Source:        ch.source(),
	}
	if !ch.Expiry.IsZero() {
		base.Expiry = time.UnixMilli(ch.Expiry.UnixMilli()).UTC()
	}
	var out []Record
	for _, s := range AllScopes {
		st, ok := want[s]
		if !ok {
			continue
		}
		cur, ok := current[s]
		switch {
		case ok && !ch.Time.IsZero() && !cur.Time.Before(base.Time):
			continue // history older than (or as old as) what is stored
		case ok && !ch.Time.IsZero() && sameAnswer(cur, st, base) && st == Denied:
			continue
		case ok && ch.Time.IsZero() && unchanged(cur, st, base, req):
			continue
		}
		r := base
		r.Scope, r.State = s, st
		out = append(out, r)
	}
	return out
}

// desired returns the state ch wants per scope: the preset's, overridden by
// valid per-scope values.
func (c Change) desired() map[Scope]State {
	want, err := PresetStates(c.Preset)
	if err != nil {
		want = make(map[Scope]State, len(c.Scopes))
	}
	for s, st := range c.Scopes {
		if s.Valid() && st.Valid() {
			want[s] = st
		}
	}
	return want
}

func (c Change) source() Source {
	if c.Source == "" {
		return SourceAPI
	}
	return c.Source
}

func (c Change) version(live int) int {
	if c.PolicyVersion > 0 {
		return c.PolicyVersion
	}
	return liveVersion(live)
}

func unchanged(cur Record, st State, base Record, req Request) bool {
	return sameAnswer(cur, st, base) && (st != Granted || !expired(cur, req))
}

// sameAnswer reports whether cur records st with base's policy version,
// source and expiry.
func sameAnswer(cur Record, st State, base Record) bool {
	return cur.State == st && cur.PolicyVersion == base.PolicyVersion && cur.Source == base.Source && cur.Expiry.Equal(base.Expiry)
}
