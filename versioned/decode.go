package versioned

import (
	"github.com/candorhq/candor"
)

// DecodeStrict decodes one JSON document that marketers publish (what
// names it in messages: "ruleset", "action catalog") into v with
// candor.DecodeJSON, rejecting bodies over max bytes, null, unknown fields
// and trailing data. Errors are
// EInvalid with a client-safe message naming the field or byte offset.
func DecodeStrict(b []byte, what string, max int, v any) error {
	if len(b) > max {
		return candor.Errorf(candor.EInvalid, "The %s may be at most %d bytes.", what, max)
	}
	if err := candor.DecodeJSON(b, v); err != nil {
		return candor.JSONError(err, "The "+what, v)
	}
	return nil
}

// Clip shortens s to 200 bytes for a message.
func Clip(s string) string { return candor.Clip(s, 200) }
