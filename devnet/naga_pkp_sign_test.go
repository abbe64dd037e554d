package devnet

import (
	"encoding/hex"
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/pkpsig"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
)

// nagaSession is a PKP session as the v8 client holds it: a session key
// and the LIT_BLS delegation the nodes signed with sign_session_key/v2.
type nagaSession struct {
	key        *sessionkey.KeyPair
	delegation authsig.AuthSig
}

// nagaPKPSession delegates from the PKP to a fresh session key through
// sign_session_key/v2 on every node, combining the shares as the client
// does.
func (pn *pkpNet) nagaPKPSession(t *testing.T) nagaSession {
	t.Helper()
	key, err := sessionkey.Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := pn.sskParams()
	p.SessionKey = key.URI()
	body := pn.nagaSSKBody(t)
	body["sessionKey"] = key.URI()
	body["siweMessage"] = pn.siwe(t, p)
	var shares []bls.NagaShare
	var signed string
	for _, nd := range pn.Nodes {
		out, e := callNaga(t, ServeNagaSignSessionKey, nd, "ssk", body)
		if e != nil {
			t.Fatal(e)
		}
		pop := out["signatureShare"].(map[string]any)["ProofOfPossession"].(map[string]any)
		shares = append(shares, bls.NagaShare{Identifier: pop["identifier"].(string), Value: pop["value"].(string)})
		signed = out["siweMessage"].(string)
	}
	sig, err := bls.CombineNagaShares(shares)
	if err != nil {
		t.Fatal(err)
	}
	return nagaSession{key: key, delegation: authsig.AuthSig{Sig: mustPoP(t, sig), DerivedVia: authsig.DerivedViaBLS,
		SignedMessage: signed, Address: pn.pkp.EthAddress, Algo: authsig.AlgoBLS}}
}

// nagaTemplate is the v8 session template, keys in the client's order.
type nagaTemplate struct {
	SessionKey              string             `json:"sessionKey"`
	ResourceAbilityRequests []resource.Request `json:"resourceAbilityRequests"`
	Capabilities            []authsig.AuthSig  `json:"capabilities"`
	IssuedAt                string             `json:"issuedAt"`
	Expiration              string             `json:"expiration"`
	NodeAddress             string             `json:"nodeAddress"`
	MaxPrice                string             `json:"maxPrice,omitempty"`
}

// sessionSig is s's session signature for nd with maxPrice, changed by
// edit before signing.
func (pn *pkpNet) nagaSessionSig(t *testing.T, s nagaSession, nd *Node, maxPrice string, edit func(*nagaTemplate)) authsig.AuthSig {
	t.Helper()
	now := pn.clock.Now()
	tpl := nagaTemplate{SessionKey: s.key.PublicKeyHex(), ResourceAbilityRequests: pkpStar, Capabilities: []authsig.AuthSig{s.delegation},
		IssuedAt: siwe.FormatTime(now), Expiration: siwe.FormatTime(now.Add(time.Hour)), NodeAddress: nd.URL, MaxPrice: maxPrice}
	if edit != nil {
		edit(&tpl)
	}
	msg, err := json.Marshal(tpl)
	if err != nil {
		t.Fatal(err)
	}
	return authsig.AuthSig{Sig: hex.EncodeToString(s.key.Sign(msg)), DerivedVia: authsig.DerivedViaSession,
		SignedMessage: string(msg), Address: s.key.PublicKeyHex(), Algo: authsig.AlgoEd25519}
}

func (pn *pkpNet) nagaSignBody(digest [32]byte, sig authsig.AuthSig, nodes ...*Node) map[string]any {
	nums := make([]int, len(digest))
	for i, b := range digest {
		nums[i] = int(b)
	}
	return map[string]any{"toSign": nums, "signingScheme": NagaSigningScheme, "pubkey": pn.pkp.PublicKey, "authSig": sig,
		"nodeSet": nagaNodeSetOf(nodes...), "epoch": DefaultEpoch, "authMethods": []any{}, "keySetId": NagaKeySetID}
}

// unquote strips the JSON string inside a share field ("\"<hex>\"") and
// decodes the hex.
func unquote(t *testing.T, field string, v any) []byte {
	t.Helper()
	s, _ := v.(string)
	var inner string
	if err := json.Unmarshal([]byte(s), &inner); err != nil {
		t.Fatalf("%s %q is not a JSON string inside the string: %v", field, s, err)
	}
	b, err := hex.DecodeString(inner)
	if err != nil {
		t.Fatalf("%s %q: %v", field, inner, err)
	}
	return b
}

