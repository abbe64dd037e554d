//go:build js && wasm

package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"strings"
	"syscall/js"
	"testing"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/core/storage"
	"github.com/litgo/litsession/wasm/internal/jsbridge"
)

func TestFirstCallAsksWalletSecondReusesCache(t *testing.T) {
	w := reset(t)
	c := connected(t)
	if got := c.Call("getSessionSigs", params(pkpAll)); got.Type() != js.TypeObject || got.Get("then").Type() != js.TypeFunction {
		t.Fatal("getSessionSigs does not return a Promise")
	} else {
		mustOK(t, got, "getSessionSigs")
	}
	if n := count(w, "personal_sign"); n != 1 {
		t.Fatalf("first call: %d personal_sign requests, want 1", n)
	}
	// The official SDK's keys and shapes.
	sk, ok := stored(storage.KeySessionKey)
	if !ok {
		t.Fatal("lit-session-key was not stored")
	}
	kp, err := sessionkey.Parse([]byte(sk))
	if err != nil {
		t.Fatalf("stored lit-session-key: %v", err)
	}
	ws, ok := stored(storage.KeyWalletSig)
	if !ok {
		t.Fatal("lit-wallet-sig was not stored")
	}
	var a authsig.AuthSig
	if err := json.Unmarshal([]byte(ws), &a); err != nil || a.DerivedVia != authsig.DerivedViaWallet || a.Address != testAddress {
		t.Fatalf("stored lit-wallet-sig %s: %v", ws, err)
	}

	r := getSigs(t, c, params(pkpAll))
	if n := count(w, "personal_sign"); n != 1 {
		t.Errorf("second call asked the wallet again (%d personal_sign requests)", n)
	}
	if n := count(w, "eth_requestAccounts"); n != 0 {
		t.Errorf("the wallet was prompted for accounts %d times; eth_accounts answered", n)
	}
	if !r.info.CacheReused || r.info.WalletAsked || r.info.Rule != "" {
		t.Errorf("second call info %+v, want the cache reused", r.info)
	}
	if r.info.SessionPublicKey != kp.PublicKeyHex() || r.info.WalletAddress != testAddress {
		t.Errorf("info names key %s and wallet %s", r.info.SessionPublicKey, r.info.WalletAddress)
	}
	checkSigs(t, r, testAddress)
}

func TestPersonalSignAsTheOfficialSDK(t *testing.T) {
	w := reset(t)
	c := connected(t)
	getSigs(t, c, params(pkpAll))
	ws, _ := stored(storage.KeyWalletSig)
	var a authsig.AuthSig
	json.Unmarshal([]byte(ws), &a)
	calls := w.Get("calls")
	for i := range calls.Length() {
		call := calls.Index(i)
		if call.Index(0).String() != "personal_sign" {
			continue
		}
		p := call.Index(1)
		if p.Length() != 2 {
			t.Fatalf("personal_sign has %d params", p.Length())
		}
		if got, want := p.Index(0).String(), "0x"+hex.EncodeToString([]byte(a.SignedMessage)); got != want {
			t.Errorf("personal_sign message param %.40s…, want 0x+hex(UTF-8 message)", got)
		}
		if got := p.Index(1).String(); got != strings.ToLower(testAddress) {
			t.Errorf("personal_sign account %s, want the lower-case account", got)
		}
		return
	}
	t.Fatal("no personal_sign request")
}

