//go:build js && wasm

package main

import (
	"encoding/json"
	"math/big"
	"strings"
	"sync"
	"testing"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/storage"
	"github.com/litgo/litsession/core/verify"
	"github.com/litgo/litsession/devnet"
	"github.com/litgo/litsession/wasm/internal/devnetfetch"
)

// nagaPrices are the naga devnet's SIGN prices: node 2 is the dearest, so
// SIGN session sigs go to nodes 0, 1 and 3 (v8's threshold of 4 is 3).
var nagaPrices = []int64{2000, 2001, 2999, 2002}

// nagaNet is a naga devnet in the test binary (Go's in-process network
// for js/wasm), reached through the page's fetch (devnetfetch), so the
// module's fetch transport, E2EE-free session flow and price reads run
// unchanged.
var nagaNet = sync.OnceValues(func() (*devnet.Network, error) {
	prices, err := devnet.ParsePrices("sign=2000,2001,2999,2002")
	if err != nil {
		return nil, err
	}
	return devnetfetch.Start(devnet.Config{Network: devnet.NetworkNaga, Nodes: 4, Prices: prices, NoContextFile: true})
})

func nagaClient(t *testing.T, extra map[string]any) (*devnet.Network, map[string]any) {
	t.Helper()
	n, err := nagaNet()
	if err != nil {
		t.Fatalf("starting the naga devnet: %v", err)
	}
	cfg := map[string]any{"network": "naga", "rpcUrl": n.RPCURL}
	for k, v := range extra {
		cfg[k] = v
	}
	return n, cfg
}

// TestNagaSessionSigs: on naga, getSessionSigs signs for the threshold
// cheapest nodes of the product, each with its maxPrice, every node
// accepts its signature as a naga node checks it, and the cache is the
// official v8 storage plugin's (lit-auth:<app>:<network>:<address>), so the
// second call asks nothing.
func TestNagaSessionSigs(t *testing.T) {
	w := reset(t)
	n, cfg := nagaClient(t, map[string]any{"appName": "my-app", "networkName": "naga-local"})
	c := newTestClient(t, cfg)
	mustOK(t, c.Call("connect"), "connect")

	p := `{"resourceAbilityRequests":[` + pkpAll + `],"product":"SIGN"}`
	r := getSigs(t, c, p)
	if got := count(w, "personal_sign"); got != 1 {
		t.Fatalf("first call: %d personal_sign requests, want 1", got)
	}
	if len(r.sigs) != 3 {
		t.Fatalf("session sigs for %d nodes, want the 3 cheapest SIGN nodes", len(r.sigs))
	}
	if _, ok := r.sigs[n.NodeURLs[2]]; ok {
		t.Errorf("a session sig for %s, the dearest SIGN node", n.NodeURLs[2])
	}
	op := resource.Request{Resource: resource.Resource{ID: "*", Prefix: resource.PKP}, Ability: resource.PKPSigning}
	for i, u := range n.NodeURLs {
		s, ok := r.sigs[u]
		if !ok {
			continue
		}
		if !strings.Contains(s.SignedMessage, `,"maxPrice":"0x`) {
			t.Errorf("%s: no maxPrice in %s", u, s.SignedMessage)
		}
		v := verify.New(verify.Config{NodeURL: u, NetworkPublicKey: n.NetworkPublicKey, Price: big.NewInt(nagaPrices[i])})
		if _, err := v.Verify(s, op); err != nil {
			t.Errorf("%s refuses its session sig as a naga node: %v", u, err)
		}
		dear := verify.New(verify.Config{NodeURL: u, NetworkPublicKey: n.NetworkPublicKey, Price: new(big.Int).Lsh(big.NewInt(1), 200)})
		if _, err := dear.Verify(s, op); err == nil {
			t.Errorf("%s: a node charging 2^200 wei accepts the session sig", u)
		}
	}

	// The v8 layout, not v7's.
	if _, ok := stored(storage.KeySessionKey); ok {
		t.Error("lit-session-key was written on naga")
	}
	if _, ok := stored(storage.KeyWalletSig); ok {
		t.Error("lit-wallet-sig was written on naga")
	}
	raw, ok := stored("lit-auth:my-app:naga-local:" + testAddress)
	if !ok {
		t.Fatal("no lit-auth:my-app:naga-local:<address> entry")
	}
	var auth struct {
		SessionKey struct {
			KeyPair struct {
				PublicKey string `json:"publicKey"`
				SecretKey string `json:"secretKey"`
			} `json:"keyPair"`
			ExpiresAt string `json:"expiresAt"`
		} `json:"sessionKey"`
		AuthMethodType int `json:"authMethodType"`
	}
	if err := json.Unmarshal([]byte(raw), &auth); err != nil || auth.AuthMethodType != 1 || len(auth.SessionKey.KeyPair.SecretKey) != 64 || auth.SessionKey.ExpiresAt == "" {
		t.Fatalf("the lit-auth entry is not v8's shape (64-hex seed, expiresAt, authMethodType 1): %v", err)
	}
	if _, err := sessionkey.FromHex(auth.SessionKey.KeyPair.PublicKey, auth.SessionKey.KeyPair.SecretKey); err != nil || auth.SessionKey.KeyPair.PublicKey != r.info.SessionPublicKey {
		t.Errorf("the stored key pair is not the session key used (%v)", err)
	}
	inner, ok := stored("lit-auth:my-app-inner-delegation:naga-local:" + testAddress)
	if !ok {
		t.Fatal("no lit-auth:my-app-inner-delegation:naga-local:<address> entry")
	}
	var s string
	var a authsig.AuthSig
	if err := json.Unmarshal([]byte(inner), &s); err != nil {
		t.Fatalf("the inner-delegation entry is not a JSON string (v8 double-encodes it): %v", err)
	}
	if err := json.Unmarshal([]byte(s), &a); err != nil || a.Address != testAddress {
		t.Fatalf("the inner-delegation entry is not the wallet's AuthSig: %v", err)
	}

	again := getSigs(t, c, p)
	if got := count(w, "personal_sign"); got != 1 {
		t.Errorf("second call asked the wallet again (%d personal_sign requests)", got)
	}
	if !again.info.CacheReused || again.info.SessionPublicKey != r.info.SessionPublicKey {
		t.Errorf("second call info %+v, want the v8 cache reused", again.info)
	}
	// Another app name is another cache.
	other := newTestClient(t, map[string]any{"network": "naga", "rpcUrl": n.RPCURL, "appName": "other-app", "networkName": "naga-local"})
	mustOK(t, other.Call("connect"), "connect")
	getSigs(t, other, p)
	if got := count(w, "personal_sign"); got != 2 {
		t.Errorf("another appName reused the cache (%d personal_sign requests, want 2)", got)
	}
}

