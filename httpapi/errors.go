package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/versioned"
)

// Transport-level codes that have no domain meaning.
const (
	codeMethodNotAllowed = "method_not_allowed"
)

// statusOf is the one table that maps error codes to HTTP statuses.
var statusOf = map[string]int{
	candor.EInvalid:      http.StatusBadRequest,
	candor.EUnauthorized: http.StatusUnauthorized,
	candor.EForbidden:    http.StatusForbidden,
	candor.ENotFound:     http.StatusNotFound,
	codeMethodNotAllowed: http.StatusMethodNotAllowed,
	candor.EConflict:     http.StatusConflict,
	candor.ETooLarge:     http.StatusRequestEntityTooLarge,
	candor.ERateLimited:  http.StatusTooManyRequests,
	candor.EInternal:     http.StatusInternalServerError,
	candor.EUnavailable:  http.StatusServiceUnavailable,
}

// codeOfStatus maps the statuses echo itself produces back to codes.
var codeOfStatus = map[int]string{
	http.StatusBadRequest:            candor.EInvalid,
	http.StatusUnauthorized:          candor.EUnauthorized,
	http.StatusForbidden:             candor.EForbidden,
	http.StatusNotFound:              candor.ENotFound,
	http.StatusMethodNotAllowed:      codeMethodNotAllowed,
	http.StatusRequestEntityTooLarge: candor.ETooLarge,
	http.StatusServiceUnavailable:    candor.EUnavailable,
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
	// Problems lists every problem of an invalid ruleset or action catalog
	// (rules.Problems, actions.Problems), with rule or action IDs and
	// positions, for tools; the message says the same in words.
	Problems []problem `json:"problems,omitempty"`
}

// problem is one problem of a refused ruleset (rules.Problem) or action
// catalog (actions.Problem): the fields of both.
type problem struct {
	RuleID   string        `json:"rule_id,omitempty"`
	ActionID string        `json:"action_id,omitempty"`
	Field    string        `json:"field"`
	Pos      versioned.Pos `json:"pos,omitzero"`
	Message  string        `json:"message"`
}

// problemsOf returns the problems err lists, if any.
func problemsOf(err error) []problem {
	var l versioned.Lister
	if !errors.As(err, &l) {
		return nil
	}
	var out []problem
	b, _ := json.Marshal(l.List())
	_ = json.Unmarshal(b, &out)
	return out
}

// toCandor turns any error a handler or echo returns into a *candor.Error.
func toCandor(err error) *candor.Error {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code, ok := codeOfStatus[he.Code]
		if !ok {
			code = candor.EInternal
		}
		msg := http.StatusText(he.Code) + "."
		switch he.Code {
		case http.StatusNotFound:
			msg = "No such route. See /openapi.json for the API."
		case http.StatusRequestEntityTooLarge:
			msg = fmt.Sprintf("The request body is larger than %d bytes.", maxBodyBytes)
		}
		return &candor.Error{Code: code, Message: msg, Err: err}
	}
	var ce *candor.Error
	if errors.As(err, &ce) {
		return &candor.Error{Code: candor.ErrorCode(err), Message: candor.ErrorMessage(err), Err: err}
	}
	return &candor.Error{Code: candor.EInternal, Message: candor.ErrorMessage(err), Err: err}
}

// errorHandler writes every error as {"error":{...}} with the status from
// the table. The access log records the cause of 5xx, once.
func (s *Server) errorHandler(err error, c echo.Context) {
	ce := toCandor(err)
	status, ok := statusOf[ce.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	c.Set(ctxErr, err)
	if c.Response().Committed {
		return
	}
	switch status {
	case http.StatusServiceUnavailable:
		c.Response().Header().Set("Retry-After", "1") // nothing was done; a retry is safe
	case http.StatusTooManyRequests:
		c.Response().Header().Set("Retry-After", "3600") // per-customer limits count per hour
	}
	body := errorBody{Error: errorDetail{Code: ce.Code, Message: ce.Message, RequestID: requestID(c)}}
	body.Error.Problems = problemsOf(err)
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.JSON(status, body)
}

// maxBodyBytes is the largest request body accepted (1 MiB).
const maxBodyBytes = 1 << 20

// decodeJSON decodes the request body into v with candor.DecodeJSON:
// exactly one JSON value, not null, no unknown fields, at most
// maxBodyBytes; errors have messages that name the problem.
func decodeJSON(c echo.Context, v any) error {
	// The body is parsed strictly as JSON whatever its Content-Type says, so
	// `curl -d` works as documented.
	b, err := readBody(c)
	if err != nil {
		return err
	}
	return jsonError(candor.DecodeJSON(b, v))
}

// jsonError explains a request body's decoding failure in terms a person
// can act on.
func jsonError(err error) error { return decodeError(err, "The request body") }

// decodeError is jsonError for the value subject names ("The request
// body", "The event").
func decodeError(err error, subject string) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
		ce  *candor.Error
		tpe *time.ParseError
	)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, candor.ErrJSONNull):
		return candor.Errorf(candor.EInvalid, "%s is null; send a JSON document.", subject)
	case errors.Is(err, candor.ErrJSONTrailing):
		return candor.Errorf(candor.EInvalid, "The request body must hold one JSON value; found more after it.")
	case errors.As(err, &tpe):
		return candor.Errorf(candor.EInvalid, "Times (ts) must be RFC 3339, e.g. 2026-11-25T10:00:00Z; got %s.", tpe.Value)
	case errors.As(err, &mbe):
		return candor.Errorf(candor.ETooLarge, "The request body is larger than %d bytes.", maxBodyBytes)
	case errors.As(err, &ce):
		return err
	case errors.Is(err, io.EOF):
		return candor.Errorf(candor.EInvalid, "The request body is empty; send a JSON document.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return candor.Errorf(candor.EInvalid, "Malformed JSON: the body ends in the middle of a value.")
	case errors.As(err, &syn):
		return candor.Errorf(candor.EInvalid, "Malformed JSON at byte %d: %s.", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		return typeMismatch(typ, subject)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return candor.Errorf(candor.EInvalid, "Unknown field %s.", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return candor.Errorf(candor.EInvalid, "Malformed JSON: %v.", err)
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
		lit = clip(lit, 40)
		if want == "a whole number" && strings.ContainsAny(lit, ".eE") {
			return candor.Errorf(candor.EInvalid, "%s must be a whole number, not %s.", subject, lit)
		}
		if want == "a whole number" || want == "a number" {
			return candor.Errorf(candor.EInvalid, "%s is out of range: %s.", subject, lit)
		}
		return candor.Errorf(candor.EInvalid, "%s must be %s, not the number %s.", subject, want, lit)
	}
	return candor.Errorf(candor.EInvalid, "%s must be %s, not %s.", subject, want, sentKind(typ.Value))
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

// clip cuts s to at most n bytes, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
