package bls

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"

	"github.com/litgo/litsession/internal/testvec"
)

// The SDK's own blsCombine vector (js-sdk packages/wasm/src/lib/bls.spec.ts,
// "should combine and verify"): three shares from a real network whose
// combination verifies under the root key for the 32-byte message.
var sdkNaga = struct {
	rootKey string
	message []byte
	shares  []NagaShare
}{
	rootKey: "8acb0d87dcd4fc8ecb971690b5aa28ed74b205ae449dbb558729c7cff87eec278a6959eb3ee3c03366e0eabac42db3e4",
	message: []byte{94, 92, 103, 65, 185, 206, 89, 188, 160, 211, 160, 232, 203, 51, 92, 235,
		243, 181, 232, 115, 244, 199, 191, 119, 121, 130, 217, 182, 185, 151, 37, 32},
	shares: []NagaShare{
		{"0d7c3c5d7578af7d20cb3d52059de204b07eb164092c8107df3914d4bfabe647", "a2204142962f7d35b2e18f16f5880e0092a3765e3b595ea437687cd88a04916dcfc2fd55b43f335949e2023071153abf0bfbc28b46ec13a3790c2639a2f40b517c2358996c31e11669f24442c650faaf4af166dde3c325fe9565ecf6872c85b4"},
		{"46cd21a0d05fdd76f0640d4d9353c297eec75d7644723da318a9bfe19f9c2863", "a74ba6452138869712fb7a9c109fc6bda1b587f046adc9b23289f6aadefb127dbb2ec3667c23ce40f0447405bcd19bed04cdd046166d6726b60e342dafdfeca21e0d2e15ad23d11c2b7785d7790278929a974ed02f892169e4a7e4fd99781790"},
		{"d5595f162d312545ea6d58efa6a9430801f229b0a088dab8267f8b722da5d658", "845bdefd8aa0ca99bd587062253eb6bbabbe55153ecaeb52c6ac9d29b29f2d2fd9d9a9e193fdd3bb1b23e9f31dff290d0dc9a1aab8c74f78f99add32e49b3fd9b7626f12dc852d442978c70fd3e684638d782e4aeca1981ce80fb03d64f46563"},
	},
}

func TestCombineNagaSharesSDKVector(t *testing.T) {
	pk, err := ParsePublicKey(sdkNaga.rootKey)
	if err != nil {
		t.Fatal(err)
	}
	s := sdkNaga.shares
	for _, order := range [][]NagaShare{{s[0], s[1], s[2]}, {s[2], s[0], s[1]}} {
		sig, err := CombineNagaShares(order)
		if err != nil {
			t.Fatal(err)
		}
		if err := Verify(pk, sdkNaga.message, sig); err != nil {
			t.Errorf("the SDK's shares combine to a signature that does not verify: %v", err)
		}
	}
	// Read big-endian, the identifiers give a different (wrong) signature.
	flipped := make([]NagaShare, len(s))
	for i, sh := range s {
		b, _ := hex.DecodeString(sh.Identifier)
		for l, r := 0, len(b)-1; l < r; l, r = l+1, r-1 {
			b[l], b[r] = b[r], b[l]
		}
		flipped[i] = NagaShare{hex.EncodeToString(b), sh.Value}
	}
	if sig, err := CombineNagaShares(flipped); err == nil {
		if Verify(pk, sdkNaga.message, sig) == nil {
			t.Error("byte-reversed identifiers still verify; the identifier byte order is not tested")
		}
	}
}

