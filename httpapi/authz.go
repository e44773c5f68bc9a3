package httpapi

import (
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/auth"
)

// Principal is who is calling: an API key (with a role) or, for customer
// routes, a customer token (added by the customer-rights work).
type Principal struct {
	KeyID      string
	KeyName    string
	Role       auth.Role
	CustomerID string // set for customer tokens only
}

func principal(c echo.Context) Principal {
	p, _ := c.Get(ctxPrincipal).(Principal)
	return p
}

// authorize enforces the route's roles. Public routes have no roles.
func (s *Server) authorize(r route) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if len(r.roles) == 0 {
			return next
		}
		return func(c echo.Context) error {
			p, err := s.authenticate(c)
			if err != nil {
				return err
			}
			if !slices.Contains(r.roles, p.Role) {
				if p.Role == auth.RoleCustomer { // names the route, never a customer: no oracle
					return candor.Errorf(candor.EForbidden, "A customer token may not call %s %s; it needs an API key with one of: %s. A customer's own data is under /v1/me.", r.method, r.path, joinRoles(r.roles))
				}
				return candor.Errorf(candor.EForbidden, "A %s key may not call %s %s; it needs one of: %s.", p.Role, r.method, r.path, joinRoles(r.roles))
			}
			if p.Role == auth.RoleCustomer && c.Param("id") != "" && c.Param("id") != p.CustomerID {
				return errNotYours
			}
			c.Set(ctxPrincipal, p)
			return next(c)
		}
	}
}

func (s *Server) authenticate(c echo.Context) (Principal, error) {
	h := c.Request().Header.Get("Authorization")
	if h == "" {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="candor"`)
		return Principal{}, candor.Errorf(candor.EUnauthorized, "Missing API key: send the header 'Authorization: Bearer YOUR_KEY'.")
	}
	scheme, tok, _ := strings.Cut(strings.TrimSpace(h), " ")
	tok = strings.TrimSpace(tok)
	if !strings.EqualFold(scheme, "Bearer") || tok == "" { // the scheme is case-insensitive (RFC 7235)
		return Principal{}, candor.Errorf(candor.EUnauthorized, "The Authorization header must be 'Bearer YOUR_KEY'.")
	}
	if auth.LooksLikeJWT(tok) {
		return s.authenticateCustomer(tok)
	}
	if s.keyring == nil {
		return Principal{}, candor.Errorf(candor.EUnavailable, "Keys are not loaded yet; try again shortly.")
	}
	k, found := s.keyring.Lookup(tok)
	if !found {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="candor", error="invalid_token"`)
		return Principal{}, candor.Errorf(candor.EUnauthorized, "Unknown or revoked API key.")
	}
	return Principal{KeyID: k.ID, KeyName: k.Name, Role: k.Role}, nil
}

func joinRoles(rs []auth.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// errNotYours is the one answer a customer token gets outside its own data:
// it does not reveal whether another customer exists.
var errNotYours = candor.Errorf(candor.EForbidden, "A customer token may only reach that customer's own data.")

func (s *Server) authenticateCustomer(tok string) (Principal, error) {
	if s.deps.Tokens == nil {
		return Principal{}, candor.Errorf(candor.EUnauthorized, "Customer tokens are not enabled on this server (set CANDOR_TOKEN_SECRET).")
	}
	id, err := s.deps.Tokens.Verify(tok)
	if err != nil {
		return Principal{}, err
	}
	return Principal{Role: auth.RoleCustomer, CustomerID: id}, nil
}
