package bls

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/litgo/litsession/internal/testvec"
)

func TestVectorKeysAndDigest(t *testing.T) {
	v := testvec.LoadBLS(t)
	sk, err := ParseSecretKey(v.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	if sk.Hex() != v.SecretKey {
		t.Errorf("secret key round trip: got %s", sk.Hex())
	}
	pk := PublicKeyFromSecret(sk)
	if pk.Hex() != v.PublicKey {
		t.Errorf("public key:\n got %s\nwant %s", pk.Hex(), v.PublicKey)
	}
	parsed, err := ParsePublicKey(v.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if !parsed.Equal(pk) {
		t.Error("parsed public key differs from the derived one")
	}
	if got := "0x" + hex.EncodeToString(eip191Hash(v.SiweMessage)); got != v.EIP191Hash {
		t.Errorf("EIP-191 hash: got %s want %s", got, v.EIP191Hash)
	}
	if d := SessionDigest(v.SiweMessage); hex.EncodeToString(d[:]) != v.DataSigned {
		t.Errorf("dataSigned: got %x want %s", d, v.DataSigned)
	}
}

func TestVectorSignatureAndShares(t *testing.T) {
	v := testvec.LoadBLS(t)
	sk, err := ParseSecretKey(v.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	pk := PublicKeyFromSecret(sk)
	digest := SessionDigest(v.SiweMessage)
	want := testvec.Hex(t, v.Signature)

	if got := Sign(sk, digest[:]); !bytes.Equal(got, want) {
		t.Errorf("Sign:\n got %x\nwant %x", got, want)
	}

	// The polynomial f(x) = sk + a1·x, with a1 fed as the only randomness.
	shares, err := SplitSecret(sk, v.Threshold, len(v.Shares), bytes.NewReader(testvec.Hex(t, v.ShamirCoeffA1)))
	if err != nil {
		t.Fatal(err)
	}
	sigShares := make([][]byte, len(shares))
	for i, s := range shares {
		if s.ID != byte(i+1) {
			t.Errorf("share %d has id %d, want %d", i, s.ID, i+1)
		}
		sigShares[i] = SignShare(s, digest[:])
		if got := hex.EncodeToString(sigShares[i]); got != v.Shares[i] {
			t.Errorf("share %d:\n got %s\nwant %s", i+1, got, v.Shares[i])
		}
	}

	for _, set := range [][]int{{0, 1}, {1, 2}, {2, 0}, {2, 1}, {0, 1, 2}} {
		var in [][]byte
		for _, i := range set {
			in = append(in, testvec.Hex(t, v.Shares[i]))
		}
		got, err := CombineShares(in)
		if err != nil {
			t.Fatalf("combine %v: %v", set, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("combine %v:\n got %x\nwant %x", set, got, want)
		}
	}

	if err := Verify(pk, digest[:], want); err != nil {
		t.Errorf("Verify: %v", err)
	}
	altered := SessionDigest(v.SiweMessage + " ")
	if err := Verify(pk, altered[:], want); !errors.Is(err, ErrVerification) {
		t.Errorf("Verify with an altered message: got %v, want ErrVerification", err)
	}
	other, _ := GenerateSecretKey(nil)
	if err := Verify(PublicKeyFromSecret(other), digest[:], want); !errors.Is(err, ErrVerification) {
		t.Errorf("Verify with a wrong key: got %v, want ErrVerification", err)
	}

	pop, err := FormatProofOfPossession(want)
	if err != nil {
		t.Fatal(err)
	}
	if wantPop := `{"ProofOfPossession":"` + v.Signature + `"}`; pop != wantPop {
		t.Errorf("FormatProofOfPossession: got %s", pop)
	}
	back, err := ParseProofOfPossession(pop)
	if err != nil || !bytes.Equal(back, want) {
		t.Errorf("ParseProofOfPossession round trip: %x, %v", back, err)
	}
}

// TestVectorV5 checks V5: a signature combined by the official
// combineSignatureShares and accepted by the official blsSessionSigVerify.
func TestVectorV5(t *testing.T) {
	v := testvec.LoadV5(t)
	if got := "0x" + hex.EncodeToString(eip191Hash(v.SignedMessage)); got != v.EIP191Hash {
		t.Errorf("EIP-191 hash: got %s want %s", got, v.EIP191Hash)
	}
	m := SessionDigest(v.SignedMessage)
	if hex.EncodeToString(m[:]) != v.M {
		t.Errorf("m: got %x want %s", m, v.M)
	}
	pk, err := ParsePublicKey(v.NetworkPubKey)
	if err != nil {
		t.Fatal(err)
	}
	sig := testvec.Hex(t, v.Signature)
	if err := Verify(pk, m[:], sig); err != nil {
		t.Errorf("Verify: %v", err)
	}
	altered := SessionDigest(v.SignedMessage + "\n")
	if err := Verify(pk, altered[:], sig); !errors.Is(err, ErrVerification) {
		t.Errorf("Verify with an altered message: got %v, want ErrVerification", err)
	}

	// V5's key is f(0) with f(x) = 0x1234567890abcdef + 0x0f0f0f0f·x.
	sk, err := ParseSecretKey("0x" + "000000000000000000000000000000000000000000000000" + "1234567890abcdef")
	if err != nil {
		t.Fatal(err)
	}
	if !PublicKeyFromSecret(sk).Equal(pk) {
		t.Error("V5 public key is not s·G1")
	}
	if got := Sign(sk, m[:]); !bytes.Equal(got, sig) {
		t.Errorf("Sign:\n got %x\nwant %x", got, sig)
	}
	a1 := testvec.Hex(t, "000000000000000000000000000000000000000000000000000000000f0f0f0f")
	shares, err := SplitSecret(sk, 2, 3, bytes.NewReader(a1))
	if err != nil {
		t.Fatal(err)
	}
	got, err := CombineShares([][]byte{SignShare(shares[2], m[:]), SignShare(shares[0], m[:])})
	if err != nil || !bytes.Equal(got, sig) {
		t.Errorf("combining shares 3 and 1: %x, %v", got, err)
	}
}

// TestVerifySessionV5 checks the LIT_BLS sig field form on V5.
func TestVerifySessionV5(t *testing.T) {
	v := testvec.LoadV5(t)
	pk, err := ParsePublicKey(v.NetworkPubKey)
	if err != nil {
		t.Fatal(err)
	}
	field, err := FormatProofOfPossession(testvec.Hex(t, v.Signature))
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifySession(pk, field, v.SignedMessage); err != nil {
		t.Fatalf("VerifySession: %v", err)
	}
	if err := VerifySession(pk, field, v.SignedMessage+" "); !errors.Is(err, ErrVerification) {
		t.Fatalf("altered message: %v, want ErrVerification", err)
	}
	if err := VerifySession(pk, `{"ProofOfPossession":"00"}`, v.SignedMessage); err == nil || errors.Is(err, ErrVerification) {
		t.Fatalf("malformed sig field: %v, want a parse error", err)
	}
}
