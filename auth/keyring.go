package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candorhq/candor"
)

// KeyLister loads every stored key. Implemented by redisstore.Store.
type KeyLister interface {
	ListKeys(ctx context.Context) ([]Key, error)
}

// Keyring holds the stored keys in memory so that authenticating a request
// costs no Redis round trip. It is reloaded on a timer and whenever a key
// changes (Reload is called on the pub/sub notice), so a revoked key stops
// working within RefreshEvery on every replica, and at once on the replica
// that revoked it.
type Keyring struct {
	src   KeyLister
	byKey atomic.Pointer[map[digest]Key] // by the SHA-256 of the plaintext
	mu    sync.Mutex                     // serialises reloads
}

// DefaultRefresh is how often the keyring reloads when no notice arrives.
const DefaultRefresh = 5 * time.Second

// NewKeyring returns an empty keyring over src; call Reload before use.
func NewKeyring(src KeyLister) *Keyring {
	kr := &Keyring{src: src}
	empty := map[digest]Key{}
	kr.byKey.Store(&empty)
	return kr
}

// Reload replaces the in-memory keys with the stored ones. On error the old
// keys stay in place.
func (kr *Keyring) Reload(ctx context.Context) error {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	keys, err := kr.src.ListKeys(ctx)
	if err != nil {
		return err
	}
	m := make(map[digest]Key, len(keys))
	for _, k := range keys {
		var d digest
		if n, err := hex.Decode(d[:], []byte(k.Hash)); err != nil || n != len(d) {
			continue // no plaintext hashes to it
		}
		m[d] = k
	}
	kr.byKey.Store(&m)
	return nil
}

// digest is the SHA-256 of a plaintext key: Key.Hash decoded.
type digest [sha256.Size]byte

// Lookup returns the key whose plaintext is given, if it is known. It
// compares digests, never plaintexts, so how long a lookup takes says
// nothing about a stored key an attacker could use.
func (kr *Keyring) Lookup(plaintext string) (Key, bool) {
	k, ok := (*kr.byKey.Load())[sha256.Sum256([]byte(plaintext))]
	return k, ok
}

// Len returns the number of keys loaded.
func (kr *Keyring) Len() int { return len(*kr.byKey.Load()) }

// Run reloads the keyring every interval until ctx ends. Errors keep the
// previous keys and are passed to onErr.
func (kr *Keyring) Run(ctx context.Context, every time.Duration, onErr func(error)) {
	candor.Every(ctx, every, kr.Reload, onErr)
}
