package devnet

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/internal/testutil"
)

// startNaga is a 3-node naga devnet (threshold 2) with one PKP. It makes
// no client connection: the naga handlers are called directly with the
// decrypted body, as the E2EE layer calls them.
func startNaga(t *testing.T, prices Prices) *pkpNet {
	t.Helper()
	clock := testutil.NewClock(time.Now())
	n := start(t, Config{Network: NetworkNaga, Nodes: 3, Threshold: 2, Now: clock.Now, Prices: prices})
	owner, _ := crypto.GenerateKey()
	p, err := n.MintPKP(crypto.PubkeyToAddress(owner.PublicKey).Hex())
	if err != nil {
		t.Fatal(err)
	}
	return &pkpNet{Network: n, owner: owner, pkp: p, clock: clock}
}

// nagaNodeSetOf is the nodeSet of the given nodes, as the v8 client sends it.
func nagaNodeSetOf(nodes ...*Node) []any {
	set := make([]any, len(nodes))
	for i, nd := range nodes {
		set[i] = map[string]any{"socketAddress": strings.TrimPrefix(nd.URL, "http://"), "value": 1}
	}
	return set
}

// nagaSSKBody is a valid sign_session_key/v2 body sent to every node.
func (pn *pkpNet) nagaSSKBody(t *testing.T) map[string]any {
	b := pn.sskBody(t)
	b["nodeSet"] = nagaNodeSetOf(pn.Nodes...)
	b["maxPrice"] = "340282366920938463463374607431768211455"
	b["pkpKeySetId"] = NagaKeySetID
	return b
}

// callNaga runs a naga handler on nd with body (a value, or raw []byte)
// and returns the data as the E2EE layer would send it, decoded.
func callNaga(t *testing.T, h NagaHandler, nd *Node, requestID string, body any) (map[string]any, *NagaError) {
	t.Helper()
	raw, ok := body.([]byte)
	if !ok {
		raw, _ = json.Marshal(body)
	}
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	if requestID != "" {
		r.Header.Set("X-Request-Id", requestID)
	}
	data, e := h(nd, r, raw)
	if e != nil {
		if data != nil {
			t.Fatalf("a refusal with data %v", data)
		}
		return nil, e
	}
	enc, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(enc, &out); err != nil {
		t.Fatal(err)
	}
	return out, nil
}

