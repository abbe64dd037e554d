package bls

import (
	"encoding/hex"
	"errors"
	"fmt"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// IdentifierSize is the size of a naga share identifier: a scalar modulo
// the group order, 32 bytes little-endian.
const IdentifierSize = 32

// NagaShare is a naga (v8) signature share as nodes send it in
// signatureShare.ProofOfPossession:
//
//	{"identifier":"<64 hex: little-endian scalar>","value":"<192 hex: compressed G2>"}
//
// Both are lowercase hex without "0x". Value is share·H(m) for the Shamir
// share whose x coordinate is the identifier.
type NagaShare struct {
	Identifier string `json:"identifier"`
	Value      string `json:"value"`
}

// Identifier returns the naga identifier of the share: its ID as a 32-byte
// little-endian scalar (ID 1 is 01 00 … 00).
func (s KeyShare) Identifier() [IdentifierSize]byte {
	var b [IdentifierSize]byte
	b[0] = s.ID
	return b
}

// SignShareNaga returns the naga signature share of msg for share:
// identifier = share.Identifier(), value = share.Key·H(msg).
func SignShareNaga(share KeyShare, msg []byte) NagaShare {
	id := share.Identifier()
	return NagaShare{Identifier: hex.EncodeToString(id[:]), Value: hex.EncodeToString(Sign(share.Key, msg))}
}

// CombineNagaShares combines naga signature shares into the 96-byte
// compressed signature by Lagrange interpolation at zero, with each
// identifier read as a little-endian scalar, as the SDK's blsCombine does.
// Order does not matter.
//
// It needs at least two shares and refuses, as the identifiers key the
// interpolation: hex that is not exactly 64 (identifier) or 192 (value)
// lowercase characters, an identifier that is zero or not below the group
// order, a repeated identifier, and invalid points.
func CombineNagaShares(shares []NagaShare) ([]byte, error) {
	if len(shares) < 2 {
		return nil, fmt.Errorf("bls: combining needs at least 2 signature shares, got %d; collect shares from more nodes", len(shares))
	}
	xs := make([]fr.Element, len(shares))
	points := make([]bls12381.G2Affine, len(shares))
	seen := make(map[fr.Element]int, len(shares))
	for i, s := range shares {
		x, err := ParseNagaIdentifier(s.Identifier)
		if err != nil {
			return nil, fmt.Errorf("%w (signature share %d)", err, i)
		}
		if j, ok := seen[x]; ok {
			return nil, fmt.Errorf("bls: signature share %d repeats the identifier of share %d; each node's share must have its own identifier", i, j)
		}
		seen[x] = i
		v, err := lowerHex(fmt.Sprintf("signature share %d value", i), s.Value, SignatureSize)
		if err != nil {
			return nil, err
		}
		p, err := decodeG2(fmt.Sprintf("signature share %d value", i), v)
		if err != nil {
			return nil, err
		}
		xs[i], points[i] = x, p
	}
	return interpolateG2(xs, points)
}

// ParseNagaIdentifier reads a naga share identifier: 64 lowercase hex
// characters of a little-endian scalar that is non-zero and below the
// group order.
func ParseNagaIdentifier(s string) (fr.Element, error) {
	var x fr.Element
	b, err := lowerHex("identifier", s, IdentifierSize)
	if err != nil {
		return x, err
	}
	var be [IdentifierSize]byte
	for i := range b {
		be[IdentifierSize-1-i] = b[i]
	}
	if err := x.SetBytesCanonical(be[:]); err != nil {
		return x, fmt.Errorf("bls: identifier %s is not below the BLS12-381 group order; it must be a little-endian scalar", s)
	}
	if x.IsZero() {
		return x, errors.New("bls: identifier is zero; share identifiers are never zero")
	}
	return x, nil
}

// lowerHex decodes exactly size bytes from lowercase hex without a prefix.
func lowerHex(what, s string, size int) ([]byte, error) {
	if len(s) != 2*size {
		return nil, fmt.Errorf("bls: %s is %d hex characters, want %d", what, len(s), 2*size)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return nil, fmt.Errorf("bls: %s is not lowercase hex (character %d is %q)", what, i, c)
		}
	}
	return hex.DecodeString(s)
}
