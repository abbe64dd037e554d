package sessionkey

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
)

// ErrWeakPublicKey is returned for a public key that is the encoding of a
// point of small order (the identity and the other seven torsion points).
// With such a key the signature R = the same point, s = 0 verifies for every
// message, so a delegation to it would be usable by anyone.
var ErrWeakPublicKey = errors.New("sessionkey: the public key is a point of small order, for which any message verifies; generate a new session key")

// ErrNonCanonicalPublicKey is returned for a public key whose encoding is
// not the canonical one of its point (y ≥ 2^255−19, or x = 0 with the sign
// bit set). Two encodings of one key would name two different sessions.
var ErrNonCanonicalPublicKey = errors.New("sessionkey: the public key is not a canonical Ed25519 point encoding; generate a new session key")

// smallOrder lists the canonical encodings of the eight points of order
// 1, 2, 4 and 8, and the two sign-bit variants of the points with x = 0,
// which RFC 8032 decoding refuses but Go's crypto/ed25519 accepts.
var smallOrder = [...]string{
	"0100000000000000000000000000000000000000000000000000000000000000", // identity (0, 1), order 1
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // (0, −1), order 2
	"0000000000000000000000000000000000000000000000000000000000000000", // y = 0, order 4
	"0000000000000000000000000000000000000000000000000000000000000080", // y = 0, x negative, order 4
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8
	"0100000000000000000000000000000000000000000000000000000000000080", // identity with the sign bit set
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // (0, −1) with the sign bit set
}

// CheckPublicKey refuses public keys that must never name a session: a
// length other than 32 bytes, a non-canonical encoding, or a point of small
// order. Keys made by Generate and FromSeed always pass.
func CheckPublicKey(pub []byte) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("sessionkey: a public key is %d bytes (64 hex characters), got %d", ed25519.PublicKeySize, len(pub))
	}
	h := hex.EncodeToString(pub)
	for _, w := range smallOrder {
		if h == w {
			return ErrWeakPublicKey
		}
	}
	// y is the little-endian value of the 255 low bits; canonical means
	// y < p = 2^255 − 19, whose encoding is ed ff … ff 7f.
	if pub[31]&0x7f == 0x7f && pub[0] >= 0xed {
		allFF := true
		for _, b := range pub[1:31] {
			allFF = allFF && b == 0xff
		}
		if allFF {
			return ErrNonCanonicalPublicKey
		}
	}
	return nil
}

// ParsePublicKey decodes a session public key written as Lit writes it: 64
// lower-case hex characters, a canonical Ed25519 point that is not of
// small order. Lower case only, because the key is compared and keyed as
// text (the session key URI, the signedMessage's sessionKey, caches).
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	if len(s) != 2*ed25519.PublicKeySize {
		return nil, fmt.Errorf("sessionkey: a public key is 64 hex characters, got %d", len(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return nil, fmt.Errorf("sessionkey: a public key is 64 lower-case hex characters; found %q at position %d", c, i)
		}
	}
	pub, _ := hex.DecodeString(s)
	if err := CheckPublicKey(pub); err != nil {
		return nil, err
	}
	return pub, nil
}