// Naga options are checked: an unknown network, a budget that is not
// decimal wei, a product sessions are not priced for, and naga's cache
// names on datil are invalid_params errors that say what to pass.
func TestNagaInvalidOptions(t *testing.T) {
	reset(t)
	for _, tc := range []struct {
		cfg  map[string]any
		want string
	}{
		{map[string]any{"network": "habanero", "rpcUrl": "http://127.0.0.1:1"}, `createClient: network "habanero" is not a Lit protocol generation; use one of "datil", "naga"`},
		{map[string]any{"network": 7, "rpcUrl": "http://127.0.0.1:1"}, "createClient: network must be a string"},
		{map[string]any{"rpcUrl": "http://127.0.0.1:1", "appName": "my-app"}, "createClient: appName and networkName name the naga (v8) cache"},
		{map[string]any{"network": "naga", "rpcUrl": "http://127.0.0.1:1", "indexerUrl": "ftp://x"}, "createClient: indexerUrl "},
	} {
		r := api.Call("createClient", tc.cfg)
		e := r.Get("error")
		if e.IsUndefined() {
			t.Errorf("createClient(%v) succeeded", tc.cfg)
			continue
		}
		if msg := e.Get("message").String(); !strings.HasPrefix(msg, tc.want) || e.Get("code").String() != "invalid_params" {
			t.Errorf("createClient(%v): [%s] %s\nwant invalid_params %s…", tc.cfg, e.Get("code").String(), msg, tc.want)
		}
	}
	_, cfg := nagaClient(t, nil)
	c := newTestClient(t, cfg)
	mustOK(t, c.Call("connect"), "connect")
	for _, tc := range []struct{ p, want string }{
		{`{"resourceAbilityRequests":[` + pkpAll + `],"product":"DECRYPTION"}`, `getSessionSigs: product "DECRYPTION" is not a product session signatures are priced for`},
		{`{"resourceAbilityRequests":[` + pkpAll + `],"userMaxPrice":"1e+21"}`, `getSessionSigs: userMaxPrice "1e+21" is not a price in wei`},
		{`{"resourceAbilityRequests":[` + pkpAll + `],"product":"SIGN","userMaxPrice":"100"}`, "node: the budget of 100 wei is below the 6003 wei the 3 cheapest nodes charge"},
	} {
		e := mustFail(t, c.Call("getSessionSigs", tc.p), "invalid_params")
		if !strings.HasPrefix(e.msg, tc.want) {
			t.Errorf("%s: %s, want %s…", tc.p, e.msg, tc.want)
		}
	}
}
