package importer

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/candorhq/candor"
)

// schema is the fields of one kind of line: a JSON Lines object has them
// as its keys, a CSV file as its header row. The line struct's json tags
// name the fields; its field types say what a value must be:
//
//	string             text
//	*float64           a number (JSON number; CSV decimal)
//	*bool              true or false (CSV also 1 or 0)
//	json.Number        a whole number (JSON number or string of digits)
//	[]string           a list (JSON array of strings; CSV "a/b" or a JSON array)
//	map[string]string  an object of strings (CSV: the JSON object)
type schema struct {
	typ      reflect.Type
	names    []string       // in struct order
	index    map[string]int // name → struct field
	required []string       // columns a CSV header must have
}

func newSchema(line any, required ...string) *schema {
	t := reflect.TypeOf(line)
	s := &schema{typ: t, index: map[string]int{}, required: required}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		s.names = append(s.names, name)
		s.index[name] = i
	}
	return s
}

// fieldList is "a, b and c" for messages.
func (s *schema) fieldList() string {
	return strings.Join(s.names[:len(s.names)-1], ", ") + " and " + s.names[len(s.names)-1]
}

// checkHeader accepts a CSV header that names each column once, only
// fields of s, and every required one.
func (s *schema) checkHeader(header []string) error {
	seen := map[string]bool{}
	for _, h := range header {
		if _, ok := s.index[h]; !ok {
			return fmt.Errorf("unknown column %q in the header; the columns are %s", clip(h), s.fieldList())
		}
		if seen[h] {
			return fmt.Errorf("column %q appears twice in the header", h)
		}
		seen[h] = true
	}
	for _, r := range s.required {
		if !seen[r] {
			return fmt.Errorf("the header has no %q column, which is required (the columns are %s)", r, s.fieldList())
		}
	}
	return nil
}

// decode fills dst, a pointer to the schema's line struct, from rec. The
// error is a message for people naming the field.
func (s *schema) decode(rec record, header []string, dst any) error {
	// dst starts empty: a line is decoded into the value a line before it
	// failed to decode into, and a field this line leaves out (an empty
	// cell) must not keep that line's value (its ID, its customer).
	reflect.ValueOf(dst).Elem().SetZero()
	if rec.json != nil {
		return s.jsonError(candor.DecodeJSON(rec.json, dst))
	}
	v := reflect.ValueOf(dst).Elem()
	for i, cell := range rec.cells {
		if cell == "" {
			continue // an empty cell is an absent field
		}
		name := header[i]
		if err := setCell(v.Field(s.index[name]), name, cell); err != nil {
			return err
		}
	}
	return nil
}

// setCell parses one CSV cell into field f.
func setCell(f reflect.Value, name, cell string) error {
	switch f.Interface().(type) {
	case string:
		f.SetString(cell)
	case json.Number:
		if _, err := strconv.ParseFloat(strings.TrimSpace(cell), 64); err != nil {
			return fmt.Errorf("field %q must be a whole number, got %q", name, clip(cell))
		}
		f.SetString(strings.TrimSpace(cell))
	case *float64:
		x, err := strconv.ParseFloat(strings.TrimSpace(cell), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("field %q must be a number, got %q", name, clip(cell))
		}
		f.Set(reflect.ValueOf(&x))
	case *bool:
		var b bool
		switch strings.ToLower(strings.TrimSpace(cell)) {
		case "true", "1":
			b = true
		case "false", "0":
		default:
			return fmt.Errorf("field %q must be true or false, got %q", name, clip(cell))
		}
		f.Set(reflect.ValueOf(&b))
	case []string:
		var list []string
		if strings.HasPrefix(strings.TrimSpace(cell), "[") {
			if json.Unmarshal([]byte(cell), &list) != nil {
				return fmt.Errorf("field %q must be a JSON array of strings or names separated by '/', got %q", name, clip(cell))
			}
		} else {
			list = strings.Split(cell, "/")
		}
		f.Set(reflect.ValueOf(list))
	case map[string]string:
		var m map[string]string
		if err := candor.DecodeJSON([]byte(cell), &m); err != nil {
			return fmt.Errorf("field %q must be a JSON object of strings such as {\"colour\":\"red\"}, got %q", name, clip(cell))
		}
		f.Set(reflect.ValueOf(m))
	default:
		return fmt.Errorf("field %q has a type the importer cannot read", name)
	}
	return nil
}

// jsonError words an error of candor.DecodeJSON for people.
func (s *schema) jsonError(err error) error {
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.Is(err, candor.ErrJSONNull):
		return errors.New("the line is null: want a JSON object")
	case errors.Is(err, candor.ErrJSONTrailing):
		return errors.New("more than one JSON value on the line: want one object per line")
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return errors.New("not a JSON object")
	case errors.As(err, &typeErr):
		name, _, _ := strings.Cut(typeErr.Field, ".")
		return fmt.Errorf("field %q must be %s", name, s.want(name))
	case errors.As(err, &syntaxErr):
		return fmt.Errorf("not valid JSON (%s at byte %d)", syntaxErr.Error(), syntaxErr.Offset)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("unknown field %s; the fields are %s", clip(name), s.fieldList())
	}
	if strings.Contains(err.Error(), "unexpected end of JSON input") || strings.Contains(err.Error(), "EOF") {
		return errors.New("not valid JSON (it ends too soon)")
	}
	return fmt.Errorf("not valid JSON: %s", clip(err.Error()))
}

// want says in words what field name holds.
func (s *schema) want(name string) string {
	i, ok := s.index[name]
	if !ok {
		return "a valid value"
	}
	switch s.typ.Field(i).Type {
	case reflect.TypeFor[string]():
		return "a string"
	case reflect.TypeFor[*float64]():
		return "a number"
	case reflect.TypeFor[*bool]():
		return "true or false"
	case reflect.TypeFor[json.Number]():
		return "a whole number"
	case reflect.TypeFor[[]string]():
		return "an array of strings"
	case reflect.TypeFor[map[string]string]():
		return "an object whose values are strings"
	}
	return "a valid value"
}

// parseTime reads an RFC 3339 time; the zero time when s is empty.
func parseTime(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not an RFC 3339 time such as 2026-03-01T12:00:00Z", name, clip(s))
	}
	return t, nil
}

// notFuture refuses a time after now.
func notFuture(name string, t, now time.Time) error {
	if t.After(now) {
		return fmt.Errorf("%s %s is in the future", name, t.UTC().Format(time.RFC3339))
	}
	return nil
}

// wholeNumber reads a json.Number that must be a whole number in [lo, hi].
func wholeNumber(name string, n json.Number, lo, hi int64) (int64, error) {
	v, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%s must be a whole number from %d to %d, got %s", name, lo, hi, clip(string(n)))
	}
	return v, nil
}

// clip shortens s for a message.
func clip(s string) string { return candor.Clip(s, 40) }

// field is a required field and whether the line has it.
type field struct {
	name string
	set  bool
}

// missing names the required fields a line lacks.
func missing(fields ...field) error {
	var out []string
	for _, f := range fields {
		if !f.set {
			out = append(out, strconv.Quote(f.name))
		}
	}
	switch len(out) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("field %s is missing or empty", out[0])
	}
	return fmt.Errorf("fields %s are missing or empty", strings.Join(out, ", "))
}

// lineMessage is err in words for a line's problem: the message of a
// candor error, else the error's text.
func lineMessage(err error) string {
	var e *candor.Error
	if errors.As(err, &e) {
		return candor.ErrorMessage(err)
	}
	return err.Error()
}
