package candor

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// JSONError explains err, an error of DecodeJSON into v, as an EInvalid
// error a person can act on; subject names the value decoded ("The
// request body", "The event", "The ruleset"). It is the one wording of
// decoding errors of request bodies, events and marketers' documents. nil
// stays nil; an *Error passes through.
func JSONError(err error, subject string, v any) error {
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
		return typeMismatch(typ, subject, v)
	case errors.As(err, &tpe):
		return Errorf(EInvalid, "%s has a time that is not RFC 3339 (e.g. 2026-11-25T10:00:00Z): %q.", subject, Clip(tpe.Value, 40))
	case strings.HasPrefix(err.Error(), "Time.UnmarshalJSON:"):
		return Errorf(EInvalid, "%s has a time that is not a string; send one in RFC 3339, e.g. \"2026-11-25T10:00:00Z\".", subject)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, uerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if uerr != nil {
			name = "?"
		}
		return Errorf(EInvalid, "Unknown field %q in %s.", Clip(name, 60), lowerFirst(subject))
	}
	return Errorf(EInvalid, "%s is not valid: %s.", subject, Clip(err.Error(), 200))
}

// typeMismatch names the value of the wrong JSON type (a field, or else
// subject), what it must be and what was sent. encoding/json names the
// field that holds the value (through embedded structs by their Go
// names) and the type of the value itself, so the field is looked up in
// v: an element of an array or a value of an object is named as such.
func typeMismatch(typ *json.UnmarshalTypeError, subject string, v any) error {
	path, dst := jsonField(reflect.TypeOf(v), typ.Field)
	if path != "" {
		subject = fmt.Sprintf("Field %q", path)
	}
	want := "another kind of value"
	if typ.Type != nil {
		want = wantKind(typ.Type.Kind())
		if dst != nil && dst != typ.Type {
			switch dst.Kind() {
			case reflect.Slice, reflect.Array:
				want = "an array of " + plural(want)
			case reflect.Map:
				want = "an object whose values are " + plural(want)
			}
		}
	}
	if lit, ok := strings.CutPrefix(typ.Value, "number "); ok {
		return numberMismatch(subject, want, lit)
	}
	if name := listField(dst); path == "" && typ.Value == "array" && name != "" {
		return Errorf(EInvalid, "%s must be an object, not an array: send the array as {%q: [...]}.", subject, name)
	}
	return Errorf(EInvalid, "%s must be %s, not %s.", subject, want, sentKind(typ.Value))
}

// listField returns the JSON name of the one array field of struct t, ""
// when it has none or several: a body sent as a bare array most likely
// meant that field.
func listField(t reflect.Type) string {
	if t == nil || t.Kind() != reflect.Struct {
		return ""
	}
	name := ""
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Type.Kind() != reflect.Slice || f.Type.Elem().Kind() == reflect.Uint8 {
			continue
		}
		if name != "" {
			return ""
		}
		name, _, _ = strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			return ""
		}
	}
	return name
}

// numberMismatch words a number its field cannot hold: a fraction where a
// whole number belongs, a whole number written with a point or an
// exponent, or one out of the field's range.
func numberMismatch(subject, want, lit string) error {
	f, err := strconv.ParseFloat(lit, 64)
	digitsOnly := lit != "" && strings.Trim(strings.TrimPrefix(lit, "-"), "0123456789") == ""
	whole := strings.Contains(want, "whole number")
	shown := Clip(lit, 40)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange): // not a number at all
		return Errorf(EInvalid, "%s must be %s, not %s.", subject, want, shown)
	case whole && err == nil && f != math.Trunc(f):
		return Errorf(EInvalid, "%s must be a whole number, not %s.", subject, shown)
	case whole && err == nil && !digitsOnly && math.Abs(f) < 1e15:
		return Errorf(EInvalid, "%s must be a whole number written with digits only (such as %.0f), not %s.", subject, f, shown)
	}
	return Errorf(EInvalid, "%s is out of range: %s.", subject, shown)
}

// jsonField follows path, encoding/json's dotted field path, through t:
// it returns the path in JSON names only (embedded structs, which
// encoding/json names by their Go names, left out) and the Go type of the
// field it ends at (nil when it cannot be followed).
func jsonField(t reflect.Type, path string) (string, reflect.Type) {
	if path == "" {
		return "", elem(t)
	}
	var names []string
	t = elem(t)
	for part := range strings.SplitSeq(path, ".") {
		for t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
			t = elem(t.Elem())
		}
		if t == nil || t.Kind() != reflect.Struct {
			return path, nil
		}
		f, embedded, ok := structField(t, part)
		if !ok {
			return path, nil
		}
		if !embedded {
			names = append(names, part)
		}
		t = elem(f.Type)
	}
	return strings.Join(names, "."), t
}

// structField finds the field of struct t that encoding/json names name:
// by its JSON tag, else its Go name; embedded is true for an embedded
// struct named by its Go name.
func structField(t reflect.Type, name string) (reflect.StructField, bool, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" {
			continue
		}
		if tag == name || tag == "" && f.Name == name {
			return f, f.Anonymous && tag == "", true
		}
	}
	return reflect.StructField{}, false, false
}

// elem is t without its pointers (nil for nil).
func elem(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// plural is a kind's wording for several of it ("a string" → "strings").
func plural(kind string) string {
	switch kind {
	case "true or false":
		return "true or false"
	case "an array", "an object":
		return strings.TrimPrefix(kind, "an ") + "s"
	}
	return strings.TrimPrefix(kind, "a ") + "s"
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

// Clip cuts s to at most n bytes (on a rune boundary), marking the cut,
// for a message that quotes outside input.
func Clip(s string, n int) string {
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
