package pkpsig

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/crypto"
)

// Signature is a combined pkpSign signature, with the fields and formats of
// the JS SDK's result.
type Signature struct {
	R     string `json:"r"`     // r, 64 lowercase hex characters, no "0x"
	S     string `json:"s"`     // low s, 64 lowercase hex characters, no "0x"
	Recid int    `json:"recid"` // recovery id, 0 or 1
	// Signature is "0x" + r || s || v with v = 27 + Recid (65 bytes, 132
	// characters), as ethers' joinSignature writes it.
	Signature string `json:"signature"`
	// PublicKey is the public key as passed to Combine, lowercase hex
	// without "0x". The SDK copies the nodes' public_key string here.
	PublicKey string `json:"publicKey"`
	// DataSigned is the digest, 64 lowercase hex characters without "0x".
	DataSigned string `json:"dataSigned"`
}

// Combine combines the nodes' additive shares into an ECDSA signature of
// digest, as the SDK does for pkpSign:
//
//   - bigR is the 33-byte compressed presignature point every node returns;
//   - shares are the nodes' 32-byte big-endian scalars, each below the
//     group order (all nodes' shares are needed);
//   - pubKey is the PKP public key, 65-byte uncompressed (0x04 || X || Y) or
//     33-byte compressed;
//   - digest is the 32-byte signed digest.
//
// r = x(bigR) mod n, s = Σ shares mod n, recid = parity of bigR's y; if s is
// above n/2 it is replaced by n - s and recid flipped. The result must verify
// under pubKey and recover to it, or Combine returns an error.
func Combine(bigR []byte, shares [][]byte, pubKey []byte, digest []byte) (*Signature, error) {
	if len(digest) != DigestSize {
		return nil, fmt.Errorf("pkpsig: digest is %d bytes, want %d; pkpSign signs a 32-byte hash, not a message", len(digest), DigestSize)
	}
	pub, err := uncompressedPublicKey(pubKey)
	if err != nil {
		return nil, err
	}
	if len(bigR) != PointSize {
		return nil, fmt.Errorf("pkpsig: bigR is %d bytes, want %d (a compressed secp256k1 point)", len(bigR), PointSize)
	}
	R, err := crypto.DecompressPubkey(bigR)
	if err != nil {
		return nil, fmt.Errorf("pkpsig: bigR is not a point on secp256k1 (%v); it must be 0x02 or 0x03 followed by a valid x", err)
	}
	r := new(big.Int).Mod(R.X, curveN)
	if r.Sign() == 0 {
		return nil, errors.New("pkpsig: bigR gives r = 0, which is never a valid signature")
	}
	recid := int(R.Y.Bit(0))

	if len(shares) == 0 {
		return nil, errors.New("pkpsig: no signature shares to combine; every node's share is needed")
	}
	s := new(big.Int)
	for i, b := range shares {
		if len(b) != ScalarSize {
			return nil, fmt.Errorf("pkpsig: signature share %d is %d bytes, want %d (a big-endian scalar)", i, len(b), ScalarSize)
		}
		v := new(big.Int).SetBytes(b)
		if v.Cmp(curveN) >= 0 {
			return nil, fmt.Errorf("pkpsig: signature share %d is not below the secp256k1 group order", i)
		}
		s.Add(s, v)
	}
	s.Mod(s, curveN)
	if s.Sign() == 0 {
		return nil, errors.New("pkpsig: the signature shares sum to zero, which is never a valid signature")
	}
	if s.Cmp(curveHalfN) > 0 {
		s.Sub(curveN, s)
		recid ^= 1
	}

	sig := make([]byte, 65)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:64])
	sig[64] = byte(recid)
	if !crypto.VerifySignature(pub, digest, sig[:64]) {
		return nil, errors.New("pkpsig: the combined signature does not verify under the public key; the shares or bigR were made for another key or digest, or a node's share is missing or wrong")
	}
	if rec, err := crypto.Ecrecover(digest, sig); err != nil || !bytes.Equal(rec, pub) {
		return nil, errors.New("pkpsig: the combined signature verifies but does not recover to the public key with the recovery id from bigR; bigR's parity byte is wrong")
	}
	sig[64] += 27
	return &Signature{
		R:          hex.EncodeToString(sig[:32]),
		S:          hex.EncodeToString(sig[32:64]),
		Recid:      recid,
		Signature:  "0x" + hex.EncodeToString(sig),
		PublicKey:  hex.EncodeToString(pubKey),
		DataSigned: hex.EncodeToString(digest),
	}, nil
}

// uncompressedPublicKey checks a 65-byte uncompressed or 33-byte compressed
// secp256k1 public key and returns it uncompressed.
func uncompressedPublicKey(b []byte) ([]byte, error) {
	switch {
	case len(b) == 65 && b[0] == 0x04:
		if _, err := crypto.UnmarshalPubkey(b); err != nil {
			return nil, fmt.Errorf("pkpsig: public key is not a point on secp256k1 (%v)", err)
		}
		return b, nil
	case len(b) == PointSize && (b[0] == 0x02 || b[0] == 0x03):
		k, err := crypto.DecompressPubkey(b)
		if err != nil {
			return nil, fmt.Errorf("pkpsig: public key is not a point on secp256k1 (%v)", err)
		}
		return crypto.FromECDSAPub(k), nil
	case len(b) == 0:
		return nil, errors.New("pkpsig: public key is empty; pass the PKP public key (65 bytes starting 04, or 33 starting 02/03)")
	default:
		return nil, fmt.Errorf("pkpsig: public key is %d bytes with prefix %02x; want 65 bytes starting 04 (uncompressed) or 33 starting 02/03 (compressed)", len(b), b[0])
	}
}
