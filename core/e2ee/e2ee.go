// Package e2ee is the end-to-end encryption of naga (Lit v8) node
// requests and answers, byte-compatible with the official client's
// walletEncrypt and walletDecrypt.
//
// A sender S seals a message to a recipient R's X25519 key (nacl box):
//
//	AAD    = 0x01 ‖ random(16) ‖ ts(8, big-endian) ‖ R_pub(32) ‖ S_pub(32)   (89 bytes)
//	nonce  = SHA-512(AAD)[:24]
//	box    = nacl box(msg, nonce, R_pub, S_secret)                          (tag(16) ‖ ct)
//	wire   = hex(16 zero bytes ‖ box)
//
// where ts is created_at in whole seconds (floor) and created_at is sent
// as JavaScript's Date.toISOString writes it (milliseconds, UTC, "Z").
// The payload carries S_pub as verification_key, so the recipient can
// rebuild the AAD. The AAD only feeds the nonce; the box authenticates the
// message alone.
//
// The official decryptor strips the 16-byte prefix only when the wire
// ciphertext is at least 83 bytes, so Seal refuses messages shorter than
// MinMessageSize (every real request and answer is longer). Open requires
// the prefix, checks created_at against a freshness window, and refuses
// low-order public keys.
//
// The package has no I/O and no encoding/json: it runs natively and as
// GOOS=js GOARCH=wasm.
package e2ee

import (
	"crypto/rand"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/nacl/secretbox"
	"golang.org/x/crypto/salsa20/salsa"
)

// Sizes of the wire format.
const (
	KeySize        = 32                                      // an X25519 public or secret key
	RandomSize     = 16                                      // the random field
	AADSize        = 1 + RandomSize + 8 + 2*KeySize          // 89
	NonceSize      = 24                                      // the box nonce: the first bytes of SHA-512(AAD)
	PrefixSize     = 16                                      // zero bytes before the box on the wire
	Overhead       = secretbox.Overhead                      // the Poly1305 tag at the front of the box
	MinMessageSize = officialStripAt - PrefixSize - Overhead // 51
)

// officialStripAt is the wire ciphertext length from which the official
// walletDecrypt strips the 16-byte prefix; shorter ones it opens as they
// are, and fails.
const officialStripAt = 83

// aadVersion is the first AAD byte, and Version the payload version.
const (
	aadVersion = 0x01
	Version    = "1"
)

// KeyPair is an X25519 key pair, as nacl.box.keyPair makes. Its String
// shows only the public key, so printing a KeyPair never leaks the secret.
type KeyPair struct {
	Public [KeySize]byte
	secret [KeySize]byte
}

// GenerateKeyPair returns a new random key pair.
func GenerateKeyPair() (*KeyPair, error) {
	var s [KeySize]byte
	if _, err := rand.Read(s[:]); err != nil {
		return nil, fmt.Errorf("e2ee: cannot draw a secret key: %w", err)
	}
	return NewKeyPair(s), nil
}

// NewKeyPair returns the key pair of secret, as
// nacl.box.keyPair.fromSecretKey does (the public key is secret·basepoint,
// with X25519 clamping).
func NewKeyPair(secret [KeySize]byte) *KeyPair {
	kp := &KeyPair{secret: secret}
	pub, err := curve25519.X25519(secret[:], curve25519.Basepoint)
	if err != nil {
		// X25519 with the basepoint never yields the zero point.
		panic("e2ee: X25519 with the basepoint failed: " + err.Error())
	}
	copy(kp.Public[:], pub)
	return kp
}

// PublicHex is the public key as the wire writes it: 64 lowercase hex
// digits, no 0x.
func (kp *KeyPair) PublicHex() string { return hex.EncodeToString(kp.Public[:]) }

func (kp *KeyPair) String() string { return "e2ee.KeyPair{Public: " + kp.PublicHex() + "}" }

// ErrDecrypt is returned by Open when the box does not open: the payload
// was sealed to another key, or it was changed on the way.
var ErrDecrypt = errors.New("e2ee: the ciphertext does not open with this key pair: it was sealed to another key or changed on the way")

// ErrShortMessage is returned by Seal for a message shorter than
// MinMessageSize, which the official client could not open.
var ErrShortMessage = fmt.Errorf("e2ee: the message is shorter than %d bytes; the official client's walletDecrypt cannot open it (it strips the 16-byte prefix only from ciphertexts of %d bytes or more)", MinMessageSize, officialStripAt)

// LowOrderKeyError reports a public key whose shared secret is zero: a
// box to or from it would be readable by anyone.
type LowOrderKeyError struct{ Key [KeySize]byte }

func (e *LowOrderKeyError) Error() string {
	return "e2ee: public key " + hex.EncodeToString(e.Key[:]) + " is a low-order X25519 point; use a key made by nacl.box.keyPair"
}

// aad builds the 89-byte AAD: recipient first, then sender.
func aad(random [RandomSize]byte, ts uint64, recipient, sender *[KeySize]byte) [AADSize]byte {
	var a [AADSize]byte
	a[0] = aadVersion
	copy(a[1:], random[:])
	binary.BigEndian.PutUint64(a[1+RandomSize:], ts)
	copy(a[1+RandomSize+8:], recipient[:])
	copy(a[1+RandomSize+8+KeySize:], sender[:])
	return a
}

// nonce is SHA-512(AAD)[:24].
func nonce(random [RandomSize]byte, ts uint64, recipient, sender *[KeySize]byte) *[NonceSize]byte {
	a := aad(random, ts, recipient, sender)
	h := sha512.Sum512(a[:])
	return (*[NonceSize]byte)(h[:NonceSize])
}

