package httpapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/candorhq/candor"
)

// MarketerDeadline bounds the marketer routes that run rules or actions
// over samples (validate, preview, simulate): past it they stop and
// answer 503. They also stop when the client goes away.
const MarketerDeadline = 10 * time.Second

// marketerContext is the request's context (canceled when the client goes
// away) with MarketerDeadline.
func marketerContext(c echo.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request().Context(), MarketerDeadline)
}

// deadline returns err, or, when ctx ended (the deadline passed or the
// client went away), an EUnavailable error that says which work stopped
// and why, whatever err was.
func deadline(ctx context.Context, err error, what string) error {
	cerr := ctx.Err()
	if cerr == nil {
		return err
	}
	why := "the client went away"
	if errors.Is(cerr, context.DeadlineExceeded) {
		why = fmt.Sprintf("it took longer than %v", MarketerDeadline)
	}
	return &candor.Error{Code: candor.EUnavailable, Message: fmt.Sprintf("The %s stopped: %s.", what, why), Op: "httpapi." + what, Err: errors.Join(cerr, err)}
}
