package e2ee

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/nacl/box"
)

// t0 is a whole millisecond, as created_at carries.
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 891_000_000, time.UTC)

func at(t time.Time) Freshness { return Freshness{Now: func() time.Time { return t }} }

func mustKeyPair(t testing.TB) *KeyPair {
	t.Helper()
	kp, err := GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

var message = []byte(`{"toSign":[1,2,3],"signingScheme":"EcdsaK256Sha256","epoch":10,"pad":"0123456789"}`)

func seal(t testing.TB, msg []byte, to [KeySize]byte, from *KeyPair, created time.Time) Payload {
	t.Helper()
	r, err := NewRandom()
	if err != nil {
		t.Fatal(err)
	}
	p, err := Seal(msg, to, from, r, created)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The box is nacl's: box.Seal with the derived nonce gives the same bytes.
func TestSealIsNaclBox(t *testing.T) {
	client, node := mustKeyPair(t), mustKeyPair(t)
	p := seal(t, message, node.Public, client, t0.Add(234_567))
	if !p.CreatedAt.Equal(t0) {
		t.Errorf("created_at %v is not cut to milliseconds", p.CreatedAt)
	}
	n := nonce(p.Random, uint64(t0.Unix()), &node.Public, &client.Public)
	want := box.Seal(nil, message, n, &node.Public, &client.secret)
	if !bytes.Equal(p.Box, want) {
		t.Fatal("Seal differs from box.Seal")
	}
	a := aad(p.Random, uint64(t0.Unix()), &node.Public, &client.Public)
	if len(a) != 89 || a[0] != 1 || !bytes.Equal(a[25:57], node.Public[:]) || !bytes.Equal(a[57:], client.Public[:]) {
		t.Errorf("AAD layout: %x", a)
	}
	msg, err := Open(p, node, at(t0))
	if err != nil || !bytes.Equal(msg, message) {
		t.Fatalf("Open: %q %v", msg, err)
	}
	if s := fmt.Sprint(client); strings.Contains(s, fmt.Sprintf("%x", client.secret[:])) || !strings.Contains(s, client.PublicHex()) {
		t.Errorf("KeyPair prints as %s", s)
	}
}

func TestOpenRefuses(t *testing.T) {
	client, node, other := mustKeyPair(t), mustKeyPair(t), mustKeyPair(t)
	p := seal(t, message, node.Public, client, t0)
	fresh := at(t0)
	for name, c := range map[string]struct {
		mut  func(*Payload)
		key  *KeyPair
		want error
	}{
		"wrong recipient":      {key: other, want: ErrDecrypt},
		"flipped box bit":      {mut: func(p *Payload) { p.Box[len(p.Box)-1] ^= 1 }, want: ErrDecrypt},
		"flipped tag bit":      {mut: func(p *Payload) { p.Box[0] ^= 0x80 }, want: ErrDecrypt},
		"other random":         {mut: func(p *Payload) { p.Random[3] ^= 1 }, want: ErrDecrypt},
		"other second":         {mut: func(p *Payload) { p.CreatedAt = p.CreatedAt.Add(time.Second) }, want: ErrDecrypt},
		"other sender key":     {mut: func(p *Payload) { p.VerificationKey = other.Public }, want: ErrDecrypt},
		"truncated box":        {mut: func(p *Payload) { p.Box = p.Box[:Overhead-1] }, want: ErrDecrypt},
		"low-order sender key": {mut: func(p *Payload) { p.VerificationKey = [KeySize]byte{} }, want: &LowOrderKeyError{}},
		"stale by 5 min 1 ms":  {mut: func(p *Payload) { p.CreatedAt = t0.Add(-DefaultMaxAge - time.Millisecond) }, want: &StaleError{}},
		"future by 1 min 1 ms": {mut: func(p *Payload) { p.CreatedAt = t0.Add(DefaultMaxSkew + time.Millisecond) }, want: &StaleError{}},
	} {
		t.Run(name, func(t *testing.T) {
			q := p
			q.Box = bytes.Clone(p.Box)
			if c.mut != nil {
				c.mut(&q)
			}
			key := node
			if c.key != nil {
				key = c.key
			}
			msg, err := Open(q, key, fresh)
			if msg != nil {
				t.Fatalf("opened: %q", msg)
			}
			switch want := c.want.(type) {
			case *LowOrderKeyError:
				var e *LowOrderKeyError
				if !errors.As(err, &e) {
					t.Fatalf("got %v, want a LowOrderKeyError", err)
				}
			case *StaleError:
				var e *StaleError
				if !errors.As(err, &e) || !strings.Contains(err.Error(), "created_at") {
					t.Fatalf("got %v, want a StaleError", err)
				}
			default:
				if !errors.Is(err, want) {
					t.Fatalf("got %v, want %v", err, want)
				}
			}
		})
	}
	// The window's edges are inside.
	for _, d := range []time.Duration{-DefaultMaxAge, DefaultMaxSkew} {
		q := seal(t, message, node.Public, client, t0.Add(d))
		if _, err := Open(q, node, fresh); err != nil {
			t.Errorf("created_at now%+v: %v", d, err)
		}
	}
	// A low-order recipient key is refused when sealing too.
	if _, err := Seal(message, [KeySize]byte{1}, client, [RandomSize]byte{}, t0); !errors.As(err, new(*LowOrderKeyError)) {
		t.Errorf("Seal to a low-order key: %v", err)
	}
	if _, err := Seal(message, node.Public, client, [RandomSize]byte{}, time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("Seal before 1970: no error")
	}
	if _, err := Seal(message[:MinMessageSize-1], node.Public, client, [RandomSize]byte{}, t0); !errors.Is(err, ErrShortMessage) {
		t.Errorf("Seal of %d bytes: %v", MinMessageSize-1, err)
	}
}

func TestKeyringOpen(t *testing.T) {
	client1, client2, node1, node2 := mustKeyPair(t), mustKeyPair(t), mustKeyPair(t), mustKeyPair(t)
	kr := Keyring{}
	for _, c := range []struct{ mine, node *KeyPair }{{client1, node1}, {client2, node2}} {
		ch, err := NewChannel(c.mine, c.node.Public)
		if err != nil {
			t.Fatal(err)
		}
		kr.Add(ch)
	}
	answer := seal(t, message, client2.Public, node2, t0)
	if msg, err := kr.Open(answer, at(t0)); err != nil || !bytes.Equal(msg, message) {
		t.Fatalf("Keyring.Open: %q %v", msg, err)
	}
	stranger := mustKeyPair(t)
	answer = seal(t, message, client1.Public, stranger, t0)
	var unk *UnknownKeyError
	if _, err := kr.Open(answer, at(t0)); !errors.As(err, &unk) || unk.Key != stranger.Public || !strings.Contains(err.Error(), stranger.PublicHex()) {
		t.Fatalf("unknown verification key: %v", err)
	}
}

func TestReplayGuard(t *testing.T) {
	client, node := mustKeyPair(t), mustKeyPair(t)
	now := t0
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	g := NewReplayGuard(Freshness{Now: clock}, 3)

	p := seal(t, message, node.Public, client, t0)
	if _, err := gOpen(g, p, node); err != nil {
		t.Fatal(err)
	}
	if _, err := gOpen(g, p, node); !errors.Is(err, ErrReplay) {
		t.Fatalf("replay: %v", err)
	}
	// The same box under other created_at milliseconds is the same request.
	q := p
	q.CreatedAt = p.CreatedAt.Truncate(time.Second).Add(999 * time.Millisecond)
	if _, err := gOpen(g, q, node); !errors.Is(err, ErrReplay) {
		t.Fatalf("replay with other milliseconds: %v", err)
	}
	// Junk is not remembered.
	bad := p
	bad.Box = bytes.Clone(p.Box)
	bad.Box[20] ^= 1
	if _, err := gOpen(g, bad, node); !errors.Is(err, ErrDecrypt) || g.Len() != 1 {
		t.Fatalf("junk: %v, %d remembered", err, g.Len())
	}
	// Full: refuse rather than forget.
	for range 2 {
		if _, err := gOpen(g, seal(t, message, node.Public, client, now), node); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := gOpen(g, seal(t, message, node.Public, client, now), node); !errors.Is(err, ErrReplayFull) {
		t.Fatalf("full guard: %v", err)
	}
	// Once the window has passed, the old box is forgotten and refused as stale.
	advance(DefaultMaxAge + DefaultMaxSkew + time.Millisecond)
	if _, err := gOpen(g, p, node); !errors.As(err, new(*StaleError)) {
		t.Fatalf("old replay: %v", err)
	}
	if _, err := gOpen(g, seal(t, message, node.Public, client, clock()), node); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if g.Len() != 1 {
		t.Errorf("%d boxes remembered after expiry, want 1", g.Len())
	}
}

// A box sealed in the future (within the skew) stays remembered until it
// is too old, so it cannot be replayed in between.
func TestReplayGuardFutureBox(t *testing.T) {
	client, node := mustKeyPair(t), mustKeyPair(t)
	now := t0
	g := NewReplayGuard(Freshness{Now: func() time.Time { return now }}, 0)
	p := seal(t, message, node.Public, client, t0.Add(DefaultMaxSkew))
	if _, err := gOpen(g, p, node); err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{time.Minute, DefaultMaxAge, DefaultMaxAge + DefaultMaxSkew} {
		now = t0.Add(d)
		if _, err := gOpen(g, p, node); !errors.Is(err, ErrReplay) {
			t.Fatalf("replay at +%v: %v", d, err)
		}
	}
	now = t0.Add(DefaultMaxAge + DefaultMaxSkew + time.Millisecond)
	if _, err := gOpen(g, p, node); !errors.As(err, new(*StaleError)) {
		t.Fatalf("after the window: %v", err)
	}
}

// gOpen is g.Open without the channel.
func gOpen(g *ReplayGuard, p Payload, kp *KeyPair) ([]byte, error) {
	msg, _, err := g.Open(p, kp)
	return msg, err
}

// A channel seals and opens with one shared key, as Seal and Open do.
func TestChannel(t *testing.T) {
	client, node, other := mustKeyPair(t), mustKeyPair(t), mustKeyPair(t)
	g := NewReplayGuard(at(t0), 0)
	req, err := NewChannel(client, node.Public)
	if err != nil {
		t.Fatal(err)
	}
	p, err := req.Seal(message, [RandomSize]byte{7}, t0)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Seal(message, node.Public, client, [RandomSize]byte{7}, t0)
	if !bytes.Equal(p.JSON(), want.JSON()) {
		t.Fatal("Channel.Seal differs from Seal")
	}
	msg, back, err := g.Open(p, node)
	if err != nil || !bytes.Equal(msg, message) || back.Peer() != client.Public {
		t.Fatalf("guard Open: %v", err)
	}
	answer, err := back.Seal(message, [RandomSize]byte{8}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := req.Open(answer, at(t0)); err != nil || !bytes.Equal(got, message) {
		t.Fatalf("Channel.Open: %v", err)
	}
	if got, err := Open(answer, client, at(t0)); err != nil || !bytes.Equal(got, message) {
		t.Fatalf("Open of a channel's box: %v", err)
	}
	// A channel opens only its peer's payloads.
	fromOther, _ := Seal(message, client.Public, other, [RandomSize]byte{9}, t0)
	if _, err := req.Open(fromOther, at(t0)); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("payload from another sender: %v", err)
	}
	if _, err := NewChannel(client, [KeySize]byte{}); !errors.As(err, new(*LowOrderKeyError)) {
		t.Fatalf("low-order peer: %v", err)
	}
}

// The guard keeps the channels of recent senders, per recipient.
func TestReplayGuardKeepsChannels(t *testing.T) {
	client, node, node2 := mustKeyPair(t), mustKeyPair(t), mustKeyPair(t)
	g := NewReplayGuard(at(t0), 0)
	_, c1, err := g.Open(seal(t, message, node.Public, client, t0), node)
	if err != nil {
		t.Fatal(err)
	}
	_, c2, err := g.Open(seal(t, message, node.Public, client, t0), node)
	if err != nil || c1 != c2 {
		t.Fatalf("second request from the same key: %v, same channel %v", err, c1 == c2)
	}
	_, c3, err := g.Open(seal(t, message, node2.Public, client, t0), node2)
	if err != nil || c3 == c1 || c3.mine != node2 {
		t.Fatalf("another recipient: %v", err)
	}
	for range channelCacheSize + 10 {
		if _, _, err := g.Open(seal(t, message, node.Public, mustKeyPair(t), t0), node); err != nil {
			t.Fatal(err)
		}
	}
	if len(g.channels) > channelCacheSize {
		t.Fatalf("%d channels kept", len(g.channels))
	}
}