func TestNagaPKPSign(t *testing.T) {
	pn := startNaga(t, Prices{ProductSign: {big.NewInt(2000), big.NewInt(2001), big.NewInt(2002)}})
	s := pn.nagaPKPSession(t)
	digest := [32]byte(crypto.Keccak256([]byte("hello from server reuse")))
	pub := pn.pkp.Bytes()
	compressed := crypto.CompressPubkey(must(crypto.UnmarshalPubkey(pub)))

	// The threshold cheapest nodes, a subset of the network: only the
	// shares of nodeSet sum to the signature.
	for _, set := range [][]*Node{{pn.Nodes[0], pn.Nodes[2]}, {pn.Nodes[2], pn.Nodes[1], pn.Nodes[0]}} {
		requestID := "lit_1760000000000_" + strconv.Itoa(len(set))
		var bigR []byte
		var shares [][]byte
		for pos, nd := range set {
			body := pn.nagaSignBody(digest, pn.nagaSessionSig(t, s, nd, "0x5555555555555555555555555555554", nil), set...)
			out, e := callNaga(t, ServeNagaPKPSign, nd, requestID, body)
			if e != nil {
				t.Fatalf("node %d: %v", nd.Index, e)
			}
			if out["success"] != true || len(out["signedData"].([]any)) != 32 || out["signedData"].([]any)[0] != float64(digest[0]) {
				t.Fatalf("node %d: %v", nd.Index, out)
			}
			share := out["signatureShare"].(map[string]any)["EcdsaSignedMessageShare"].(map[string]any)
			if share["digest"] != hex.EncodeToString(digest[:]) || share["result"] != "success" || share["sig_type"] != "EcdsaK256Sha256" ||
				len(share["peer_id"].(string)) != 64 {
				t.Fatalf("node %d: %v", nd.Index, share)
			}
			for _, f := range []string{"share_id", "signature_share", "big_r"} {
				if v := share[f].(string); v != strings.ToUpper(v) {
					t.Errorf("%s %s is not upper-case hex", f, v)
				}
			}
			if id := unquote(t, "share_id", share["share_id"]); new(big.Int).SetBytes(id).Int64() != int64(pos+1) || len(id) != 32 {
				t.Errorf("node %d share_id %x, want position %d + 1", nd.Index, id, pos)
			}
			if got := unquote(t, "public_key", share["public_key"]); hex.EncodeToString(got) != hex.EncodeToString(pub) {
				t.Errorf("public_key %x", got)
			}
			if got := unquote(t, "compressed_public_key", share["compressed_public_key"]); hex.EncodeToString(got) != hex.EncodeToString(compressed) {
				t.Errorf("compressed_public_key %x", got)
			}
			r := unquote(t, "big_r", share["big_r"])
			if bigR != nil && hex.EncodeToString(r) != hex.EncodeToString(bigR) {
				t.Fatalf("node %d has another big_r", nd.Index)
			}
			bigR = r
			shares = append(shares, unquote(t, "signature_share", share["signature_share"]))
		}
		sig, err := pkpsig.Combine(bigR, shares, pub, digest[:])
		if err != nil {
			t.Fatalf("nodeSet of %d: %v", len(set), err)
		}
		rs, _ := hex.DecodeString(strings.TrimPrefix(sig.Signature, "0x"))
		rs[64] -= 27
		got, err := crypto.SigToPub(digest[:], rs)
		if err != nil || crypto.PubkeyToAddress(*got).Hex() != pn.pkp.EthAddress {
			t.Fatalf("the signature recovers to %v (%v), not the PKP %s", got, err, pn.pkp.EthAddress)
		}
		if len(shares) > 2 {
			if _, err := pkpsig.Combine(bigR, shares[:2], pub, digest[:]); err == nil {
				t.Fatal("two of three additive shares combine: the split is not over nodeSet")
			}
		}
	}
}