func TestResign(t *testing.T) {
	ctx := context.Background()
	signer, _ := authsig.NewKeySigner(testKey)

	t.Run("expired", func(t *testing.T) {
		w := reset(t)
		c := connected(t)
		getSigs(t, c, params(pkpAll))
		sk, _ := stored(storage.KeySessionKey)
		kp, _ := sessionkey.Parse([]byte(sk))
		// A valid signature for this key and scope that expired a minute ago.
		now := time.Now()
		msg, err := siwe.CreateWithRecaps(siwe.Params{
			Address: testAddress, URI: kp.URI(), Nonce: blockhash[2:],
			IssuedAt:   siwe.FormatTime(now.Add(-2 * time.Hour)),
			Expiration: siwe.FormatTime(now.Add(-time.Minute)),
			Resources:  mustReqs(t, pkpAll),
		})
		if err != nil {
			t.Fatal(err)
		}
		a, err := authsig.Sign(ctx, signer, msg)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(a)
		js.Global().Get("localStorage").Call("setItem", storage.KeyWalletSig, string(b))
		r := getSigs(t, c, params(pkpAll))
		if !r.info.WalletAsked || r.info.Rule != "expired" || count(w, "personal_sign") != 2 {
			t.Errorf("info %+v after %d signatures, want the wallet asked for rule expired", r.info, count(w, "personal_sign"))
		}
		checkSigs(t, r, testAddress)
	})

	t.Run("under-scoped", func(t *testing.T) {
		w := reset(t)
		c := connected(t)
		getSigs(t, c, params(pkpAll))
		r := getSigs(t, c, params(pkpAll, actionAll))
		if !r.info.WalletAsked || r.info.Rule != "scope" || count(w, "personal_sign") != 2 {
			t.Errorf("info %+v, want the wallet asked for rule scope", r.info)
		}
		// The new signature covers both, so a narrower call reuses it.
		r = getSigs(t, c, params(actionAll))
		if !r.info.CacheReused || count(w, "personal_sign") != 2 {
			t.Errorf("narrower call info %+v, want the cache reused", r.info)
		}
	})

	t.Run("other session key", func(t *testing.T) {
		w := reset(t)
		c := connected(t)
		getSigs(t, c, params(pkpAll))
		other, _ := sessionkey.Generate(nil)
		b, _ := other.MarshalJSON()
		js.Global().Get("localStorage").Call("setItem", storage.KeySessionKey, string(b))
		r := getSigs(t, c, params(pkpAll))
		if !r.info.WalletAsked || r.info.Rule != "other_session_key" || count(w, "personal_sign") != 2 {
			t.Errorf("info %+v, want the wallet asked for rule other_session_key", r.info)
		}
		if r.info.SessionPublicKey != other.PublicKeyHex() {
			t.Errorf("signed with key %s, want the stored %s", r.info.SessionPublicKey, other.PublicKeyHex())
		}
	})

	t.Run("other account", func(t *testing.T) {
		w := reset(t)
		c := connected(t)
		getSigs(t, c, params(pkpAll))
		w.Set("inner", devWalletFor(t, otherKey))
		r := getSigs(t, c, params(pkpAll))
		if !r.info.WalletAsked || r.info.Rule != "other_account" {
			t.Errorf("info %+v, want the wallet asked for rule other_account", r.info)
		}
		if r.info.WalletAddress == testAddress {
			t.Error("the session still carries the first account's signature")
		}
	})
}

