package pkp_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/core/storage"
	"github.com/litgo/litsession/core/verify"
	"github.com/litgo/litsession/devnet"
	"github.com/litgo/litsession/internal/devnettest"
	"github.com/litgo/litsession/internal/testutil"
)

// tamperTransport rewrites answers of chosen nodes, to play a faulty or
// malicious node.
type tamperTransport struct {
	inner node.Transport
	mu    sync.Mutex
	edit  map[string]func([]byte) []byte // URL prefix + path → body rewrite
}

func (t *tamperTransport) Do(ctx context.Context, req node.Request) (node.Response, error) {
	resp, err := t.inner.Do(ctx, req)
	if err != nil {
		return resp, err
	}
	t.mu.Lock()
	f := t.edit[req.URL]
	t.mu.Unlock()
	if f != nil {
		resp.Body = f(resp.Body)
	}
	return resp, nil
}

func (t *tamperTransport) set(url string, f func([]byte) []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.edit == nil {
		t.edit = map[string]func([]byte) []byte{}
	}
	t.edit[url] = f
}

type fixture struct {
	net    *devnet.Network
	client *node.Client
	tamper *tamperTransport
	owner  *ecdsa.PrivateKey
	pkp    devnet.PKP
}

func setup(t *testing.T) *fixture {
	t.Helper()
	tt := &tamperTransport{}
	d := devnettest.Start(t, devnettest.Options{Wrap: func(inner node.Transport) node.Transport {
		tt.inner = inner
		return tt
	}})
	return &fixture{net: d.Net, client: d.Client, tamper: tt, owner: d.Owner, pkp: d.PKP}
}

