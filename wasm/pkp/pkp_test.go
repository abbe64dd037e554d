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

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/devnet"
	"github.com/litgo/litsession/wasm/internal/devnetfetch"
	"github.com/litgo/litsession/wasm/internal/jsbridge"
)

// genParams is the JSON js/lit-session.js sends for a PKP: pkp-signing on
// that PKP only, expiring in 15 minutes.
func genParams(p devnet.PKP, kp *sessionkey.KeyPair) map[string]any {
	m := map[string]any{
		"pkpPublicKey": p.PublicKey,
		"resourceAbilityRequests": []any{map[string]any{
			"resource": map[string]any{"resource": strings.TrimPrefix(p.TokenID, "0x"), "resourcePrefix": "lit-pkp"},
			"ability":  "pkp-signing",
		}},
		"expiration": siwe.FormatTime(time.Now().Add(15 * time.Minute)),
	}
	if kp != nil {
		m["sessionKeyPair"] = map[string]any{"publicKey": kp.PublicKeyHex(), "secretKey": kp.SecretKeyHex()}
	}
	return m
}

func jsonString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mint(t *testing.T, owner string) devnet.PKP {
	t.Helper()
	p, err := dn.MintPKP(owner)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// delegationResult is a resolved generatePkpDelegationAuthSig.
type delegationResult struct {
	authSig authsig.AuthSig
	kp      *sessionkey.KeyPair
}

func generate(t *testing.T, c js.Value, params map[string]any) delegationResult {
	t.Helper()
	v := mustOK(t, c.Call("generatePkpDelegationAuthSig", jsonString(t, params)), "generatePkpDelegationAuthSig")
	var r delegationResult
	if err := json.Unmarshal([]byte(v.Get("delegationAuthSig").String()), &r.authSig); err != nil {
		t.Fatalf("delegationAuthSig: %v", err)
	}
	kp := v.Get("sessionKeyPair")
	var err error
	if r.kp, err = sessionkey.FromHex(kp.Get("publicKey").String(), kp.Get("secretKey").String()); err != nil {
		t.Fatalf("sessionKeyPair: %v", err)
	}
	return r
}

// serverNode is a native-style node client for the devnet, as a server
// (the worker) would have.
func serverNode(t *testing.T) *node.Client {
	t.Helper()
	nc, err := node.New(node.Config{Transport: httptransport.New(devnetfetch.Client), BootstrapURLs: dn.NodeURLs, MinNodeCount: dn.Threshold})
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	return nc
}

// TestHandOff is the whole browser → server flow: the owner wallet has the
// devnet delegate from its PKP to a session key, the module wraps it in an
// envelope, a server (core/delegation, as `litsession serve` runs it)
// validates the envelope and pkpSigns with it, and recoverPublicKey finds
// the PKP's key in the signature.
func TestHandOff(t *testing.T) {
	w := newWallet(t, testKey)
	p := mint(t, testAddress)
	c := connectedClient(t, w)
	kp, err := sessionkey.Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	before := devnetfetch.Count(pkp.SignSessionKeyPath)
	r := generate(t, c, genParams(p, kp))
	if n := w.count(); n != 1 {
		t.Errorf("the wallet signed %d times, want once (the EthWallet auth method)", n)
	}
	if n := devnetfetch.Count(pkp.SignSessionKeyPath) - before; n != len(dn.NodeURLs) {
		t.Errorf("%d sign_session_key requests, want one per node (%d)", n, len(dn.NodeURLs))
	}
	if !r.kp.Equal(kp) {
		t.Error("the returned sessionKeyPair is not the one passed in")
	}
	// Independently of the module: a delegation from this PKP to this key,
	// under the devnet's network key, granting pkp-signing on the PKP.
	d, err := delegation.ValidateDelegationAuthSig(r.authSig, delegation.Expect{PKPPublicKey: p.PublicKey, SessionKey: kp.URI(), NetworkPublicKey: dn.NetworkPublicKey})
	if err != nil {
		t.Fatalf("the delegation does not validate: %v", err)
	}
	if got := delegation.RecapRequests(d.Recap); len(got) != 1 || got[0].Resource != p.Resource() || got[0].Ability != "pkp-signing" {
		t.Errorf("the delegation grants %v, want pkp-signing on %s only", got, p.Resource().Key())
	}
	if left := time.Until(d.Expiration); left < 14*time.Minute || left > 16*time.Minute {
		t.Errorf("the delegation expires in %v, want 15 minutes", left)
	}

	// The envelope, byte for byte core/envelope's.
	res := api.Call("createDelegationEnvelope", jsonString(t, map[string]any{
		"pkpPublicKey": p.PublicKey, "sessionKeyPair": map[string]any{"publicKey": kp.PublicKeyHex(), "secretKey": kp.SecretKeyHex()},
		"delegationAuthSig": r.authSig,
	}))
	if e := res.Get("error"); !e.IsUndefined() {
		t.Fatalf("createDelegationEnvelope: %s", jsbridge.JSString(e))
	}
	raw := res.Get("envelope").String()
	want, err := envelope.Encode(envelope.Envelope{PKPPublicKey: p.PublicKey, SessionKeyPair: kp, DelegationAuthSig: r.authSig})
	if err != nil {
		t.Fatal(err)
	}
	if raw != string(want) {
		t.Errorf("envelope differs from envelope.Encode:\n got %.80s…\nwant %.80s…", raw, want)
	}
	// JSON.parse then JSON.stringify (what the page sends) keeps the bytes.
	if again, _ := jsbridge.JSONStringify(js.Global().Get("JSON").Call("parse", raw)); again != raw {
		t.Error("JSON.stringify(JSON.parse(envelope)) changed the envelope")
	}
	env, err := envelope.Decode([]byte(raw))
	if err != nil {
		t.Fatalf("envelope.Decode: %v", err)
	}

	// The server side.
	nc := serverNode(t)
	ac, err := delegation.CreatePkpAuthContextFromPreGenerated(*env, nc.NetworkPublicKey(), time.Time{})
	if err != nil {
		t.Fatalf("the server refuses the envelope: %v", err)
	}
	digest := crypto.Keccak256Hash([]byte("hello from the browser"))
	sig, err := delegation.NewSigner(nc).PkpSign(context.Background(), ac, digest)
	if err != nil {
		t.Fatalf("server pkpSign: %v", err)
	}

	// keccak256 and recoverPublicKey, as the demo uses them.
	h := api.Call("keccak256", "hello from the browser")
	if got := h.Get("hash").String(); got != digest.Hex() {
		t.Errorf("keccak256(text) = %s, want %s", got, digest.Hex())
	}
	for name, s := range map[string]any{
		"signature string (v 27/28)": sig.Signature,
		"{r, s, recid}":              map[string]any{"r": sig.R, "s": sig.S, "recid": sig.Recid},
	} {
		rec := api.Call("recoverPublicKey", digest.Hex(), s)
		if e := rec.Get("error"); !e.IsUndefined() {
			t.Fatalf("recoverPublicKey(%s): %s", name, jsbridge.JSString(e))
		}
		if got := rec.Get("publicKey").String(); got != p.PublicKey {
			t.Errorf("recoverPublicKey(%s) = %.20s…, want the PKP key %.20s…", name, got, p.PublicKey)
		}
	}
	// Another digest recovers to another key.
	other := crypto.Keccak256Hash([]byte("something else"))
	if got := api.Call("recoverPublicKey", other.Hex(), sig.Signature).Get("publicKey"); got.Type() == js.TypeString && got.String() == p.PublicKey {
		t.Error("the signature recovers to the PKP key for another digest too")
	}
}

func TestGenerateNewSessionKey(t *testing.T) {
	w := newWallet(t, testKey)
	p := mint(t, testAddress)
	c := connectedClient(t, w)
	r := generate(t, c, genParams(p, nil))
	if len(r.kp.SecretKeyHex()) != 128 {
		t.Errorf("secretKey is %d hex, want 128 (seed and public key)", len(r.kp.SecretKeyHex()))
	}
	if _, err := delegation.ValidateDelegationAuthSig(r.authSig, delegation.Expect{PKPPublicKey: p.PublicKey, SessionKey: r.kp.URI(), NetworkPublicKey: dn.NetworkPublicKey}); err != nil {
		t.Fatalf("the delegation is not for the returned session key: %v", err)
	}
	// A second call makes a second, different session key and delegation:
	// nothing is cached.
	r2 := generate(t, c, genParams(p, nil))
	if r2.kp.Equal(r.kp) || r2.authSig.Sig == r.authSig.Sig {
		t.Error("the second call returned the same session key or delegation")
	}
	if n := w.count(); n != 2 {
		t.Errorf("the wallet signed %d times for two delegations, want 2", n)
	}
}

func TestGenerateErrors(t *testing.T) {
	w := newWallet(t, testKey)
	p := mint(t, testAddress)
	c := connectedClient(t, w)

	t.Run("invalid params", func(t *testing.T) {
		for name, edit := range map[string]func(m map[string]any){
			"no pkp key":   func(m map[string]any) { delete(m, "pkpPublicKey") },
			"bad pkp key":  func(m map[string]any) { m["pkpPublicKey"] = "0x04abcd" },
			"no resources": func(m map[string]any) { m["resourceAbilityRequests"] = []any{} },
			"bad ability": func(m map[string]any) {
				m["resourceAbilityRequests"].([]any)[0].(map[string]any)["ability"] = "lit-action-execution"
			},
			"no expiration":   func(m map[string]any) { delete(m, "expiration") },
			"past expiration": func(m map[string]any) { m["expiration"] = siwe.FormatTime(time.Now().Add(-time.Minute)) },
			"garbled time":    func(m map[string]any) { m["expiration"] = "tomorrow" },
			"bad session key": func(m map[string]any) {
				m["sessionKeyPair"] = map[string]any{"publicKey": strings.Repeat("00", 32), "secretKey": strings.Repeat("11", 32)}
			},
			"not an object": nil,
			"resource not kind": func(m map[string]any) {
				m["resourceAbilityRequests"] = []any{map[string]any{"resource": "*", "ability": "pkp-signing"}}
			},
		} {
			t.Run(name, func(t *testing.T) {
				arg := `"x"`
				if edit != nil {
					m := genParams(p, nil)
					edit(m)
					arg = jsonString(t, m)
				}
				e := mustFail(t, c.Call("generatePkpDelegationAuthSig", arg), string(errcode.InvalidParams))
				if e.msg == "" || !strings.Contains(e.msg, "generatePkpDelegationAuthSig") {
					t.Errorf("message %q does not name the function", e.msg)
				}
			})
		}
		if n := w.count(); n != 0 {
			t.Errorf("the wallet was asked %d times for invalid params", n)
		}
	})

	t.Run("wallet rejects", func(t *testing.T) {
		w.mu.Lock()
		w.reject = true
		w.mu.Unlock()
		defer func() { w.mu.Lock(); w.reject = false; w.mu.Unlock() }()
		before := devnetfetch.Count(pkp.SignSessionKeyPath)
		mustFail(t, c.Call("generatePkpDelegationAuthSig", jsonString(t, genParams(p, nil))), string(errcode.WalletRejected))
		if devnetfetch.Count(pkp.SignSessionKeyPath) != before {
			t.Error("the nodes were asked although the wallet declined")
		}
	})

	t.Run("wallet not permitted", func(t *testing.T) {
		// A PKP of another owner: every node refuses the auth method.
		q := mint(t, "0x"+strings.Repeat("ab", 20))
		e := mustFail(t, c.Call("generatePkpDelegationAuthSig", jsonString(t, genParams(q, nil))), string(errcode.NodeError))
		nodes := e.v.Get("nodes")
		if nodes.Type() != js.TypeObject || nodes.Get(dn.NodeURLs[0]).Type() != js.TypeString {
			t.Errorf("err.nodes does not say why each node refused: %s (%s)", jsbridge.JSString(nodes), e.msg)
		}
	})

	t.Run("network key mismatch", func(t *testing.T) {
		c2 := createClient(t, map[string]any{
			"bootstrapUrls": toAny(dn.NodeURLs), "minNodeCount": dn.Threshold,
			"networkPublicKey": strings.Repeat("ab", 48), "provider": w.provider(),
		})
		e := mustFail(t, c2.Call("connect"), string(errcode.NotConnected))
		if !strings.Contains(e.msg, "client.connect()") {
			t.Errorf("message %q does not say to connect again", e.msg)
		}
	})

	t.Run("nodes unreachable", func(t *testing.T) {
		c3 := createClient(t, map[string]any{"bootstrapUrls": []any{"http://127.0.0.1:9"}, "minNodeCount": 1, "connectTimeout": 3000, "provider": w.provider()})
		mustFail(t, c3.Call("connect"), string(errcode.NodesUnreachable))
	})

	t.Run("createClient", func(t *testing.T) {
		syncErr(t, api.Call("createClient", map[string]any{"bootstrapUrls": []any{}, "minNodeCount": 1}), string(errcode.InvalidParams))
		syncErr(t, api.Call("createClient", map[string]any{"bootstrapUrls": toAny(dn.NodeURLs)}), string(errcode.InvalidParams))
		syncErr(t, api.Call("createClient", map[string]any{"bootstrapUrls": toAny(dn.NodeURLs), "minNodeCount": 2, "provider": 7}), string(errcode.InvalidParams))
	})
}

func TestCreateDelegationEnvelopeErrors(t *testing.T) {
	w := newWallet(t, testKey)
	p := mint(t, testAddress)
	c := connectedClient(t, w)
	kp, _ := sessionkey.Generate(nil)
	r := generate(t, c, genParams(p, kp))
	good := func() map[string]any {
		return map[string]any{
			"pkpPublicKey":      p.PublicKey,
			"sessionKeyPair":    map[string]any{"publicKey": kp.PublicKeyHex(), "secretKey": kp.SecretKeyHex()},
			"delegationAuthSig": r.authSig,
		}
	}
	other, _ := sessionkey.Generate(nil)
	q := mint(t, testAddress)
	for name, tc := range map[string]struct {
		edit   func(m map[string]any)
		code   string
		reason string
	}{
		"other session key": {func(m map[string]any) {
			m["sessionKeyPair"] = map[string]any{"publicKey": other.PublicKeyHex(), "secretKey": other.SecretKeyHex()}
		}, string(errcode.DelegationRefused), "wrong_session_key"},
		"other PKP":             {func(m map[string]any) { m["pkpPublicKey"] = q.PublicKey }, string(errcode.DelegationRefused), "wrong_pkp"},
		"no session key":        {func(m map[string]any) { delete(m, "sessionKeyPair") }, string(errcode.InvalidParams), ""},
		"mismatched key pair":   {func(m map[string]any) { m["sessionKeyPair"].(map[string]any)["publicKey"] = other.PublicKeyHex() }, string(errcode.InvalidParams), ""},
		"no delegation":         {func(m map[string]any) { delete(m, "delegationAuthSig") }, string(errcode.InvalidParams), ""},
		"incomplete delegation": {func(m map[string]any) { a := r.authSig; a.Sig = ""; m["delegationAuthSig"] = a }, string(errcode.InvalidParams), ""},
		"not SIWE":              {func(m map[string]any) { a := r.authSig; a.SignedMessage = "hello"; m["delegationAuthSig"] = a }, string(errcode.InvalidParams), ""},
		"bad pkp key":           {func(m map[string]any) { m["pkpPublicKey"] = "0x1234" }, string(errcode.InvalidParams), ""},
	} {
		t.Run(name, func(t *testing.T) {
			m := good()
			tc.edit(m)
			e := syncErr(t, api.Call("createDelegationEnvelope", jsonString(t, m)), tc.code)
			if got := jsbridge.JSString(e.v.Get("reason")); tc.reason != "" && got != tc.reason {
				t.Errorf("err.reason = %q, want %q", got, tc.reason)
			}
			if strings.Contains(e.msg, kp.SecretKeyHex()[:64]) || strings.Contains(e.msg, other.SecretKeyHex()[:64]) {
				t.Error("the error message contains a session secret")
			}
		})
	}
}

func TestRecoverPublicKey(t *testing.T) {
	key, _ := crypto.HexToECDSA(strings.TrimPrefix(otherKey, "0x"))
	want := "0x" + hex.EncodeToString(crypto.FromECDSAPub(&key.PublicKey))
	digest := crypto.Keccak256([]byte("digest"))
	sig, err := crypto.Sign(digest, key) // r‖s‖v, v 0/1
	if err != nil {
		t.Fatal(err)
	}
	v27 := append([]byte(nil), sig...)
	v27[64] += 27
	bytes := js.Global().Get("Uint8Array").New(32)
	js.CopyBytesToJS(bytes, digest)
	for name, args := range map[string][]any{
		"hex, v 0/1":        {"0x" + hex.EncodeToString(digest), "0x" + hex.EncodeToString(sig)},
		"hex, v 27/28":      {"0x" + hex.EncodeToString(digest), "0x" + hex.EncodeToString(v27)},
		"Uint8Array digest": {bytes, hex.EncodeToString(sig)},
		"{r, s, recid}":     {hex.EncodeToString(digest), map[string]any{"r": hex.EncodeToString(sig[:32]), "s": "0x" + hex.EncodeToString(sig[32:64]), "recid": int(sig[64])}},
	} {
		r := api.Call("recoverPublicKey", args...)
		if e := r.Get("error"); !e.IsUndefined() {
			t.Fatalf("%s: %s", name, jsbridge.JSString(e))
		}
		if got := r.Get("publicKey").String(); got != want {
			t.Errorf("%s: recovered %.20s…, want %.20s…", name, got, want)
		}
	}
	bad := append([]byte(nil), sig...)
	bad[64] = 5
	for name, args := range map[string][]any{
		"short digest":   {"0x1234", "0x" + hex.EncodeToString(sig)},
		"short sig":      {hex.EncodeToString(digest), "0x" + hex.EncodeToString(sig[:64])},
		"bad recid":      {hex.EncodeToString(digest), hex.EncodeToString(bad)},
		"not hex":        {"0xzz", hex.EncodeToString(sig)},
		"number sig":     {hex.EncodeToString(digest), 5},
		"object missing": {hex.EncodeToString(digest), map[string]any{"r": hex.EncodeToString(sig[:32])}},
	} {
		t.Run(name, func(t *testing.T) { syncErr(t, api.Call("recoverPublicKey", args...), string(errcode.InvalidParams)) })
	}
}

func TestKeccak256(t *testing.T) {
	// keccak256("") and of UTF-8 text, as ethers' id().
	for in, want := range map[string]string{
		"":      "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
		"héllo": crypto.Keccak256Hash([]byte("héllo")).Hex(),
	} {
		if got := api.Call("keccak256", in).Get("hash").String(); got != want {
			t.Errorf("keccak256(%q) = %s, want %s", in, got, want)
		}
	}
	b := js.Global().Get("Uint8Array").New(3)
	js.CopyBytesToJS(b, []byte{1, 2, 3})
	if got, want := api.Call("keccak256", b).Get("hash").String(), crypto.Keccak256Hash([]byte{1, 2, 3}).Hex(); got != want {
		t.Errorf("keccak256(bytes) = %s, want %s", got, want)
	}
	syncErr(t, api.Call("keccak256", 42), string(errcode.InvalidParams))
}
