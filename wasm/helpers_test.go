//go:build js && wasm

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"syscall/js"
	"testing"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/wasm/internal/jsbridge"
)

// These tests run in headless Chromium (make browser-test):
//
//	GOOS=js GOARCH=wasm go test -exec wasmbrowsertest ./wasm/...
//
// They call the API object js/lit-session.js wraps, against in-page fakes:
// window.ethereum is a fake EIP-1193 wallet (fakeWalletJS) that records
// every request and signs with the dev wallet's known key, and fetch is
// stubbed so that URLs under http://fake-node-N answer the Lit handshake
// (fakeNodesJS). localStorage is the browser's own.

// The wallet key of the fixed test inputs (docs/protocol.md#fixed-test-inputs) and its address.
const (
	testKey     = "0x1111111111111111111111111111111111111111111111111111111111111111"
	testAddress = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
	otherKey    = "0x2222222222222222222222222222222222222222222222222222222222222222"
	blockhash   = "0x" + "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12"
)

var testNodes = []string{"http://fake-node-1:7470", "http://fake-node-2:7470", "http://fake-node-3:7470"}

const fakeWalletJS = `(() => {
  const w = {
    calls: [],          // [method, params] of every request
    rejectSign: false,  // personal_sign fails with EIP-1193 4001
    chainId: '0x1',
    switchError: 0,     // wallet_switchEthereumChain fails once with this code
    inner: null,        // the dev wallet that signs
    count(method) { return this.calls.filter((c) => c[0] === method).length; },
    async request({ method, params }) {
      this.calls.push([method, params]);
      switch (method) {
        case 'eth_chainId': return this.chainId;
        case 'wallet_switchEthereumChain':
          if (this.switchError) { const e = new Error('unknown chain'); e.code = this.switchError; this.switchError = 0; throw e; }
          this.chainId = params[0].chainId;
          return null;
        case 'wallet_addEthereumChain':
          this.chainId = params[0].chainId;
          return null;
        case 'personal_sign':
          if (this.rejectSign) { const e = new Error('User rejected the request.'); e.code = 4001; throw e; }
      }
      return this.inner.request({ method, params });
    },
  };
  globalThis.fakeWallet = w;
})()`

const fakeNodesJS = `(() => {
  const realFetch = globalThis.fetch;
  const f = {
    down: new Set(),   // node URLs that do not answer
    requests: [],      // [url, method, headers, body, cache] of every fake request
    blockhash: '',
  };
  globalThis.fakeNodes = f;
  globalThis.fetch = async (url, init = {}) => {
    url = String(url);
    if (!url.startsWith('http://fake-node-')) return realFetch(url, init);
    const base = url.match(/^http:\/\/[^/]+/)[0];
    const body = init.body ? new TextDecoder().decode(init.body) : '';
    f.requests.push([url, init.method, init.headers, body, init.cache]);
    if (f.down.has(base)) throw new TypeError('Failed to fetch');
    if (url === base + '/web/handshake/' && init.method === 'POST') {
      return new Response(JSON.stringify({ serverPublicKey: 'aa'.repeat(32), latestBlockhash: f.blockhash }),
        { status: 200, headers: { 'Content-Type': 'application/json' } });
    }
    return new Response('{"errorKind":"Validation","message":"not found"}', { status: 404, headers: { 'Content-Type': 'application/json' } });
  };
})()`

var api js.Value

func TestMain(m *testing.M) {
	api = newAPI()
	js.Global().Call("eval", fakeWalletJS)
	js.Global().Call("eval", fakeNodesJS)
	m.Run()
}

// reset gives each test a clean page: empty localStorage, all nodes up, and
// window.ethereum the fake wallet with the test key.
func reset(t *testing.T) js.Value {
	t.Helper()
	js.Global().Get("localStorage").Call("clear")
	nodes := js.Global().Get("fakeNodes")
	nodes.Get("down").Call("clear")
	nodes.Set("requests", js.Global().Get("Array").New())
	nodes.Set("blockhash", blockhash)
	w := js.Global().Get("fakeWallet")
	w.Set("calls", js.Global().Get("Array").New())
	w.Set("rejectSign", false)
	w.Set("chainId", "0x1")
	w.Set("switchError", 0)
	w.Set("inner", devWalletFor(t, testKey))
	js.Global().Set("ethereum", w)
	return w
}

func devWalletFor(t *testing.T, key string) js.Value {
	t.Helper()
	r := api.Call("createDevWallet", map[string]any{"privateKey": key})
	if e := r.Get("error"); !e.IsUndefined() {
		t.Fatalf("createDevWallet: %s", jsbridge.JSString(e))
	}
	return r.Get("provider")
}

func wait(t *testing.T, p js.Value) (js.Value, *jsErr) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := jsbridge.Await(ctx, p)
	if err == nil {
		return v, nil
	}
	te, ok := err.(*jsbridge.ThrownError)
	if !ok {
		t.Fatalf("awaiting: %v", err)
	}
	return js.Undefined(), &jsErr{code: te.Code(), msg: jsbridge.JSString(te.V), v: te.V}
}

// jsErr is a rejection as a page sees it.
type jsErr struct {
	code, msg string
	v         js.Value
}

func mustOK(t *testing.T, p js.Value, what string) js.Value {
	t.Helper()
	v, e := wait(t, p)
	if e != nil {
		t.Fatalf("%s rejected: [%s] %s", what, e.code, e.msg)
	}
	return v
}

