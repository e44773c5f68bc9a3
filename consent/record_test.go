package consent

import (
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor"
)

// t0 is a fixed, millisecond-precise clock reading for tests.
var t0 = time.Date(2026, 1, 15, 10, 30, 0, 123_000_000, time.UTC)

func rec(s Scope, st State, at time.Time, pv int, src Source) Record {
	return Record{Scope: s, State: st, Time: at, PolicyVersion: pv, Source: src}
}

func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := candor.ErrorCode(err); got != code {
		tb.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func TestParseNames(t *testing.T) {
	tests := []struct {
		name    string
		parse   func(string) error
		in      string
		wantErr string // substring of the message, "" for success
	}{
		{"scope", func(s string) error { _, err := ParseScope(s); return err }, "location", ""},
		{"bad scope", func(s string) error { _, err := ParseScope(s); return err }, "gps", "browsing, purchases, declared, location, demographics, sensitive, onsite, email, sms, push, sale_share"},
		{"state", func(s string) error { _, err := ParseState(s); return err }, "denied", ""},
		{"bad state", func(s string) error { _, err := ParseState(s); return err }, "yes", "granted, denied"},
		{"source", func(s string) error { _, err := ParseSource(s); return err }, "preference_centre", ""},
		{"bad source", func(s string) error { _, err := ParseSource(s); return err }, "web", "preference_centre, cmp, api, gpc, import"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				return
			}
			wantCode(t, err, candor.EInvalid)
			if msg := candor.ErrorMessage(err); !strings.Contains(msg, tt.wantErr) {
				t.Errorf("message %q does not list %q", msg, tt.wantErr)
			}
		})
	}
}

func TestEncodeDecodeRecord(t *testing.T) {
	withExpiry := rec(Email, Granted, t0, 7, SourceCMP)
	withExpiry.Expiry = t0.Add(30 * 24 * time.Hour)
	tests := []struct {
		name string
		r    Record
		want string
	}{
		{"grant", rec(Browsing, Granted, time.UnixMilli(1767225600000).UTC(), 3, SourceAPI), "g|1767225600000|0|3|api"},
		{"denial", rec(SaleShare, Denied, time.UnixMilli(1).UTC(), 1, SourceGPC), "d|1|0|1|gpc"},
		{"expiry", withExpiry, "g|1768473000123|1771065000123|7|cmp"},
		{"max", rec(Sensitive, Granted, time.UnixMilli(maxMillis).UTC(), MaxPolicyVersion, SourcePreferenceCentre), "g|253402300799999|0|2147483647|preference_centre"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.r.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			got := EncodeRecord(tt.r)
			if got != tt.want {
				t.Fatalf("EncodeRecord = %q, want %q", got, tt.want)
			}
			back, err := DecodeRecord(tt.r.Scope, got)
			if err != nil {
				t.Fatalf("DecodeRecord: %v", err)
			}
			if back != tt.r {
				t.Errorf("round trip = %+v, want %+v", back, tt.r)
			}
		})
	}
}

func TestEncodeRecordTruncatesToMillis(t *testing.T) {
	r := rec(Location, Granted, t0.Add(999*time.Microsecond).In(time.FixedZone("X", 3600)), 2, SourceAPI)
	got, err := DecodeRecord(Location, EncodeRecord(r))
	if err != nil {
		t.Fatal(err)
	}
	if want := t0; got.Time != want {
		t.Errorf("Time = %v, want %v", got.Time, want)
	}
}

func TestDecodeRecordRejects(t *testing.T) {
	tests := []struct {
		name  string
		scope Scope
		in    string
	}{
		{"empty", Browsing, ""},
		{"too few fields", Browsing, "g|1|0|1"},
		{"too many fields", Browsing, "g|1|0|1|api|x"},
		{"bad state", Browsing, "x|1|0|1|api"},
		{"long state", Browsing, "granted|1|0|1|api"},
		{"unknown scope", "gps", "g|1|0|1|api"},
		{"unknown source", Browsing, "g|1|0|1|web"},
		{"zero time", Browsing, "g|0|0|1|api"},
		{"negative time", Browsing, "g|-5|0|1|api"},
		{"signed time", Browsing, "g|+5|0|1|api"},
		{"leading zero", Browsing, "g|01|0|1|api"},
		{"time past 9999", Browsing, "g|253402300800000|0|1|api"},
		{"huge time", Browsing, "g|99999999999999999999|0|1|api"},
		{"float time", Browsing, "g|1.5|0|1|api"},
		{"zero policy", Browsing, "g|1|0|0|api"},
		{"policy too big", Browsing, "g|1|0|2147483648|api"},
		{"expiry leading zero", Browsing, "g|1|00|1|api"},
		{"spaces", Browsing, "g| 1|0|1|api"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeRecord(tt.scope, tt.in)
			wantCode(t, err, candor.EInvalid)
		})
	}
}

func TestValidUntil(t *testing.T) {
	r := rec(Browsing, Granted, t0, 1, SourceAPI)
	if got, want := r.ValidUntil(0), t0.Add(DefaultMaxAge); !got.Equal(want) {
		t.Errorf("default = %v, want %v", got, want)
	}
	if got, want := r.ValidUntil(time.Hour), t0.Add(time.Hour); !got.Equal(want) {
		t.Errorf("max age = %v, want %v", got, want)
	}
	r.Expiry = t0.Add(time.Minute)
	if got, want := r.ValidUntil(time.Hour), r.Expiry; !got.Equal(want) {
		t.Errorf("expiry = %v, want %v", got, want)
	}
}

// FuzzDecodeRecord checks that DecodeRecord never panics, that what it
// accepts is valid, and that it accepts only the canonical encoding.
func FuzzDecodeRecord(f *testing.F) {
	f.Add("browsing", "g|1767225600000|0|3|api")
	f.Add("sale_share", "d|1|1767225600000|1|gpc")
	f.Fuzz(func(t *testing.T, scope, s string) {
		r, err := DecodeRecord(Scope(scope), s)
		if err != nil {
			wantCode(t, err, candor.EInvalid)
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("decoded an invalid record %+v: %v", r, err)
		}
		if got := EncodeRecord(r); got != s {
			t.Fatalf("EncodeRecord(DecodeRecord(%q)) = %q", s, got)
		}
	})
}
