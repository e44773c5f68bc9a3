package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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
	return decodeError(candor.DecodeJSON(b, v), "The request body", v)
}

// jsonError explains a request body's decoding failure in terms a person
// can act on.
func jsonError(err error) error { return decodeError(err, "The request body", nil) }

// decodeError is jsonError for the value subject names ("The request
// body", "The event"), decoded into v: a body over the limit is too
// large, and a time is named by the events' field for it; the rest is
// candor.JSONError.
func decodeError(err error, subject string, v any) error {
	var (
		mbe *http.MaxBytesError
		tpe *time.ParseError
	)
	switch {
	case errors.As(err, &mbe):
		return candor.Errorf(candor.ETooLarge, "The request body is larger than %d bytes.", maxBodyBytes)
	case errors.As(err, &tpe):
		return candor.Errorf(candor.EInvalid, "Times (ts) must be RFC 3339, e.g. 2026-11-25T10:00:00Z; got %q.", candor.Clip(tpe.Value, 40))
	}
	return candor.JSONError(err, subject, v)
}
