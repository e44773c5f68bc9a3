package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/candorhq/candor"
)

// Context keys set by the middleware.
const (
	ctxRequestID = "candor.request_id"
	ctxErr       = "candor.error"
	ctxStack     = "candor.stack"
	ctxPrincipal = "candor.principal"
)

const headerRequestID = "X-Request-ID"

// requestIDMiddleware echoes a well-formed X-Request-ID or makes one.
func (s *Server) requestIDMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(headerRequestID)
		if !validRequestID(id) {
			b := make([]byte, 12)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set(ctxRequestID, id)
		c.Response().Header().Set(headerRequestID, id)
		return next(c)
	}
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func requestID(c echo.Context) string {
	id, _ := c.Get(ctxRequestID).(string)
	return id
}

// accessLog writes one line per request and records the request metrics.
// It is the only place a 5xx is logged, with its cause and any panic stack.
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		elapsed := time.Since(start)
		status := c.Response().Status
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		s.metrics.observe(route, c.Request().Method, status, elapsed)
		fields := []zap.Field{
			zap.String("request_id", requestID(c)),
			zap.String("method", c.Request().Method),
			zap.String("route", route),
			zap.Int("status", status),
			zap.Duration("latency", elapsed),
			zap.Int64("bytes", c.Response().Size),
		}
		if status >= 500 {
			if err, _ := c.Get(ctxErr).(error); err != nil {
				fields = append(fields, zap.Error(err))
			}
			if st, _ := c.Get(ctxStack).(string); st != "" {
				fields = append(fields, zap.String("stack", st))
			}
			s.log.Error("request", fields...)
			return nil
		}
		s.log.Info("request", fields...)
		return nil
	}
}

// recoverMiddleware turns a panic into a 500 and keeps the server serving.
func (s *Server) recoverMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				c.Set(ctxStack, string(debug.Stack()))
				err = &candor.Error{Code: candor.EInternal, Op: "panic", Err: fmt.Errorf("panic: %v", r)}
			}
		}()
		return next(c)
	}
}

// bodyLimit rejects declared oversize bodies before reading them; bodies of
// unknown length are capped while decoding (decodeJSON).
func bodyLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if cl := c.Request().Header.Get("Content-Length"); cl != "" {
			if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n > maxBodyBytes {
				return candor.Errorf(candor.ETooLarge, "The request body is larger than %d bytes.", maxBodyBytes)
			}
		}
		return next(c)
	}
}

// singleQuery rejects a request that repeats a query parameter, on every
// route: a repeated parameter (n=3&n=4) has no one meaning, and handlers
// read only the first value.
func singleQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for k, v := range c.QueryParams() {
			if len(v) > 1 {
				return candor.Errorf(candor.EInvalid, "Query parameter %q is given %d times; give it once.", k, len(v))
			}
		}
		return next(c)
	}
}
