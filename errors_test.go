package candor

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorCodeAndMessage(t *testing.T) {
	foreign := errors.New("dial tcp: refused")
	tests := []struct {
		name     string
		err      error
		wantCode string
		wantMsg  string
	}{
		{"nil", nil, "", ""},
		{"foreign", foreign, EInternal, "An internal error occurred."},
		{"plain", Errorf(EInvalid, "bad %s", "id"), EInvalid, "bad id"},
		{"wrapped by fmt", fmt.Errorf("ctx: %w", Errorf(ENotFound, "no item")), ENotFound, "no item"},
		{"wrap keeps inner", Wrap("op", Errorf(EConflict, "stale")), EConflict, "stale"},
		{"wrap foreign", Wrap("op", foreign), EInternal, "An internal error occurred."},
		{"op without message", &Error{Op: "x", Err: Errorf(EUnavailable, "redis down")}, EUnavailable, "redis down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(tt.err); got != tt.wantCode {
				t.Errorf("ErrorCode = %q, want %q", got, tt.wantCode)
			}
			if got := ErrorMessage(tt.err); got != tt.wantMsg {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.wantMsg)
			}
		})
	}
}

func TestErrorStringHasOpAndCause(t *testing.T) {
	err := &Error{Code: EUnavailable, Message: "store down", Op: "redisstore.Ping", Err: errors.New("EOF")}
	if got, want := err.Error(), "redisstore.Ping: <unavailable> store down: EOF"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(Wrap("a", err), err) {
		t.Error("Wrap lost the cause chain")
	}
}
