package candor

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
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
	type embedded struct {
		Inner int `json:"inner"`
	}
	type doc struct {
		N  int                    `json:"n"`
		U  uint8                  `json:"u"`
		V  float64                `json:"v"`
		S  string                 `json:"s"`
		L  []string               `json:"l"`
		B  bool                   `json:"b"`
		O  struct{}               `json:"o"`
		T  time.Time              `json:"t"`
		M  map[string]string      `json:"m"`
		LS []struct{ S []string } `json:"ls"`
		embedded
	}
	for body, want := range map[string]string{
		`{"n":1.5}`:                             `Field "n" must be a whole number, not 1.5.`,
		`{"n":2e3}`:                             `Field "n" must be a whole number written with digits only (such as 2000), not 2e3.`,
		`{"n":1e999}`:                           `Field "n" is out of range: 1e999.`,
		`{"m":{"a":1}}`:                         `Field "m" must be an object whose values are strings, not a number.`,
		`{"ls":[{"s":[1]}]}`:                    `Field "ls.S" must be an array of strings, not a number.`,
		`{"inner":"x"}`:                         `Field "inner" must be a whole number, not a string.`,
		`{"t":5}`:                               `The event has a time that is not a string; send one in RFC 3339, e.g. "2026-11-25T10:00:00Z".`,
		`{"` + strings.Repeat("é", 50) + `":1}`: `Unknown field "` + strings.Repeat("é", 30) + `…" in the event.`,
		`{"n":99999999999999999999}`:            `Field "n" is out of range: 99999999999999999999.`,
		`{"u":300}`:                             `Field "u" is out of range: 300.`,
		`{"u":-1}`:                              `Field "u" is out of range: -1.`,
		`{"v":1e400}`:                           `Field "v" is out of range: 1e400.`,
		`{"v":"1"}`:                             `Field "v" must be a number, not a string.`,
		`{"n":true}`:                            `Field "n" must be a whole number, not true or false.`,
		`{"s":7}`:                               `Field "s" must be a string, not a number.`,
		`{"s":{}}`:                              `Field "s" must be a string, not an object.`,
		`{"l":"a"}`:                             `Field "l" must be an array, not a string.`,
		`{"b":[]}`:                              `Field "b" must be true or false, not an array.`,
		`{"o":1}`:                               `Field "o" must be an object, not a number.`,
		`[1]`:                                   `The event must be an object, not an array.`,
		`"x"`:                                   `The event must be an object, not a string.`,
		`null`:                                  `The event is null; send a JSON document.`,
		`{"n":1` + strings.Repeat("0", 100) + `}`: `Field "n" is out of range: 1` + strings.Repeat("0", 39) + `….`,
		``:                  `The event is empty; send a JSON document.`,
		`{"n":1`:            `Malformed JSON: the event ends in the middle of a value.`,
		`{"n":1} {}`:        `The event must hold one JSON value; found more after it.`,
		`{"n":1,"x":2}`:     `Unknown field "x" in the event.`,
		`{"t":"yesterday"}`: `The event has a time that is not RFC 3339 (e.g. 2026-11-25T10:00:00Z): "yesterday".`,
		`{"n":}`:            `Malformed JSON at byte 6: invalid character '}' looking for beginning of value.`,
	} {
		var v doc
		err := JSONError(DecodeJSON([]byte(body), &v), "The event", &v)
		if got := ErrorMessage(err); got != want || ErrorCode(err) != EInvalid {
			t.Errorf("%s: %q (%s), want %q", body, got, ErrorCode(err), want)
		}
	}
}

// fuzzDoc has a field of each shape outside input decodes into.
type fuzzDoc struct {
	N int                `json:"n"`
	U uint8              `json:"u"`
	V float64            `json:"v"`
	S string             `json:"s"`
	L []string           `json:"l"`
	M map[string]string  `json:"m"`
	T time.Time          `json:"t"`
	P *struct{ Q []int } `json:"p"`
	fuzzInner
}

type fuzzInner struct {
	I int `json:"i"`
}

// FuzzJSONErrorMessages: whatever the input, a decoding error is worded
// as an EInvalid message of at most 400 bytes of valid UTF-8 that names no
// Go type or package.
func FuzzJSONErrorMessages(f *testing.F) {
	for _, s := range []string{`{"n":1.5}`, `{"m":{"a":1}}`, `{"p":{"Q":["x"]}}`, `{"t":5}`, `{"i":"x"}`, `[1]`, `{"s":`, `{"zz":1}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v fuzzDoc
		err := JSONError(DecodeJSON([]byte(s), &v), "The event", &v)
		if err == nil {
			return
		}
		msg := ErrorMessage(err)
		if ErrorCode(err) != EInvalid || len(msg) > 400 || !utf8.ValidString(msg) ||
			strings.Contains(msg, "json:") || strings.Contains(msg, "UnmarshalJSON") || strings.Contains(msg, "fuzz") || strings.Contains(msg, "candor.") {
			t.Errorf("%q: %s %q", s, ErrorCode(err), msg)
		}
	})
}

// A body sent as a bare array where the document has one array field is
// told to wrap it in that field; with none or several, it is not guessed.
func TestBareArrayNamesTheField(t *testing.T) {
	type items struct {
		Items []struct{ ID string } `json:"items"`
		Dry   bool                  `json:"dry_run"`
	}
	type two struct {
		A []int `json:"a"`
		B []int `json:"b"`
	}
	var one items
	err := JSONError(DecodeJSON([]byte(`[{"ID":"p1"}]`), &one), "The request body", &one)
	if got, want := ErrorMessage(err), `The request body must be an object, not an array: send the array as {"items": [...]}.`; got != want {
		t.Errorf("one array field: %q, want %q", got, want)
	}
	var several two
	err = JSONError(DecodeJSON([]byte(`[1]`), &several), "The request body", &several)
	if got, want := ErrorMessage(err), `The request body must be an object, not an array.`; got != want {
		t.Errorf("two array fields: %q, want %q", got, want)
	}
}
