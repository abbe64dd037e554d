package sessionkey

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"filippo.io/edwards25519"
)

// reference classifies pub with an independent Ed25519 implementation:
// ok, weak (small order) or non-canonical; undecodable encodings are "ok"
// here because no signature verifies under them.
func reference(pub []byte) error {
	p, err := new(edwards25519.Point).SetBytes(pub)
	if err != nil {
		return nil
	}
	if new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) == 1 {
		return ErrWeakPublicKey
	}
	if !bytes.Equal(p.Bytes(), pub) {
		return ErrNonCanonicalPublicKey
	}
	return nil
}

func TestSmallOrderListIsTheTorsionSubgroup(t *testing.T) {
	points := map[string]bool{}
	for _, h := range smallOrder {
		b, _ := hex.DecodeString(h)
		p, err := new(edwards25519.Point).SetBytes(b)
		if err != nil {
			t.Fatalf("%s does not decode: %v", h, err)
		}
		if new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) != 1 {
			t.Fatalf("%s is not of small order", h)
		}
		points[hex.EncodeToString(p.Bytes())] = true
	}
	if len(points) != 8 {
		t.Fatalf("the list covers %d distinct points of small order, want all 8", len(points))
	}
}

func TestCheckPublicKeyAgreesWithReference(t *testing.T) {
	var cases [][]byte
	for _, h := range smallOrder {
		b, _ := hex.DecodeString(h)
		cases = append(cases, b)
	}
	// Every y ≥ p, with and without the sign bit.
	for y0 := 0xed; y0 <= 0xff; y0++ {
		for _, top := range []byte{0x7f, 0xff} {
			b := bytes.Repeat([]byte{0xff}, 32)
			b[0], b[31] = byte(y0), top
			cases = append(cases, b)
		}
	}
	for range 2000 {
		b := make([]byte, 32)
		rand.Read(b)
		cases = append(cases, b)
	}
	for range 200 {
		kp, _ := Generate(nil)
		cases = append(cases, kp.PublicKey())
	}
	for _, c := range cases {
		got, want := CheckPublicKey(c), reference(c)
		if want != nil && got == nil {
			t.Errorf("%x: accepted, the reference says %v", c, want)
		}
		if want == nil && got != nil {
			if _, err := new(edwards25519.Point).SetBytes(c); err == nil {
				t.Errorf("%x: refused (%v), the reference accepts it", c, got)
			}
		}
	}
}

// The identity point with R = identity, s = 0 verifies any message under
// crypto/ed25519; everything that reads a session key must refuse it.
func TestWeakKeyForgery(t *testing.T) {
	pub := "01" + strings.Repeat("00", 31)
	sig := "01" + strings.Repeat("00", 63)
	pk, _ := hex.DecodeString(pub)
	raw, _ := hex.DecodeString(sig)
	if !ed25519.Verify(pk, []byte("anything at all"), raw) {
		t.Fatal("the premise of this test no longer holds: crypto/ed25519 refuses the identity key itself")
	}
	if err := VerifyHex(pub, sig, []byte("anything at all")); !errors.Is(err, ErrWeakPublicKey) {
		t.Fatalf("VerifyHex: %v, want ErrWeakPublicKey", err)
	}
	if _, err := PublicKeyFromURI(URIPrefix + pub); !errors.Is(err, ErrWeakPublicKey) {
		t.Fatalf("PublicKeyFromURI: %v, want ErrWeakPublicKey", err)
	}
	kp, _ := Generate(nil)
	if _, err := ParsePublicKey(strings.ToUpper(kp.PublicKeyHex())); err == nil {
		t.Fatal("ParsePublicKey accepted upper-case hex")
	}
}
