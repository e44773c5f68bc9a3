package versioned

import (
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/candorhq/candor"
)

// DecodeStrict decodes one JSON document that marketers publish (what
// names it in messages: "ruleset", "action catalog") into v with
// candor.DecodeJSON, rejecting bodies over max bytes, null, unknown fields
// and trailing data. Errors are
// EInvalid with a client-safe message naming the field or byte offset.
func DecodeStrict(b []byte, what string, max int, v any) error {
	if len(b) > max {
		return candor.Errorf(candor.EInvalid, "the %s may be at most %d bytes", what, max)
	}
	if err := candor.DecodeJSON(b, v); err != nil {
		return decodeError(what, err)
	}
	return nil
}

// decodeError turns encoding/json errors into client-safe messages.
func decodeError(what string, err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		tim *time.ParseError
	)
	switch {
	case errors.Is(err, candor.ErrJSONNull):
		return candor.Errorf(candor.EInvalid, "the %s is null; send a JSON object", what)
	case errors.Is(err, candor.ErrJSONTrailing):
		return candor.Errorf(candor.EInvalid, "%s JSON has data after the closing brace", what)
	case errors.As(err, &syn):
		return candor.Errorf(candor.EInvalid, "%s is not valid JSON at byte %d: %s", what, syn.Offset, syn.Error())
	case errors.As(err, &typ):
		return candor.Errorf(candor.EInvalid, "%s field %s must be a %s, got %s", what, typ.Field, typ.Type, typ.Value)
	case errors.As(err, &tim):
		return candor.Errorf(candor.EInvalid, "%s has a time that is not RFC 3339 (e.g. 2026-12-01T00:00:00Z): %q", what, Clip(tim.Value))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return candor.Errorf(candor.EInvalid, "%s JSON is empty or cut short", what)
	}
	return candor.Errorf(candor.EInvalid, "%s JSON: %s", what, Clip(err.Error()))
}

// Clip shortens s to 200 bytes for a message.
func Clip(s string) string {
	const n = 200
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