func TestNagaSignSessionKey(t *testing.T) {
	pn := startNaga(t, Prices{})
	body := pn.nagaSSKBody(t)
	sent := body["siweMessage"].(string)
	owner := crypto.PubkeyToAddress(pn.owner.PublicKey).Hex()
	pk, _ := bls.ParsePublicKey(pn.NetworkPublicKey)

	var shares []bls.NagaShare
	var signed string
	start := pn.clock.Now()
	for i, nd := range pn.Nodes {
		out, e := callNaga(t, ServeNagaSignSessionKey, nd, "4a1b2c3d4e5f6", body)
		if e != nil {
			t.Fatalf("node %d: %v", i, e)
		}
		msg, _ := out["siweMessage"].(string)
		if i == 0 {
			signed = msg
		} else if msg != signed {
			// The clock moves between nodes; Issued At must not.
			t.Fatalf("node %d signs another message:\n%s\nnode 0:\n%s", i, msg, signed)
		}
		digest := bls.SessionDigest(msg)
		if out["result"] != "success" || out["curveType"] != "BLS12381G1" || out["dataSigned"] != hex.EncodeToString(digest[:]) ||
			out["blsRootPubkey"] != pn.NetworkPublicKey || len(out["shareId"].(string)) != 64 {
			t.Fatalf("node %d: %v", i, out)
		}
		pop := out["signatureShare"].(map[string]any)["ProofOfPossession"].(map[string]any)
		if want := fmt.Sprintf("%02x", i+1) + strings.Repeat("0", 62); pop["identifier"] != want {
			t.Fatalf("node %d identifier %v, want %s", i, pop["identifier"], want)
		}
		shares = append(shares, bls.NagaShare{Identifier: pop["identifier"].(string), Value: pop["value"].(string)})
		pn.clock.Advance(700 * time.Millisecond)
	}

	// The rewrite: Issued At is the node time of the first request in whole
	// seconds; the ReCap gains the owner's resolved auth context.
	m, err := siwe.Parse(signed)
	if err != nil {
		t.Fatal(err)
	}
	if want := "\nIssued At: " + start.UTC().Truncate(time.Second).Format(time.RFC3339) + "\n"; !strings.Contains(signed, want) {
		t.Errorf("signed message lacks %q:\n%s", strings.TrimSpace(want), signed)
	}
	rc, err := m.Recap()
	if err != nil {
		t.Fatalf("the signed message's ReCap: %v", err)
	}
	ctx, _ := json.Marshal(rc.Att[ResolvedAuthContextKey])
	if want := `{"Auth/Auth":[{"auth_context":{"actionIpfsIdStack":[],"authMethodContexts":[{"appId":"lit","authMethodType":1,"usedForSignSessionKeyRequest":true,"userId":"` + owner + `"}],"authSigAddress":null,"customAuthResource":"","resources":[]}}]}`; string(ctx) != want {
		t.Errorf("resolved auth context:\n got %s\nwant %s", ctx, want)
	}
	if !strings.HasPrefix(m.Statement(), siweStatement(t, sent)+" ") || lastField(signed, "Expiration Time") != lastField(sent, "Expiration Time") {
		t.Errorf("statement or expiration not carried over:\n%s", signed)
	}

	// Real Shamir shares with threshold 2: any two combine to a LIT_BLS
	// signature of the rewritten message under the network key; not of the
	// message as sent.
	for _, pair := range [][2]int{{0, 1}, {1, 2}, {2, 0}} {
		sig, err := bls.CombineNagaShares([]bls.NagaShare{shares[pair[0]], shares[pair[1]]})
		if err != nil {
			t.Fatal(err)
		}
		pop, _ := bls.FormatProofOfPossession(sig)
		if err := bls.VerifySession(pk, pop, signed); err != nil {
			t.Fatalf("shares %v: %v", pair, err)
		}
		if bls.VerifySession(pk, pop, sent) == nil {
			t.Fatal("the signature also verifies for the message as sent")
		}
	}
	if v, _ := hex.DecodeString(shares[0].Value); bls.VerifySession(pk, mustPoP(t, v), signed) == nil {
		t.Fatal("a single share is the full signature: the key is not split")
	}

	// Another request id gets its own stamp, from the clock now.
	pn.clock.Advance(3 * time.Second)
	out, e := callNaga(t, ServeNagaSignSessionKey, pn.Nodes[0], "another-request", body)
	if e != nil {
		t.Fatal(e)
	}
	if want := "\nIssued At: " + pn.clock.Now().UTC().Truncate(time.Second).Format(time.RFC3339) + "\n"; !strings.Contains(out["siweMessage"].(string), want) {
		t.Errorf("a new request id reused an old stamp:\n%s", out["siweMessage"])
	}

	// A hex maxPrice is read too.
	body["maxPrice"] = "0x" + DefaultPrice(ProductSignSessionKey, 2).Text(16)
	if _, e := callNaga(t, ServeNagaSignSessionKey, pn.Nodes[2], "hex-price", body); e != nil {
		t.Fatalf("hex maxPrice equal to the price: %v", e)
	}
}

