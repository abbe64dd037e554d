package verify

import (
	"container/list"
	"crypto/sha256"
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

// capDigest is SHA-256 over kind, sig and signedMessage, each
// length-prefixed so that no two different triples collide by shifting
// bytes between fields. A wallet sig enters in its canonical encoding
// (authsig.CanonicalSig), so every accepted encoding of one signature has
// one digest; the signedMessage enters decoded, so every JSON encoding of
// it has one digest too. It is hashed as it is decoded, without building
// the decoded text, which a cache hit never needs.
func capDigest(kind string, c *capability) [32]byte {
	sig := c.sig
	if kind == kindWallet {
		sig = canonicalSig(sig)
	}
	w := hashWriter{h: sha256.New(), buf: make([]byte, 0, 512)}
	w.writeField(len(kind), kind, nil)
	w.writeField(len(sig), sig, nil)
	w.writeField(c.msg.len(), "", &c.msg)
	w.flush()
	var out [32]byte
	w.h.Sum(out[:0])
	return out
}

// canonicalSig is authsig.CanonicalSig's encoding of sig, or sig itself
// when that refuses it. A sig already canonical ("0x", 130 lower-case hex
// digits, v 1b or 1c) is returned as it is, without decoding.
func canonicalSig(sig string) string {
	if len(sig) == 132 && sig[:2] == "0x" && (sig[130:] == "1b" || sig[130:] == "1c") && isLowerHex(sig[2:]) {
		return sig
	}
	if c, ok := authsig.CanonicalSig(sig); ok {
		return c
	}
	return sig
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
