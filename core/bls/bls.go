// Package bls implements BLS12-381 signatures as the Lit Protocol network
// uses them for PKP session delegation (the LIT_BLS AuthSig).
//
// The scheme is the "minimal-pubkey-size" variant with the proof-of-possession
// ciphersuite:
//
//   - a secret key is a non-zero scalar modulo the group order r, 32 bytes
//     big-endian;
//   - a public key is a G1 point, 48 bytes in ZCash compressed encoding;
//   - a signature is a G2 point, 96 bytes in ZCash compressed encoding,
//     computed as sk·H(m) with H = hash_to_curve G2 (SSWU, random oracle)
//     and the domain separation tag [DST].
//
// Lit's network key is split with Shamir secret sharing: nodes return
// signature shares (see [SignShare]) that the client combines by Lagrange
// interpolation at zero (see [CombineShares]). The message they sign for a
// session is [SessionDigest] of the SIWE text.
//
// All decoding rejects points that are not on the curve, not in the
// prime-order subgroup, or the point at infinity.
package bls

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// Sizes of the encodings, in bytes.
const (
	SecretKeySize      = 32 // big-endian scalar
	PublicKeySize      = 48 // compressed G1 point
	SignatureSize      = 96 // compressed G2 point
	SignatureShareSize = 97 // 1-byte identifier || compressed G2 point
)

// DST is the hash_to_curve domain separation tag of the proof-of-possession
// ciphersuite, the only one Lit's verifier accepts.
const DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"

// ErrVerification is returned (wrapped) by [Verify] when a well-formed
// signature does not match the public key and message.
var ErrVerification = errors.New("bls: signature does not verify for this public key and message")

// SecretKey is a BLS12-381 secret scalar, non-zero and below the group order.
type SecretKey struct {
	x fr.Element
}

// GenerateSecretKey draws a uniformly random secret key from rand
// (crypto/rand.Reader if rand is nil).
//
// It reads 32-byte big-endian candidates and skips zero and values not below
// the group order, so a reader that yields a valid key first returns exactly
// that key.
func GenerateSecretKey(rand io.Reader) (*SecretKey, error) {
	x, err := randomScalar(rand)
	if err != nil {
		return nil, err
	}
	return &SecretKey{x: x}, nil
}

// NewSecretKey decodes a 32-byte big-endian secret key.
func NewSecretKey(b []byte) (*SecretKey, error) {
	if len(b) != SecretKeySize {
		return nil, fmt.Errorf("bls: secret key is %d bytes, want %d (a big-endian scalar)", len(b), SecretKeySize)
	}
	var sk SecretKey
	if err := sk.x.SetBytesCanonical(b); err != nil {
		return nil, errors.New("bls: secret key is not below the BLS12-381 group order; reduce it or generate a new one")
	}
	if sk.x.IsZero() {
		return nil, errors.New("bls: secret key is zero; generate a new one")
	}
	return &sk, nil
}

// ParseSecretKey decodes a secret key from 64 hex characters, with or without
// a "0x" prefix.
func ParseSecretKey(s string) (*SecretKey, error) {
	b, err := decodeHex("secret key", s, SecretKeySize)
	if err != nil {
		return nil, err
	}
	return NewSecretKey(b)
}

// Bytes returns the 32-byte big-endian encoding of sk.
func (sk *SecretKey) Bytes() []byte {
	b := sk.x.Bytes()
	return b[:]
}

// Hex returns the 64-character lowercase hex encoding of sk, without "0x".
// (It is deliberately not String, so that %v does not print a secret.)
func (sk *SecretKey) Hex() string {
	return hex.EncodeToString(sk.Bytes())
}

func (sk *SecretKey) bigInt() *big.Int {
	return sk.x.BigInt(new(big.Int))
}

// PublicKey is a BLS12-381 public key: a G1 point in the prime-order
// subgroup, never the point at infinity.
type PublicKey struct {
	p bls12381.G1Affine
}

// PublicKeyFromSecret returns sk·G1.
func PublicKeyFromSecret(sk *SecretKey) *PublicKey {
	var pk PublicKey
	pk.p.ScalarMultiplicationBase(sk.bigInt())
	return &pk
}

// NewPublicKey decodes a 48-byte ZCash-compressed G1 public key.
func NewPublicKey(b []byte) (*PublicKey, error) {
	if len(b) != PublicKeySize {
		return nil, fmt.Errorf("bls: public key is %d bytes, want %d (a compressed G1 point)", len(b), PublicKeySize)
	}
	if err := checkCompressedFlags("public key", b[0]); err != nil {
		return nil, err
	}
	var pk PublicKey
	if _, err := pk.p.SetBytes(b); err != nil {
		return nil, fmt.Errorf("bls: public key is not a valid G1 point (%v); check that it is the 48-byte compressed network key", err)
	}
	return &pk, nil
}