// eoaDelegation is the owner's wallet AuthSig delegating to a session key
// (URI lit:session:…), wrapped as an EthWallet auth method.
func (pn *pkpNet) eoaDelegation(t *testing.T) pkp.AuthMethod {
	t.Helper()
	text, err := siwe.CreateWithRecaps(siwe.Params{Address: crypto.PubkeyToAddress(pn.owner.PublicKey).Hex(), URI: testSessionURI,
		Nonce: pn.Chain.Latest().Hash.Hex(), Resources: pkpStar, Now: pn.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	a, err := authsig.Sign(context.Background(), authsig.NewKeySignerFromECDSA(pn.owner), text)
	if err != nil {
		t.Fatal(err)
	}
	m, err := pkp.EthWalletAuthMethod(a)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func parseRequests(t *testing.T, flags ...string) []resource.Request {
	var out []resource.Request
	for _, f := range flags {
		q, err := resource.ParseFlag(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, q)
	}
	return out
}

func siweStatement(t *testing.T, text string) string {
	m, err := siwe.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	return m.Statement()
}

func mustPoP(t *testing.T, sig []byte) string {
	pop, err := bls.FormatProofOfPossession(sig)
	if err != nil {
		t.Fatal(err)
	}
	return pop
}

// TestNagaSIWERewriteFixture reproduces the message real naga nodes
// returned in the SDK's fixture (js-sdk packages/auth/src/lib/AuthManager/
// utils/validateDelegationAuthSig.spec.ts) from the message the client
// sends for it.
func TestNagaSIWERewriteFixture(t *testing.T) {
	const (
		pkpAddress = "0x7697f071cbe4764F596B64d95ca54Adf5e614C37"
		userID     = "0xcff6322A01F2F90855B7aD018c83F9A2c13f87bf"
		sessionKey = "d63204d1dd3b133f37d813532046ef63fdba1e312a950373eb6a54c9757ce281"
		nonce      = "0xde5eca386bb63607b24c5256e6c483a678b99e51e3104ec4d9959a9f19af0b96"
		expiration = "2025-10-15T16:27:10.716Z"
	)
	want := "localhost wants you to sign in with your Ethereum account:\n" + pkpAddress + "\n\n" +
		"Lit Protocol PKP session signature I further authorize the stated URI to perform the following actions on my behalf: (1) 'Threshold': 'Decryption' for 'lit-accesscontrolcondition://*'. (2) 'Threshold': 'Execution' for 'lit-litaction://*'. (3) 'Threshold': 'Signing' for 'lit-pkp://*'. I further authorize the stated URI to perform the following actions on my behalf: (1) 'Threshold': 'Decryption' for 'lit-accesscontrolcondition://*'. (2) 'Threshold': 'Execution' for 'lit-litaction://*'. (3) 'Threshold': 'Signing' for 'lit-pkp://*'. (4) 'Auth': 'Auth' for 'lit-resolvedauthcontext://*'.\n\n" +
		"URI: lit:session:" + sessionKey + "\nVersion: 1\nChain ID: 1\nNonce: " + nonce + "\nIssued At: 2025-10-15T15:27:11Z\nExpiration Time: " + expiration + "\nResources:\n" +
		"- urn:recap:eyJhdHQiOnsibGl0LWFjY2Vzc2NvbnRyb2xjb25kaXRpb246Ly8qIjp7IlRocmVzaG9sZC9EZWNyeXB0aW9uIjpbe31dfSwibGl0LWxpdGFjdGlvbjovLyoiOnsiVGhyZXNob2xkL0V4ZWN1dGlvbiI6W3t9XX0sImxpdC1wa3A6Ly8qIjp7IlRocmVzaG9sZC9TaWduaW5nIjpbe31dfSwibGl0LXJlc29sdmVkYXV0aGNvbnRleHQ6Ly8qIjp7IkF1dGgvQXV0aCI6W3siYXV0aF9jb250ZXh0Ijp7ImFjdGlvbklwZnNJZFN0YWNrIjpbXSwiYXV0aE1ldGhvZENvbnRleHRzIjpbeyJhcHBJZCI6ImxpdCIsImF1dGhNZXRob2RUeXBlIjoxLCJ1c2VkRm9yU2lnblNlc3Npb25LZXlSZXF1ZXN0Ijp0cnVlLCJ1c2VySWQiOiIweGNmZjYzMjJBMDFGMkY5MDg1NUI3YUQwMThjODNGOUEyYzEzZjg3YmYifV0sImF1dGhTaWdBZGRyZXNzIjpudWxsLCJjdXN0b21BdXRoUmVzb3VyY2UiOiIiLCJyZXNvdXJjZXMiOltdfX1dfX0sInByZiI6W119"

	statement := "Lit Protocol PKP session signature"
	sent, err := siwe.CreateWithRecaps(siwe.Params{
		Address: pkpAddress, Domain: "localhost", Statement: &statement, URI: "lit:session:" + sessionKey, Nonce: nonce,
		IssuedAt: "2025-10-15T15:27:10.716Z", Expiration: expiration,
		Resources: parseRequests(t, "lit-accesscontrolcondition://*=access-control-condition-decryption",
			"lit-litaction://*=lit-action-execution", "lit-pkp://*=pkp-signing"),
	})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := siwe.Parse(sent)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rewriteNagaSIWE(msg, "2025-10-15T15:27:11Z", []string{userID})
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("rewrite:\n got %q\nwant %q", got, want)
	}
}

func TestNagaSignSessionKeyRejections(t *testing.T) {
	pn := startNaga(t, Prices{ProductSignSessionKey: {big.NewInt(5000)}})
	now := pn.clock.Now()
	set := func(k string, v any) func(map[string]any) { return func(b map[string]any) { b[k] = v } }
	del := func(k string) func(map[string]any) { return func(b map[string]any) { delete(b, k) } }
	addLine := func(line string) func(map[string]any) {
		return func(b map[string]any) {
			s := b["siweMessage"].(string)
			i := strings.Index(s, "\nResources:")
			b["siweMessage"] = s[:i] + "\n" + line + s[i:]
		}
	}
	me := pn.Nodes[1]
	sock := func(nd *Node) string { return strings.TrimPrefix(nd.URL, "http://") }

	for name, tc := range map[string]struct {
		edit      func(map[string]any)
		requestID string
		status    int
		code      string
		msg       string
	}{
		"no nodeSet":          {edit: del("nodeSet"), status: 400, code: CodeInvalidParameter, msg: "nodeSet is missing"},
		"no maxPrice":         {edit: del("maxPrice"), status: 400, code: CodeInvalidParameter, msg: "maxPrice is missing"},
		"no pkpKeySetId":      {edit: del("pkpKeySetId"), status: 400, code: CodeInvalidParameter, msg: "pkpKeySetId is missing"},
		"no siweMessage":      {edit: del("siweMessage"), status: 400, code: CodeInvalidParameter, msg: "siweMessage is missing"},
		"no epoch":            {edit: del("epoch"), status: 400, code: CodeInvalidParameter, msg: "epoch is missing"},
		"future epoch":        {edit: set("epoch", DefaultEpoch+1), status: 400, code: CodeInvalidEpoch, msg: "not the current epoch"},
		"curve":               {edit: set("curveType", "ECDSA"), status: 400, code: CodeInvalidParameter, msg: `curveType must be "BLS"`},
		"Lit Action":          {edit: set("code", "Y29uc29sZS5sb2coMSk="), status: 400, code: CodeUnsupported, msg: "Lit Actions"},
		"jsParams":            {edit: set("jsParams", map[string]any{}), status: 400, code: CodeUnsupported, msg: "Lit Actions"},
		"key set":             {edit: set("pkpKeySetId", "naga-keyset2"), status: 400, code: CodeInvalidParameter, msg: `use "naga-keyset1"`},
		"no request id":       {edit: func(map[string]any) {}, requestID: "-", status: 400, code: CodeMissingRequestID, msg: "X-Request-Id"},
		"not in nodeSet":      {edit: set("nodeSet", nagaNodeSetOf(pn.Nodes[0], pn.Nodes[2])), status: 400, code: CodeInvalidParameter, msg: "is not in nodeSet"},
		"nodeSet too small":   {edit: set("nodeSet", nagaNodeSetOf(me)), status: 400, code: CodeInvalidParameter, msg: "at least 2"},
		"nodeSet twice":       {edit: set("nodeSet", nagaNodeSetOf(me, me)), status: 400, code: CodeInvalidParameter, msg: "listed twice"},
		"nodeSet stranger":    {edit: set("nodeSet", append(nagaNodeSetOf(me), map[string]any{"socketAddress": "127.0.0.1:1", "value": 1})), status: 400, code: CodeInvalidParameter, msg: "not a node of this network"},
		"nodeSet no address":  {edit: set("nodeSet", append(nagaNodeSetOf(me), map[string]any{"value": 1})), status: 400, code: CodeInvalidParameter, msg: "no socketAddress"},
		"nodeSet with scheme": {edit: set("nodeSet", []any{map[string]any{"socketAddress": me.URL}, map[string]any{"socketAddress": sock(pn.Nodes[0])}}), status: 400, code: CodeInvalidParameter, msg: "not a node of this network"},
		"price below":         {edit: set("maxPrice", "4999"), status: 400, code: CodeInvalidParameter, msg: "below this node's sign-session-key price 5000"},
		"price hex below":     {edit: set("maxPrice", "0x1387"), status: 400, code: CodeInvalidParameter, msg: "below"},
		"price negative":      {edit: set("maxPrice", "-1"), status: 400, code: CodeInvalidParameter, msg: "not a price in wei"},
		"price leading zero":  {edit: set("maxPrice", "05000"), status: 400, code: CodeInvalidParameter, msg: "not a price in wei"},
		"price fraction":      {edit: set("maxPrice", "5000.5"), status: 400, code: CodeInvalidParameter, msg: "not a price in wei"},
		"price number":        {edit: set("maxPrice", 5000), status: 400, code: CodeInvalidParameter, msg: "not the JSON of a sign_session_key request"},
		"empty authMethods":   {edit: set("authMethods", []any{}), status: 401, code: CodeNotAuthorized, msg: "authMethods is empty"},
		"delegation as auth": {edit: func(b map[string]any) {
			// The wallet's own session delegation (URI lit:session:…) is
			// not an auth method.
			b["authMethods"] = []any{pn.eoaDelegation(t)}
		}, status: 401, code: CodeInvalidAuthMethod, msg: "a delegation, not to authenticate"},
		"stale nonce": {edit: func(b map[string]any) {
			b["siweMessage"] = strings.Replace(b["siweMessage"].(string), "Nonce: "+pn.Chain.Latest().Hash.Hex(), "Nonce: 0x"+strings.Repeat("12", 32), 1)
		}, status: 400, code: CodeStaleBlockhash, msg: "not a recent blockhash"},
		"past Not Before": {edit: addLine("Not Before: " + siwe.FormatTime(now.Add(-time.Minute))), status: 400, code: CodeInvalidSIWE, msg: "cannot carry into its rewrite"},
		"Request ID":      {edit: addLine("Request ID: 42"), status: 400, code: CodeInvalidSIWE, msg: "cannot carry into its rewrite"},
		"already resolved": {edit: func(b map[string]any) {
			// A message the nodes already rewrote is not signed again.
			out, e := callNaga(t, ServeNagaSignSessionKey, pn.Nodes[0], "first", pn.nagaSSKBody(t))
			if e != nil {
				t.Fatal(e)
			}
			b["siweMessage"] = out["siweMessage"]
		}, status: 400, code: CodeInvalidSIWE, msg: "already grants lit-resolvedauthcontext://*"},
		"unknown pkp": {edit: set("pkpPublicKey", "0x04"+strings.Repeat("ab", 64)), status: 400, code: CodeInvalidParameter, msg: "pkpPublicKey"},
	} {
		body := pn.nagaSSKBody(t)
		tc.edit(body)
		id := "lit_1760000000000_abcdef"
		switch tc.requestID {
		case "-":
			id = ""
		case "":
		default:
			id = tc.requestID
		}
		_, e := callNaga(t, ServeNagaSignSessionKey, me, id, body)
		if e == nil || e.Status != tc.status || e.Details != tc.code || !strings.Contains(e.Msg, tc.msg) {
			t.Errorf("%s: got %+v; want %d %s containing %q", name, e, tc.status, tc.code, tc.msg)
		}
	}
	if _, e := callNaga(t, ServeNagaSignSessionKey, me, "x", []byte("{")); e == nil || e.Status != 400 {
		t.Errorf("not JSON: %v", e)
	}
}

func TestIssuedAtStamps(t *testing.T) {
	var s issuedAtStamps
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 900_000_000, time.UTC)
	if got := s.issuedAt("a", t0); got != "2026-03-01T12:00:00Z" {
		t.Fatalf("stamp %s", got)
	}
	if got := s.issuedAt("a", t0.Add(2*time.Second)); got != "2026-03-01T12:00:00Z" {
		t.Fatalf("the same id restamped: %s", got)
	}
	// A node that read the clock just before the first one stamped, in
	// the previous second, still gets the stamp.
	if got := s.issuedAt("a", t0.Add(-950*time.Millisecond)); got != "2026-03-01T12:00:00Z" {
		t.Fatalf("an earlier clock reading restamped: %s", got)
	}
	if got := s.issuedAt("a", t0.Add(issuedAtStampTTL)); got != "2026-03-01T12:00:30Z" {
		t.Fatalf("an old stamp reused: %s", got)
	}
	// Memory is bounded: the oldest ids are forgotten first.
	for i := range maxIssuedAtStamps {
		s.issuedAt(fmt.Sprint("id", i), t0)
	}
	if len(s.at) != maxIssuedAtStamps {
		t.Fatalf("%d stamps remembered", len(s.at))
	}
	if _, ok := s.at["a"]; ok {
		t.Fatal("the oldest id was not forgotten")
	}
	if _, ok := s.at[fmt.Sprint("id", maxIssuedAtStamps-1)]; !ok {
		t.Fatal("the newest id was forgotten")
	}
}