// sharedKey is box.Precompute's key, refusing low-order peer keys (X25519
// returns an error when the shared point is zero).
func sharedKey(secret, peer *[KeySize]byte) (*[KeySize]byte, error) {
	s, err := curve25519.X25519(secret[:], peer[:])
	if err != nil {
		return nil, &LowOrderKeyError{Key: *peer}
	}
	var k [KeySize]byte
	salsa.HSalsa20(&k, new([16]byte), (*[KeySize]byte)(s), &salsa.Sigma)
	return &k, nil
}

// Seal encrypts msg from sender to recipient with the given random bytes
// and creation time, which is cut to whole milliseconds (the precision of
// created_at). Callers draw random with NewRandom and pass the current
// time; fixed values are for tests.
func Seal(msg []byte, recipient [KeySize]byte, sender *KeyPair, random [RandomSize]byte, createdAt time.Time) (Payload, error) {
	if len(msg) < MinMessageSize {
		return Payload{}, ErrShortMessage // before the X25519 work
	}
	c, err := NewChannel(sender, recipient)
	if err != nil {
		return Payload{}, err
	}
	return c.Seal(msg, random, createdAt)
}

// NewRandom draws the 16 random bytes of a payload.
func NewRandom() ([RandomSize]byte, error) {
	var r [RandomSize]byte
	if _, err := rand.Read(r[:]); err != nil {
		return r, fmt.Errorf("e2ee: cannot draw random bytes: %w", err)
	}
	return r, nil
}

// Open decrypts p, sealed to recipient, after checking that p.CreatedAt
// is within f's window. Errors: *StaleError, *LowOrderKeyError, ErrDecrypt.
func Open(p Payload, recipient *KeyPair, f Freshness) ([]byte, error) {
	msg, _, err := openChannel(p, recipient, f)
	return msg, err
}

// openChannel opens p and returns the channel to its sender, to seal the
// answer with.
func openChannel(p Payload, recipient *KeyPair, f Freshness) ([]byte, *Channel, error) {
	if err := f.Check(p.CreatedAt); err != nil {
		return nil, nil, err
	}
	c, err := NewChannel(recipient, p.VerificationKey)
	if err != nil {
		return nil, nil, err
	}
	msg, err := c.open(p)
	if err != nil {
		return nil, nil, err
	}
	return msg, c, nil
}

// Channel is one key pair and one peer key with their shared key, so that
// opening a request and sealing its answer (or sealing a request and
// opening its answer) costs one X25519 operation, not two.
type Channel struct {
	mine *KeyPair
	peer [KeySize]byte
	key  *[KeySize]byte
}

// NewChannel computes the shared key of mine and peer, refusing a
// low-order peer key.
func NewChannel(mine *KeyPair, peer [KeySize]byte) (*Channel, error) {
	k, err := sharedKey(&mine.secret, &peer)
	if err != nil {
		return nil, err
	}
	return &Channel{mine: mine, peer: peer, key: k}, nil
}

// Peer returns the peer's public key.
func (c *Channel) Peer() [KeySize]byte { return c.peer }

// Seal is Seal from c's key pair to its peer.
func (c *Channel) Seal(msg []byte, random [RandomSize]byte, createdAt time.Time) (Payload, error) {
	if len(msg) < MinMessageSize {
		return Payload{}, ErrShortMessage
	}
	createdAt = time.UnixMilli(createdAt.UnixMilli()).UTC()
	if err := checkCreatedAtRange(createdAt); err != nil {
		return Payload{}, err
	}
	n := nonce(random, uint64(createdAt.Unix()), &c.peer, &c.mine.Public)
	return Payload{
		VerificationKey: c.mine.Public,
		Random:          random,
		CreatedAt:       createdAt,
		Box:             secretbox.Seal(nil, msg, n, c.key),
	}, nil
}

// Open is Open of a payload from c's peer to c's key pair; a payload from
// another sender is ErrDecrypt.
func (c *Channel) Open(p Payload, f Freshness) ([]byte, error) {
	if err := f.Check(p.CreatedAt); err != nil {
		return nil, err
	}
	return c.open(p)
}

func (c *Channel) open(p Payload) ([]byte, error) {
	if p.VerificationKey != c.peer {
		return nil, ErrDecrypt
	}
	n := nonce(p.Random, uint64(p.CreatedAt.Unix()), &c.mine.Public, &c.peer)
	msg, ok := secretbox.Open(nil, p.Box, n, c.key)
	if !ok {
		return nil, ErrDecrypt
	}
	return msg, nil
}

// Keyring holds a client's channels by the public key of the node each
// leads to: an answer's verification_key is the node's key, and selects
// the channel (the client key pair) it was sealed with.
type Keyring map[[KeySize]byte]*Channel

// Add adds c under its peer's key.
func (kr Keyring) Add(c *Channel) { kr[c.peer] = c }

// UnknownKeyError reports an answer whose verification_key is not a key
// the client sealed a request to.
type UnknownKeyError struct{ Key [KeySize]byte }

func (e *UnknownKeyError) Error() string {
	return "e2ee: no key pair for verification key " + hex.EncodeToString(e.Key[:]) + "; the answer comes from a node this client did not send the request to (handshake again)"
}

// Open finds the channel for p.VerificationKey and opens p with it.
// Errors: *UnknownKeyError, and those of Open.
func (kr Keyring) Open(p Payload, f Freshness) ([]byte, error) {
	c := kr[p.VerificationKey]
	if c == nil {
		return nil, &UnknownKeyError{Key: p.VerificationKey}
	}
	return c.Open(p, f)
}