// ParsePublicKey decodes a public key from 96 hex characters, with or without
// a "0x" prefix, as found in a node's networkPublicKey or blsRootPubkey.
func ParsePublicKey(s string) (*PublicKey, error) {
	b, err := decodeHex("public key", s, PublicKeySize)
	if err != nil {
		return nil, err
	}
	return NewPublicKey(b)
}

// Bytes returns the 48-byte ZCash-compressed encoding of pk.
func (pk *PublicKey) Bytes() []byte {
	b := pk.p.Bytes()
	return b[:]
}

// Hex returns the 96-character lowercase hex encoding of pk, without "0x".
func (pk *PublicKey) Hex() string {
	return hex.EncodeToString(pk.Bytes())
}

// Equal reports whether pk and other are the same point.
func (pk *PublicKey) Equal(other *PublicKey) bool {
	return pk.p.Equal(&other.p)
}

// Sign returns the 96-byte compressed signature sk·H(msg).
func Sign(sk *SecretKey, msg []byte) []byte {
	h := hashToG2(msg)
	var sig bls12381.G2Affine
	sig.ScalarMultiplication(&h, sk.bigInt())
	b := sig.Bytes()
	return b[:]
}

// Verify checks a 96-byte compressed signature of msg under pk with the
// pairing equation e(pk, H(msg)) = e(G1, sig).
//
// It returns an error wrapping [ErrVerification] if the signature is well
// formed but wrong, and a descriptive error if it is malformed.
func Verify(pk *PublicKey, msg, sig []byte) error {
	s, err := decodeG2("signature", sig)
	if err != nil {
		return err
	}
	h := hashToG2(msg)
	_, _, g1, _ := bls12381.Generators()
	var negG1 bls12381.G1Affine
	negG1.Neg(&g1)
	ok, err := bls12381.PairingCheck([]bls12381.G1Affine{negG1, pk.p}, []bls12381.G2Affine{s, h})
	if err != nil {
		return fmt.Errorf("bls: pairing failed: %v", err)
	}
	if !ok {
		return fmt.Errorf("%w (%d-byte message); check the network public key and that the message is the exact signed digest", ErrVerification, len(msg))
	}
	return nil
}

// hashToG2 is hash_to_curve G2 with the POP DST. HashToG2 only fails for a
// DST longer than 255 bytes, which DST is not.
func hashToG2(msg []byte) bls12381.G2Affine {
	h, err := bls12381.HashToG2(msg, []byte(DST))
	if err != nil {
		panic("bls: hash_to_curve with a fixed DST failed: " + err.Error())
	}
	return h
}

// decodeG2 decodes a 96-byte compressed G2 point in the subgroup, not at
// infinity. what names the value in errors.
func decodeG2(what string, b []byte) (bls12381.G2Affine, error) {
	var p bls12381.G2Affine
	if len(b) != SignatureSize {
		return p, fmt.Errorf("bls: %s is %d bytes, want %d (a compressed G2 point)", what, len(b), SignatureSize)
	}
	if err := checkCompressedFlags(what, b[0]); err != nil {
		return p, err
	}
	if _, err := p.SetBytes(b); err != nil {
		return p, fmt.Errorf("bls: %s is not a valid G2 point (%v)", what, err)
	}
	return p, nil
}

// checkCompressedFlags checks the three ZCash flag bits of a compressed
// point's first byte: compressed set, infinity clear.
func checkCompressedFlags(what string, first byte) error {
	if first&0x80 == 0 {
		return fmt.Errorf("bls: %s does not have the compression flag set; only ZCash compressed points are accepted", what)
	}
	if first&0x40 != 0 {
		return fmt.Errorf("bls: %s is the point at infinity, which is never valid", what)
	}
	return nil
}

// decodeHex decodes exactly size bytes of hex, with an optional "0x" prefix.
func decodeHex(what, s string, size int) ([]byte, error) {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
	}
	if len(s) != 2*size {
		return nil, fmt.Errorf("bls: %s is %d hex characters, want %d", what, len(s), 2*size)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("bls: %s is not valid hex: %v", what, err)
	}
	return b, nil
}

// randomScalar draws a uniform non-zero scalar below the group order by
// rejection sampling 32-byte big-endian candidates from r.
func randomScalar(r io.Reader) (fr.Element, error) {
	if r == nil {
		r = rand.Reader
	}
	var buf [fr.Bytes]byte
	var x fr.Element
	for {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return x, fmt.Errorf("bls: reading randomness: %w", err)
		}
		if x.SetBytesCanonical(buf[:]) == nil && !x.IsZero() {
			return x, nil
		}
	}
}
