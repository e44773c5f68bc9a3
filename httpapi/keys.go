package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/auth"
)

// KeyStore stores API keys. Implemented by redisstore.Store.
type KeyStore interface {
	ListKeys(ctx context.Context) ([]auth.Key, error)
	PutKey(ctx context.Context, k auth.Key) error
	RevokeKey(ctx context.Context, id string) error
}

type keyView struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Role    auth.Role `json:"role"`
	Created time.Time `json:"created"`
	Key     string    `json:"key,omitempty"` // plaintext, only in the create response
}

func viewOf(k auth.Key) keyView {
	return keyView{ID: k.ID, Name: k.Name, Role: k.Role, Created: k.Created}
}

func handleListKeys(ks KeyStore) echo.HandlerFunc {
	return func(c echo.Context) error {
		keys, err := ks.ListKeys(c.Request().Context())
		if err != nil {
			return err
		}
		out := make([]keyView, len(keys))
		for i, k := range keys {
			out[i] = viewOf(k)
		}
		return c.JSON(http.StatusOK, map[string]any{"keys": out})
	}
}

type createKeyRequest struct {
	Role string `json:"role"`
	Name string `json:"name"`
}

func handleCreateKey(ks KeyStore, kr *auth.Keyring) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req createKeyRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		role, err := auth.ParseRole(req.Role)
		if err != nil {
			return err
		}
		if !auth.ValidName(req.Name) {
			return candor.Errorf(candor.EInvalid, "Field \"name\" must be 1-64 printable characters.")
		}
		plain, k := auth.NewKey(role, req.Name, time.Now())
		ctx := c.Request().Context()
		if err := ks.PutKey(ctx, k); err != nil {
			return err
		}
		_ = kr.Reload(ctx) // other replicas reload on the pub/sub notice
		v := viewOf(k)
		v.Key = plain
		return c.JSON(http.StatusCreated, v)
	}
}

func handleRevokeKey(ks KeyStore, kr *auth.Keyring) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		if err := ks.RevokeKey(ctx, c.Param("id")); err != nil {
			return err
		}
		_ = kr.Reload(ctx)
		return c.NoContent(http.StatusNoContent)
	}
}
