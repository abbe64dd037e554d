package authsig

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/siwe"
)

const (
	walletKey = "0x1111111111111111111111111111111111111111111111111111111111111111"
	wallet    = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
	v1Sig     = "0x73cdc832860b3cca5a758f0f18770da7e5f76e4faceb151612edd688d3b943295f2506edfa584cb6dc63a2b1e5f6baec7dc766c2e2f283d9d5a41d9f1cfae17d1b"
)

var now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func v1Message(t *testing.T) string {
	q, _ := resource.NewRequest(resource.PKP, "*", resource.PKPSigning)
	m, err := siwe.CreateWithRecaps(siwe.Params{Address: wallet, URI: "lit:session:" + strings.Repeat("ab", 32),
		Nonce: "0x" + strings.Repeat("cd", 32), Expiration: "2030-01-01T00:00:00.000Z",
		Resources: []resource.Request{q}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSignV1(t *testing.T) {
	s, err := NewKeySigner(walletKey)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Sign(context.Background(), s, v1Message(t))
	if err != nil {
		t.Fatal(err)
	}
	if a.Sig != v1Sig || a.Address != wallet || a.DerivedVia != DerivedViaWallet {
		t.Fatalf("AuthSig %+v", a)
	}
	b, _ := json.Marshal(a)
	if !strings.HasPrefix(string(b), `{"sig":"0x73cd`) || !strings.HasSuffix(string(b), `,"address":"`+wallet+`"}`) || strings.Contains(string(b), "algo") {
		t.Fatalf("JSON key order: %s", b)
	}
	v, err := Verify(a, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if v.Address != wallet || !v.Expiration.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("verified %+v", v)
	}
	// The browser SDK stores the address lower-cased; that still verifies.
	low := a
	low.Address = strings.ToLower(a.Address)
	if _, err := Verify(low, Options{Now: now}); err != nil {
		t.Fatal(err)
	}
}

func TestJSONOrderPerKind(t *testing.T) {
	bls, _ := json.Marshal(AuthSig{Sig: "s", Algo: AlgoBLS, DerivedVia: DerivedViaBLS, SignedMessage: "m", Address: "a"})
	if string(bls) != `{"sig":"s","algo":"LIT_BLS","derivedVia":"lit.bls","signedMessage":"m","address":"a"}` {
		t.Fatal(string(bls))
	}
	ses, _ := jsjson.Marshal(AuthSig{Sig: "s", Algo: AlgoEd25519, DerivedVia: DerivedViaSession, SignedMessage: "<&\u2028>", Address: "a"})
	if string(ses) != "{\"sig\":\"s\",\"derivedVia\":\"litSessionSignViaNacl\",\"signedMessage\":\"<&\u2028>\",\"address\":\"a\",\"algo\":\"ed25519\"}" {
		t.Fatal(string(ses))
	}
	var back AuthSig
	if err := json.Unmarshal(ses, &back); err != nil || back.Algo != AlgoEd25519 || back.SignedMessage != "<&\u2028>" {
		t.Fatal(back, err)
	}
	for _, bad := range []string{`{}`, `{"sig":1}`, `[]`, `{"sig":"","derivedVia":"","signedMessage":""}`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestVerifyRejections(t *testing.T) {
	s, _ := NewKeySigner(walletKey)
	good, _ := Sign(context.Background(), s, v1Message(t))
	other, _ := NewKeySigner("0x2222222222222222222222222222222222222222222222222222222222222222")
	forged, _ := other.SignMessage(context.Background(), []byte(good.SignedMessage))
	mut := func(f func(*AuthSig)) AuthSig { a := good; f(&a); return a }
	cases := []struct {
		name string
		a    AuthSig
		now  time.Time
		want Reason
	}{
		{"expired exactly", good, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), ReasonExpired},
		{"issued in the future", good, now.Add(-time.Second), ReasonNotYetValid},
		{"wrong derivedVia", mut(func(a *AuthSig) { a.DerivedVia = "x" }), now, ReasonMalformed},
		{"bls algo", mut(func(a *AuthSig) { a.Algo = AlgoBLS }), now, ReasonUnsupported},
		{"no 0x", mut(func(a *AuthSig) { a.Sig = a.Sig[2:] }), now, ReasonMalformed},
		{"short sig", mut(func(a *AuthSig) { a.Sig = a.Sig[:100] }), now, ReasonMalformed},
		{"bad v", mut(func(a *AuthSig) { a.Sig = a.Sig[:130] + "05" }), now, ReasonBadSignature},
		{"other signer", mut(func(a *AuthSig) { a.Sig = "0x" + hexs(forged) }), now, ReasonBadSignature},
		{"tampered message", mut(func(a *AuthSig) { a.SignedMessage = strings.Replace(a.SignedMessage, "Chain ID: 1", "Chain ID: 2", 1) }), now, ReasonBadSignature},
		{"not siwe", mut(func(a *AuthSig) { a.SignedMessage = "hello" }), now, ReasonBadMessage},
		{"address field", mut(func(a *AuthSig) { a.Address = "0x0000000000000000000000000000000000000001" }), now, ReasonAddressMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Verify(c.a, Options{Now: c.now})
			if !IsReason(err, c.want) {
				t.Fatalf("got %v, want reason %s", err, c.want)
			}
		})
	}
	// Just before expiry is fine; skew allows a slightly early clock.
	if _, err := Verify(good, Options{Now: time.Date(2029, 12, 31, 23, 59, 59, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(good, Options{Now: now.Add(-time.Second), Skew: time.Minute}); err != nil {
		t.Fatal(err)
	}
}

type lyingWallet struct{ *KeySigner }

func (lyingWallet) Address(context.Context) (string, error) {
	return "0x0000000000000000000000000000000000000001", nil
}

func TestSignChecksWallet(t *testing.T) {
	s, _ := NewKeySigner(walletKey)
	if _, err := Sign(context.Background(), lyingWallet{s}, "hi"); err == nil || !strings.Contains(err.Error(), "not with the connected account") {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "0x11", "zz" + strings.Repeat("1", 62), "0x" + strings.Repeat("0", 64)} {
		if _, err := NewKeySigner(bad); err == nil {
			t.Errorf("NewKeySigner(%q) accepted", bad)
		}
	}
}

func hexs(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// One signature, several encodings: v 0/1 and upper-case hex are the same
// signature (CanonicalSig maps them together); the high-s twin is refused.
func TestSignatureEncodings(t *testing.T) {
	s, _ := NewKeySigner(walletKey)
	good, _ := Sign(context.Background(), s, v1Message(t))
	raw, _ := hex.DecodeString(good.Sig[2:])
	low := bytes.Clone(raw)
	low[64] -= 27
	twin := bytes.Clone(raw)
	new(big.Int).Sub(crypto.S256().Params().N, new(big.Int).SetBytes(raw[32:64])).FillBytes(twin[32:64])
	twin[64] = 55 - raw[64]
	for name, sig := range map[string]string{
		"v 0/1":          "0x" + hex.EncodeToString(low),
		"upper-case hex": "0x" + strings.ToUpper(good.Sig[2:]),
	} {
		a := good
		a.Sig = sig
		if _, err := Verify(a, Options{Now: now}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if c, ok := CanonicalSig(sig); !ok || c != good.Sig {
			t.Errorf("%s: CanonicalSig = %q, %v; want %q", name, c, ok, good.Sig)
		}
	}
	a := good
	a.Sig = "0x" + hex.EncodeToString(twin)
	if _, err := Verify(a, Options{Now: now}); !IsReason(err, ReasonMalformed) || !errors.Is(err, ErrHighS) && !strings.Contains(err.Error(), "upper half") {
		t.Fatalf("high-s twin: %v, want a malformed rejection", err)
	}
	for _, bad := range []string{"", "0x", good.Sig[2:], good.Sig + "00", good.Sig[:130] + "1d", "0X" + good.Sig[2:]} {
		if _, ok := CanonicalSig(bad); ok {
			t.Errorf("CanonicalSig(%q) accepted it", bad)
		}
	}
}
