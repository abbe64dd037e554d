package e2ee

import (
	"crypto/sha256"
	"errors"
	"sync"
	"time"
)

// DefaultReplayCapacity is the number of payloads a ReplayGuard remembers
// at most.
const DefaultReplayCapacity = 1 << 16

// ErrReplay is returned for a payload whose box was already opened within
// the freshness window.
var ErrReplay = errors.New("e2ee: this ciphertext was already received; encrypt every request afresh")

// ErrReplayFull is returned when a ReplayGuard remembers as many payloads
// as it may: it refuses new ones rather than forget one that could then be
// replayed. Retry once older payloads have left the window.
var ErrReplayFull = errors.New("e2ee: too many requests within the freshness window; retry later")

// ReplayGuard opens payloads for one recipient and refuses any box it
// opened before. A box is remembered until it can no longer pass the
// freshness check (MaxAge + MaxSkew after it was opened), and at most
// Capacity boxes are remembered. Safe for concurrent use.
type ReplayGuard struct {
	fresh    Freshness
	capacity int

	mu    sync.Mutex
	seen  map[[sha256.Size]byte]struct{}
	queue []seenBox // in the order opened; queue[head:] are live
	head  int

	// channels of recent senders, so that a sender that keeps its key
	// pair costs no X25519 operation after its first request.
	chMu     sync.Mutex
	channels map[channelKey]*Channel
}

type channelKey struct{ recipient, sender [KeySize]byte }

// channelCacheSize bounds the channels a ReplayGuard keeps.
const channelCacheSize = 1024

type seenBox struct {
	key    [sha256.Size]byte
	forget time.Time
}

// NewReplayGuard returns a guard that checks created_at with f and
// remembers at most capacity boxes (DefaultReplayCapacity when 0 or less).
func NewReplayGuard(f Freshness, capacity int) *ReplayGuard {
	if capacity <= 0 {
		capacity = DefaultReplayCapacity
	}
	return &ReplayGuard{fresh: f, capacity: capacity, seen: map[[sha256.Size]byte]struct{}{}, channels: map[channelKey]*Channel{}}
}

// Open opens p as Open does with the guard's freshness window, then
// refuses it with ErrReplay if the same box was opened before, or with
// ErrReplayFull when the guard is full. It returns the channel to the
// sender, to seal the answer with. Only boxes that open are remembered, so
// junk cannot fill the guard. The box is the key: it cannot be changed
// without failing to open, while the text around it (created_at
// milliseconds) could be.
func (g *ReplayGuard) Open(p Payload, recipient *KeyPair) ([]byte, *Channel, error) {
	now := g.fresh.now()
	f := g.fresh
	f.Now = func() time.Time { return now }
	if err := f.Check(p.CreatedAt); err != nil {
		return nil, nil, err
	}
	c, err := g.channel(recipient, p.VerificationKey)
	if err != nil {
		return nil, nil, err
	}
	msg, err := c.open(p)
	if err != nil {
		return nil, nil, err
	}
	key := sha256.Sum256(p.Box)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.expire(now)
	if _, ok := g.seen[key]; ok {
		return nil, nil, ErrReplay
	}
	if len(g.seen) >= g.capacity {
		return nil, nil, ErrReplayFull
	}
	g.seen[key] = struct{}{}
	g.queue = append(g.queue, seenBox{key: key, forget: now.Add(f.maxAge() + f.maxSkew())})
	return msg, c, nil
}

// channel returns the channel from recipient to sender, from the cache
// when it holds it. A full cache forgets an arbitrary channel.
func (g *ReplayGuard) channel(recipient *KeyPair, sender [KeySize]byte) (*Channel, error) {
	k := channelKey{recipient.Public, sender}
	g.chMu.Lock()
	c := g.channels[k]
	g.chMu.Unlock()
	if c != nil && c.mine == recipient {
		return c, nil
	}
	c, err := NewChannel(recipient, sender)
	if err != nil {
		return nil, err
	}
	g.chMu.Lock()
	defer g.chMu.Unlock()
	if len(g.channels) >= channelCacheSize {
		for old := range g.channels {
			delete(g.channels, old)
			break
		}
	}
	g.channels[k] = c
	return c, nil
}

// expire forgets the boxes that can no longer pass the freshness check:
// one opened at t had created_at ≤ t + MaxSkew, so after t + MaxSkew +
// MaxAge it is too old.
func (g *ReplayGuard) expire(now time.Time) {
	for g.head < len(g.queue) && now.After(g.queue[g.head].forget) {
		delete(g.seen, g.queue[g.head].key)
		g.head++
	}
	if g.head > 1024 && g.head*2 > len(g.queue) {
		g.queue = append(g.queue[:0], g.queue[g.head:]...)
		g.head = 0
	}
}

// Len returns the number of boxes remembered.
func (g *ReplayGuard) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.seen)
}
