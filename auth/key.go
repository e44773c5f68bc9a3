// Package auth owns API keys: their roles, how they are made and hashed, and
// the in-memory keyring the server checks them against. Keys are stored only
// as SHA-256 hashes; the plaintext is shown once, when the key is created.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/candorhq/candor"
)

// Role is what an API key may do.
type Role string

// Roles, from least to most powerful. Which role may call which route is one
// table in httpapi.
const (
	RoleSite     Role = "site"     // the shop's servers: recommendations, events
	RoleMarketer Role = "marketer" // rules, actions, previews
	RoleAdmin    Role = "admin"    // everything, including keys and models
)

// Roles lists the valid roles.
var Roles = []Role{RoleSite, RoleMarketer, RoleAdmin}

// ParseRole returns the role named s or an EInvalid error listing the roles.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", candor.Errorf(candor.EInvalid, "unknown role %q: use site, marketer or admin", s)
}

// keyPrefix marks Candor keys so they are recognisable in logs and scanners.
const keyPrefix = "cnd_"

// Key describes a stored API key. The plaintext is never stored.
type Key struct {
	ID      string    `json:"id"`   // first 12 hex digits of the hash; names the key in list/revoke
	Hash    string    `json:"hash"` // hex SHA-256 of the plaintext
	Role    Role      `json:"role"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
}

// NewKey returns a fresh random plaintext key and its stored description.
func NewKey(role Role, name string, now time.Time) (plaintext string, k Key) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	plaintext = keyPrefix + base64.RawURLEncoding.EncodeToString(b)
	h := Hash(plaintext)
	return plaintext, Key{ID: h[:12], Hash: h, Role: role, Name: name, Created: now.UTC()}
}

// Hash returns the hex SHA-256 of a plaintext key.
func Hash(plaintext string) string {
	sum := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(sum[:])
}

// ValidName reports whether name is a usable key name (1-64 printable chars).
func ValidName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	return !strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f })
}
