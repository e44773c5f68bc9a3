package candor

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// JSONError explains err, an error of DecodeJSON, as an EInvalid error a
// person can act on; subject names the value decoded ("The request
// body", "The event", "The ruleset"). It is the one wording of decoding
// errors, for every decoder of outside input. nil stays nil; an *Error
// passes through.
func JSONError(err error, subject string) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		tpe *time.ParseError
		ce  *Error
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce):
		return err
	case errors.Is(err, ErrJSONNull):
		return Errorf(EInvalid, "%s is null; send a JSON document.", subject)
	case errors.Is(err, ErrJSONTrailing):
		return Errorf(EInvalid, "%s must hold one JSON value; found more after it.", subject)
	case errors.Is(err, io.EOF):
		return Errorf(EInvalid, "%s is empty; send a JSON document.", subject)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(EInvalid, "Malformed JSON: %s ends in the middle of a value.", lowerFirst(subject))
	case errors.As(err, &syn):
		return Errorf(EInvalid, "Malformed JSON at byte %d: %s.", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		return typeMismatch(typ, subject)
	case errors.As(err, &tpe):
		return Errorf(EInvalid, "%s has a time that is not RFC 3339 (e.g. 2026-11-25T10:00:00Z): %q.", subject, clipTo(tpe.Value, 40))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return Errorf(EInvalid, "Unknown field %s in %s.", clipTo(strings.TrimPrefix(err.Error(), "json: unknown field "), 80), lowerFirst(subject))
	}
	return Errorf(EInvalid, "Malformed JSON: %s.", clipTo(err.Error(), 200))
}

// typeMismatch names the value of the wrong JSON type (a field, or else
// subject), what it must be and what was sent; a number that does not
// fit its field is named as such.
func typeMismatch(typ *json.UnmarshalTypeError, subject string) error {
	if typ.Field != "" {
		subject = fmt.Sprintf("Field %q", typ.Field)
	}
	want := "another kind of value"
	if typ.Type != nil {
		want = wantKind(typ.Type.Kind())
	}
	if lit, ok := strings.CutPrefix(typ.Value, "number "); ok {
		lit = clipTo(lit, 40)
		switch {
		case want == "a whole number" && strings.ContainsAny(lit, ".eE"):
			return Errorf(EInvalid, "%s must be a whole number, not %s.", subject, lit)
		case want == "a whole number" || want == "a number":
			return Errorf(EInvalid, "%s is out of range: %s.", subject, lit)
		}
		return Errorf(EInvalid, "%s must be %s, not the number %s.", subject, want, lit)
	}
	return Errorf(EInvalid, "%s must be %s, not %s.", subject, want, sentKind(typ.Value))
}

// sentKind is the JSON value encoding/json describes (UnmarshalTypeError's
// Value: "object", "array", "string", "bool", "number" or "null"), with
// its article.
func sentKind(v string) string {
	switch v {
	case "object", "array":
		return "an " + v
	case "bool":
		return "true or false"
	case "null":
		return "null"
	}
	return "a " + v
}

// wantKind is what a Go value of kind k is written as in JSON.
func wantKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "another kind of value"
}

// clipTo cuts s to at most n bytes (on a rune boundary), marking the cut.
func clipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// lowerFirst is s with its first letter in lower case ("The event" → "the
// event"), for a subject in the middle of a sentence.
func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[size:]
}
