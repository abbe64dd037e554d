package pkpsig

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/internal/testvec"
)

func randomKey(t *testing.T) (priv, pub []byte) {
	t.Helper()
	k, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return crypto.FromECDSA(k), crypto.FromECDSAPub(&k.PublicKey)
}

func randomDigest(t *testing.T) [32]byte {
	var d [32]byte
	if _, err := rand.Read(d[:]); err != nil {
		t.Fatal(err)
	}
	return d
}

func shareSlices(s *Session) [][]byte {
	out := make([][]byte, len(s.Shares))
	for i := range s.Shares {
		out[i] = s.Shares[i][:]
	}
	return out
}

// TestRoundTrips signs random digests with random keys and share counts
// until both the low-s and the high-s (negated, recid flipped) paths of
// Combine have been taken, and checks each result against the raw session.
func TestRoundTrips(t *testing.T) {
	seenHigh, seenLow := 0, 0
	for i := 0; i < 200 && (seenHigh < 3 || seenLow < 3); i++ {
		priv, pub := randomKey(t)
		digest := randomDigest(t)
		n := 1 + i%5
		sess, err := NewSigningSession(priv, digest, n, nil)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := Combine(sess.BigR[:], shareSlices(sess), pub, digest[:])
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}

		rawS := new(big.Int)
		for _, s := range sess.Shares {
			rawS.Add(rawS, new(big.Int).SetBytes(s[:]))
		}
		rawS.Mod(rawS, curveN)
		parity := int(sess.BigR[0] & 1)
		wantS, wantRecid := rawS, parity
		if rawS.Cmp(curveHalfN) > 0 {
			seenHigh++
			wantS, wantRecid = new(big.Int).Sub(curveN, rawS), parity^1
		} else {
			seenLow++
		}
		if sig.S != hex.EncodeToString(wantS.FillBytes(make([]byte, 32))) || sig.Recid != wantRecid {
			t.Fatalf("s/recid: got %s/%d, want %x/%d", sig.S, sig.Recid, wantS, wantRecid)
		}
		if sig.R != hex.EncodeToString(sess.BigR[1:]) {
			t.Fatalf("r: got %s, want x(bigR) %x", sig.R, sess.BigR[1:])
		}

		// The joined signature recovers with go-ethereum (v - 27).
		joined, _ := hex.DecodeString(strings.TrimPrefix(sig.Signature, "0x"))
		if len(joined) != 65 || joined[64] != byte(27+sig.Recid) {
			t.Fatalf("signature %s: wrong length or v", sig.Signature)
		}
		joined[64] -= 27
		rec, err := crypto.Ecrecover(digest[:], joined)
		if err != nil || !bytes.Equal(rec, pub) {
			t.Fatalf("Ecrecover: %x, %v", rec, err)
		}
	}
	if seenHigh < 3 || seenLow < 3 {
		t.Fatalf("saw %d high-s and %d low-s sessions in 200 tries", seenHigh, seenLow)
	}
}

func TestDeterministicSigningSession(t *testing.T) {
	priv, pub := randomKey(t)
	digest := randomDigest(t)
	a, err := DeterministicSigningSession(priv, "req-1", digest, 3)
	if err != nil {
		t.Fatal(err)
	}
	b, err := DeterministicSigningSession(priv, "req-1", digest, 3)
	if err != nil {
		t.Fatal(err)
	}
	if a.BigR != b.BigR || !equalShares(a, b) {
		t.Fatal("two nodes computing the same session disagree")
	}
	if _, err := Combine(a.BigR[:], shareSlices(a), pub, digest[:]); err != nil {
		t.Fatal(err)
	}

	otherReq, _ := DeterministicSigningSession(priv, "req-2", digest, 3)
	otherDigest := digest
	otherDigest[0] ^= 1
	otherMsg, _ := DeterministicSigningSession(priv, "req-1", otherDigest, 3)
	otherPriv, _ := randomKey(t)
	otherKey, _ := DeterministicSigningSession(otherPriv, "req-1", digest, 3)
	// A request ID that only moves bytes between the ID and its length.
	shifted, _ := DeterministicSigningSession(priv, "req-1\x00", digest, 3)
	for name, o := range map[string]*Session{"request": otherReq, "digest": otherMsg, "key": otherKey, "shifted": shifted} {
		if o.BigR == a.BigR {
			t.Errorf("another %s reuses the nonce", name)
		}
		if equalShares(o, a) {
			t.Errorf("another %s gives the same shares", name)
		}
	}
	if _, err := Combine(otherMsg.BigR[:], shareSlices(otherMsg), pub, otherDigest[:]); err != nil {
		t.Fatal(err)
	}
	if _, err := DeterministicSigningSession(priv[:31], "r", digest, 3); err == nil {
		t.Error("a 31-byte key was accepted")
	}
}

func equalShares(a, b *Session) bool {
	if len(a.Shares) != len(b.Shares) {
		return false
	}
	for i := range a.Shares {
		if a.Shares[i] != b.Shares[i] {
			return false
		}
	}
	return true
}

