package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

type fakeLister struct {
	keys []Key
	err  error
}

func (f *fakeLister) ListKeys(context.Context) ([]Key, error) { return f.keys, f.err }

func TestNewKeyHashesAndIsUnique(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p1, k1 := NewKey(RoleSite, "shop", now)
	p2, _ := NewKey(RoleSite, "shop", now)
	if p1 == p2 {
		t.Fatal("two keys are equal")
	}
	if !strings.HasPrefix(p1, "cnd_") || len(p1) < 40 {
		t.Errorf("plaintext %q lacks prefix or entropy", p1)
	}
	if k1.Hash != Hash(p1) || strings.Contains(k1.Hash, p1) {
		t.Errorf("stored hash %q does not match plaintext hash", k1.Hash)
	}
	if k1.ID != k1.Hash[:12] || k1.Role != RoleSite || !k1.Created.Equal(now) {
		t.Errorf("key = %+v", k1)
	}
}

func TestKeyringLookupAndReload(t *testing.T) {
	p, k := NewKey(RoleAdmin, "ops", time.Now())
	src := &fakeLister{keys: []Key{k}}
	kr := NewKeyring(src)
	if _, ok := kr.Lookup(p); ok {
		t.Fatal("empty keyring accepted a key")
	}
	if err := kr.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, ok := kr.Lookup(p)
	if !ok || got.Role != RoleAdmin {
		t.Fatalf("Lookup = %+v, %v", got, ok)
	}
	if _, ok := kr.Lookup(p + "x"); ok {
		t.Error("a wrong key was accepted")
	}
	src.err = errors.New("down")
	if err := kr.Reload(context.Background()); err == nil {
		t.Error("Reload hid the error")
	}
	if _, ok := kr.Lookup(p); !ok {
		t.Error("a failed reload dropped the keys")
	}
	src.keys, src.err = nil, nil
	_ = kr.Reload(context.Background())
	if _, ok := kr.Lookup(p); ok {
		t.Error("a revoked key still works after reload")
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range Roles {
		if got, err := ParseRole(string(r)); err != nil || got != r {
			t.Errorf("ParseRole(%q) = %v, %v", r, got, err)
		}
	}
	if _, err := ParseRole("root"); err == nil || !strings.Contains(err.Error(), "site, marketer or admin") {
		t.Errorf("ParseRole(root) error = %v", err)
	}
}
