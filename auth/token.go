package auth

import (
	"crypto"
	"errors"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/candorhq/candor"
)

// RoleCustomer is the role of a customer token: it reaches only that
// customer's own data.
const RoleCustomer Role = "customer"

// Audience is the required "aud" of customer tokens.
const Audience = "candor"

// TokenVerifier checks customer tokens: short-lived JWTs the shop signs for
// a logged-in customer (sub = customer ID, exp, aud = "candor").
type TokenVerifier struct {
	key     any
	methods []string
	now     func() time.Time
}

// NewHMACVerifier verifies HS256 tokens signed with secret (≥ 32 bytes).
func NewHMACVerifier(secret []byte) (*TokenVerifier, error) {
	if len(secret) < 32 {
		return nil, candor.Errorf(candor.EInvalid, "the customer-token secret must be at least 32 bytes")
	}
	return &TokenVerifier{key: secret, methods: []string{"HS256"}, now: time.Now}, nil
}

// NewPublicKeyVerifier verifies RS256 or EdDSA tokens with the PEM public
// key in file.
func NewPublicKeyVerifier(file string) (*TokenVerifier, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, candor.Errorf(candor.EInvalid, "customer-token public key: %v", err)
	}
	if k, err := jwt.ParseRSAPublicKeyFromPEM(pem); err == nil {
		return &TokenVerifier{key: k, methods: []string{"RS256"}, now: time.Now}, nil
	}
	k, err := jwt.ParseEdPublicKeyFromPEM(pem)
	if err != nil {
		return nil, candor.Errorf(candor.EInvalid, "customer-token public key in %s is neither RSA nor Ed25519 PEM", file)
	}
	return &TokenVerifier{key: k.(crypto.PublicKey), methods: []string{"EdDSA"}, now: time.Now}, nil
}

// SetClock replaces the verifier's clock, for tests.
func (v *TokenVerifier) SetClock(now func() time.Time) { v.now = now }

// Verify returns the customer ID of a valid token. Any failure is an
// EUnauthorized error that does not say more than "invalid or expired".
func (v *TokenVerifier) Verify(token string) (string, error) {
	claims := &jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return v.key, nil },
		jwt.WithValidMethods(v.methods), jwt.WithAudience(Audience), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(v.now), jwt.WithLeeway(30*time.Second))
	if err != nil {
		msg := "Invalid customer token."
		if errors.Is(err, jwt.ErrTokenExpired) {
			msg = "The customer token has expired; ask the shop for a new one."
		}
		return "", &candor.Error{Code: candor.EUnauthorized, Message: msg, Op: "auth.Verify", Err: err}
	}
	if claims.ExpiresAt.Sub(v.now()) > 24*time.Hour {
		return "", candor.Errorf(candor.EUnauthorized, "Customer tokens must expire within 24 hours.")
	}
	if err := candor.ValidateID("token subject", claims.Subject); err != nil {
		return "", candor.Errorf(candor.EUnauthorized, "Invalid customer token.")
	}
	return claims.Subject, nil
}

// LooksLikeJWT reports whether a bearer credential is a JWT rather than an
// API key.
func LooksLikeJWT(s string) bool {
	return !strings.HasPrefix(s, keyPrefix) && strings.Count(s, ".") == 2
}

// SignHMAC makes an HS256 customer token, for tests, the demo and shops
// that use this package.
func SignHMAC(secret []byte, customerID string, ttl time.Duration, now time.Time) (string, error) {
	claims := jwt.RegisteredClaims{Subject: customerID, Audience: jwt.ClaimStrings{Audience},
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(ttl))}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
}