func (f *fixture) authMethod(t *testing.T, key *ecdsa.PrivateKey) pkp.AuthMethod {
	t.Helper()
	nonce, err := f.client.LatestBlockhash(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m, err := pkp.SignEthWalletAuthMethod(context.Background(), authsig.NewKeySignerFromECDSA(key), nonce, time.Now().Add(time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var pkpSigning = []resource.Request{{Resource: resource.Resource{Prefix: resource.PKP, ID: "*"}, Ability: resource.PKPSigning}}

func sessionURI() string {
	var b [32]byte
	rand.Read(b[:])
	return "lit:session:" + hex.EncodeToString(b[:])
}

func TestEndToEnd(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	am := f.authMethod(t, f.owner)

	// 1. sign_session_key alone.
	uri := sessionURI()
	a, err := pkp.SignSessionKey(ctx, f.client, pkp.SignSessionKeyParams{
		SessionKey: uri, PKPPublicKey: f.pkp.PublicKey, AuthMethods: []pkp.AuthMethod{am}, ResourceAbilityRequests: pkpSigning,
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.Algo != "LIT_BLS" || a.DerivedVia != "lit.bls" || a.Address != f.pkp.EthAddress || !strings.HasPrefix(a.Sig, `{"ProofOfPossession":"`) {
		t.Fatalf("AuthSig %+v", a)
	}
	msg, err := pkp.VerifyAuthSig(a, f.client.NetworkPublicKey(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if msg.URI() != uri || msg.Domain() != pkp.DefaultDomain || !strings.HasPrefix(msg.Statement(), pkp.SIWEStatement+" I further authorize") {
		t.Fatalf("SIWE %q", msg)
	}
	j, _ := json.Marshal(a)
	if !bytes.HasPrefix(j, []byte(`{"sig":"{\"ProofOfPossession\":\"`)) || !bytes.Contains(j, []byte(`","algo":"LIT_BLS","derivedVia":"lit.bls","signedMessage":"`)) {
		t.Fatalf("JSON %s", j)
	}

	// 2. Session signatures, cached per PKP.
	store := storage.NewMemory()
	eng, err := pkp.NewEngine(f.client, store, f.pkp.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	params := pkp.SessionSigsParams{PKPPublicKey: f.pkp.PublicKey, AuthMethods: []pkp.AuthMethod{am}, ResourceAbilityRequests: pkpSigning}
	sigs, info, err := pkp.GetPkpSessionSigs(ctx, f.client, eng, params)
	if err != nil {
		t.Fatal(err)
	}
	if !info.WalletAsked || sigs.Len() != 3 || info.WalletAddress != f.pkp.EthAddress {
		t.Fatalf("info %+v, %d sigs", info, sigs.Len())
	}
	if _, ok, _ := store.Get(ctx, pkp.WalletSigKeyPrefix+f.pkp.EthAddress); !ok {
		t.Fatal("the delegation is not cached under the PKP's slot")
	}
	if _, ok, _ := store.Get(ctx, storage.KeyWalletSig); ok {
		t.Fatal("the shared lit-wallet-sig slot was written")
	}
	_, info, err = pkp.GetPkpSessionSigs(ctx, f.client, eng, params)
	if err != nil || !info.CacheReused || info.WalletAsked {
		t.Fatalf("second call: %+v %v", info, err)
	}

	// Every node's verifier accepts its session signature.
	for i, u := range f.client.ConnectedNodes() {
		s, _ := sigs.Get(u)
		op := resource.Request{Resource: pkp.PKP{TokenID: f.pkp.TokenID}.Resource(), Ability: resource.PKPSigning}
		res, err := f.net.Nodes[i].VerifySessionSig(s, op)
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		if res.DelegatedVia != authsig.DerivedViaBLS || res.WalletAddress != f.pkp.EthAddress {
			t.Fatalf("node %d: %+v", i, res)
		}
	}
	v := verify.New(verify.Config{NodeURL: f.client.ConnectedNodes()[0], NetworkPublicKey: f.client.NetworkPublicKey()})
	s0, _ := sigs.Get(f.client.ConnectedNodes()[0])
	if _, err := v.Verify(s0, pkpSigning[0]); err != nil {
		t.Fatal(err)
	}

	// 3. pkpSign.
	for i := 0; i < 3; i++ {
		var digest [32]byte
		rand.Read(digest[:])
		sig, err := pkp.PkpSign(ctx, f.client, sigs, f.pkp.PublicKey, digest)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := hex.DecodeString(strings.TrimPrefix(sig.Signature, "0x"))
		raw[64] -= 27
		pub, err := crypto.Ecrecover(digest[:], raw)
		if err != nil || "0x"+hex.EncodeToString(pub) != f.pkp.PublicKey {
			t.Fatalf("recovered %x (%v), want %s", pub, err, f.pkp.PublicKey)
		}
		if sig.DataSigned != hex.EncodeToString(digest[:]) {
			t.Fatalf("dataSigned %s", sig.DataSigned)
		}
	}
}

func TestNotPermitted(t *testing.T) {
	f := setup(t)
	stranger, _ := crypto.GenerateKey()
	_, err := pkp.SignSessionKey(context.Background(), f.client, pkp.SignSessionKeyParams{
		SessionKey: sessionURI(), PKPPublicKey: f.pkp.PublicKey, AuthMethods: []pkp.AuthMethod{f.authMethod(t, stranger)}, ResourceAbilityRequests: pkpSigning,
	})
	var re *pkp.RefusedError
	var ne *node.NodeError
	if !errors.As(err, &re) || !errors.As(err, &ne) || ne.Code != devnet.CodeNotAuthorized || len(re.Refusals) != 3 {
		t.Fatalf("want a refusal NodeNotAuthorized from every node, got %v", err)
	}
	if strings.Count(err.Error(), "NodeNotAuthorized") != 1 {
		t.Errorf("the same refusal should be reported once:\n%v", err)
	}
}

// otherShare replaces a sign_session_key answer's share with one of the
// same identifier under another key: a well-formed but wrong share.
func otherShare(t *testing.T) func([]byte) []byte {
	return func(body []byte) []byte {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Error(err)
			return body
		}
		share := m["signatureShare"].(map[string]any)
		orig, _ := hex.DecodeString(share["ProofOfPossession"].(string))
		digest, _ := hex.DecodeString(m["dataSigned"].(string))
		sk, _ := bls.GenerateSecretKey(nil)
		share["ProofOfPossession"] = hex.EncodeToString(bls.SignShare(bls.KeyShare{ID: orig[0], Key: sk}, digest))
		out, _ := json.Marshal(m)
		return out
	}
}

func TestTamperedBLSShare(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	nodes := f.client.ConnectedNodes()
	p := pkp.SignSessionKeyParams{SessionKey: sessionURI(), PKPPublicKey: f.pkp.PublicKey,
		AuthMethods: []pkp.AuthMethod{f.authMethod(t, f.owner)}, ResourceAbilityRequests: pkpSigning}

	// One bad node of three: the other two (the threshold) still give a
	// signature that verifies.
	f.tamper.set(nodes[1]+pkp.SignSessionKeyPath, otherShare(t))
	a, err := pkp.SignSessionKey(ctx, f.client, p)
	if err != nil {
		t.Fatalf("one faulty node should be tolerated: %v", err)
	}
	if _, err := pkp.VerifyAuthSig(a, f.client.NetworkPublicKey(), time.Now()); err != nil {
		t.Fatal(err)
	}

	// Two bad nodes: no two shares combine to a valid signature.
	f.tamper.set(nodes[2]+pkp.SignSessionKeyPath, otherShare(t))
	if _, err := pkp.SignSessionKey(ctx, f.client, p); !errors.Is(err, pkp.ErrBadShares) {
		t.Fatalf("want ErrBadShares, got %v", err)
	}

	// A node dropping a field is ignored, like in the SDK, while enough
	// others answer; a third one missing leaves too few.
	f.tamper.set(nodes[1]+pkp.SignSessionKeyPath, nil)
	f.tamper.set(nodes[2]+pkp.SignSessionKeyPath, func(b []byte) []byte { return bytes.Replace(b, []byte(`"blsRootPubkey"`), []byte(`"x"`), 1) })
	if _, err := pkp.SignSessionKey(ctx, f.client, p); err != nil {
		t.Fatalf("an incomplete answer from one node: %v", err)
	}
	f.tamper.set(nodes[1]+pkp.SignSessionKeyPath, func(b []byte) []byte { return bytes.Replace(b, []byte(`"result":"success"`), []byte(`"result":""`), 1) })
	var ne *node.NotEnoughNodesError
	if _, err := pkp.SignSessionKey(ctx, f.client, p); !errors.As(err, &ne) || !strings.Contains(err.Error(), "incomplete answer") {
		t.Fatalf("want NotEnoughNodesError naming the incomplete answers, got %v", err)
	}
}

func TestTamperedECDSAShare(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	sigs, _, err := pkp.GetPkpSessionSigs(ctx, f.client, nil, pkp.SessionSigsParams{PKPPublicKey: f.pkp.PublicKey,
		AuthMethods: []pkp.AuthMethod{f.authMethod(t, f.owner)}, ResourceAbilityRequests: pkpSigning})
	if err != nil {
		t.Fatal(err)
	}
	nodes := f.client.ConnectedNodes()
	var digest [32]byte
	rand.Read(digest[:])
	edit := func(field, value string) func([]byte) []byte {
		return func(b []byte) []byte {
			var m map[string]any
			json.Unmarshal(b, &m)
			m["signatureShare"].(map[string]any)[field] = value
			out, _ := json.Marshal(m)
			return out
		}
	}
	var other [32]byte
	rand.Read(other[:])
	for name, tc := range map[string]struct {
		field, value string
		want         string
	}{
		"share":     {"signature_share", `"` + hex.EncodeToString(other[:]) + `"`, "does not verify"},
		"big_r":     {"big_r", hex.EncodeToString(crypto.CompressPubkey(&f.owner.PublicKey)), "different big_r"},
		"digest":    {"digest", hex.EncodeToString(other[:]), "signed digest"},
		"sig type":  {"sig_type", "EcdsaCaitSithP256", "sig_type"},
		"no prefix": {"public_key", "zz", "publicKey"},
	} {
		f.tamper.set(nodes[2]+pkp.PKPSignPath, edit(tc.field, tc.value))
		_, err := pkp.PkpSign(ctx, f.client, sigs, f.pkp.PublicKey, digest)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: want an error containing %q, got %v", name, tc.want, err)
		}
		if name == "share" && !errors.Is(err, pkp.ErrBadShares) {
			t.Errorf("share: want ErrBadShares, got %v", err)
		}
	}
	// Unquoted hex and camelCase keys are read like the quoted snake_case.
	f.tamper.set(nodes[2]+pkp.PKPSignPath, func(b []byte) []byte {
		b = bytes.ReplaceAll(b, []byte(`\"`), nil)
		return bytes.ReplaceAll(b, []byte(`"big_r"`), []byte(`"bigR"`))
	})
	if _, err := pkp.PkpSign(ctx, f.client, sigs, f.pkp.PublicKey, digest); err != nil {
		t.Fatalf("unquoted camelCase answer: %v", err)
	}
}

func TestExpired(t *testing.T) {
	clock := testutil.NewClock(time.Now())
	d := devnettest.Start(t, devnettest.Options{Devnet: devnet.Config{Nodes: 2, Threshold: 2, Now: clock.Now}})
	c, owner, p := d.Client, d.Owner, d.PKP
	ctx := context.Background()
	nonce, _ := c.LatestBlockhash(ctx)
	am, err := pkp.SignEthWalletAuthMethod(ctx, authsig.NewKeySignerFromECDSA(owner), nonce, clock.Now().Add(24*time.Hour), clock.Now)
	if err != nil {
		t.Fatal(err)
	}

	// A delegation that has already expired is refused by the nodes.
	_, err = pkp.SignSessionKey(ctx, c, pkp.SignSessionKeyParams{SessionKey: sessionURI(), PKPPublicKey: p.PublicKey,
		AuthMethods: []pkp.AuthMethod{am}, ResourceAbilityRequests: pkpSigning,
		Expiration: siwe.FormatTime(clock.Now().Add(-time.Minute)), Now: clock.Now})
	var ne *node.NodeError
	if !errors.As(err, &ne) || ne.Code != devnet.CodeInvalidSIWE || !strings.Contains(ne.Message, "expired") {
		t.Fatalf("want NodeInvalidSIWE expired, got %v", err)
	}

	// A valid one stops working, locally and on the nodes, once it expires.
	eng, _ := pkp.NewEngine(c, nil, p.PublicKey)
	eng.Now = clock.Now
	exp := siwe.FormatTime(clock.Now().Add(time.Hour))
	sigs, _, err := pkp.GetPkpSessionSigs(ctx, c, eng, pkp.SessionSigsParams{PKPPublicKey: p.PublicKey,
		AuthMethods: []pkp.AuthMethod{am}, ResourceAbilityRequests: pkpSigning, Expiration: exp})
	if err != nil {
		t.Fatal(err)
	}
	var digest [32]byte
	if _, err := pkp.PkpSign(ctx, c, sigs, p.PublicKey, digest); err != nil {
		t.Fatal(err)
	}
	s, _ := sigs.Get(c.ConnectedNodes()[0])
	var tmpl struct {
		Capabilities []authsig.AuthSig `json:"capabilities"`
	}
	json.Unmarshal([]byte(s.SignedMessage), &tmpl)
	deleg := tmpl.Capabilities[len(tmpl.Capabilities)-1]
	if _, err := pkp.VerifyAuthSig(deleg, c.NetworkPublicKey(), clock.Now()); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Hour)
	if _, err := pkp.VerifyAuthSig(deleg, c.NetworkPublicKey(), clock.Now()); !authsig.IsReason(err, authsig.ReasonExpired) {
		t.Fatalf("want expired, got %v", err)
	}
	_, err = pkp.PkpSign(ctx, c, sigs, p.PublicKey, digest)
	if !errors.As(err, &ne) || ne.Code != devnet.CodeInvalidSessionSig || !strings.Contains(ne.Message, "expired") {
		t.Fatalf("want NodeInvalidSessionSig expired, got %v", err)
	}
}

// TestEOASessionSigs: EOA session signatures of the owner (a permitted
// address) may sign with the PKP; a stranger's may not.
func TestEOASessionSigs(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	for _, tc := range []struct {
		key  *ecdsa.PrivateKey
		want string
	}{{f.owner, ""}, {nil, devnet.CodeNotAuthorized}} {
		key := tc.key
		if key == nil {
			key, _ = crypto.GenerateKey()
		}
		eng := &session.Engine{Network: f.client, Wallet: authsig.NewKeySignerFromECDSA(key)}
		sigs, _, err := eng.GetSessionSigs(ctx, session.Params{ResourceAbilityRequests: pkpSigning})
		if err != nil {
			t.Fatal(err)
		}
		_, err = pkp.PkpSign(ctx, f.client, sigs, f.pkp.PublicKey, [32]byte{1})
		var ne *node.NodeError
		switch {
		case tc.want == "" && err != nil:
			t.Fatalf("owner: %v", err)
		case tc.want != "" && (!errors.As(err, &ne) || ne.Code != tc.want):
			t.Fatalf("stranger: want %s, got %v", tc.want, err)
		}
	}
}

// TestSharedSlotRefused: a caller's engine whose lit-wallet-sig slot holds
// an EOA delegation never yields it as the PKP's.
func TestSharedSlotRefused(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	store := storage.NewMemory()
	eoa := &session.Engine{Network: f.client, Storage: store, Wallet: authsig.NewKeySignerFromECDSA(f.owner)}
	if _, _, err := eoa.GetSessionSigs(ctx, session.Params{ResourceAbilityRequests: pkpSigning}); err != nil {
		t.Fatal(err)
	}
	shared := &session.Engine{Network: f.client, Storage: store}
	_, _, err := pkp.GetPkpSessionSigs(ctx, f.client, shared, pkp.SessionSigsParams{PKPPublicKey: f.pkp.PublicKey,
		AuthMethods: []pkp.AuthMethod{f.authMethod(t, f.owner)}, ResourceAbilityRequests: pkpSigning})
	if err == nil || !strings.Contains(err.Error(), "not from the PKP") {
		t.Fatalf("want the cached EOA delegation refused, got %v", err)
	}
	// NewEngine over the same storage keeps its own slot.
	eng, _ := pkp.NewEngine(f.client, store, f.pkp.PublicKey)
	if _, info, err := pkp.GetPkpSessionSigs(ctx, f.client, eng, pkp.SessionSigsParams{PKPPublicKey: f.pkp.PublicKey,
		AuthMethods: []pkp.AuthMethod{f.authMethod(t, f.owner)}, ResourceAbilityRequests: pkpSigning}); err != nil || !info.WalletAsked {
		t.Fatalf("%+v %v", info, err)
	}
}

func TestPkpSignNeedsEveryNode(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	sigs, _, err := pkp.GetPkpSessionSigs(ctx, f.client, nil, pkp.SessionSigsParams{PKPPublicKey: f.pkp.PublicKey,
		AuthMethods: []pkp.AuthMethod{f.authMethod(t, f.owner)}, ResourceAbilityRequests: pkpSigning})
	if err != nil {
		t.Fatal(err)
	}
	// A session signature map missing a node is refused before sending.
	var partial session.SessionSigs
	j, _ := json.Marshal(sigs)
	var m map[string]json.RawMessage
	json.Unmarshal(j, &m)
	delete(m, f.client.ConnectedNodes()[1])
	j, _ = json.Marshal(m)
	json.Unmarshal(j, &partial)
	if _, err := pkp.PkpSign(ctx, f.client, &partial, f.pkp.PublicKey, [32]byte{}); err == nil || !strings.Contains(err.Error(), "none for node") {
		t.Fatalf("want a missing-node error, got %v", err)
	}
	// One node failing fails the call.
	f.tamper.set(f.client.ConnectedNodes()[0]+pkp.PKPSignPath, func([]byte) []byte { return []byte(`{"success":false}`) })
	if _, err := pkp.PkpSign(ctx, f.client, sigs, f.pkp.PublicKey, [32]byte{}); err == nil || !strings.Contains(err.Error(), "success false") {
		t.Fatalf("want a failure naming the node, got %v", err)
	}
}
