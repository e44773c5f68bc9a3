package candor

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDecodeJSONIsStrict(t *testing.T) {
	type doc struct {
		A int `json:"a"`
	}
	var syn *json.SyntaxError
	tests := []struct {
		in   string
		want error // nil: decodes
		is   func(error) bool
	}{
		{in: `{"a":1}`},
		{in: " \n{\"a\":1}\n "},
		{in: `null`, want: ErrJSONNull},
		{in: ` null `, want: ErrJSONNull},
		{in: `{"a":1} {"a":2}`, want: ErrJSONTrailing},
		{in: `{"a":1}x`, want: ErrJSONTrailing},
		{in: `{"a":1,"b":2}`, is: func(err error) bool { return err != nil && err.Error() == `json: unknown field "b"` }},
		{in: `{"a":`, is: func(err error) bool { return err != nil }},
		{in: `{"a":1,}`, is: func(err error) bool { return errors.As(err, &syn) }},
	}
	for _, tt := range tests {
		var d doc
		err := DecodeJSON([]byte(tt.in), &d)
		switch {
		case tt.is != nil:
			if !tt.is(err) {
				t.Errorf("%q: %v", tt.in, err)
			}
		case !errors.Is(err, tt.want) || (tt.want == nil && err != nil):
			t.Errorf("%q: %v, want %v", tt.in, err, tt.want)
		}
	}
}

// FuzzDecodeJSON: whatever the input, a nil error means a value was
// decoded (seeds in testdata/fuzz).
func FuzzDecodeJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		var v map[string]any
		if DecodeJSON([]byte(s), &v) == nil && v == nil {
			t.Errorf("%q decoded to nothing without an error", s)
		}
	})
}

// Each kind of wrong JSON value is named as sent, against what its field
// (or the value itself) must be, and a number that does not fit is never
// told it must be a number.
func TestJSONTypeMessages(t *testing.T) {
	type doc struct {
		N int       `json:"n"`
		U uint8     `json:"u"`
		V float64   `json:"v"`
		S string    `json:"s"`
		L []string  `json:"l"`
		B bool      `json:"b"`
		O struct{}  `json:"o"`
		T time.Time `json:"t"`
	}
	for body, want := range map[string]string{
		`{"n":1.5}`:                  `Field "n" must be a whole number, not 1.5.`,
		`{"n":2e3}`:                  `Field "n" must be a whole number, not 2e3.`,
		`{"n":99999999999999999999}`: `Field "n" is out of range: 99999999999999999999.`,
		`{"u":300}`:                  `Field "u" is out of range: 300.`,
		`{"u":-1}`:                   `Field "u" is out of range: -1.`,
		`{"v":1e400}`:                `Field "v" is out of range: 1e400.`,
		`{"v":"1"}`:                  `Field "v" must be a number, not a string.`,
		`{"n":true}`:                 `Field "n" must be a whole number, not true or false.`,
		`{"s":7}`:                    `Field "s" must be a string, not a number.`,
		`{"s":{}}`:                   `Field "s" must be a string, not an object.`,
		`{"l":"a"}`:                  `Field "l" must be an array, not a string.`,
		`{"b":[]}`:                   `Field "b" must be true or false, not an array.`,
		`{"o":1}`:                    `Field "o" must be an object, not a number.`,
		`[1]`:                        `The event must be an object, not an array.`,
		`"x"`:                        `The event must be an object, not a string.`,
		`null`:                       `The event is null; send a JSON document.`,
		`{"n":1` + strings.Repeat("0", 100) + `}`: `Field "n" is out of range: 1` + strings.Repeat("0", 39) + `….`,
		``:                  `The event is empty; send a JSON document.`,
		`{"n":1`:            `Malformed JSON: the event ends in the middle of a value.`,
		`{"n":1} {}`:        `The event must hold one JSON value; found more after it.`,
		`{"n":1,"x":2}`:     `Unknown field "x" in the event.`,
		`{"t":"yesterday"}`: `The event has a time that is not RFC 3339 (e.g. 2026-11-25T10:00:00Z): "yesterday".`,
		`{"n":}`:            `Malformed JSON at byte 6: invalid character '}' looking for beginning of value.`,
	} {
		var v doc
		err := JSONError(DecodeJSON([]byte(body), &v), "The event")
		if got := ErrorMessage(err); got != want || ErrorCode(err) != EInvalid {
			t.Errorf("%s: %q (%s), want %q", body, got, ErrorCode(err), want)
		}
	}
}
