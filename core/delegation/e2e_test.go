package delegation_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/devnet"
	"github.com/litgo/litsession/internal/devnettest"
)

// faults wraps the HTTP transport to play nodes that restart, move or
// refuse: rule, when set, may answer a request instead of the node.
type faults struct {
	inner node.Transport
	mu    sync.Mutex
	rule  func(req node.Request) (node.Response, error, bool)
	calls map[string]int // URL → requests sent (answered by the rule or not)
}

func (f *faults) Do(ctx context.Context, req node.Request) (node.Response, error) {
	f.mu.Lock()
	f.calls[req.URL]++
	rule := f.rule
	f.mu.Unlock()
	if rule != nil {
		if resp, err, ok := rule(req); ok {
			return resp, err
		}
	}
	return f.inner.Do(ctx, req)
}

func (f *faults) set(rule func(req node.Request) (node.Response, error, bool)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rule = rule
}

func (f *faults) count(url string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[url]
}

// litError is a node's Lit JSON error answer.
func litError(status int, code, msg string) node.Response {
	b, _ := json.Marshal(map[string]any{"errorKind": "Validation", "errorCode": code, "status": status, "message": msg, "correlationId": "lit_0", "details": []string{}})
	return node.Response{Status: status, Body: b}
}

type fixture struct {
	net    *devnet.Network
	client *node.Client
	faults *faults
	owner  *ecdsa.PrivateKey
	pkp    devnet.PKP
}

func setup(t *testing.T) *fixture {
	t.Helper()
	return setupNetwork(t, devnet.Config{})
}

// setupNaga is setup on a naga devnet of 4 nodes with the given prices
// (devnet.ParsePrices).
func setupNaga(t *testing.T, prices string) *fixture {
	t.Helper()
	ps, err := devnet.ParsePrices(prices)
	if err != nil {
		t.Fatal(err)
	}
	return setupNetwork(t, devnet.Config{Network: devnet.NetworkNaga, Nodes: 4, Prices: ps})
}

// setupNetwork starts a devnet with cfg, a PKP and a client whose
// requests go through the fixture's faults.
func setupNetwork(t *testing.T, cfg devnet.Config) *fixture {
	t.Helper()
	ft := &faults{calls: map[string]int{}}
	d := devnettest.Start(t, devnettest.Options{Timeout: 5 * time.Second, Devnet: cfg, Wrap: func(inner node.Transport) node.Transport {
		ft.inner = inner
		return ft
	}})
	return &fixture{net: d.Net, client: d.Client, faults: ft, owner: d.Owner, pkp: d.PKP}
}

// scoped grants pkp-signing on this PKP only.
func (f *fixture) scoped() []resource.Request {
	return []resource.Request{{Resource: f.pkp.Resource(), Ability: resource.PKPSigning}}
}

// delegate makes an envelope the way a client does.
func (f *fixture) delegate(t *testing.T, exp time.Time) (envelope.Envelope, []byte) {
	return f.delegateB(t, exp)
}

func (f *fixture) delegateB(t testing.TB, exp time.Time) (envelope.Envelope, []byte) {
	t.Helper()
	kp, err := sessionkey.Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := delegation.GeneratePkpDelegationAuthSig(context.Background(), f.client, delegation.GenerateParams{
		PKPPublicKey:   f.pkp.PublicKey,
		Owner:          authsig.NewKeySignerFromECDSA(f.owner),
		SessionKeyPair: kp,
		Resources:      f.scoped(),
		Expiration:     exp,
	})
	if err != nil {
		t.Fatal(err)
	}
	env := envelope.Envelope{PKPPublicKey: f.pkp.PublicKey, SessionKeyPair: kp, DelegationAuthSig: a}
	b, err := envelope.Encode(env)
	if err != nil {
		t.Fatal(err)
	}
	return env, b
}

