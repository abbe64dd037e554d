package bls

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
)

// pointWithX returns a compressed encoding (flag 0x80) of size bytes whose
// x-coordinate is the small integer x (for G2, x + 0·u).
func pointWithX(size int, x byte) []byte {
	b := make([]byte, size)
	b[0] = 0x80
	b[size-1] = x // the last byte is the low byte of x (G1) or of x.A0 (G2)
	return b
}

// badPoints returns compressed encodings that are not on the curve and that
// are on the curve but outside the prime-order subgroup.
func badPoints(t *testing.T, size int, decode func([]byte) error) (offCurve, offSubgroup []byte) {
	t.Helper()
	for x := byte(1); x < 200 && (offCurve == nil || offSubgroup == nil); x++ {
		b := pointWithX(size, x)
		err := decode(b)
		switch {
		case err == nil:
		case strings.Contains(err.Error(), "square root"):
			offCurve = b
		case strings.Contains(err.Error(), "subgroup"):
			offSubgroup = b
		}
	}
	if offCurve == nil || offSubgroup == nil {
		t.Fatal("could not find off-curve and off-subgroup encodings")
	}
	return offCurve, offSubgroup
}

func TestThresholdRoundTrips(t *testing.T) {
	msg := []byte("random threshold test")
	for _, tc := range []struct{ t, n int }{{1, 2}, {2, 2}, {2, 3}, {3, 5}, {4, 4}, {5, 9}} {
		t.Run(fmt.Sprintf("%d-of-%d", tc.t, tc.n), func(t *testing.T) {
			sk, err := GenerateSecretKey(nil)
			if err != nil {
				t.Fatal(err)
			}
			pk := PublicKeyFromSecret(sk)
			want := Sign(sk, msg)
			if err := Verify(pk, msg, want); err != nil {
				t.Fatalf("Verify(Sign): %v", err)
			}
			shares, err := SplitSecret(sk, tc.t, tc.n, nil)
			if err != nil {
				t.Fatal(err)
			}
			sigShares := make([][]byte, len(shares))
			for i, s := range shares {
				sigShares[i] = SignShare(s, msg)
			}
			for range 4 {
				// Any subset of at least max(t, 2) shares, in any order.
				k := max(tc.t, 2) + mrand.IntN(tc.n-max(tc.t, 2)+1)
				perm := mrand.Perm(tc.n)[:k]
				var in [][]byte
				for _, i := range perm {
					in = append(in, sigShares[i])
				}
				got, err := CombineShares(in)
				if err != nil {
					t.Fatalf("combine %v: %v", perm, err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("combine %v differs from Sign", perm)
				}
				if err := Verify(pk, msg, got); err != nil {
					t.Fatalf("Verify(combine %v): %v", perm, err)
				}
			}
			if tc.t > 2 {
				// Fewer than t shares interpolate to a different key.
				got, err := CombineShares(sigShares[:tc.t-1])
				if err != nil {
					t.Fatal(err)
				}
				if err := Verify(pk, msg, got); !errors.Is(err, ErrVerification) {
					t.Errorf("combining t-1 shares: got %v, want ErrVerification", err)
				}
			}
		})
	}
}

func TestSplitSecretConsumesRandomnessAsDocumented(t *testing.T) {
	sk, _ := GenerateSecretKey(nil)
	// Candidates: zero and the all-ones value are skipped, then 5 is taken.
	var r bytes.Buffer
	r.Write(make([]byte, 32))
	r.Write(bytes.Repeat([]byte{0xff}, 32))
	five := make([]byte, 32)
	five[31] = 5
	r.Write(five)
	shares, err := SplitSecret(sk, 2, 2, &r)
	if err != nil {
		t.Fatal(err)
	}
	// f(2) - f(1) = a1 = 5.
	a, b := shares[0].Key.x, shares[1].Key.x
	b.Sub(&b, &a)
	if got := b.Bytes(); !bytes.Equal(got[:], five) {
		t.Errorf("a1 = %x, want 5", got)
	}
}

func TestSecretKeyErrors(t *testing.T) {
	order := "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001"
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "0 hex characters, want 64"},
		{"short", "0x1234", "4 hex characters, want 64"},
		{"not hex", strings.Repeat("zz", 32), "not valid hex"},
		{"zero", strings.Repeat("00", 32), "is zero"},
		{"order", order, "not below the BLS12-381 group order"},
		{"max", strings.Repeat("ff", 32), "not below the BLS12-381 group order"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSecretKey(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if _, err := NewSecretKey(make([]byte, 31)); err == nil || !strings.Contains(err.Error(), "31 bytes, want 32") {
		t.Errorf("31-byte key: %v", err)
	}
	if _, err := GenerateSecretKey(iotest.ErrReader(errors.New("boom"))); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("failing reader: %v", err)
	}
	// Upper case and a 0X prefix are accepted.
	sk, err := ParseSecretKey("0X" + strings.Repeat("3C", 31) + "0A")
	if err != nil {
		t.Fatal(err)
	}
	if sk.Hex() != strings.Repeat("3c", 31)+"0a" {
		t.Errorf("Hex() = %s", sk.Hex())
	}
}

func TestPublicKeyErrors(t *testing.T) {
	offCurve, offSubgroup := badPoints(t, PublicKeySize, func(b []byte) error { _, err := NewPublicKey(b); return err })
	infinity := make([]byte, PublicKeySize)
	infinity[0] = 0xc0
	uncompressed := append([]byte(nil), offCurve...)
	uncompressed[0] = 0
	xTooBig := bytes.Repeat([]byte{0xff}, PublicKeySize)
	xTooBig[0] = 0x9f
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"short", make([]byte, 47), "47 bytes, want 48"},
		{"G2 sized", make([]byte, 96), "96 bytes, want 48"},
		{"uncompressed flag", uncompressed, "compression flag"},
		{"infinity", infinity, "point at infinity"},
		{"x not below p", xTooBig, "not a valid G1 point"},
		{"off curve", offCurve, "not a valid G1 point"},
		{"off subgroup", offSubgroup, "subgroup"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewPublicKey(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if _, err := ParsePublicKey("b0da13"); err == nil || !strings.Contains(err.Error(), "6 hex characters, want 96") {
		t.Errorf("short hex: %v", err)
	}
}

func TestVerifyErrors(t *testing.T) {
	sk, _ := GenerateSecretKey(nil)
	pk := PublicKeyFromSecret(sk)
	msg := []byte("m")
	good := Sign(sk, msg)
	offCurve, offSubgroup := badPoints(t, SignatureSize, func(b []byte) error { _, err := decodeG2("x", b); return err })
	infinity := make([]byte, SignatureSize)
	infinity[0] = 0xc0
	flipped := append([]byte(nil), good...)
	flipped[0] ^= 0x20 // the other y: -sig
	for _, tc := range []struct {
		name string
		sig  []byte
		want string
	}{
		{"empty", nil, "0 bytes, want 96"},
		{"share not combined", append([]byte{1}, good...), "97 bytes, want 96"},
		{"uncompressed flag", append([]byte{good[0] &^ 0x80}, good[1:]...), "compression flag"},
		{"infinity", infinity, "point at infinity"},
		{"off curve", offCurve, "not a valid G2 point"},
		{"off subgroup", offSubgroup, "subgroup"},
		{"negated", flipped, "does not verify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(pk, msg, tc.sig)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestSplitSecretErrors(t *testing.T) {
	sk, _ := GenerateSecretKey(nil)
	for _, tc := range []struct {
		t, n int
		want string
	}{
		{1, 0, "count must be 1..255"},
		{1, 256, "count must be 1..255"},
		{0, 3, "threshold 0 is out of range"},
		{4, 3, "threshold 4 is out of range"},
	} {
		_, err := SplitSecret(sk, tc.t, tc.n, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SplitSecret(t=%d, n=%d): got %v, want %q", tc.t, tc.n, err, tc.want)
		}
	}
	_, err := SplitSecret(sk, 2, 3, bytes.NewReader(make([]byte, 10)))
	if err == nil || !strings.Contains(err.Error(), "reading randomness") {
		t.Errorf("short randomness: %v", err)
	}
	shares, err := SplitSecret(sk, 1, 255, iotest.ErrReader(errors.New("unused")))
	if err != nil {
		t.Fatalf("threshold 1 needs no randomness: %v", err)
	}
	for _, s := range shares {
		if !bytes.Equal(s.Key.Bytes(), sk.Bytes()) {
			t.Fatal("threshold 1 share differs from the secret")
		}
	}
}

func TestCombineSharesErrors(t *testing.T) {
	sk, _ := GenerateSecretKey(nil)
	msg := []byte("m")
	shares, _ := SplitSecret(sk, 2, 3, rand.Reader)
	s1, s2 := SignShare(shares[0], msg), SignShare(shares[1], msg)
	withID := func(id byte, s []byte) []byte { return append([]byte{id}, s[1:]...) }
	_, offSubgroup := badPoints(t, SignatureSize, func(b []byte) error { _, err := decodeG2("x", b); return err })
	infinity := make([]byte, SignatureSize)
	infinity[0] = 0xc0
	for _, tc := range []struct {
		name string
		in   [][]byte
		want string
	}{
		{"none", nil, "at least 2 signature shares, got 0"},
		{"one", [][]byte{s1}, "at least 2 signature shares, got 1"},
		{"too many", make([][]byte, 256), "at most 255"},
		{"short", [][]byte{s1, s2[:96]}, "share 1 is 96 bytes, want 97"},
		{"long", [][]byte{append(s1, 0), s2}, "share 0 is 98 bytes, want 97"},
		{"id zero", [][]byte{s1, withID(0, s2)}, "identifier 0"},
		{"duplicate", [][]byte{s1, s2, withID(s1[0], s2)}, "repeats identifier 1"},
		{"infinity", [][]byte{s1, append([]byte{2}, infinity...)}, "point at infinity"},
		{"off subgroup", [][]byte{s1, append([]byte{2}, offSubgroup...)}, "subgroup"},
		{"uncompressed", [][]byte{s1, withID(2, append([]byte{0, s2[1] &^ 0x80}, s2[2:]...))}, "compression flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CombineShares(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}

	// f(1)·H = P and f(2)·H = 2P lie on a line through the origin: λ1 = 2,
	// λ2 = -1, so they combine to 2P - 2P = infinity.
	var twice SecretKey
	twice.x.Double(&sk.x)
	_, err := CombineShares([][]byte{append([]byte{1}, Sign(sk, msg)...), append([]byte{2}, Sign(&twice, msg)...)})
	if err == nil || !strings.Contains(err.Error(), "point at infinity") {
		t.Errorf("shares on a line through the origin: got %v", err)
	}
}
