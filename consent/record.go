package consent

import (
	"strconv"
	"strings"
	"time"

	"github.com/candorhq/candor"
)

// State is a customer's answer for one scope.
type State string

// States. The zero State is neither and is rejected by validation.
const (
	Granted State = "granted"
	Denied  State = "denied"
)

// States lists the valid states.
var States = []State{Granted, Denied}

// ParseState returns the state named s, or an EInvalid error.
func ParseState(s string) (State, error) {
	if st := State(s); st.Valid() {
		return st, nil
	}
	return "", candor.Errorf(candor.EInvalid, "unknown consent state %q: valid states are %s", s, JoinNames(States))
}

// Valid reports whether st is Granted or Denied.
func (st State) Valid() bool { return st == Granted || st == Denied }

// Source says where a consent record came from.
type Source string

// Sources of consent records.
const (
	SourcePreferenceCentre Source = "preference_centre" // the customer, on Candor's pages
	SourceCMP              Source = "cmp"               // the site's consent management platform
	SourceAPI              Source = "api"               // a site calling the JSON API
	SourceGPC              Source = "gpc"               // a Sec-GPC: 1 request header
	SourceImport           Source = "import"            // a bulk import
)

// Sources lists the valid sources in canonical order.
var Sources = []Source{SourcePreferenceCentre, SourceCMP, SourceAPI, SourceGPC, SourceImport}

// ParseSource returns the source named s, or an EInvalid error listing the
// valid sources.
func ParseSource(s string) (Source, error) {
	if src := Source(s); src.Valid() {
		return src, nil
	}
	return "", candor.Errorf(candor.EInvalid, "unknown consent source %q: valid sources are %s", s, JoinNames(Sources))
}

// Valid reports whether src is a known source.
func (src Source) Valid() bool {
	for _, s := range Sources {
		if s == src {
			return true
		}
	}
	return false
}

// MaxPolicyVersion is the largest policy version a record may carry; it keeps
// every number in the encoding exact in Lua's doubles.
const MaxPolicyVersion = 1<<31 - 1

// maxMillis is 9999-12-31T23:59:59.999Z in Unix milliseconds: the latest time
// a record may carry.
const maxMillis = 253402300799999

// Record is the stored consent for one scope of one customer.
type Record struct {
	Scope         Scope
	State         State
	Time          time.Time // when the customer answered
	Expiry        time.Time // when a grant lapses; zero means only MaxAge applies
	PolicyVersion int       // the privacy policy version the answer was given under, ≥ 1
	Source        Source
}

// Validate reports whether r can be stored: a known scope, state and source,
// a policy version in [1, MaxPolicyVersion], and Time (and Expiry, when set)
// after the Unix epoch and before the year 10000. The error is EInvalid.
func (r Record) Validate() error {
	switch {
	case !r.Scope.Valid():
		return candor.Errorf(candor.EInvalid, "unknown scope %q", r.Scope)
	case !r.State.Valid():
		return candor.Errorf(candor.EInvalid, "scope %s: unknown consent state %q", r.Scope, r.State)
	case !r.Source.Valid():
		return candor.Errorf(candor.EInvalid, "scope %s: unknown consent source %q", r.Scope, r.Source)
	case r.PolicyVersion < 1 || r.PolicyVersion > MaxPolicyVersion:
		return candor.Errorf(candor.EInvalid, "scope %s: policy version %d is out of range", r.Scope, r.PolicyVersion)
	case !timeInRange(r.Time):
		return candor.Errorf(candor.EInvalid, "scope %s: time %s is out of range", r.Scope, r.Time)
	case !r.Expiry.IsZero() && !timeInRange(r.Expiry):
		return candor.Errorf(candor.EInvalid, "scope %s: expiry %s is out of range", r.Scope, r.Expiry)
	}
	return nil
}

func timeInRange(t time.Time) bool {
	ms := t.UnixMilli()
	return ms >= 1 && ms <= maxMillis
}

// ValidUntil returns the first instant at which a grant in r no longer
// counts: the earlier of Expiry (when set) and Time+maxAge, at millisecond
// precision. A maxAge ≤ 0 means DefaultMaxAge.
func (r Record) ValidUntil(maxAge time.Duration) time.Time {
	return time.UnixMilli(r.validUntilMillis(maxAge)).UTC()
}

func (r Record) validUntilMillis(maxAge time.Duration) int64 {
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	until := r.Time.UnixMilli() + maxAge.Milliseconds()
	if exp := r.Expiry.UnixMilli(); !r.Expiry.IsZero() && exp < until {
		until = exp
	}
	return until
}

// EncodeRecord renders r in the compact form stored in the consent hash
// (the scope is the hash field, so it is not part of the value):
//
//	<g|d>|<time unix ms>|<expiry unix ms, or 0 for none>|<policy version>|<source>
//
// for example "g|1767225600000|0|3|api". Times keep millisecond precision.
// For every r that passes Validate, DecodeRecord(r.Scope, EncodeRecord(r))
// returns r with its times truncated to the millisecond and in UTC.
func EncodeRecord(r Record) string {
	state := "d"
	if r.State == Granted {
		state = "g"
	}
	var expiry int64
	if !r.Expiry.IsZero() {
		expiry = r.Expiry.UnixMilli()
	}
	return state + "|" + strconv.FormatInt(r.Time.UnixMilli(), 10) + "|" +
		strconv.FormatInt(expiry, 10) + "|" + strconv.Itoa(r.PolicyVersion) + "|" + string(r.Source)
}

// DecodeRecord parses the compact form written by EncodeRecord for scope. It
// accepts only the canonical form (no signs, no leading zeros, exactly five
// fields), so EncodeRecord of its result gives back s, and it returns an
// EInvalid error, never a panic, for anything else.
func DecodeRecord(scope Scope, s string) (Record, error) {
	r, err := decodeRecord(scope, s)
	if err != nil {
		return Record{}, candor.Errorf(candor.EInvalid, "malformed consent record for scope %q: %s", scope, candor.ErrorMessage(err))
	}
	return r, nil
}

func decodeRecord(scope Scope, s string) (Record, error) {
	var f [5]string // split without allocating: the gated read decodes every record of every request
	n := 0
	for rest, more := s, true; more; n++ {
		if n < len(f) {
			f[n], rest, more = strings.Cut(rest, "|")
		} else {
			_, rest, more = strings.Cut(rest, "|")
		}
	}
	if n != len(f) {
		return Record{}, candor.Errorf(candor.EInvalid, "want 5 fields, got %d", n)
	}
	r := Record{Scope: scope, Source: Source(f[4])}
	switch f[0] {
	case "g":
		r.State = Granted
	case "d":
		r.State = Denied
	default:
		return Record{}, candor.Errorf(candor.EInvalid, "state must be g or d")
	}
	tm, ok1 := parseCanonical(f[1])
	exp, ok2 := parseCanonical(f[2])
	pv, ok3 := parseCanonical(f[3])
	if !ok1 || !ok2 || !ok3 || pv > MaxPolicyVersion {
		return Record{}, candor.Errorf(candor.EInvalid, "time, expiry and policy version must be canonical whole numbers")
	}
	r.Time, r.PolicyVersion = time.UnixMilli(tm).UTC(), int(pv)
	if exp != 0 {
		r.Expiry = time.UnixMilli(exp).UTC()
	}
	if err := r.Validate(); err != nil {
		return Record{}, err
	}
	return r, nil
}

// parseCanonical parses a non-negative decimal without sign or leading
// zeros, no larger than maxMillis.
func parseCanonical(s string) (int64, bool) {
	if s == "" || len(s) > 15 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, n <= maxMillis
}