func mustFail(t *testing.T, p js.Value, code errcode.Code) *jsErr {
	t.Helper()
	_, e := wait(t, p)
	if e == nil {
		t.Fatalf("resolved, want a rejection with code %s", code)
	}
	if e.code != string(code) {
		t.Fatalf("rejected with code %q (%s), want %q", e.code, e.msg, code)
	}
	if e.v.Get("constructor").Get("name").String() != "Error" {
		t.Errorf("rejection is not an Error: %s", jsbridge.JSString(e.v))
	}
	return e
}

func newTestClient(t *testing.T, cfg map[string]any) js.Value {
	t.Helper()
	if cfg == nil {
		urls := make([]any, len(testNodes))
		for i, u := range testNodes {
			urls[i] = u
		}
		cfg = map[string]any{"bootstrapUrls": urls, "minNodeCount": 2}
	}
	r := api.Call("createClient", cfg)
	if e := r.Get("error"); !e.IsUndefined() {
		t.Fatalf("createClient: [%s] %s", e.Get("code"), jsbridge.JSString(e))
	}
	return r.Get("client")
}

func connected(t *testing.T) js.Value {
	t.Helper()
	c := newTestClient(t, nil)
	mustOK(t, c.Call("connect"), "connect")
	return c
}

// Requests in the JSON form js/lit-session.js sends.
const (
	pkpAll    = `{"resource":{"resource":"*","resourcePrefix":"lit-pkp"},"ability":"pkp-signing"}`
	actionAll = `{"resource":{"resource":"*","resourcePrefix":"lit-litaction"},"ability":"lit-action-execution"}`
)

func params(reqs ...string) string {
	return `{"chain":"ethereum","resourceAbilityRequests":[` + strings.Join(reqs, ",") + `]}`
}

// result is a resolved getSessionSigs.
type result struct {
	sigs map[string]authsig.AuthSig
	raw  string
	info infoOut
}

// infoOut is the info object as a page reads it (session.Info.MarshalJSON).
type infoOut struct {
	WalletAsked       bool     `json:"walletAsked"`
	CacheReused       bool     `json:"cacheReused"`
	SessionKeyCreated bool     `json:"sessionKeyCreated"`
	WalletAddress     string   `json:"walletAddress"`
	Rule              string   `json:"rule"`
	Reason            string   `json:"reason"`
	Expiration        string   `json:"expiration"`
	Warnings          []string `json:"warnings"`
	SessionPublicKey  string   `json:"sessionPublicKey"`
	Timings           struct {
		TotalMs  float64 `json:"totalMs"`
		WalletMs float64 `json:"walletMs"`
	} `json:"timings"`
}

// authNeededIn is the authNeededCallback's argument as a page reads it
// (session.AuthNeededParams.MarshalJSON).
type authNeededIn struct {
	Chain                   string             `json:"chain"`
	Statement               string             `json:"statement"`
	Resources               []string           `json:"resources"`
	Expiration              string             `json:"expiration"`
	URI                     string             `json:"uri"`
	Nonce                   string             `json:"nonce"`
	Domain                  string             `json:"domain"`
	ResourceAbilityRequests []resource.Request `json:"resourceAbilityRequests"`
	SessionKey              struct {
		PublicKey string `json:"publicKey"`
		SecretKey string `json:"secretKey"`
	} `json:"sessionKey"`
}

func getSigs(t *testing.T, c js.Value, p string, cb ...any) result {
	t.Helper()
	args := []any{p}
	args = append(args, cb...)
	v := mustOK(t, c.Call("getSessionSigs", args...), "getSessionSigs")
	var r result
	r.raw = v.Get("sessionSigs").String()
	if err := json.Unmarshal([]byte(r.raw), &r.sigs); err != nil {
		t.Fatalf("sessionSigs: %v", err)
	}
	if err := json.Unmarshal([]byte(v.Get("info").String()), &r.info); err != nil {
		t.Fatalf("info: %v", err)
	}
	return r
}

// checkSigs verifies every node's session signature and that it carries a
// wallet AuthSig by addr.
func checkSigs(t *testing.T, r result, addr string) {
	t.Helper()
	if len(r.sigs) != len(testNodes) {
		t.Fatalf("got sigs for %d nodes, want %d", len(r.sigs), len(testNodes))
	}
	for _, n := range testNodes {
		s, ok := r.sigs[n]
		if !ok {
			t.Fatalf("no sig for %s in %s", n, r.raw)
		}
		if err := sessionkey.VerifyHex(s.Address, s.Sig, []byte(s.SignedMessage)); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		var tmpl struct {
			Capabilities []authsig.AuthSig `json:"capabilities"`
			NodeAddress  string            `json:"nodeAddress"`
		}
		json.Unmarshal([]byte(s.SignedMessage), &tmpl)
		if tmpl.NodeAddress != n || len(tmpl.Capabilities) == 0 {
			t.Fatalf("%s: template %s", n, s.SignedMessage)
		}
		v, err := authsig.Verify(tmpl.Capabilities[len(tmpl.Capabilities)-1], authsig.Options{})
		if err != nil || v.Address != addr {
			t.Fatalf("%s: wallet AuthSig: %v (address %v)", n, err, v)
		}
	}
}

func stored(key string) (string, bool) {
	v := js.Global().Get("localStorage").Call("getItem", key)
	if v.IsNull() {
		return "", false
	}
	return v.String(), true
}

func count(w js.Value, method string) int { return w.Call("count", method).Int() }

func (r result) String() string { return fmt.Sprintf("%+v", r.info) }
