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
		return candor.Errorf(candor.EInvalid, "the %s may be at most %d bytes", what, max)
	}
	if err := candor.DecodeJSON(b, v); err != nil {
		return decodeError(what, err)
	}
	return nil
}

// decodeError explains a document's decoding failure (candor.JSONError),
// naming the document ("The ruleset").
func decodeError(what string, err error) error {
	return candor.JSONError(err, "The "+what)
}

// Clip shortens s to 200 bytes for a message.
func Clip(s string) string {
	const n = 200
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
