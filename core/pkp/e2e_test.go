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
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/core/storage"
	"github.com/litgo/litsession/core/verify"
	"github.com/litgo/litsession/devnet"
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
	net, err := devnet.Start(context.Background(), devnet.Config{Nodes: 3, Threshold: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { net.Close() })
	owner, _ := crypto.GenerateKey()
	p, err := net.MintPKP(crypto.PubkeyToAddress(owner.PublicKey).Hex())
	if err != nil {
		t.Fatal(err)
	}
	ht := httptransport.New(nil)
	t.Cleanup(ht.CloseIdleConnections)
	tt := &tamperTransport{inner: ht}
	c, err := node.New(node.Config{Transport: tt, RPCURL: net.RPCURL})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &fixture{net: net, client: c, tamper: tt, owner: owner, pkp: p}
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

var _ = siwe.FormatTime
var _ session.Info
