// Package pkpsig implements the ECDSA signatures of Lit's pkpSign flow:
// secp256k1 ("K256") signatures whose s value is split into additive shares,
// one per node.
//
// Every node returns the same presignature point R (bigR, 33-byte compressed
// SEC1) and its own 32-byte big-endian share sᵢ. The client computes
// r = x(R) mod n and s = Σ sᵢ mod n, normalises s to the lower half of the
// group order, and takes the recovery id from the parity of R's y.
//
// The node side ([NewSigningSession], [DeterministicSigningSession]) is meant
// for a devnet emulator that holds the PKP key itself: it computes an
// ordinary ECDSA signature and splits s, with no MPC. Its arithmetic uses
// math/big and is not constant time.
package pkpsig

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/ethereum/go-ethereum/crypto"
)

// Sizes of the encodings, in bytes.
const (
	ScalarSize = 32 // big-endian scalar modulo the group order: a share, r, s
	PointSize  = 33 // compressed SEC1 point: 0x02 or 0x03 || x
	DigestSize = 32 // the signed digest (toSign); it is not hashed again
)

var (
	curveN     = crypto.S256().Params().N
	curveHalfN = new(big.Int).Rsh(curveN, 1)
)

// Session is what the nodes return for one pkpSign request: every node
// sends BigR and its own entry of Shares, whose sum modulo the group order
// is the s of an ECDSA signature (r = x(BigR)) of the digest.
type Session struct {
	BigR   [PointSize]byte
	Shares [][ScalarSize]byte
}

// NewSigningSession signs digest with the 32-byte secp256k1 private key
// privKey and splits s into n additive shares, drawing the nonce and the
// shares from rand (crypto/rand.Reader if nil).
//
// rand is consumed in order: the nonce k, then shares 1..n-1 (share n makes
// up the sum), each read as 32-byte big-endian candidates of which zero and
// values not below the group order are skipped. s is not normalised; the
// client does that.
func NewSigningSession(privKey []byte, digest [DigestSize]byte, n int, rand io.Reader) (*Session, error) {
	d, err := parsePrivateKey(privKey)
	if err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("pkpsig: cannot split a signature into %d shares; need at least 1 (one per node)", n)
	}
	z := new(big.Int).SetBytes(digest[:])

	var sess Session
	var s *big.Int
	for s == nil {
		k, err := randomScalar(rand)
		if err != nil {
			return nil, err
		}
		rx, ry := crypto.S256().ScalarBaseMult(k.FillBytes(make([]byte, ScalarSize)))
		r := new(big.Int).Mod(rx, curveN)
		if r.Sign() == 0 {
			continue
		}
		// s = k⁻¹(z + r·d) mod n
		s = new(big.Int).Mul(r, d)
		s.Add(s, z)
		s.Mul(s, new(big.Int).ModInverse(k, curveN))
		s.Mod(s, curveN)
		if s.Sign() == 0 {
			s = nil
			continue
		}
		sess.BigR[0] = 0x02 | byte(ry.Bit(0))
		rx.FillBytes(sess.BigR[1:])
	}

	sess.Shares = make([][ScalarSize]byte, n)
	last := new(big.Int).Set(s)
	for i := range n - 1 {
		share, err := randomScalar(rand)
		if err != nil {
			return nil, err
		}
		share.FillBytes(sess.Shares[i][:])
		last.Sub(last, share)
	}
	last.Mod(last, curveN).FillBytes(sess.Shares[n-1][:])
	return &sess, nil
}

func parsePrivateKey(b []byte) (*big.Int, error) {
	if len(b) != ScalarSize {
		return nil, fmt.Errorf("pkpsig: private key is %d bytes, want %d (a big-endian secp256k1 scalar)", len(b), ScalarSize)
	}
	d := new(big.Int).SetBytes(b)
	if d.Sign() == 0 || d.Cmp(curveN) >= 0 {
		return nil, errors.New("pkpsig: private key is zero or not below the secp256k1 group order; it is not a valid key")
	}
	return d, nil
}

// randomScalar draws a uniform scalar in [1, n) by rejection sampling
// 32-byte big-endian candidates from r.
func randomScalar(r io.Reader) (*big.Int, error) {
	if r == nil {
		r = rand.Reader
	}
	var buf [ScalarSize]byte
	for {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return nil, fmt.Errorf("pkpsig: reading randomness: %w", err)
		}
		x := new(big.Int).SetBytes(buf[:])
		if x.Sign() != 0 && x.Cmp(curveN) < 0 {
			return x, nil
		}
	}
}