func mustReqs(t *testing.T, reqs ...string) []resource.Request {
	t.Helper()
	var out []resource.Request
	if err := json.Unmarshal([]byte("["+strings.Join(reqs, ",")+"]"), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDisconnect(t *testing.T) {
	w := reset(t)
	c := connected(t)
	getSigs(t, c, params(pkpAll))
	js.Global().Get("localStorage").Call("setItem", storage.KeyCommsKeypair, "legacy")
	r := api.Call("disconnectWeb3")
	if e := r.Get("error"); !e.IsUndefined() {
		t.Fatalf("disconnectWeb3: %s", jsbridge.JSString(e))
	}
	for _, k := range []string{storage.KeyWalletSig, storage.KeySessionKey, storage.KeyAuthSignature, storage.KeyWeb3Provider} {
		if _, ok := stored(k); ok {
			t.Errorf("%s is still stored after disconnectWeb3", k)
		}
	}
	if _, ok := stored(storage.KeyCommsKeypair); !ok {
		t.Error("disconnectWeb3 removed lit-comms-keypair, which the official SDK keeps")
	}
	res := getSigs(t, c, params(pkpAll))
	if !res.info.WalletAsked || res.info.Rule != "missing" || !res.info.SessionKeyCreated || count(w, "personal_sign") != 2 {
		t.Errorf("after disconnect: info %+v, want a new key and the wallet asked", res.info)
	}
}

func TestWalletRejected(t *testing.T) {
	w := reset(t)
	c := connected(t)
	w.Set("rejectSign", true)
	e := mustFail(t, c.Call("getSessionSigs", params(pkpAll)), errcode.WalletRejected)
	if !strings.Contains(e.msg, "approve") {
		t.Errorf("message does not say what to do: %s", e.msg)
	}
	if _, ok := stored(storage.KeyWalletSig); ok {
		t.Error("a wallet signature was cached after the rejection")
	}
	// Approving next time works and caches.
	w.Set("rejectSign", false)
	r := getSigs(t, c, params(pkpAll))
	if !r.info.WalletAsked {
		t.Error("the wallet was not asked after the rejection")
	}
	if _, ok := stored(storage.KeyWalletSig); !ok {
		t.Error("nothing cached after approval")
	}
}

func TestCorruptAndForeignStorage(t *testing.T) {
	for _, tc := range []struct {
		name, sessionKey, walletSig, rule string
		newKey                            bool
	}{
		{"corrupt", `{"publicKey":`, `not json`, "corrupt", true},
		{"foreign", `{"publicKey":"zz","secretKey":"00"}`, `{"foo":1}`, "foreign", true},
		{"a session sig in the wallet slot", "", "", "foreign", false},
		{"wrong type", `42`, `[]`, "foreign", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := reset(t)
			c := connected(t)
			ls := js.Global().Get("localStorage")
			if tc.sessionKey != "" {
				ls.Call("setItem", storage.KeySessionKey, tc.sessionKey)
				ls.Call("setItem", storage.KeyWalletSig, tc.walletSig)
			} else {
				first := getSigs(t, c, params(pkpAll))
				ls.Call("setItem", storage.KeyWalletSig, mustJSON(t, first.sigs[testNodes[0]]))
			}
			r := getSigs(t, c, params(pkpAll))
			if !r.info.WalletAsked || r.info.Rule != tc.rule || r.info.SessionKeyCreated != tc.newKey {
				t.Errorf("info %+v, want rule %s (new key %v)", r.info, tc.rule, tc.newKey)
			}
			if tc.newKey && len(r.info.Warnings) == 0 {
				t.Error("no warning about the replaced session key")
			}
			checkSigs(t, r, testAddress)
			// Recovered: the entries were replaced with usable ones.
			r = getSigs(t, c, params(pkpAll))
			if !r.info.CacheReused || count(w, "personal_sign") > 2 {
				t.Errorf("next call info %+v, want the repaired cache reused", r.info)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNodes(t *testing.T) {
	t.Run("unreachable", func(t *testing.T) {
		reset(t)
		down := js.Global().Get("fakeNodes").Get("down")
		for _, n := range testNodes {
			down.Call("add", n)
		}
		c := newTestClient(t, nil)
		e := mustFail(t, c.Call("connect"), errcode.NodesUnreachable)
		if !strings.Contains(e.msg, "Failed to fetch") || !strings.Contains(e.msg, "CORS") {
			t.Errorf("message does not say why or what to check: %s", e.msg)
		}
		if e.v.Get("nodes").Get(testNodes[0]).Type() != js.TypeString {
			t.Error("the error has no per-node reasons (err.nodes)")
		}
		mustFail(t, c.Call("getSessionSigs", params(pkpAll)), errcode.NotConnected)
	})

	t.Run("not enough", func(t *testing.T) {
		reset(t)
		js.Global().Get("fakeNodes").Get("down").Call("add", testNodes[1])
		urls := []any{testNodes[0], testNodes[1], testNodes[2]}
		c := newTestClient(t, map[string]any{"bootstrapUrls": urls, "minNodeCount": 3})
		mustFail(t, c.Call("connect"), errcode.NotEnoughNodes)
		// With a threshold of 2 the two others suffice, and only they get sigs.
		c = newTestClient(t, map[string]any{"bootstrapUrls": urls, "minNodeCount": 2})
		v := mustOK(t, c.Call("connect"), "connect")
		var res struct {
			ConnectedNodes  []string `json:"connectedNodes"`
			LatestBlockhash string   `json:"latestBlockhash"`
			MinNodeCount    int      `json:"minNodeCount"`
		}
		if err := json.Unmarshal([]byte(v.String()), &res); err != nil {
			t.Fatalf("connect's result %q: %v", v.String(), err)
		}
		if len(res.ConnectedNodes) != 2 || res.MinNodeCount != 2 || res.LatestBlockhash == "" {
			t.Fatalf("connect's result %+v: want 2 connected nodes, a threshold of 2 and a blockhash", res)
		}
		r := getSigs(t, c, params(pkpAll))
		if _, ok := r.sigs[testNodes[1]]; ok || len(r.sigs) != 2 {
			t.Errorf("sigs for %d nodes including the down one", len(r.sigs))
		}
	})

	t.Run("handshake as the official client", func(t *testing.T) {
		reset(t)
		connected(t)
		reqs := js.Global().Get("fakeNodes").Get("requests")
		if reqs.Length() != len(testNodes) {
			t.Fatalf("%d requests, want one handshake per node", reqs.Length())
		}
		r := reqs.Index(0)
		h := r.Index(2)
		if r.Index(1).String() != "POST" || h.Get("X-Lit-SDK-Version").String() != "7.4.0" || h.Get("Content-Type").String() != "application/json" {
			t.Errorf("handshake request %s %s", r.Index(1).String(), jsbridge.JSString(js.Global().Get("JSON").Call("stringify", h)))
		}
		// Not "no-store": Chromium would then preflight every POST again.
		if c := r.Index(4); !c.IsUndefined() && c.String() != "default" {
			t.Errorf("handshake request with cache mode %q; a no-store POST skips Chromium's preflight cache", c.String())
		}
		var body map[string]any
		json.Unmarshal([]byte(r.Index(3).String()), &body)
		if body["clientPublicKey"] != "test" || len(body["challenge"].(string)) != 64 {
			t.Errorf("handshake body %v", body)
		}
	})
}

func TestNoWallet(t *testing.T) {
	reset(t)
	c := connected(t)
	js.Global().Delete("ethereum")
	e := mustFail(t, c.Call("getSessionSigs", params(pkpAll)), errcode.NoWallet)
	if !strings.Contains(e.msg, "authNeededCallback") {
		t.Errorf("message does not say what to do: %s", e.msg)
	}
}

func TestInvalidParams(t *testing.T) {
	reset(t)
	c := connected(t)
	for name, p := range map[string]string{
		"no requests":      `{"chain":"ethereum"}`,
		"wrong ability":    `{"resourceAbilityRequests":[{"resource":{"resource":"*","resourcePrefix":"lit-pkp"},"ability":"lit-action-execution"}]}`,
		"unknown prefix":   `{"resourceAbilityRequests":[{"resource":{"resource":"*","resourcePrefix":"lit-nope"},"ability":"pkp-signing"}]}`,
		"past expiration":  `{"expiration":"2001-01-01T00:00:00.000Z","resourceAbilityRequests":[` + pkpAll + `]}`,
		"bad session key":  `{"sessionKey":{"publicKey":"00","secretKey":"11"},"resourceAbilityRequests":[` + pkpAll + `]}`,
		"not an object":    `[]`,
		"bad expiration":   `{"expiration":"tomorrow","resourceAbilityRequests":[` + pkpAll + `]}`,
		"empty resourceId": `{"resourceAbilityRequests":[{"resource":{"resource":"","resourcePrefix":"lit-litaction"},"ability":"lit-action-execution"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			mustFail(t, c.Call("getSessionSigs", p), errcode.InvalidParams)
		})
	}
	for name, cfg := range map[string]any{
		"no network":     map[string]any{},
		"bad url":        map[string]any{"bootstrapUrls": []any{"ftp://x"}, "minNodeCount": 1},
		"no threshold":   map[string]any{"bootstrapUrls": []any{"http://127.0.0.1:1"}},
		"bad provider":   map[string]any{"rpcUrl": "http://127.0.0.1:8545", "provider": 3},
		"bad storage":    map[string]any{"rpcUrl": "http://127.0.0.1:8545", "storage": "yes"},
		"negative count": map[string]any{"bootstrapUrls": []any{"http://127.0.0.1:1"}, "minNodeCount": -1},
	} {
		t.Run("createClient "+name, func(t *testing.T) {
			e := api.Call("createClient", cfg).Get("error")
			if e.IsUndefined() || e.Get("code").String() != string(errcode.InvalidParams) {
				t.Errorf("createClient(%v): %s", cfg, jsbridge.JSString(e))
			}
		})
	}
}

func TestAuthNeededCallback(t *testing.T) {
	w := reset(t)
	c := connected(t)
	var got authNeededIn
	// The callback builds and signs the message the documented way.
	cb := js.FuncOf(func(_ js.Value, args []js.Value) any {
		json.Unmarshal([]byte(args[0].String()), &got)
		return jsbridge.Promise(func() (any, error) {
			reqs, _ := json.Marshal(got.ResourceAbilityRequests)
			msg, err := createSiwe(`{"uri":"` + got.URI + `","expiration":"` + got.Expiration + `","nonce":"` + got.Nonce +
				`","walletAddress":"` + testAddress + `","resources":` + string(reqs) + `}`)
			if err != nil {
				return nil, err
			}
			hexMsg := "0x" + hex.EncodeToString([]byte(msg.(string)))
			sig, err := jsbridge.Await(context.Background(), w.Call("request", map[string]any{"method": "personal_sign", "params": []any{hexMsg, strings.ToLower(testAddress)}}))
			if err != nil {
				return nil, err
			}
			return map[string]any{"sig": sig, "derivedVia": "web3.eth.personal.sign", "signedMessage": msg, "address": testAddress}, nil
		})
	})
	defer cb.Release()
	r := getSigs(t, c, params(pkpAll, actionAll), cb)
	checkSigs(t, r, testAddress)
	if got.Nonce != blockhash || !strings.HasPrefix(got.URI, "lit:session:") || got.Chain != "ethereum" || len(got.ResourceAbilityRequests) != 2 {
		t.Errorf("callback params %+v", got)
	}
	if got.SessionKey.SecretKey != "" {
		t.Error("the callback got the session secret key")
	}
	if got.SessionKey.PublicKey != r.info.SessionPublicKey {
		t.Errorf("callback got session key %s, want %s", got.SessionKey.PublicKey, r.info.SessionPublicKey)
	}
	if !strings.HasPrefix(got.Statement, "I further authorize") || len(got.Resources) != 1 || !strings.HasPrefix(got.Resources[0], "urn:recap:") {
		t.Errorf("callback statement %q resources %v", got.Statement, got.Resources)
	}

	t.Run("rejects", func(t *testing.T) {
		reset(t)
		c := connected(t)
		reject := js.Global().Call("eval", `(async () => { const e = new Error('User rejected the request.'); e.code = 4001; throw e; })`)
		mustFail(t, c.Call("getSessionSigs", params(pkpAll), reject), errcode.WalletRejected)
		throws := js.Global().Call("eval", `(() => { throw new Error('boom'); })`)
		e := mustFail(t, c.Call("getSessionSigs", params(pkpAll), throws), errcode.AuthCallback)
		if !strings.Contains(e.msg, "boom") {
			t.Errorf("message lost the cause: %s", e.msg)
		}
		bad := js.Global().Call("eval", `(async () => ({ sig: '0x00', derivedVia: 'web3.eth.personal.sign', signedMessage: 'hi', address: '`+testAddress+`' }))`)
		mustFail(t, c.Call("getSessionSigs", params(pkpAll), bad), errcode.InvalidAuthSig)
		if _, ok := stored(storage.KeyWalletSig); ok {
			t.Error("a refused AuthSig was cached")
		}
	})
}

func TestSwitchChain(t *testing.T) {
	w := reset(t)
	c := connected(t)
	w.Set("chainId", "0x89")
	w.Set("switchError", 4902)
	getSigs(t, c, `{"chain":"ethereum","switchChain":true,"resourceAbilityRequests":[`+pkpAll+`]}`)
	if count(w, "wallet_switchEthereumChain") != 1 || count(w, "wallet_addEthereumChain") != 1 {
		t.Fatalf("switch %d, add %d; want one of each", count(w, "wallet_switchEthereumChain"), count(w, "wallet_addEthereumChain"))
	}
	calls := w.Get("calls")
	for i := range calls.Length() {
		if calls.Index(i).Index(0).String() == "wallet_addEthereumChain" {
			p := calls.Index(i).Index(1).Index(0)
			if p.Get("chainId").String() != "0x1" || p.Get("chainName").String() != "Ethereum" || p.Get("rpcUrls").Length() == 0 {
				t.Errorf("wallet_addEthereumChain %s", jsbridge.JSString(js.Global().Get("JSON").Call("stringify", p)))
			}
		}
	}
	if w.Get("chainId").String() != "0x1" {
		t.Error("the wallet is not on chain 0x1")
	}

	// Without switchChain (the SDK's default), the chain is left alone.
	w = reset(t)
	w.Set("chainId", "0x89")
	getSigs(t, connected(t), params(pkpAll))
	if count(w, "wallet_switchEthereumChain") != 0 || count(w, "eth_chainId") != 0 {
		t.Error("the chain was checked or switched without switchChain")
	}
}

func TestStorageOption(t *testing.T) {
	reset(t)
	urls := []any{testNodes[0]}
	c := newTestClient(t, map[string]any{"bootstrapUrls": urls, "minNodeCount": 1, "storage": false})
	mustOK(t, c.Call("connect"), "connect")
	r := getSigs(t, c, params(pkpAll))
	r = getSigs(t, c, params(pkpAll))
	if !r.info.WalletAsked || r.info.CacheReused {
		t.Error("storage: false still cached the signature")
	}
	if _, ok := stored(storage.KeySessionKey); ok {
		t.Error("storage: false wrote localStorage")
	}
}

func TestSmallAPI(t *testing.T) {
	kp := api.Call("generateSessionKeyPair")
	pub, sec := kp.Get("publicKey").String(), kp.Get("secretKey").String()
	if len(pub) != 64 || len(sec) != 128 || !strings.HasSuffix(sec, pub) {
		t.Errorf("generateSessionKeyPair: %s / %d hex", pub, len(sec))
	}
	v := mustOK(t, api.Call("createSiweMessageWithRecaps", `{"uri":"lit:session:`+pub+`","expiration":"2030-01-01T00:00:00.000Z","nonce":"`+blockhash+`","walletAddress":"`+strings.ToLower(testAddress)+`","resources":[`+pkpAll+`]}`), "createSiweMessageWithRecaps")
	m, err := siwe.Parse(v.String())
	if err != nil || m.Address() != testAddress || m.URI() != "lit:session:"+pub {
		t.Errorf("createSiweMessageWithRecaps: %v\n%s", err, v.String())
	}
	mustFail(t, api.Call("createSiweMessageWithRecaps", `{"uri":"x"}`), errcode.InvalidParams)

	// The dev wallet keeps its burner key in localStorage.
	js.Global().Get("localStorage").Call("clear")
	a := api.Call("createDevWallet", map[string]any{}).Get("provider").Get("address").String()
	b := api.Call("createDevWallet", map[string]any{}).Get("provider").Get("address").String()
	if a != b || len(a) != 42 {
		t.Errorf("dev wallet addresses %s, %s; want the stored key reused", a, b)
	}
	if _, ok := stored(DefaultDevWalletKey); !ok {
		t.Error("the dev wallet key was not stored")
	}
	dw := api.Call("createDevWallet", map[string]any{"privateKey": testKey}).Get("provider")
	if dw.Get("address").String() != testAddress {
		t.Errorf("dev wallet for the test key is %s", dw.Get("address").String())
	}
	e := mustFail(t, dw.Call("request", map[string]any{"method": "personal_sign", "params": []any{"0x00", "0x0000000000000000000000000000000000000000"}}), "4100")
	_ = e
}
