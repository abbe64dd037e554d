package verify

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"

	"github.com/litgo/litsession/core/authsig"
)

// DefaultCacheSize is the capacity NewWalletSigCache uses for a size ≤ 0.
const DefaultCacheSize = 4096

// WalletSigCache remembers capability AuthSigs whose signature has already
// been verified, so that the same wallet signature (typically the session's
// delegation, repeated in every request and in the session sig for every
// node) skips ecrecover — or the pairing, for LIT_BLS — and SIWE parsing.
//
// An entry is keyed by SHA-256 of the signature kind, sig and signedMessage
// (for LIT_BLS also the network public key, since that decides validity) and
// holds the parsed message, the fields Verify reads from it and, once
// decoded, its ReCap. Only AuthSigs that
// passed every check are added. A hit still rechecks everything that
// depends on time or on the rest of the AuthSig: the address field, Issued
// At, Not Before and Expiration Time against the Verifier's clock. Entries
// expired at lookup time are dropped.
//
// It is a least-recently-used cache of bounded size, safe for concurrent
// use, and may be shared by several Verifiers.
type WalletSigCache struct {
	mu    sync.Mutex
	size  int
	order *list.List // front = most recently used; values are *cacheEntry
	index map[[32]byte]*list.Element
}

type cacheEntry struct {
	key  [32]byte
	info *capInfo
}

// NewWalletSigCache returns an empty cache holding at most size entries
// (DefaultCacheSize if size ≤ 0).
func NewWalletSigCache(size int) *WalletSigCache {
	if size <= 0 {
		size = DefaultCacheSize
	}
	return &WalletSigCache{size: size, order: list.New(), index: make(map[[32]byte]*list.Element)}
}

// Len returns the number of entries.
func (c *WalletSigCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// get returns the verified capability for key unless it is absent or
// expired at now (an expired entry is removed).
func (c *WalletSigCache) get(key [32]byte, now time.Time) (*capInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.index[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.info.exp) {
		c.order.Remove(el)
		delete(c.index, key)
		return nil, false
	}
	c.order.MoveToFront(el)
	return e.info, true
}

// add records a verified capability, which has an Expiration Time,
// evicting the least recently used entry when full.
func (c *WalletSigCache) add(key [32]byte, info *capInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.index[key]; ok {
		c.order.MoveToFront(el)
		return
	}
	c.index[key] = c.order.PushFront(&cacheEntry{key: key, info: info})
	for c.order.Len() > c.size {
		el := c.order.Back()
		c.order.Remove(el)
		delete(c.index, el.Value.(*cacheEntry).key)
	}
}

// sigDigest is SHA-256 over kind, sig and signedMessage, each
// length-prefixed so that no two different triples collide by shifting
// bytes between fields. A wallet sig enters in its canonical encoding
// (authsig.CanonicalSig), so every accepted encoding of one signature has
// one digest.
func sigDigest(kind string, a authsig.AuthSig) [32]byte {
	h := sha256.New()
	var n [8]byte
	sig := a.Sig
	if c, ok := authsig.CanonicalSig(sig); ok && kind == kindWallet {
		sig = c
	}
	for _, s := range []string{kind, sig, a.SignedMessage} {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}
