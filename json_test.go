package candor

import (
	"encoding/json"
	"errors"
	"testing"
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
