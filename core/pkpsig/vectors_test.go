package pkpsig

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// vectors is testdata/vectors.json: the "ecdsa" part of the shared
// bls-ecdsa.json, checked against Lit's WASM and ethers.
type vectors struct {
	ECDSA struct {
		PrivateKey string   `json:"pkpPrivateKey"`
		PublicKey  string   `json:"pkpPublicKey"`
		Digest     string   `json:"toSign_digest"`
		NonceK     string   `json:"nonce_k"`
		BigR       string   `json:"bigR_compressed"`
		SFull      string   `json:"s_full"`
		Shares     []string `json:"signatureShares_additive"`
		Combined   struct {
			R         string `json:"r"`
			S         string `json:"s"`
			Recid     int    `json:"recid"`
			Signature string `json:"signature"`
		} `json:"combined"`
	} `json:"ecdsa"`
}

func loadVectors(t testing.TB) vectors {
	t.Helper()
	data, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex in test data %q: %v", s, err)
	}
	return b
}

// TestVectorCopyMatchesShared checks that testdata still matches the shared
// vector file when the repository sits beside ../shared (as in CI).
func TestVectorCopyMatchesShared(t *testing.T) {
	shared, err := os.ReadFile("../../../shared/vectors/bls-ecdsa.json")
	if err != nil {
		t.Skipf("shared vectors not present: %v", err)
	}
	local, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var a, b struct{ ECDSA any }
	if err := json.Unmarshal(shared, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(local, &b); err != nil {
		t.Fatal(err)
	}
	if a.ECDSA == nil || !reflect.DeepEqual(a.ECDSA, b.ECDSA) {
		t.Error("testdata/vectors.json \"ecdsa\" differs from shared/vectors/bls-ecdsa.json; copy it again")
	}
}

func TestVectorNodeSide(t *testing.T) {
	v := loadVectors(t).ECDSA
	// The randomness is k, then shares 1 and 2; share 3 completes the sum.
	var r bytes.Buffer
	r.Write(mustHex(t, v.NonceK))
	r.Write(mustHex(t, v.Shares[0]))
	r.Write(mustHex(t, v.Shares[1]))
	sess, err := NewSigningSession(mustHex(t, v.PrivateKey), [32]byte(mustHex(t, v.Digest)), 3, &r)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(sess.BigR[:]); got != v.BigR {
		t.Errorf("bigR: got %s want %s", got, v.BigR)
	}
	for i, s := range sess.Shares {
		if got := hex.EncodeToString(s[:]); got != v.Shares[i] {
			t.Errorf("share %d: got %s want %s", i, got, v.Shares[i])
		}
	}
}

func TestVectorCombine(t *testing.T) {
	v := loadVectors(t).ECDSA
	var shares [][]byte
	for _, s := range v.Shares {
		shares = append(shares, mustHex(t, s))
	}
	pub := mustHex(t, v.PublicKey)
	sig, err := Combine(mustHex(t, v.BigR), shares, pub, mustHex(t, v.Digest))
	if err != nil {
		t.Fatal(err)
	}
	want := Signature{
		R:          v.Combined.R,
		S:          v.Combined.S,
		Recid:      v.Combined.Recid,
		Signature:  v.Combined.Signature,
		PublicKey:  v.PublicKey,
		DataSigned: v.Digest,
	}
	if *sig != want {
		t.Errorf("Combine:\n got %+v\nwant %+v", *sig, want)
	}
	if sig.S != v.SFull {
		t.Errorf("s: got %s, want s_full %s", sig.S, v.SFull)
	}

	// Share order does not matter, and a compressed public key works too.
	compressed := append([]byte{0x02 | pub[64]&1}, pub[1:33]...)
	sig2, err := Combine(mustHex(t, v.BigR), [][]byte{shares[2], shares[0], shares[1]}, compressed, mustHex(t, v.Digest))
	if err != nil {
		t.Fatal(err)
	}
	if sig2.Signature != want.Signature {
		t.Errorf("reordered shares, compressed key: got %s", sig2.Signature)
	}
}