func TestNagaPKPSignRejections(t *testing.T) {
	pn := startNaga(t, Prices{ProductSign: {big.NewInt(2000)}})
	s := pn.nagaPKPSession(t)
	me, other := pn.Nodes[1], pn.Nodes[0]
	digest := [32]byte(crypto.Keccak256([]byte("m")))
	good := func() map[string]any {
		return pn.nagaSignBody(digest, pn.nagaSessionSig(t, s, me, "0x7d0", nil), other, me)
	}
	if _, e := callNaga(t, ServeNagaPKPSign, me, "ok", good()); e != nil {
		t.Fatalf("maxPrice equal to the price: %v", e)
	}
	set := func(k string, v any) func(map[string]any) { return func(b map[string]any) { b[k] = v } }
	withSig := func(maxPrice string, edit func(*nagaTemplate)) func(map[string]any) {
		return func(b map[string]any) { b["authSig"] = pn.nagaSessionSig(t, s, me, maxPrice, edit) }
	}
	otherPKP := func(b map[string]any) {
		k, _ := crypto.GenerateKey()
		p, err := pn.MintPKP(crypto.PubkeyToAddress(k.PublicKey).Hex())
		if err != nil {
			t.Fatal(err)
		}
		b["pubkey"] = p.PublicKey
	}
	for name, tc := range map[string]struct {
		edit      func(map[string]any)
		requestID string
		status    int
		code      string
		msg       string
	}{
		"scheme":         {edit: set("signingScheme", "SchnorrEd25519Sha512"), status: 400, code: CodeUnsupported, msg: "signingScheme"},
		"key set":        {edit: set("keySetId", "other"), status: 400, code: CodeInvalidParameter, msg: "keySetId"},
		"no epoch":       {edit: set("epoch", nil), status: 400, code: CodeInvalidParameter, msg: "epoch is missing"},
		"short toSign":   {edit: set("toSign", make([]int, 31)), status: 400, code: CodeInvalidParameter, msg: "got 31"},
		"toSign byte":    {edit: set("toSign", append(make([]int, 31), 256)), status: 400, code: CodeInvalidParameter, msg: "toSign[31] is 256"},
		"string toSign":  {edit: set("toSign", "hello"), status: 400, code: CodeInvalidParameter, msg: "not the JSON of a pkp/sign request"},
		"no authSig":     {edit: set("authSig", nil), status: 401, code: CodeInvalidSessionSig, msg: "authSig is missing"},
		"no request id":  {edit: func(map[string]any) {}, requestID: "-", status: 400, code: CodeMissingRequestID, msg: "X-Request-Id"},
		"not in nodeSet": {edit: set("nodeSet", nagaNodeSetOf(other, pn.Nodes[2])), status: 400, code: CodeInvalidParameter, msg: "not in nodeSet"},
		"another node's sig": {edit: func(b map[string]any) { b["authSig"] = pn.nagaSessionSig(t, s, other, "0x7d0", nil) },
			status: 401, code: CodeInvalidSessionSig, msg: "signed for node"},
		"no maxPrice":      {edit: withSig("", nil), status: 401, code: CodeInvalidSessionSig, msg: "has no maxPrice"},
		"maxPrice below":   {edit: withSig("0x7cf", nil), status: 401, code: CodeInvalidSessionSig, msg: "maxPrice 1999 wei is below this node's sign price 2000 wei"},
		"decimal maxPrice": {edit: withSig("2000", nil), status: 401, code: CodeInvalidSessionSig, msg: "maxPrice"},
		"expired": {edit: withSig("0x7d0", func(p *nagaTemplate) {
			p.IssuedAt, p.Expiration = siwe.FormatTime(pn.clock.Now().Add(-2*time.Hour)), siwe.FormatTime(pn.clock.Now().Add(-time.Hour))
		}), status: 401, code: CodeInvalidSessionSig, msg: "expired"},
		"not requested": {edit: withSig("0x7d0", func(p *nagaTemplate) {
			p.ResourceAbilityRequests = []resource.Request{{Resource: resource.Resource{Prefix: resource.LitAction, ID: "*"}, Ability: resource.LitActionExecution}}
		}), status: 401, code: CodeInvalidSessionSig, msg: "does not grant"},
		"forged delegation": {edit: withSig("0x7d0", func(p *nagaTemplate) {
			d := s.delegation
			d.SignedMessage = strings.Replace(d.SignedMessage, "Chain ID: 1", "Chain ID: 5", 1)
			p.Capabilities = []authsig.AuthSig{d}
		}), status: 401, code: CodeInvalidSessionSig, msg: "LIT_BLS"},
		"other PKP": {edit: otherPKP, status: 401, code: CodeNotAuthorized, msg: "may not sign with PKP"},
	} {
		body := good()
		tc.edit(body)
		id := "lit_1760000000000_abcdef"
		if tc.requestID == "-" {
			id = ""
		}
		_, e := callNaga(t, ServeNagaPKPSign, me, id, body)
		if e == nil || e.Status != tc.status || e.Details != tc.code || !strings.Contains(e.Msg, tc.msg) {
			t.Errorf("%s: got %+v; want %d %s containing %q", name, e, tc.status, tc.code, tc.msg)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