// context decodes and validates an envelope as a server does.
func (f *fixture) context(t *testing.T, b []byte) *delegation.AuthContext {
	t.Helper()
	env, err := envelope.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	ac, err := delegation.CreatePkpAuthContextFromPreGenerated(*env, f.client.NetworkPublicKey(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return ac
}

func randomDigest() [32]byte {
	var d [32]byte
	rand.Read(d[:])
	return d
}

// checkSig checks that sig is the PKP's signature of digest.
func (f *fixture) checkSig(t *testing.T, digest [32]byte, signature string) {
	t.Helper()
	if err := f.sigErr(digest, signature); err != nil {
		t.Fatal(err)
	}
}

// sigErr says why signature is not the PKP's signature of digest.
func (f *fixture) sigErr(digest [32]byte, signature string) error {
	raw, err := hex.DecodeString(strings.TrimPrefix(signature, "0x"))
	if err != nil || len(raw) != 65 {
		return fmt.Errorf("signature %q is not 65 bytes of hex", signature)
	}
	raw[64] -= 27
	pub, err := crypto.Ecrecover(digest[:], raw)
	if err != nil || "0x"+hex.EncodeToString(pub) != f.pkp.PublicKey {
		return fmt.Errorf("recovered %x (%v), want %s", pub, err, f.pkp.PublicKey)
	}
	return nil
}

func TestEndToEnd(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	exp := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	env, b := f.delegate(t, exp)
	ac := f.context(t, b)

	if ac.PKP.PublicKey != f.pkp.PublicKey || ac.SessionKeyPair.URI() != env.SessionKeyPair.URI() {
		t.Fatalf("context %+v", ac)
	}
	cfg := ac.AuthConfig
	if cfg.Domain != pkp.DefaultDomain || cfg.Expiration != siwe.FormatTime(exp) || !ac.Expiration().Equal(exp) ||
		!strings.HasPrefix(cfg.Statement, pkp.SIWEStatement+" I further authorize") || len(cfg.CapabilityAuthSigs) != 0 {
		t.Fatalf("auth config %+v", cfg)
	}
	if len(cfg.Resources) != 1 || cfg.Resources[0].Resource.Key() != f.pkp.Resource().Key() || cfg.Resources[0].Ability != resource.PKPSigning {
		t.Fatalf("resources %+v", cfg.Resources)
	}
	if j, _ := json.Marshal(ac); bytes.Contains(j, []byte(env.SessionKeyPair.SecretKeyHex()[:64])) {
		t.Fatal("the auth context's JSON carries the session secret")
	}
	if s := fmt.Sprintf("%v %+v", ac, ac); strings.Contains(s, env.SessionKeyPair.SecretKeyHex()[:64]) {
		t.Fatal("formatting the auth context prints the session secret")
	}

	// Fresh session signatures, one per node, that every node accepts.
	start := time.Now()
	sigs, err := delegation.CreatePkpSessionSigs(ctx, f.client, ac, delegation.SessionSigsParams{})
	if err != nil {
		t.Fatal(err)
	}
	if sigs.Len() != 3 {
		t.Fatalf("%d session sigs", sigs.Len())
	}
	op := resource.Request{Resource: f.pkp.Resource(), Ability: resource.PKPSigning}
	for i, u := range f.client.ConnectedNodes() {
		s, _ := sigs.Get(u)
		res, err := f.net.Nodes[i].VerifySessionSig(s, op)
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		if res.WalletAddress != f.pkp.EthAddress || res.DelegatedVia != authsig.DerivedViaBLS || !res.DelegationExpiration.Equal(exp) {
			t.Fatalf("node %d: %+v", i, res)
		}
		if life := res.Expiration.Sub(start); life > delegation.DefaultSessionValidity+time.Second || life < delegation.DefaultSessionValidity-5*time.Second {
			t.Fatalf("session sigs live %v, want about %v", life, delegation.DefaultSessionValidity)
		}
	}

	// pkpSign with fresh sigs, through the Signer.
	signer := delegation.NewSigner(f.client)
	for range 3 {
		d := randomDigest()
		sig, err := signer.PkpSign(ctx, ac, d)
		if err != nil {
			t.Fatal(err)
		}
		f.checkSig(t, d, sig.Signature)
	}
	if signer.Rotations() != 0 {
		t.Fatalf("%d rotations on a stable network", signer.Rotations())
	}

	// Session signatures never outlive the delegation.
	sigs, err = delegation.CreatePkpSessionSigs(ctx, f.client, ac, delegation.SessionSigsParams{Expiration: exp.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	s0, _ := sigs.Get(f.client.ConnectedNodes()[0])
	if !strings.Contains(s0.SignedMessage, `"expiration":"`+siwe.FormatTime(exp)+`"`) {
		t.Fatalf("session expiration is not capped at the delegation's: %s", s0.SignedMessage)
	}
}

// verifyAt POSTs one node's session signature to the devnet's
// session-protected endpoint and returns the status and reason.
func verifyAt(t *testing.T, nodeURL string, sig authsig.AuthSig, res, ability string) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"authSig": sig, "resource": res, "ability": ability})
	resp, err := http.Post(nodeURL+devnet.SessionVerifyPath, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Reason string `json:"reason"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.Reason
}

func TestScope(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	_, b := f.delegate(t, time.Now().Add(time.Hour))
	ac := f.context(t, b)
	litAction := resource.Request{Resource: resource.Resource{Prefix: resource.LitAction, ID: "*"}, Ability: resource.LitActionExecution}
	anyPKP := resource.Request{Resource: resource.Resource{Prefix: resource.PKP, ID: "*"}, Ability: resource.PKPSigning}

	// Refused locally: the ReCap grants pkp-signing on this PKP only.
	for _, q := range []resource.Request{litAction, anyPKP} {
		_, err := delegation.CreatePkpSessionSigs(ctx, f.client, ac, delegation.SessionSigsParams{ResourceAbilityRequests: []resource.Request{q}})
		if !delegation.IsReason(err, delegation.ReasonScope) || !strings.Contains(err.Error(), "does not grant "+string(q.Ability)) {
			t.Fatalf("%s: want a scope refusal, got %v", q.Resource.Key(), err)
		}
	}

	// Refused by the nodes: session signatures that request lit-litaction
	// anyway (made by hand, past the local check), and proper ones used
	// for a Lit Action.
	u := f.client.ConnectedNodes()[0]
	forged, err := session.Sign(ac.SessionKeyPair, session.Template{
		ResourceAbilityRequests: []resource.Request{litAction},
		Capabilities:            []authsig.AuthSig{ac.DelegationAuthSig},
		IssuedAt:                siwe.FormatTime(time.Now()),
		Expiration:              siwe.FormatTime(time.Now().Add(time.Minute)),
	}, []string{u})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := forged.Get(u)
	if code, reason := verifyAt(t, u, s, "lit-litaction://*", "lit-action-execution"); code != 401 || reason != "not_authorized" {
		t.Fatalf("forged lit-litaction session: %d %s", code, reason)
	}
	sigs, err := delegation.CreatePkpSessionSigs(ctx, f.client, ac, delegation.SessionSigsParams{})
	if err != nil {
		t.Fatal(err)
	}
	s, _ = sigs.Get(u)
	if code, reason := verifyAt(t, u, s, "lit-litaction://QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3", "lit-action-execution"); code != 401 || reason != "not_authorized" {
		t.Fatalf("pkp session for a Lit Action: %d %s", code, reason)
	}
	if code, reason := verifyAt(t, u, s, f.pkp.Resource().Key(), "pkp-signing"); code != 200 {
		t.Fatalf("pkp session for its PKP: %d %s", code, reason)
	}

	// Another PKP of the same owner: the nodes refuse to sign with it.
	other, err := f.net.MintPKP(f.pkp.Owner)
	if err != nil {
		t.Fatal(err)
	}
	_, err = pkp.PkpSign(ctx, f.client, sigs, other.PublicKey, randomDigest())
	var re *pkp.RefusedError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "not_authorized") {
		t.Fatalf("signing with another PKP: %v", err)
	}
	if delegation.NeedsRotation(err) {
		t.Fatal("a scope refusal must not trigger a rotation")
	}
}
