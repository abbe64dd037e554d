package devnet

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/capacity"
	"github.com/litgo/litsession/core/jsjson/stdjson"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/pkpsig"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/internal/testutil"
)

var pkpStar = []resource.Request{{Resource: resource.Resource{Prefix: resource.PKP, ID: "*"}, Ability: resource.PKPSigning}}

// pkpNet is a 3-node devnet (threshold 2) with one PKP and a connected
// client.
type pkpNet struct {
	*Network
	owner  *ecdsa.PrivateKey
	pkp    PKP
	client *node.Client
	http   *http.Client
	clock  *testutil.Clock
}

func startPKP(t *testing.T) *pkpNet {
	t.Helper()
	clock := testutil.NewClock(time.Now())
	n := start(t, Config{Nodes: 3, Threshold: 2, Now: clock.Now})
	owner, _ := crypto.GenerateKey()
	p, err := n.MintPKP(crypto.PubkeyToAddress(owner.PublicKey).Hex())
	if err != nil {
		t.Fatal(err)
	}
	tr := httptransport.New(nil)
	t.Cleanup(tr.CloseIdleConnections)
	c, err := node.New(node.Config{Transport: tr, RPCURL: n.RPCURL, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &pkpNet{Network: n, owner: owner, pkp: p, client: c, http: httpClient(t), clock: clock}
}

// authMethod is an EthWallet auth method of key, valid for an hour.
func (pn *pkpNet) authMethod(t *testing.T, key *ecdsa.PrivateKey) pkp.AuthMethod {
	t.Helper()
	m, err := pkp.SignEthWalletAuthMethod(context.Background(), authsig.NewKeySignerFromECDSA(key),
		pn.Chain.Latest().Hash.Hex(), pn.clock.Now().Add(time.Hour), pn.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const testSessionURI = "lit:session:abababababababababababababababababababababababababababababababab"

// sskParams are valid sign_session_key parameters for the PKP.
func (pn *pkpNet) sskParams() pkp.SignSessionKeyParams {
	return pkp.SignSessionKeyParams{SessionKey: testSessionURI, PKPPublicKey: pn.pkp.PublicKey,
		ResourceAbilityRequests: pkpStar, Now: pn.clock.Now}
}

func (pn *pkpNet) siwe(t *testing.T, p pkp.SignSessionKeyParams) string {
	t.Helper()
	msg, err := p.SIWEMessage(pn.Chain.Latest().Hash.Hex())
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// sskBody is a valid sign_session_key body as a mutable map.
func (pn *pkpNet) sskBody(t *testing.T) map[string]any {
	t.Helper()
	return map[string]any{
		"sessionKey":   testSessionURI,
		"authMethods":  []any{pn.authMethod(t, pn.owner)},
		"pkpPublicKey": pn.pkp.PublicKey,
		"siweMessage":  pn.siwe(t, pn.sskParams()),
		"curveType":    "BLS",
		"epoch":        DefaultEpoch,
	}
}

// post sends body (a value, or raw []byte) and returns the status and
// decoded answer.
func (pn *pkpNet) post(t *testing.T, url string, header map[string]string, body any) (int, map[string]any) {
	t.Helper()
	raw, ok := body.([]byte)
	if !ok {
		raw, _ = stdjson.Marshal(body)
	}
	h := map[string]string{"Content-Type": "application/json", "X-Request-Id": "lit_0123456789abcdef"}
	for k, v := range header {
		h[k] = v
	}
	a := do(t, pn.http, http.MethodPost, url, h, raw)
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	var out map[string]any
	if err := json.Unmarshal(a.body, &out); err != nil {
		t.Fatalf("answer is not a JSON object: %s", a.body)
	}
	return a.status, out
}

func TestSignSessionKeyHappy(t *testing.T) {
	pn := startPKP(t)
	body := pn.sskBody(t)
	digest := bls.SessionDigest(body["siweMessage"].(string))
	var shares [][]byte
	for i, nd := range pn.Nodes {
		status, out := pn.post(t, nd.URL+pkp.SignSessionKeyPath, nil, body)
		if status != 200 {
			t.Fatalf("node %d: %d %v", i, status, out)
		}
		if out["result"] != "success" || out["curveType"] != "BLS" || out["shareIndex"] != float64(i) ||
			out["siweMessage"] != body["siweMessage"] || out["dataSigned"] != hex.EncodeToString(digest[:]) || out["blsRootPubkey"] != pn.NetworkPublicKey {
			t.Fatalf("node %d: %v", i, out)
		}
		share, err := hex.DecodeString(out["signatureShare"].(map[string]any)["ProofOfPossession"].(string))
		if err != nil || len(share) != 97 || share[0] != byte(i+1) {
			t.Fatalf("node %d: share %x", i, share)
		}
		shares = append(shares, share)
	}
	pk, _ := bls.ParsePublicKey(pn.NetworkPublicKey)
	// Real Shamir shares with threshold 2: any two combine to the network
	// signature, one alone is not it.
	for _, pair := range [][2]int{{0, 1}, {1, 2}, {2, 0}} {
		sig, err := bls.CombineShares([][]byte{shares[pair[0]], shares[pair[1]]})
		if err != nil {
			t.Fatal(err)
		}
		if err := bls.Verify(pk, digest[:], sig); err != nil {
			t.Fatalf("shares %v: %v", pair, err)
		}
	}
	if bls.Verify(pk, digest[:], shares[0][1:]) == nil {
		t.Fatal("a single share is the full signature: the key is not split")
	}
	// The client flow, and a second permitted address.
	if _, err := pkp.SignSessionKey(context.Background(), pn.client, pkp.SignSessionKeyParams{SessionKey: testSessionURI,
		PKPPublicKey: pn.pkp.PublicKey, AuthMethods: []pkp.AuthMethod{pn.authMethod(t, pn.owner)}, ResourceAbilityRequests: pkpStar, Now: pn.clock.Now}); err != nil {
		t.Fatal(err)
	}
	friend, _ := crypto.GenerateKey()
	body["authMethods"] = []any{pn.authMethod(t, friend)}
	if status, out := pn.post(t, pn.Nodes[0].URL+pkp.SignSessionKeyPath, nil, body); status != 401 || out["errorCode"] != CodeNotAuthorized {
		t.Fatalf("before Permit: %d %v", status, out)
	}
	if err := pn.Permit(pn.pkp.PublicKey, crypto.PubkeyToAddress(friend.PublicKey).Hex()); err != nil {
		t.Fatal(err)
	}
	if status, out := pn.post(t, pn.Nodes[0].URL+pkp.SignSessionKeyPath, nil, body); status != 200 {
		t.Fatalf("after Permit: %d %v", status, out)
	}
	// Several auth methods: one permitted is enough.
	stranger, _ := crypto.GenerateKey()
	body["authMethods"] = []any{pn.authMethod(t, stranger), pn.authMethod(t, pn.owner)}
	if status, out := pn.post(t, pn.Nodes[0].URL+pkp.SignSessionKeyPath, nil, body); status != 200 {
		t.Fatalf("stranger + owner: %d %v", status, out)
	}
}

func TestSignSessionKeyRejections(t *testing.T) {
	pn := startPKP(t)
	now := pn.clock.Now()
	other, _ := crypto.GenerateKey()
	otherPKP, _ := pkp.Parse(hex.EncodeToString(crypto.FromECDSAPub(&other.PublicKey)))
	stranger, _ := crypto.GenerateKey()

	forged := pn.authMethod(t, pn.owner)
	forged.AccessToken = strings.Replace(forged.AccessToken, "Chain ID: 1", "Chain ID: 5", 1)
	expiredAuth, _ := pkp.SignEthWalletAuthMethod(context.Background(), authsig.NewKeySignerFromECDSA(pn.owner),
		pn.Chain.Latest().Hash.Hex(), now.Add(-time.Minute), func() time.Time { return now.Add(-time.Hour) })

	withParams := func(f func(*pkp.SignSessionKeyParams)) func(map[string]any) {
		return func(b map[string]any) {
			p := pn.sskParams()
			f(&p)
			b["siweMessage"] = pn.siwe(t, p)
		}
	}
	editSIWE := func(old, new string) func(map[string]any) {
		return func(b map[string]any) {
			s := b["siweMessage"].(string)
			if !strings.Contains(s, old) {
				t.Fatalf("SIWE has no %q", old)
			}
			b["siweMessage"] = strings.Replace(s, old, new, 1)
		}
	}
	set := func(k string, v any) func(map[string]any) { return func(b map[string]any) { b[k] = v } }
	del := func(k string) func(map[string]any) { return func(b map[string]any) { delete(b, k) } }
	staleNonce := "0x" + strings.Repeat("12", 32)

	for name, tc := range map[string]struct {
		edit   func(map[string]any)
		status int
		code   string
		msg    string
	}{
		"no sessionKey":       {del("sessionKey"), 400, CodeInvalidParameter, "sessionKey is missing"},
		"no authMethods":      {del("authMethods"), 400, CodeInvalidParameter, "authMethods is missing"},
		"no pkpPublicKey":     {del("pkpPublicKey"), 400, CodeInvalidParameter, "pkpPublicKey is missing"},
		"no siweMessage":      {del("siweMessage"), 400, CodeInvalidParameter, "siweMessage is missing"},
		"no curveType":        {del("curveType"), 400, CodeInvalidParameter, "curveType is missing"},
		"wrong type":          {set("sessionKey", 5), 400, CodeInvalidParameter, "sessionKey must be a string"},
		"epoch":               {set("epoch", DefaultEpoch+1), 400, CodeInvalidEpoch, "not the current epoch"},
		"ECDSA":               {set("curveType", "ECDSA"), 400, CodeInvalidParameter, `curveType must be "BLS"`},
		"Lit Action":          {set("litActionIpfsId", "QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3"), 400, CodeUnsupported, "Lit Actions"},
		"Lit Action code":     {set("code", "Y29uc29sZS5sb2coMSk="), 400, CodeUnsupported, "Lit Actions"},
		"session key":         {set("sessionKey", "abab"), 400, CodeInvalidParameter, "sessionKey must be lit:session:"},
		"pkp key":             {set("pkpPublicKey", "0x04zz"), 400, CodeInvalidParameter, "pkpPublicKey"},
		"unknown pkp":         {set("pkpPublicKey", otherPKP.PublicKey), 404, CodePKPNotFound, "no PKP"},
		"empty authMethods":   {set("authMethods", []any{}), 401, CodeNotAuthorized, "authMethods is empty"},
		"auth method shape":   {set("authMethods", []any{map[string]any{"authMethodType": 1}}), 400, CodeInvalidParameter, "authMethods[0] must be"},
		"auth method type":    {set("authMethods", []any{map[string]any{"authMethodType": 6, "accessToken": "x"}}), 400, CodeUnsupported, "type 6"},
		"access token JSON":   {set("authMethods", []any{map[string]any{"authMethodType": 1, "accessToken": "{"}}), 400, CodeInvalidAuthMethod, "not a wallet AuthSig"},
		"forged auth sig":     {set("authMethods", []any{forged}), 401, CodeInvalidAuthMethod, "bad_signature"},
		"expired auth sig":    {set("authMethods", []any{expiredAuth}), 401, CodeInvalidAuthMethod, "expired"},
		"not permitted":       {set("authMethods", []any{pn.authMethod(t, stranger)}), 401, CodeNotAuthorized, "permitted address"},
		"not SIWE":            {set("siweMessage", "hello"), 400, CodeInvalidSIWE, "siweMessage"},
		"other PKP's address": {withParams(func(p *pkp.SignSessionKeyParams) { p.PKPPublicKey = otherPKP.PublicKey }), 400, CodeInvalidSIWE, "PKP's address is"},
		"other session URI":   {set("sessionKey", "lit:session:"+strings.Repeat("cd", 32)), 400, CodeInvalidSIWE, "is not the sessionKey"},
		"stale nonce":         {editSIWE("Nonce: "+pn.Chain.Latest().Hash.Hex(), "Nonce: "+staleNonce), 400, CodeStaleBlockhash, "not a recent blockhash"},
		"expired": {withParams(func(p *pkp.SignSessionKeyParams) {
			p.Expiration = siwe.FormatTime(now.Add(-time.Second))
		}), 400, CodeInvalidSIWE, "expired at"},
		"issued in the future": {withParams(func(p *pkp.SignSessionKeyParams) {
			p.Now = func() time.Time { return now.Add(time.Hour) }
		}), 400, CodeInvalidSIWE, "Issued At is in the future"},
		"no expiration": {func(b map[string]any) {
			s := b["siweMessage"].(string)
			i := strings.Index(s, "\nExpiration Time: ")
			j := strings.Index(s, "\nResources:")
			b["siweMessage"] = s[:i] + s[j:]
		}, 400, CodeInvalidSIWE, "no Expiration Time"},
		"not before": {func(b map[string]any) {
			s := b["siweMessage"].(string)
			i := strings.Index(s, "\nResources:")
			b["siweMessage"] = s[:i] + "\nNot Before: " + siwe.FormatTime(now.Add(time.Hour)) + s[i:]
		}, 400, CodeInvalidSIWE, "not valid before"},
		"no recap": {func(b map[string]any) {
			s := b["siweMessage"].(string)
			b["siweMessage"] = s[:strings.Index(s, "\nResources:")]
		}, 400, CodeInvalidSIWE, "ReCap"},
		"recap misstated": {editSIWE("'Signing'", "'Decryption'"), 400, CodeInvalidSIWE, "statement does not end with the ReCap"},
	} {
		body := pn.sskBody(t)
		tc.edit(body)
		status, out := pn.post(t, pn.Nodes[1].URL+pkp.SignSessionKeyPath, nil, body)
		msg, _ := out["message"].(string)
		if status != tc.status || out["errorCode"] != tc.code || !strings.Contains(msg, tc.msg) || out["status"] != float64(tc.status) {
			t.Errorf("%s: got %d %v %q; want %d %s containing %q", name, status, out["errorCode"], msg, tc.status, tc.code, tc.msg)
		}
	}
	for name, raw := range map[string]string{"not JSON": "{", "empty": "", "array": "[]"} {
		if status, out := pn.post(t, pn.Nodes[0].URL+pkp.SignSessionKeyPath, nil, []byte(raw)); status != 400 || out["errorKind"] == nil {
			t.Errorf("%s: %d %v", name, status, out)
		}
	}
}

// pkpSessionSigs returns the PKP's session sigs for the given requests.
func (pn *pkpNet) pkpSessionSigs(t *testing.T, p PKP, reqs []resource.Request) *session.SessionSigs {
	t.Helper()
	eng, _ := pkp.NewEngine(pn.client, nil, p.PublicKey)
	eng.Now = pn.clock.Now
	sigs, _, err := pkp.GetPkpSessionSigs(context.Background(), pn.client, eng, pkp.SessionSigsParams{PKPPublicKey: p.PublicKey,
		AuthMethods: []pkp.AuthMethod{pn.authMethod(t, pn.owner)}, ResourceAbilityRequests: reqs})
	if err != nil {
		t.Fatal(err)
	}
	return sigs
}

// eoaSessionSigs returns EOA session sigs of key.
func (pn *pkpNet) eoaSessionSigs(t *testing.T, key *ecdsa.PrivateKey) *session.SessionSigs {
	t.Helper()
	eng := &session.Engine{Network: pn.client, Wallet: authsig.NewKeySignerFromECDSA(key), Now: pn.clock.Now}
	sigs, _, err := eng.GetSessionSigs(context.Background(), session.Params{ResourceAbilityRequests: pkpStar})
	if err != nil {
		t.Fatal(err)
	}
	return sigs
}

func signBody(toSign []byte, pub string, sig any) map[string]any {
	nums := make([]int, len(toSign))
	for i, b := range toSign {
		nums[i] = int(b)
	}
	return map[string]any{"toSign": nums, "pubkey": pub, "authSig": sig, "epoch": DefaultEpoch}
}

// signAll has every node sign digest with one request id and combines.
func (pn *pkpNet) signAll(t *testing.T, sigs *session.SessionSigs, requestID string, digest [32]byte) (*pkpsig.Signature, error) {
	t.Helper()
	var bigR []byte
	var shares [][]byte
	for i, nd := range pn.Nodes {
		s, _ := sigs.Get(nd.URL)
		status, out := pn.post(t, nd.URL+pkp.PKPSignPath, map[string]string{"X-Request-Id": requestID}, signBody(digest[:], pn.pkp.PublicKey, s))
		if status != 200 {
			return nil, fmt.Errorf("node %d: %d %v", i, status, out)
		}
		share := out["signatureShare"].(map[string]any)
		if out["success"] != true || share["result"] != "success" || share["sig_type"] != "K256" || share["share_index"] != float64(i) ||
			share["digest"] != `"`+hex.EncodeToString(digest[:])+`"` || share["public_key"] != `"`+pn.pkp.PublicKey[2:]+`"` {
			t.Fatalf("node %d: %v", i, out)
		}
		unq := func(k string) []byte {
			b, _ := hex.DecodeString(strings.Trim(share[k].(string), `"`))
			return b
		}
		if bigR != nil && !bytes.Equal(bigR, unq("big_r")) {
			t.Fatalf("node %d sent another big_r", i)
		}
		bigR = unq("big_r")
		shares = append(shares, unq("signature_share"))
	}
	return pkpsig.Combine(bigR, shares, pn.pkp.Bytes(), digest[:])
}

func TestPKPSignHappy(t *testing.T) {
	pn := startPKP(t)
	digest := [32]byte{1, 2, 3}
	for name, sigs := range map[string]*session.SessionSigs{
		"PKP session":   pn.pkpSessionSigs(t, pn.pkp, pkpStar),
		"exact PKP id":  pn.pkpSessionSigs(t, pn.pkp, []resource.Request{{Resource: pn.pkp.Resource(), Ability: resource.PKPSigning}}),
		"owner session": pn.eoaSessionSigs(t, pn.owner),
	} {
		sig, err := pn.signAll(t, sigs, "lit_aaaa", digest)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		again, err := pn.signAll(t, sigs, "lit_aaaa", digest)
		if err != nil || again.Signature != sig.Signature {
			t.Fatalf("%s: the same request id gave another signature (%v)", name, err)
		}
		other, err := pn.signAll(t, sigs, "lit_bbbb", digest)
		if err != nil || other.R == sig.R {
			t.Fatalf("%s: another request id reused the nonce (%v)", name, err)
		}
	}
	// A permitted address other than the owner.
	friend, _ := crypto.GenerateKey()
	sigs := pn.eoaSessionSigs(t, friend)
	if _, err := pn.signAll(t, sigs, "lit_cccc", digest); err == nil || !strings.Contains(err.Error(), CodeNotAuthorized) {
		t.Fatalf("before Permit: %v", err)
	}
	pn.Permit(pn.pkp.PublicKey, strings.ToLower(crypto.PubkeyToAddress(friend.PublicKey).Hex()))
	if _, err := pn.signAll(t, sigs, "lit_cccc", digest); err != nil {
		t.Fatalf("after Permit: %v", err)
	}
}

func TestPKPSignRejections(t *testing.T) {
	pn := startPKP(t)
	url := pn.Nodes[0].URL + pkp.PKPSignPath
	sigs := pn.pkpSessionSigs(t, pn.pkp, pkpStar)
	mine, _ := sigs.Get(pn.Nodes[0].URL)
	theirs, _ := sigs.Get(pn.Nodes[1].URL)
	tampered := mine
	tampered.SignedMessage = strings.Replace(mine.SignedMessage, `"expiration":"`, `"expiration":"1`, 1)

	stranger, _ := crypto.GenerateKey()
	strangerSig, _ := pn.eoaSessionSigs(t, stranger).Get(pn.Nodes[0].URL)
	// A second PKP of the same owner: its session may not sign with the first.
	p2, _ := pn.MintPKP(crypto.PubkeyToAddress(pn.owner.PublicKey).Hex())
	p2Sig, _ := pn.pkpSessionSigs(t, p2, pkpStar).Get(pn.Nodes[0].URL)
	// A session of this PKP that only asked for another PKP's id.
	narrowSig, _ := pn.pkpSessionSigs(t, pn.pkp, []resource.Request{{Resource: p2.Resource(), Ability: resource.PKPSigning}}).Get(pn.Nodes[0].URL)
	unknown, _ := crypto.GenerateKey()

	digest := make([]byte, 32)
	good := func() map[string]any { return signBody(digest, pn.pkp.PublicKey, mine) }
	with := func(k string, v any) map[string]any { b := good(); b[k] = v; return b }
	without := func(k string) map[string]any { b := good(); delete(b, k); return b }
	big := make([]int, 32)
	big[5] = 256

	for name, tc := range map[string]struct {
		body   any
		header map[string]string
		status int
		code   string
		msg    string
	}{
		"epoch":            {with("epoch", 3), nil, 400, CodeInvalidEpoch, "epoch 3"},
		"short toSign":     {with("toSign", []int{1, 2}), nil, 400, CodeInvalidParameter, "32 numbers"},
		"no toSign":        {without("toSign"), nil, 400, CodeInvalidParameter, "got 0"},
		"toSign byte":      {with("toSign", big), nil, 400, CodeInvalidParameter, "toSign[5] is 256"},
		"toSign string":    {with("toSign", "abc"), nil, 400, CodeInvalidParameter, "toSign must be an array"},
		"no pubkey":        {without("pubkey"), nil, 400, CodeInvalidParameter, "pubkey is missing"},
		"bad pubkey":       {with("pubkey", "0x1234"), nil, 400, CodeInvalidParameter, "pubkey"},
		"no authSig":       {without("authSig"), nil, 401, CodeInvalidSessionSig, "authSig is missing"},
		"authSig shape":    {with("authSig", map[string]any{"sig": "x"}), nil, 400, CodeInvalidParameter, "authSig"},
		"no request id":    {good(), map[string]string{"X-Request-Id": ""}, 400, CodeMissingRequestID, "X-Request-Id"},
		"bad request id":   {good(), map[string]string{"X-Request-Id": "lit id"}, 400, CodeMissingRequestID, "X-Request-Id"},
		"unknown pkp":      {with("pubkey", "0x"+hex.EncodeToString(crypto.FromECDSAPub(&unknown.PublicKey))), nil, 404, CodePKPNotFound, "no PKP"},
		"other node's sig": {with("authSig", theirs), nil, 401, CodeInvalidSessionSig, "wrong_node"},
		"tampered sig":     {with("authSig", tampered), nil, 401, CodeInvalidSessionSig, "bad_signature"},
		"wallet AuthSig":   {with("authSig", authsig.AuthSig{Sig: "0x00", DerivedVia: authsig.DerivedViaWallet, SignedMessage: "m", Address: "0x"}), nil, 401, CodeInvalidSessionSig, "unsupported"},
		"stranger EOA":     {with("authSig", strangerSig), nil, 401, CodeNotAuthorized, "may not sign with PKP"},
		"other PKP":        {with("authSig", p2Sig), nil, 401, CodeNotAuthorized, "may not sign with PKP"},
		"not requested":    {with("authSig", narrowSig), nil, 401, CodeInvalidSessionSig, "not_authorized"},
	} {
		status, out := pn.post(t, url, tc.header, tc.body)
		msg, _ := out["message"].(string)
		if status != tc.status || out["errorCode"] != tc.code || !strings.Contains(msg, tc.msg) {
			t.Errorf("%s: got %d %v %q; want %d %s containing %q", name, status, out["errorCode"], msg, tc.status, tc.code, tc.msg)
		}
	}

	// Expired session and delegation.
	pn.clock.Advance(25 * time.Hour)
	if status, out := pn.post(t, url, nil, good()); status != 401 || !strings.Contains(out["message"].(string), "expired") {
		t.Fatalf("expired: %d %v", status, out)
	}
}

func TestMintAndReadyLine(t *testing.T) {
	n := start(t, Config{Nodes: 2})
	if strings.Contains(n.ReadyLine(), "pkps") {
		t.Fatalf("ready line without PKPs mentions them: %s", n.ReadyLine())
	}
	c := httpClient(t)
	owner := "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
	a := do(t, c, http.MethodPost, n.RPCURL+MintPath, map[string]string{"Content-Type": "application/json"}, []byte(`{"owner":"`+strings.ToLower(owner)+`"}`))
	if a.status != 200 || a.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("mint: %d %s", a.status, a.body)
	}
	var minted PKP
	dec := json.NewDecoder(bytes.NewReader(a.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&minted); err != nil {
		t.Fatal(err)
	}
	want, err := pkp.Parse(minted.PublicKey)
	if err != nil || minted.PKP != want || minted.Owner != owner || !strings.HasPrefix(string(a.body), `{"tokenId":"0x`) {
		t.Fatalf("minted %s (%v)", a.body, err)
	}
	second, err := n.MintPKP(owner)
	if err != nil || second.PublicKey == minted.PublicKey {
		t.Fatalf("second mint: %+v %v", second, err)
	}
	var ready struct {
		PKPs []PKP `json:"pkps"`
	}
	if err := json.Unmarshal([]byte(n.ReadyLine()), &ready); err != nil || len(ready.PKPs) != 2 || ready.PKPs[0] != minted || ready.PKPs[1] != second {
		t.Fatalf("ready line %s (%v)", n.ReadyLine(), err)
	}
	a = do(t, c, http.MethodGet, n.RPCURL+PKPsPath, nil, nil)
	var list []PKP
	if json.Unmarshal(a.body, &list); a.status != 200 || len(list) != 2 || list[1] != second {
		t.Fatalf("list: %d %s", a.status, a.body)
	}
	for _, body := range []string{`{}`, `{"owner":"0x1234"}`, `{"owner":"0x19e7E376E7C213B7E7e7e46cc70A5dD086DAff2A"}`, `{"owner":5}`, `[`} {
		a := do(t, c, http.MethodPost, n.RPCURL+MintPath, nil, []byte(body))
		if a.status != 400 || !bytes.Contains(a.body, []byte(`"errorCode"`)) {
			t.Errorf("mint %s: %d %s", body, a.status, a.body)
		}
	}
	if a := do(t, c, http.MethodOptions, n.RPCURL+MintPath, map[string]string{"Origin": "http://x", "Access-Control-Request-Method": "POST"}, nil); a.status != 204 {
		t.Errorf("preflight: %d", a.status)
	}
	if err := n.Permit(minted.PublicKey, "0x12"); err == nil {
		t.Error("Permit accepted a bad address")
	}
	k, _ := crypto.GenerateKey()
	if err := n.Permit(hex.EncodeToString(crypto.FromECDSAPub(&k.PublicKey)), owner); err == nil {
		t.Error("Permit accepted an unknown PKP")
	}
	if err := n.Permit("zz", owner); err == nil {
		t.Error("Permit accepted a bad key")
	}
}

// TestSingleNodeShares: with one node the share is the key itself (Lit's
// combiner cannot use it, but the endpoint still answers).
func TestSingleNodeShares(t *testing.T) {
	n := start(t, Config{Nodes: 1})
	if len(n.pkp.shares) != 1 || n.pkp.shares[0].ID != 1 {
		t.Fatalf("%+v", n.pkp.shares)
	}
	sk := n.NetworkSecretKey()
	b := sk.Bytes()
	if hex.EncodeToString(n.pkp.shares[0].Key.Bytes()) != hex.EncodeToString(b[:]) {
		t.Fatal("the single share is not the key")
	}
}

// An owner's AuthSig signed for anything but authenticating to the network
// must not work as an EthWallet auth method: with it, anyone who ever saw
// one of the owner's session sigs could have the nodes delegate the owner's
// PKP to their own session key.
func TestSignSessionKeyRefusesAuthSigsMadeForSomethingElse(t *testing.T) {
	pn := startPKP(t)
	ctx := context.Background()
	owner := authsig.NewKeySignerFromECDSA(pn.owner)
	ownerAddr, _ := owner.Address(ctx)
	asMethod := func(a authsig.AuthSig) pkp.AuthMethod {
		m, err := pkp.EthWalletAuthMethod(a)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	// 1. The wallet capability inside a narrow session sig of the owner
	// (Lit Action execution only, for another session key).
	narrow := []resource.Request{{Resource: resource.Resource{Prefix: resource.LitAction, ID: "*"}, Ability: resource.LitActionExecution}}
	eng := &session.Engine{Network: pn.client, Wallet: owner, Now: pn.clock.Now}
	sigs, _, err := eng.GetSessionSigs(ctx, session.Params{ResourceAbilityRequests: narrow})
	if err != nil {
		t.Fatal(err)
	}
	var capability authsig.AuthSig
	for _, s := range sigs.All() {
		var tmpl struct{ Capabilities []authsig.AuthSig }
		if err := json.Unmarshal([]byte(s.SignedMessage), &tmpl); err != nil || len(tmpl.Capabilities) == 0 {
			t.Fatalf("session sig template: %v", err)
		}
		capability = tmpl.Capabilities[0]
		break
	}

	// 2. An ordinary Sign-In with Ethereum for another site.
	login, err := siwe.Create(siwe.Params{Address: ownerAddr, Domain: "example.com", URI: "https://example.com/login",
		Nonce: "k7s9d2lq0w", Expiration: siwe.FormatTime(pn.clock.Now().Add(time.Hour)), Now: pn.clock.Now}, "Sign in to example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	loginSig, err := authsig.Sign(ctx, owner, login)
	if err != nil {
		t.Fatal(err)
	}

	// 3. A capacity-credit delegation by the owner, nonce a fresh blockhash.
	cd, err := capacity.CreateDelegationAuthSig(ctx, capacity.Params{Owner: owner, Nonce: pn.Chain.Latest().Hash.Hex()})
	if err != nil {
		t.Fatal(err)
	}

	for name, tc := range map[string]struct {
		m   pkp.AuthMethod
		msg string
	}{
		"capability of a narrow session sig": {asMethod(capability), "a delegation, not to authenticate"},
		"SIWE login for another site":        {asMethod(loginSig), "not a recent blockhash"},
		"capacity delegation":                {asMethod(cd), "a delegation, not to authenticate"},
	} {
		body := pn.sskBody(t)
		body["authMethods"] = []any{tc.m}
		status, out := pn.post(t, pn.Nodes[0].URL+pkp.SignSessionKeyPath, nil, body)
		msg, _ := out["message"].(string)
		if status != http.StatusUnauthorized || out["errorCode"] != CodeInvalidAuthMethod || !strings.Contains(msg, tc.msg) {
			t.Errorf("%s: got %d %v %q; want 401 %s containing %q", name, status, out["errorCode"], msg, CodeInvalidAuthMethod, tc.msg)
		}
	}
	// The auth method the clients make still works.
	if status, out := pn.post(t, pn.Nodes[0].URL+pkp.SignSessionKeyPath, nil, pn.sskBody(t)); status != http.StatusOK {
		t.Fatalf("a fresh auth method: %d %v", status, out)
	}
}
