package bls

import (
	"errors"
	"fmt"
	"io"
	"math/big"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// MaxShares is the largest number of shares: identifiers are one byte and
// never zero.
const MaxShares = 255

// KeyShare is one Shamir share of a secret key: Key = f(ID) for the sharing
// polynomial f, with f(0) the shared secret. ID is never zero.
type KeyShare struct {
	ID  byte
	Key *SecretKey
}

// SplitSecret splits sk into n shares with identifiers 1..n, any threshold
// of which determine sk: it draws a polynomial f of degree threshold-1 with
// f(0) = sk and returns f(1)..f(n). It needs 1 <= threshold <= n <= 255;
// threshold 1 gives every node sk itself. Lit's combiner needs at least two
// signature shares whatever the threshold.
//
// The coefficients a1..a(threshold-1) are read from rand (crypto/rand.Reader
// if nil) in order, each as in [GenerateSecretKey].
func SplitSecret(sk *SecretKey, threshold, n int, rand io.Reader) ([]KeyShare, error) {
	if n < 1 || n > MaxShares {
		return nil, fmt.Errorf("bls: cannot make %d shares: the count must be 1..%d (identifiers are one non-zero byte)", n, MaxShares)
	}
	if threshold < 1 || threshold > n {
		return nil, fmt.Errorf("bls: threshold %d is out of range: it must be 1..%d (the number of shares)", threshold, n)
	}
	coeffs := make([]fr.Element, threshold)
	coeffs[0] = sk.x
	for i := 1; i < threshold; i++ {
		c, err := randomScalar(rand)
		if err != nil {
			return nil, err
		}
		coeffs[i] = c
	}
	shares := make([]KeyShare, n)
	for i := range shares {
		var x, y fr.Element
		x.SetUint64(uint64(i + 1))
		for j := threshold - 1; j >= 0; j-- { // Horner
			y.Mul(&y, &x).Add(&y, &coeffs[j])
		}
		if y.IsZero() {
			return nil, errors.New("bls: the sharing polynomial has a root at a share identifier (probability 2^-250); split again with fresh randomness")
		}
		shares[i] = KeyShare{ID: byte(i + 1), Key: &SecretKey{x: y}}
	}
	return shares, nil
}

// SignShare returns the 97-byte signature share of msg for share:
// the identifier byte followed by the 96-byte compressed G2 point
// share.Key·H(msg). This is the ProofOfPossession value a Lit node returns
// from sign_session_key, hex encoded.
func SignShare(share KeyShare, msg []byte) []byte {
	return append([]byte{share.ID}, Sign(share.Key, msg)...)
}

// CombineShares combines 97-byte signature shares (identifier || compressed
// G2 point) into the 96-byte compressed signature by Lagrange interpolation
// at zero, with the identifier byte as x. Order does not matter; any
// threshold-many shares of one sharing give the same signature.
//
// Like Lit's combiner it needs at least two shares, and rejects identifier
// zero, repeated identifiers, wrong lengths and invalid points.
func CombineShares(shares [][]byte) ([]byte, error) {
	if len(shares) < 2 {
		return nil, fmt.Errorf("bls: combining needs at least 2 signature shares, got %d; collect shares from more nodes", len(shares))
	}
	if len(shares) > MaxShares {
		return nil, fmt.Errorf("bls: got %d signature shares, but there can be at most %d distinct identifiers", len(shares), MaxShares)
	}
	xs := make([]fr.Element, len(shares))
	points := make([]bls12381.G2Affine, len(shares))
	var seen [256]bool
	for i, s := range shares {
		if len(s) != SignatureShareSize {
			return nil, fmt.Errorf("bls: signature share %d is %d bytes, want %d (1-byte identifier || 96-byte G2 point)", i, len(s), SignatureShareSize)
		}
		id := s[0]
		if id == 0 {
			return nil, fmt.Errorf("bls: signature share %d has identifier 0; identifiers start at 1 (shareIndex+1)", i)
		}
		if seen[id] {
			return nil, fmt.Errorf("bls: signature share %d repeats identifier %d; each node's share must have its own identifier", i, id)
		}
		seen[id] = true
		p, err := decodeG2(fmt.Sprintf("signature share %d (identifier %d)", i, id), s[1:])
		if err != nil {
			return nil, err
		}
		xs[i].SetUint64(uint64(id))
		points[i] = p
	}

	return interpolateG2(xs, points)
}

// interpolateG2 returns the compressed point Σ λ_i·points[i], with λ_i the
// Lagrange coefficients at zero for the distinct non-zero xs: the
// signature of the shared key when points[i] is the share of identifier
// xs[i].
func interpolateG2(xs []fr.Element, points []bls12381.G2Affine) ([]byte, error) {
	var acc bls12381.G2Jac
	for i := range points {
		// λ_i = Π_{j≠i} x_j / (x_j − x_i); the x are distinct, so no
		// denominator is zero.
		var num, den fr.Element
		num.SetOne()
		den.SetOne()
		for j := range xs {
			if j == i {
				continue
			}
			var d fr.Element
			num.Mul(&num, &xs[j])
			d.Sub(&xs[j], &xs[i])
			den.Mul(&den, &d)
		}
		var lambda fr.Element
		lambda.Div(&num, &den)
		var term bls12381.G2Jac
		term.FromAffine(&points[i])
		term.ScalarMultiplication(&term, lambda.BigInt(new(big.Int)))
		acc.AddAssign(&term)
	}
	var sig bls12381.G2Affine
	sig.FromJacobian(&acc)
	if sig.IsInfinity() {
		return nil, errors.New("bls: the signature shares combine to the point at infinity; they do not come from one sharing of a key")
	}
	b := sig.Bytes()
	return b[:], nil
}
