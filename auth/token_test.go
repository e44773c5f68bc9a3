package auth

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func TestTokenMatrix(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	v, err := NewHMACVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	v.SetClock(func() time.Time { return now })
	good, _ := SignHMAC(secret, "c-1", 15*time.Minute, now)
	expired, _ := SignHMAC(secret, "c-1", time.Minute, now.Add(-time.Hour))
	forged, _ := SignHMAC([]byte("another-secret-another-secret-xx"), "c-1", time.Minute, now)
	tooLong, _ := SignHMAC(secret, "c-1", 48*time.Hour, now)
	badSub, _ := SignHMAC(secret, "c{1}", time.Minute, now)
	wrongAud, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Subject: "c-1", Audience: jwt.ClaimStrings{"other"}, ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute))}).SignedString(secret)
	noExp, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Subject: "c-1", Audience: jwt.ClaimStrings{Audience}}).SignedString(secret)
	enc := base64.RawURLEncoding.EncodeToString
	algNone := enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc([]byte(`{"sub":"c-1","aud":"candor","exp":9999999999}`)) + "."
	tests := []struct {
		name, token, wantSub, wantMsg string
	}{
		{"valid", good, "c-1", ""},
		{"expired", expired, "", "expired"},
		{"forged", forged, "", "Invalid"},
		{"alg none", algNone, "", "Invalid"},
		{"wrong audience", wrongAud, "", "Invalid"},
		{"no exp", noExp, "", "Invalid"},
		{"lifetime over 24h", tooLong, "", "24 hours"},
		{"bad subject", badSub, "", "Invalid"},
		{"garbage", "a.b.c", "", "Invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, err := v.Verify(tt.token)
			if sub != tt.wantSub || (tt.wantMsg != "" && (err == nil || !strings.Contains(err.Error(), tt.wantMsg))) {
				t.Errorf("Verify = %q, %v; want %q and error with %q", sub, err, tt.wantSub, tt.wantMsg)
			}
		})
	}
	if !LooksLikeJWT(good) || LooksLikeJWT("cnd_abc.def.ghi") {
		t.Error("LooksLikeJWT misclassifies")
	}
	if _, err := NewHMACVerifier([]byte("short")); err == nil {
		t.Error("a short secret was accepted")
	}
}

func TestPublicKeyVerifier(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(pub)
	file := filepath.Join(t.TempDir(), "pub.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	v, err := NewPublicKeyVerifier(file)
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.RegisteredClaims{Subject: "c-9", Audience: jwt.ClaimStrings{Audience}, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Minute))}
	tok, _ := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims).SignedString(priv)
	if sub, err := v.Verify(tok); err != nil || sub != "c-9" {
		t.Errorf("EdDSA token: %q, %v", sub, err)
	}
	hs, _ := SignHMAC(secret, "c-9", time.Minute, time.Now())
	if _, err := v.Verify(hs); err == nil {
		t.Error("an HS256 token passed an EdDSA verifier (algorithm confusion)")
	}
	if _, err := NewPublicKeyVerifier(filepath.Join(t.TempDir(), "missing.pem")); err == nil {
		t.Error("a missing key file was accepted")
	}
}