func TestNagaSharesRoundTrip(t *testing.T) {
	v := testvec.LoadBLS(t)
	sk, err := ParseSecretKey(v.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	shares, err := SplitSecret(sk, v.Threshold, len(v.Shares), bytes.NewReader(testvec.Hex(t, v.ShamirCoeffA1)))
	if err != nil {
		t.Fatal(err)
	}
	digest := SessionDigest(v.SiweMessage)
	want := testvec.Hex(t, v.Signature)
	naga := make([]NagaShare, len(shares))
	for i, s := range shares {
		naga[i] = SignShareNaga(s, digest[:])
		if wantID := hex.EncodeToString([]byte{byte(i + 1)}) + strings.Repeat("0", 62); naga[i].Identifier != wantID {
			t.Errorf("share %d identifier %s, want %s", i, naga[i].Identifier, wantID)
		}
		// The naga value is the v7 share without its identifier byte.
		if naga[i].Value != v.Shares[i][2:] {
			t.Errorf("share %d value %s, want %s", i, naga[i].Value, v.Shares[i][2:])
		}
	}
	for _, set := range [][]int{{0, 1}, {1, 2}, {2, 0}, {0, 1, 2}} {
		var in []NagaShare
		for _, i := range set {
			in = append(in, naga[i])
		}
		got, err := CombineNagaShares(in)
		if err != nil {
			t.Fatalf("combine %v: %v", set, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("combine %v:\n got %x\nwant %x", set, got, want)
		}
	}
}

func TestCombineNagaSharesErrors(t *testing.T) {
	sk, _ := GenerateSecretKey(nil)
	msg := []byte("m")
	shares, _ := SplitSecret(sk, 2, 3, rand.Reader)
	s1, s2 := SignShareNaga(shares[0], msg), SignShareNaga(shares[1], msg)
	order := fr.Modulus()
	le := func(be []byte) string {
		b := make([]byte, IdentifierSize)
		for i := range be {
			b[len(be)-1-i] = be[i]
		}
		return hex.EncodeToString(b)
	}
	with := func(id, value string) NagaShare { return NagaShare{id, value} }
	for _, tc := range []struct {
		name string
		in   []NagaShare
		want string
	}{
		{"one", []NagaShare{s1}, "at least 2 signature shares, got 1"},
		{"short id", []NagaShare{s1, with(s2.Identifier[2:], s2.Value)}, "identifier is 62 hex characters, want 64"},
		{"0x id", []NagaShare{s1, with("0x"+s2.Identifier[2:], s2.Value)}, "not lowercase hex"},
		{"upper id", []NagaShare{s1, with("0A"+strings.Repeat("0", 62), s2.Value)}, "not lowercase hex"},
		{"zero id", []NagaShare{s1, with(strings.Repeat("0", 64), s2.Value)}, "identifier is zero"},
		{"id = order", []NagaShare{s1, with(le(order.Bytes()), s2.Value)}, "not below the BLS12-381 group order"},
		// 1 + r is 1 modulo r: refused, so it cannot alias share 1.
		{"id = 1 + order", []NagaShare{s1, with(le(new(big.Int).Add(order, big.NewInt(1)).Bytes()), s2.Value)}, "not below"},
		{"duplicate", []NagaShare{s1, s2, with(s1.Identifier, s2.Value)}, "share 2 repeats the identifier of share 0"},
		{"upper value", []NagaShare{s1, with(s2.Identifier, strings.ToUpper(s2.Value))}, "value is not lowercase hex"},
		{"short value", []NagaShare{s1, with(s2.Identifier, s2.Value[2:])}, "value is 190 hex characters"},
		{"uncompressed", []NagaShare{s1, with(s2.Identifier, "0"+s2.Value[1:])}, "compression flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CombineNagaShares(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func FuzzCombineNagaShares(f *testing.F) {
	s := sdkNaga.shares
	f.Add(s[0].Identifier, s[0].Value, s[1].Identifier, s[1].Value)
	f.Add(s[0].Identifier, s[0].Value, s[0].Identifier, s[1].Value)
	f.Add(strings.Repeat("f", 64), s[0].Value, s[2].Identifier, s[2].Value)
	f.Fuzz(func(t *testing.T, id1, v1, id2, v2 string) {
		sig, err := CombineNagaShares([]NagaShare{{id1, v1}, {id2, v2}})
		if err != nil {
			return
		}
		if _, err := decodeG2("combined signature", sig); err != nil {
			t.Fatalf("combined signature does not decode: %v", err)
		}
		// Accepted identifiers are canonical: they re-encode to themselves.
		for _, id := range []string{id1, id2} {
			x, err := ParseNagaIdentifier(id)
			if err != nil {
				t.Fatalf("accepted identifier %q does not parse: %v", id, err)
			}
			be := x.Bytes()
			le := make([]byte, IdentifierSize)
			for i := range be {
				le[IdentifierSize-1-i] = be[i]
			}
			if hex.EncodeToString(le) != id {
				t.Fatalf("identifier %q re-encodes to %x", id, le)
			}
		}
	})
}
