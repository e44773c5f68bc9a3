// Package candor holds the types every layer of Candor shares: the one error
// type with its codes. Domain packages (consent, features, models, recommend,
// rules, actions) return *Error values; httpapi maps their codes to statuses
// in a single table.
package candor

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. httpapi maps each to exactly one HTTP status.
const (
	EInvalid      = "invalid"      // the caller sent something wrong (400)
	EUnauthorized = "unauthorized" // no or bad credentials (401)
	EForbidden    = "forbidden"    // credentials lack the role (403)
	ENotFound     = "not_found"    // the thing does not exist (404)
	EConflict     = "conflict"     // a precondition (ETag, version) failed (409)
	ETooLarge     = "too_large"    // the request body is over the limit (413)
	ERateLimited  = "rate_limited" // too many requests of this kind (429)
	EUnavailable  = "unavailable"  // a dependency (Redis) is down or slow (503)
	EInternal     = "internal"     // a bug or an unexpected failure (500)
)

// Error is the one error type of Candor. Code and Message are safe to show to
// clients; Op and Err are for the log only.
type Error struct {
	Code    string // one of the E* constants
	Message string // a sentence a person can act on
	Op      string // the operation that failed, e.g. "redisstore.ReadState"
	Err     error  // the underlying cause, never shown to clients
}

// Error renders the error for logs: op, code, message and cause.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Code != "" {
		b.WriteString("<")
		b.WriteString(e.Code)
		b.WriteString("> ")
	}
	b.WriteString(e.Message)
	if e.Err != nil {
		if e.Message != "" {
			b.WriteString(": ")
		}
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted client-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error that records op and cause. The code and message of
// an *Error inside err are kept; a foreign error becomes internal.
func Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: ErrorCode(err), Message: ErrorMessage(err), Op: op, Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, or EInternal
// for any other non-nil error, or "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	for e := (*Error)(nil); errors.As(err, &e); err = e.Err {
		if e.Code != "" {
			return e.Code
		}
		if e.Err == nil {
			break
		}
	}
	return EInternal
}

// ErrorMessage returns the client-safe message of the first *Error in err's
// chain that has one. Foreign errors get a generic message so internals never
// leak to clients.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	for e := (*Error)(nil); errors.As(err, &e); err = e.Err {
		if e.Message != "" {
			return e.Message
		}
		if e.Err == nil {
			break
		}
	}
	return "An internal error occurred."
}
