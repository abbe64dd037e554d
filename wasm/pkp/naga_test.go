//go:build js && wasm

package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/devnet"
	"github.com/litgo/litsession/wasm/internal/devnetfetch"
)

// nagaNet is a naga devnet (4 priced nodes, threshold 3) in the test
// binary, started by the first naga test; its URLs go through the same
// in-process fetch as the datil devnet's.
var nagaNet = sync.OnceValues(func() (*devnet.Network, error) {
	prices, err := devnet.ParsePrices("signsessionkey=10,11,99,12;sign=2000,2001,2999,2002")
	if err != nil {
		return nil, err
	}
	return devnetfetch.Start(devnet.Config{Network: devnet.NetworkNaga, Nodes: 4, Prices: prices, NoContextFile: true})
})

func startNaga(t *testing.T) *devnet.Network {
	t.Helper()
	n, err := nagaNet()
	if err != nil {
		t.Fatalf("starting the naga devnet: %v", err)
	}
	return n
}

// TestNagaHandOff is TestHandOff on naga: the module's client speaks v8
// (E2EE sign_session_key/v2 to the threshold cheapest nodes, LE32 BLS
// shares verified under the network key), returns the session secret as
// v8's 64-hex seed, and a naga server signs with the envelope.
func TestNagaHandOff(t *testing.T) {
	n := startNaga(t)
	w := newWallet(t, testKey)
	p, err := n.MintPKP(testAddress)
	if err != nil {
		t.Fatal(err)
	}
	c := createClient(t, map[string]any{
		"network":          "naga",
		"rpcUrl":           n.RPCURL,
		"bootstrapUrls":    toAny(n.NodeURLs),
		"minNodeCount":     n.Threshold,
		"networkPublicKey": n.NetworkPublicKey,
		"provider":         w.provider(),
	})
	mustOK(t, c.Call("connect"), "connect")
	kp, err := sessionkey.Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	before := devnetfetch.Count(node.Naga.Path(node.EndpointSignSessionKey))
	params := genParams(p, nil)
	params["sessionKeyPair"] = map[string]any{"publicKey": kp.PublicKeyHex(), "secretKey": kp.SeedHex()}
	v := mustOK(t, c.Call("generatePkpDelegationAuthSig", jsonString(t, params)), "generatePkpDelegationAuthSig")
	if got := v.Get("sessionKeyPair").Get("secretKey").String(); got != kp.SeedHex() {
		t.Errorf("sessionKeyPair.secretKey has %d hex characters; on naga it must be the 64-hex seed v8 code signs with", len(got))
	}
	if n := w.count(); n != 1 {
		t.Errorf("the wallet signed %d times, want once (the EthWallet auth method)", n)
	}
	// v8's threshold is max(3, floor(2n/3)): 3 of the 4 nodes, the cheapest.
	if got := devnetfetch.Count(node.Naga.Path(node.EndpointSignSessionKey)) - before; got != 3 {
		t.Errorf("%d sign_session_key/v2 requests, want one per chosen node (the 3 cheapest)", got)
	}
	r := generate(t, c, params) // a second delegation: the wallet signs again (nothing cached)
	d, err := delegation.ValidateDelegationAuthSig(r.authSig, delegation.Expect{PKPPublicKey: p.PublicKey, SessionKey: kp.URI(), NetworkPublicKey: n.NetworkPublicKey})
	if err != nil {
		t.Fatalf("the delegation does not validate: %v", err)
	}
	if got := delegation.RecapRequests(d.Recap); len(got) != 1 || got[0].Resource != p.Resource() {
		t.Errorf("the delegation grants %v, want pkp-signing on %s only", got, p.Resource().Key())
	}

	res := api.Call("createDelegationEnvelope", jsonString(t, map[string]any{
		"pkpPublicKey": p.PublicKey, "sessionKeyPair": map[string]any{"publicKey": kp.PublicKeyHex(), "secretKey": kp.SeedHex()},
		"delegationAuthSig": r.authSig,
	}))
	env, err := envelope.Decode([]byte(res.Get("envelope").String()))
	if err != nil {
		t.Fatalf("envelope.Decode: %v", err)
	}
	nc, err := node.New(node.Config{Transport: httptransport.New(devnetfetch.Client), RPCURL: n.RPCURL, Generation: node.Naga, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	ac, err := delegation.CreatePkpAuthContextFromPreGenerated(*env, nc.NetworkPublicKey(), time.Time{})
	if err != nil {
		t.Fatalf("the naga server refuses the envelope: %v", err)
	}
	digest := crypto.Keccak256Hash([]byte("hello from the browser, on naga"))
	sig, err := delegation.NewSigner(nc).PkpSign(context.Background(), ac, digest)
	if err != nil {
		t.Fatalf("server pkpSign on naga: %v", err)
	}
	rec := api.Call("recoverPublicKey", digest.Hex(), map[string]any{"r": sig.R, "s": sig.S, "recid": sig.Recid})
	if got := rec.Get("publicKey").String(); got != p.PublicKey {
		t.Errorf("the naga signature recovers to %.20s…, want the PKP key %.20s…", got, p.PublicKey)
	}
}

// A datil client cannot reach a naga network, and the error says the
// network speaks naga.
func TestNagaNetworkMismatch(t *testing.T) {
	n := startNaga(t)
	c := createClient(t, map[string]any{
		"bootstrapUrls": toAny(n.NodeURLs),
		"minNodeCount":  n.Threshold,
		"provider":      newWallet(t, testKey).provider(),
	})
	_, e := wait(t, c.Call("connect"))
	if e == nil {
		t.Fatal("a datil client connected to a naga network")
	}
	if !strings.Contains(e.msg, "this network speaks naga") {
		t.Errorf("the error does not say the network speaks naga: [%s] %s", e.code, e.msg)
	}
}
