// Package testvec holds the BLS12-381 and secp256k1 test vectors that the
// official Lit packages checked, for the tests of core/bls, core/pkpsig and
// conformance. Only tests import it.
//
// testdata/bls-ecdsa.json: deterministic vectors checked with the official
// @lit-protocol/wasm 7.4.0, whose blsCombine gives the BLS signature from
// shares 1 and 2 and from shares 2 and 3 and whose blsVerify accepts it, and
// with ethers 5.8.0, which recovers the PKP key from the combined ECDSA
// signature.
//
// testdata/bls-v5.json: a LIT_BLS session signature combined by
// combineSignatureShares of @lit-protocol/crypto 7.4.0 and accepted by
// blsSessionSigVerify of @lit-protocol/lit-node-client-nodejs 7.4.0.
//
// The files stay byte for byte as those checks saw them: a changed vector
// needs the same check again.
package testvec

import (
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"testing"
)

var (
	//go:embed testdata/bls-ecdsa.json
	blsECDSAJSON []byte
	//go:embed testdata/bls-v5.json
	v5JSON []byte
)

// BLS is the "bls" part of bls-ecdsa.json: a network key, a 2-of-3 Shamir
// sharing of it (f(x) = SecretKey + ShamirCoeffA1·x), a SIWE message and its
// signature and signature shares. Hex is without 0x except EIP191Hash.
type BLS struct {
	SecretKey     string   `json:"secretKey"`
	ShamirCoeffA1 string   `json:"shamirCoeffA1"`
	Threshold     int      `json:"threshold"`
	PublicKey     string   `json:"publicKey_networkPubKey"`
	SiweMessage   string   `json:"siweMessage"`
	EIP191Hash    string   `json:"eip191Hash"`
	DataSigned    string   `json:"dataSigned"`
	Signature     string   `json:"signature"`
	Shares        []string `json:"signatureShares_ProofOfPossession"`
}

// ECDSA is the "ecdsa" part of bls-ecdsa.json: a PKP key, a digest, the
// nonce k, the three additive signature shares of the nodes and the
// signature the client combines from them.
type ECDSA struct {
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
}

// V5 is bls-v5.json: a signed SIWE message, its EIP-191 hash, the digest m
// the nodes sign, the network public key and the combined signature.
type V5 struct {
	SignedMessage string `json:"signedMessage"`
	EIP191Hash    string `json:"eip191Hash"`
	M             string `json:"m"`
	NetworkPubKey string `json:"networkPubKey"`
	Signature     string `json:"signature"`
}

// LoadBLS returns the BLS vectors.
func LoadBLS(t testing.TB) BLS {
	t.Helper()
	return loadBLSECDSA(t).BLS
}

// LoadECDSA returns the ECDSA vectors.
func LoadECDSA(t testing.TB) ECDSA {
	t.Helper()
	return loadBLSECDSA(t).ECDSA
}

func loadBLSECDSA(t testing.TB) (v struct {
	BLS   BLS   `json:"bls"`
	ECDSA ECDSA `json:"ecdsa"`
}) {
	t.Helper()
	decode(t, "bls-ecdsa.json", blsECDSAJSON, &v)
	return v
}

// LoadV5 returns the V5 vector.
func LoadV5(t testing.TB) V5 {
	t.Helper()
	var v V5
	decode(t, "bls-v5.json", v5JSON, &v)
	return v
}

func decode(t testing.TB, name string, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("internal/testvec/testdata/%s: %v", name, err)
	}
}

// Hex decodes a hex string of the test data and fails the test when it is
// not hex.
func Hex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex in test data %q: %v", s, err)
	}
	return b
}