func TestNewSigningSessionErrors(t *testing.T) {
	priv, _ := randomKey(t)
	var d [32]byte
	order := curveN.FillBytes(make([]byte, 32))
	for _, tc := range []struct {
		name string
		priv []byte
		n    int
		want string
	}{
		{"short key", priv[:31], 3, "31 bytes, want 32"},
		{"zero key", make([]byte, 32), 3, "zero or not below"},
		{"order key", order, 3, "zero or not below"},
		{"no shares", priv, 0, "need at least 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSigningSession(tc.priv, d, tc.n, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	_, err := NewSigningSession(priv, d, 2, iotest.ErrReader(errors.New("boom")))
	if err == nil || !strings.Contains(err.Error(), "reading randomness: boom") {
		t.Errorf("failing reader: %v", err)
	}
	_, err = NewSigningSession(priv, d, 2, bytes.NewReader(make([]byte, 40)))
	if err == nil || !strings.Contains(err.Error(), "reading randomness") {
		t.Errorf("short reader: %v", err)
	}
}

// notOnCurve returns a compressed encoding whose x has no point on the curve.
func notOnCurve(t *testing.T) []byte {
	for x := byte(1); x < 100; x++ {
		b := make([]byte, 33)
		b[0], b[32] = 0x02, x
		if _, err := crypto.DecompressPubkey(b); err != nil {
			return b
		}
	}
	t.Fatal("no off-curve x found")
	return nil
}

func TestCombineErrors(t *testing.T) {
	v := testvec.LoadECDSA(t)
	bigR, pub, digest := testvec.Hex(t, v.BigR), testvec.Hex(t, v.PublicKey), testvec.Hex(t, v.Digest)
	var shares [][]byte
	for _, s := range v.Shares {
		shares = append(shares, testvec.Hex(t, s))
	}
	_, otherPub := randomKey(t)
	offCurve := notOnCurve(t)
	badPub := append([]byte(nil), pub...)
	badPub[64] ^= 1
	flippedR := append([]byte{bigR[0] ^ 1}, bigR[1:]...)
	uncompressedR := append([]byte{0x04}, bigR[1:]...)
	otherDigest := append([]byte(nil), digest...)
	otherDigest[31] ^= 1
	// Shares summing to zero: s and n - s.
	s0 := shares[0]
	negS0 := new(big.Int).Sub(curveN, new(big.Int).SetBytes(s0)).FillBytes(make([]byte, 32))
	withShares := func(s ...[]byte) [][]byte { return s }

	for _, tc := range []struct {
		name    string
		bigR    []byte
		shares  [][]byte
		pub     []byte
		digest  []byte
		wantErr string
	}{
		{"wrong public key", bigR, shares, otherPub, digest, "does not verify under the public key"},
		{"other digest", bigR, shares, pub, otherDigest, "does not verify"},
		{"missing share", bigR, shares[:2], pub, digest, "does not verify"},
		{"flipped bigR parity", flippedR, shares, pub, digest, "does not recover"},
		{"digest 31 bytes", bigR, shares, pub, digest[:31], "digest is 31 bytes, want 32"},
		{"digest empty", bigR, shares, pub, nil, "digest is 0 bytes"},
		{"bigR empty", nil, shares, pub, digest, "bigR is 0 bytes, want 33"},
		{"bigR uncompressed prefix", uncompressedR, shares, pub, digest, "bigR is not a point"},
		{"bigR not on curve", offCurve, shares, pub, digest, "bigR is not a point on secp256k1"},
		{"no shares", bigR, nil, pub, digest, "no signature shares"},
		{"share 31 bytes", bigR, withShares(shares[0], shares[1][:31], shares[2]), pub, digest, "share 1 is 31 bytes, want 32"},
		{"share 33 bytes", bigR, withShares(append([]byte{0}, shares[0]...)), pub, digest, "share 0 is 33 bytes"},
		{"share not below n", bigR, withShares(shares[0], curveN.FillBytes(make([]byte, 32))), pub, digest, "share 1 is not below"},
		{"shares sum to zero", bigR, withShares(s0, negS0), pub, digest, "sum to zero"},
		{"public key empty", bigR, shares, nil, digest, "public key is empty"},
		{"public key 64 bytes", bigR, shares, pub[1:], digest, "64 bytes with prefix cc"},
		{"public key not on curve", bigR, shares, badPub, digest, "public key is not a point"},
		{"compressed key not on curve", bigR, shares, offCurve, digest, "public key is not a point"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Combine(tc.bigR, tc.shares, tc.pub, tc.digest)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("got %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func FuzzCombine(f *testing.F) {
	v := testvec.LoadECDSA(f)
	bigR, pub, digest := testvec.Hex(f, v.BigR), testvec.Hex(f, v.PublicKey), testvec.Hex(f, v.Digest)
	s := [3][]byte{testvec.Hex(f, v.Shares[0]), testvec.Hex(f, v.Shares[1]), testvec.Hex(f, v.Shares[2])}
	f.Add(bigR, s[0], s[1], s[2], pub, digest)
	f.Add(bigR, s[0], s[1], []byte{}, pub[:33], digest)
	f.Add([]byte{2}, []byte{}, []byte{}, []byte{}, []byte{4}, []byte{})
	f.Fuzz(func(t *testing.T, bigR, s1, s2, s3, pub, digest []byte) {
		shares := [][]byte{s1, s2}
		if len(s3) > 0 {
			shares = append(shares, s3)
		}
		sig, err := Combine(bigR, shares, pub, digest)
		if err != nil {
			return
		}
		joined, err := hex.DecodeString(strings.TrimPrefix(sig.Signature, "0x"))
		if err != nil || len(joined) != 65 {
			t.Fatalf("bad signature %q", sig.Signature)
		}
		joined[64] -= 27
		if !crypto.VerifySignature(pub, digest, joined[:64]) {
			t.Fatal("Combine returned a signature that does not verify")
		}
	})
}
