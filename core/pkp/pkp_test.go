package pkp

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/siwe"
)

// The ECDSA key of internal/testvec/testdata/bls-ecdsa.json.
const vectorPub = "04cc9ebba7e122cb721dbb1e4ccf20bae84611f24c394844c731109ec089f5840ec154744dd03507fe1672d97d64d108960d6df4df34f9390ba61d13d8cda0b8ec"

func TestParse(t *testing.T) {
	p, err := Parse(vectorPub)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := hex.DecodeString(vectorPub)
	k, _ := crypto.UnmarshalPubkey(raw)
	if p.PublicKey != "0x"+vectorPub || p.EthAddress != crypto.PubkeyToAddress(*k).Hex() ||
		p.TokenID != "0x"+hex.EncodeToString(crypto.Keccak256(raw)) {
		t.Fatalf("%+v", p)
	}
	if r := p.Resource(); r.Key() != "lit-pkp://"+p.TokenID[2:] {
		t.Fatalf("resource %s", r.Key())
	}
	compressed, err := Parse("0x" + hex.EncodeToString(crypto.CompressPubkey(k)))
	if err != nil || compressed != p {
		t.Fatalf("compressed: %+v %v", compressed, err)
	}
	for _, bad := range []string{"", "0x", "zz", "0x05" + vectorPub[2:], vectorPub[:64], "04" + strings.Repeat("00", 64)} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func TestSIWEMessage(t *testing.T) {
	p, _ := Parse(vectorPub)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	params := SignSessionKeyParams{
		SessionKey:              strings.Repeat("ab", 32),
		PKPPublicKey:            vectorPub,
		ResourceAbilityRequests: []resource.Request{{Resource: resource.Resource{Prefix: resource.PKP, ID: "*"}, Ability: resource.PKPSigning}},
		Now:                     func() time.Time { return now },
	}
	got, err := params.SIWEMessage("0x" + strings.Repeat("cd", 32))
	if err != nil {
		t.Fatal(err)
	}
	want := "litprotocol.com wants you to sign in with your Ethereum account:\n" + p.EthAddress + "\n\n" +
		"Lit Protocol PKP session signature I further authorize the stated URI to perform the following actions on my behalf: (1) 'Threshold': 'Signing' for 'lit-pkp://*'.\n\n" +
		"URI: lit:session:" + strings.Repeat("ab", 32) + "\nVersion: 1\nChain ID: 1\nNonce: 0x" + strings.Repeat("cd", 32) +
		"\nIssued At: 2026-01-01T00:00:00.000Z\nExpiration Time: 2026-01-02T00:00:00.000Z\nResources:\n- urn:recap:eyJhdHQiOnsibGl0LXBrcDovLyoiOnsiVGhyZXNob2xkL1NpZ25pbmciOlt7fV19fSwicHJmIjpbXX0"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	params.Statement, params.Domain, params.Expiration = "hello", "app.example", "2030-01-01T00:00:00.000Z"
	params.SessionKey = "lit:session:" + strings.Repeat("ab", 32)
	got, _ = params.SIWEMessage("0x" + strings.Repeat("cd", 32))
	if !strings.HasPrefix(got, "app.example wants") || !strings.Contains(got, "\n\nLit Protocol PKP session signature hello I further") || !strings.Contains(got, "Expiration Time: 2030-01-01T00:00:00.000Z") {
		t.Fatalf("%s", got)
	}
	for _, bad := range []SignSessionKeyParams{
		{PKPPublicKey: vectorPub, ResourceAbilityRequests: params.ResourceAbilityRequests},
		{SessionKey: "lit:session:zz", PKPPublicKey: vectorPub, ResourceAbilityRequests: params.ResourceAbilityRequests},
		{SessionKey: params.SessionKey, PKPPublicKey: vectorPub},
		{SessionKey: params.SessionKey, ResourceAbilityRequests: params.ResourceAbilityRequests},
	} {
		if _, err := bad.SIWEMessage("0x" + strings.Repeat("cd", 32)); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// TestVerifyAuthSigV5 checks V5 (docs/protocol.md#v5), which the official
// blsSessionSigVerify accepts.
func TestVerifyAuthSigV5(t *testing.T) {
	const (
		msg    = "litprotocol.com wants you to sign in with your Ethereum account:\n0x7564105E977516C53bE337314c7E53838967bDaC\n\nLit Protocol PKP session signature\n\nURI: lit:session:abababababababababababababababababababababababababababababababab\nVersion: 1\nChain ID: 1\nNonce: 0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd\nIssued At: 2026-01-01T00:00:00Z\nExpiration Time: 2030-01-01T00:00:00.000Z"
		netKey = "86108816a69a1dc709dc6fdb084e9d5431414b46e7b56772260a6c695663cfc66ce0afee43b1a5dd51241a3478386521"
		sigHex = "a689c06925826b3b9f0030fd6c77496590689202c8184e0efec0858a90ad6aa2bd115e879fb3c3e55d99bcf16146ae6d0ccd79746fb7d535cf140b7e7536ea7f0ddedf265323cc9ea4fc113e6f47d6cc74ccea76ba3d08acd20fcf67f329f186"
	)
	a := authsig.AuthSig{Sig: `{"ProofOfPossession":"` + sigHex + `"}`, Algo: "LIT_BLS", DerivedVia: "lit.bls", SignedMessage: msg, Address: "0x7564105E977516C53bE337314c7E53838967bDaC"}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := VerifyAuthSig(a, netKey, now); err != nil {
		t.Fatal(err)
	}
	if err := CapabilityVerifier(staticKey(netKey))(a, now); err != nil {
		t.Fatal(err)
	}
	lower := a
	lower.Address = strings.ToLower(a.Address)
	if _, err := VerifyAuthSig(lower, netKey, now); err != nil {
		t.Fatalf("lower-case address field: %v", err)
	}

	for name, tc := range map[string]struct {
		mutate func(*authsig.AuthSig)
		now    time.Time
		key    string
		reason authsig.Reason
	}{
		"altered message": {func(a *authsig.AuthSig) {
			a.SignedMessage = strings.Replace(a.SignedMessage, "Chain ID: 1", "Chain ID: 2", 1)
		}, now, netKey, authsig.ReasonBadSignature},
		"other key":    {func(*authsig.AuthSig) {}, now, "b0da131889335001cfc7b3f0e6df40631e9ad25c5284dd30ac60bed722555cab15cd98c0ec90e406c5df42c6b38b5bc2", authsig.ReasonBadSignature},
		"expired":      {func(*authsig.AuthSig) {}, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), netKey, authsig.ReasonExpired},
		"issued later": {func(*authsig.AuthSig) {}, now.Add(-time.Hour), netKey, authsig.ReasonNotYetValid},
		"wrong algo":   {func(a *authsig.AuthSig) { a.Algo = "" }, now, netKey, authsig.ReasonUnsupported},
		"no key":       {func(*authsig.AuthSig) {}, now, "", authsig.ReasonUnsupported},
		"bad key":      {func(*authsig.AuthSig) {}, now, "00", authsig.ReasonUnsupported},
		"derivedVia":   {func(a *authsig.AuthSig) { a.DerivedVia = "web3.eth.personal.sign" }, now, netKey, authsig.ReasonMalformed},
		"sig not JSON": {func(a *authsig.AuthSig) { a.Sig = sigHex }, now, netKey, authsig.ReasonMalformed},
		"address":      {func(a *authsig.AuthSig) { a.Address = "0x0000000000000000000000000000000000000001" }, now, netKey, authsig.ReasonAddressMismatch},
		"not SIWE":     {func(a *authsig.AuthSig) { a.SignedMessage = "hello" }, now, netKey, authsig.ReasonBadMessage},
	} {
		b := a
		tc.mutate(&b)
		_, err := VerifyAuthSig(b, tc.key, tc.now)
		if !authsig.IsReason(err, tc.reason) {
			t.Errorf("%s: want %s, got %v", name, tc.reason, err)
		}
	}
}

// TestVerifyAuthSigNoExpiry: a correctly signed delegation without an
// Expiration Time is refused, as by the SDK.
func TestVerifyAuthSigNoExpiry(t *testing.T) {
	sk, _ := bls.GenerateSecretKey(nil)
	pk := bls.PublicKeyFromSecret(sk)
	p, _ := Parse(vectorPub)
	msg, err := siwe.Create(siwe.Params{Address: p.EthAddress, URI: "lit:session:" + strings.Repeat("ab", 32),
		Nonce: "0x" + strings.Repeat("cd", 32), IssuedAt: "2026-01-01T00:00:00.000Z", Expiration: "2030-01-01T00:00:00.000Z"}, SIWEStatement, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg = strings.Replace(msg, "\nExpiration Time: 2030-01-01T00:00:00.000Z", "", 1)
	d := bls.SessionDigest(msg)
	pop, _ := bls.FormatProofOfPossession(bls.Sign(sk, d[:]))
	a := authsig.AuthSig{Sig: pop, Algo: "LIT_BLS", DerivedVia: "lit.bls", SignedMessage: msg, Address: p.EthAddress}
	_, err = VerifyAuthSig(a, pk.Hex(), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if !authsig.IsReason(err, authsig.ReasonBadMessage) || !strings.Contains(err.Error(), "Expiration Time") {
		t.Fatalf("want bad_message for a missing Expiration Time, got %v", err)
	}
}

type staticKey string

func (k staticKey) NetworkPublicKey() string { return string(k) }

func TestCombineVerified(t *testing.T) {
	sk, _ := bls.GenerateSecretKey(nil)
	pk := bls.PublicKeyFromSecret(sk)
	shares, _ := bls.SplitSecret(sk, 3, 5, nil)
	msg := []byte("m")
	var sigShares [][]byte
	for _, s := range shares {
		sigShares = append(sigShares, bls.SignShare(s, msg))
	}
	want := bls.Sign(sk, msg)
	if got, err := combineVerified(pk, msg, sigShares, 3); err != nil || hex.EncodeToString(got) != hex.EncodeToString(want) {
		t.Fatalf("all honest: %v", err)
	}
	// Two of five faulty, threshold 3: the subset search finds the honest three.
	other, _ := bls.GenerateSecretKey(nil)
	sigShares[0] = bls.SignShare(bls.KeyShare{ID: shares[0].ID, Key: other}, msg)
	sigShares[3] = sigShares[3][:50]
	sigShares[3] = append(sigShares[3], make([]byte, 47)...)
	if got, err := combineVerified(pk, msg, sigShares, 3); err != nil || hex.EncodeToString(got) != hex.EncodeToString(want) {
		t.Fatalf("two faulty: %v", err)
	}
	// Three faulty: impossible.
	sigShares[4] = bls.SignShare(bls.KeyShare{ID: shares[4].ID, Key: other}, msg)
	if _, err := combineVerified(pk, msg, sigShares, 3); err == nil {
		t.Fatal("three faulty shares of five with threshold 3 combined")
	}
}

func TestParseBLSShare(t *testing.T) {
	good := `{"result":"success","signatureShare":{"ProofOfPossession":"` + strings.Repeat("01", 1) + strings.Repeat("a0", 96) + `"},"shareIndex":0,"curveType":"BLS","siweMessage":"m","dataSigned":"d","blsRootPubkey":"k"}`
	s, err := parseBLSShare([]byte(good))
	if err != nil || len(s.share) != 97 || s.siwe != "m" {
		t.Fatalf("%+v %v", s, err)
	}
	for name, tc := range map[string][2]string{
		"missing field": {`"blsRootPubkey":"k"`, `"x":"k"`},
		"null":          {`"dataSigned":"d"`, `"dataSigned":null`},
		"empty":         {`"siweMessage":"m"`, `"siweMessage":""`},
		"not success":   {`"result":"success"`, `"result":"failure"`},
		"ECDSA":         {`"curveType":"BLS"`, `"curveType":"ECDSA"`},
		"short share":   {`"01a0a0`, `"01`},
		"no PoP":        {`"ProofOfPossession"`, `"Other"`},
	} {
		if _, err := parseBLSShare([]byte(strings.Replace(good, tc[0], tc[1], 1))); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := parseBLSShare([]byte(`[]`)); err == nil {
		t.Error("array accepted")
	}
}

func TestMostCommonSIWE(t *testing.T) {
	s := func(m ...string) []string { return m }
	for _, tc := range []struct {
		in   []string
		want string
	}{{s("a", "b", "a"), "a"}, {s("a", "b"), "b"}, {s("b", "a", "a", "b"), "b"}, {s("x"), "x"}} {
		if got := mostCommonSIWE(tc.in); got != tc.want {
			t.Errorf("%v: got %q want %q", tc.in, got, tc.want)
		}
	}
}

func TestSnakeToCamel(t *testing.T) {
	for in, want := range map[string]string{"big_r": "bigR", "signature_share": "signatureShare", "digest": "digest", "a_": "a_", "x_y_z": "xYZ"} {
		if got := snakeToCamel(in); got != want {
			t.Errorf("%s: %s", in, got)
		}
	}
}

func TestEthWalletAuthMethod(t *testing.T) {
	key, _ := crypto.GenerateKey()
	signer := authsig.NewKeySignerFromECDSA(key)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m, err := SignEthWalletAuthMethod(context.Background(), signer, "0x"+strings.Repeat("cd", 32), now.Add(time.Hour), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	if m.AuthMethodType != 1 || !strings.HasPrefix(m.AccessToken, `{"sig":"0x`) {
		t.Fatalf("%+v", m)
	}
	a, err := m.EthWalletAuthSig()
	if err != nil {
		t.Fatal(err)
	}
	v, err := authsig.Verify(a, authsig.Options{Now: now})
	if err != nil || v.Address != crypto.PubkeyToAddress(key.PublicKey).Hex() || v.Message.Statement() != AuthMethodStatement {
		t.Fatalf("%+v %v", v, err)
	}
	if _, err := EthWalletAuthMethod(authsig.AuthSig{Algo: "LIT_BLS", DerivedVia: "lit.bls"}); err == nil {
		t.Error("a LIT_BLS AuthSig was accepted as an EthWallet auth method")
	}
	if _, err := (AuthMethod{AuthMethodType: 2}).EthWalletAuthSig(); err == nil {
		t.Error("type 2 read as EthWallet")
	}
	if _, err := (AuthMethod{AuthMethodType: 1, AccessToken: "{"}).EthWalletAuthSig(); err == nil {
		t.Error("bad JSON read")
	}
}

func TestCheckReplies(t *testing.T) {
	ne := &node.NodeError{URL: "a", HTTPStatus: 401, Code: "NodeNotAuthorized", Message: "no"}
	replies := []node.Reply{{URL: "a", Err: ne}, {URL: "b"}, {URL: "c", Err: errors.New("refused")}}
	err := checkReplies("op", replies, nil, 2)
	var re *RefusedError
	if !errors.As(err, &re) || re.Got != 1 || len(re.Failed) != 1 || !strings.Contains(err.Error(), "NodeNotAuthorized: no") {
		t.Fatalf("%v", err)
	}
	if err := checkReplies("op", replies, nil, 1); err != nil {
		t.Fatal(err)
	}
	var un *node.NodesUnreachableError
	if err := checkReplies("op", replies[2:], nil, 1); !errors.As(err, &un) {
		t.Fatalf("%v", err)
	}
	var nen *node.NotEnoughNodesError
	if err := checkReplies("op", replies[1:], map[string]error{"b": errors.New("incomplete")}, 1); !errors.As(err, &nen) {
		t.Fatalf("%v", err)
	}
}
