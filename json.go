package candor

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// Errors of DecodeJSON beside those of encoding/json.
var (
	// ErrJSONNull: the document is null, which would leave the value as it
	// was (a PUT of null would save an empty document or wipe one).
	ErrJSONNull = errors.New("json: the document is null")
	// ErrJSONTrailing: more data follows the JSON value.
	ErrJSONTrailing = errors.New("json: data after the value")
)

// DecodeJSON decodes b, which must hold exactly one JSON value and not
// null, into v, refusing fields v does not have. It is the one strict
// decoder of outside input (request bodies, rulesets, the action catalog,
// consent changes): its errors are encoding/json's, ErrJSONNull or
// ErrJSONTrailing, for the caller to explain in its own words.
func DecodeJSON(b []byte, v any) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return ErrJSONNull
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return ErrJSONTrailing
	}
	return nil
}
