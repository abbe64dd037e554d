//go:build js && wasm

package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"syscall/js"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/wasm/internal/jsbridge"
)

// Version is reported as api.version; it follows the main module's.
const Version = "0.1.0"

// newAPI returns the object js/lit-session.js wraps. Data crosses as JSON
// strings, as in the main module; JS values only where JSON cannot go
// (providers, byte arrays).
func newAPI() js.Value {
	api := js.Global().Get("Object").New()
	api.Set("version", Version)
	api.Set("createClient", js.FuncOf(func(_ js.Value, args []js.Value) any {
		c, err := newClient(jsbridge.Arg0(args))
		if err != nil {
			return map[string]any{"error": jsbridge.JSError(err)}
		}
		return map[string]any{"client": c.jsObject()}
	}))
	api.Set("createDelegationEnvelope", js.FuncOf(func(_ js.Value, args []js.Value) any {
		s, err := createEnvelope(jsonArg(args))
		if err != nil {
			return map[string]any{"error": jsbridge.JSError(err)}
		}
		return map[string]any{"envelope": s}
	}))
	api.Set("recoverPublicKey", js.FuncOf(func(_ js.Value, args []js.Value) any {
		var sig js.Value
		if len(args) > 1 {
			sig = args[1]
		}
		pub, err := recoverPublicKey(jsbridge.Arg0(args), sig)
		if err != nil {
			return map[string]any{"error": jsbridge.JSError(err)}
		}
		return map[string]any{"publicKey": pub}
	}))
	api.Set("keccak256", js.FuncOf(func(_ js.Value, args []js.Value) any {
		b, err := bytesArg(jsbridge.Arg0(args), "keccak256", "data")
		if err != nil {
			return map[string]any{"error": jsbridge.JSError(err)}
		}
		return map[string]any{"hash": "0x" + hex.EncodeToString(crypto.Keccak256(b))}
	}))
	return api
}

func jsonArg(args []js.Value) string {
	a := jsbridge.Arg0(args)
	if a.Type() != js.TypeString {
		return ""
	}
	return a.String()
}

// client is one PKP client: a node client for the node set of a connected
// lit-session client, and the wallet that owns the PKP.
type client struct {
	nc       *node.Client
	provider func() js.Value
	// wantKey is the main client's network key: this client's handshake
	// must agree with it.
	wantKey string
}

// newClient reads {bootstrapUrls, minNodeCount, connectTimeout?,
// provider?, networkPublicKey?}. js/lit-session.js fills it from a
// connected LitClient: its connected nodes, threshold and wallet.
func newClient(opts js.Value) (*client, error) {
	if opts.Type() != js.TypeObject {
		return nil, jsbridge.InvalidParams("createClient needs {bootstrapUrls, minNodeCount}")
	}
	cfg := node.Config{Transport: jsbridge.FetchTransport{}}
	urls := opts.Get("bootstrapUrls")
	if urls.Type() != js.TypeObject || urls.Get("length").Type() != js.TypeNumber || urls.Length() == 0 {
		return nil, jsbridge.InvalidParams("createClient: bootstrapUrls must be a non-empty array of node URLs")
	}
	for i := range urls.Length() {
		u := urls.Index(i)
		if u.Type() != js.TypeString {
			return nil, jsbridge.InvalidParams("createClient: bootstrapUrls[%d] is not a string", i)
		}
		cfg.BootstrapURLs = append(cfg.BootstrapURLs, u.String())
	}
	if v := opts.Get("minNodeCount"); v.Type() != js.TypeNumber || v.Int() < 1 {
		return nil, jsbridge.InvalidParams("createClient: minNodeCount must be a positive number")
	} else {
		cfg.MinNodeCount = v.Int()
	}
	if v := opts.Get("connectTimeout"); v.Type() == js.TypeNumber && v.Int() > 0 {
		cfg.Timeout = time.Duration(v.Int()) * time.Millisecond
	}
	nc, err := node.New(cfg)
	if err != nil {
		return nil, jsbridge.InvalidParams("createClient: %v", strings.TrimPrefix(err.Error(), "node: "))
	}
	c := &client{nc: nc}
	if v := opts.Get("networkPublicKey"); v.Type() == js.TypeString {
		c.wantKey = v.String()
	}
	switch p := opts.Get("provider"); {
	case jsbridge.IsNullish(p):
		c.provider = jsbridge.WindowEthereum
	case p.Type() == js.TypeObject && p.Get("request").Type() == js.TypeFunction:
		c.provider = func() js.Value { return p }
	default:
		return nil, jsbridge.InvalidParams("createClient: provider must be an EIP-1193 provider (an object with request({method, params}))")
	}
	return c, nil
}

func (c *client) jsObject() js.Value {
	o := js.Global().Get("Object").New()
	o.Set("connect", js.FuncOf(func(js.Value, []js.Value) any {
		return jsbridge.Promise(c.connect)
	}))
	o.Set("generatePkpDelegationAuthSig", js.FuncOf(func(_ js.Value, args []js.Value) any {
		raw := jsonArg(args)
		return jsbridge.Promise(func() (any, error) { return c.generate(raw) })
	}))
	return o
}

func (c *client) connect() (any, error) {
	if err := c.nc.Connect(context.Background()); err != nil {
		return nil, err
	}
	if c.wantKey != "" && !strings.EqualFold(c.nc.NetworkPublicKey(), c.wantKey) {
		return nil, jsbridge.Coded(jsbridge.CodeNotConnected, nil,
			"the nodes now report network public key %.16s…, not the %.16s… the client connected with; call await client.connect() again",
			c.nc.NetworkPublicKey(), c.wantKey)
	}
	nodes := make([]any, 0)
	for _, u := range c.nc.ConnectedNodes() {
		nodes = append(nodes, u)
	}
	return map[string]any{"connectedNodes": nodes, "networkPublicKey": c.nc.NetworkPublicKey()}, nil
}

// generateParams is generatePkpDelegationAuthSig's params object, as JSON.
type generateParams struct {
	PKPPublicKey            string             `json:"pkpPublicKey"`
	SessionKeyPair          *keyPairJSON       `json:"sessionKeyPair"`
	ResourceAbilityRequests []resource.Request `json:"resourceAbilityRequests"`
	Expiration              string             `json:"expiration"`
	Domain                  string             `json:"domain"`
	Statement               string             `json:"statement"`
}

type keyPairJSON struct {
	PublicKey string `json:"publicKey"`
	SecretKey string `json:"secretKey"`
}

const genName = "generatePkpDelegationAuthSig"

// generate runs delegation.GeneratePkpDelegationAuthSig with the wallet as
// the PKP's owner: it signs an EthWallet auth method (personal_sign), and
// the nodes delegate from the PKP to the session key.
func (c *client) generate(raw string) (any, error) {
	var p generateParams
	if raw == "" {
		return nil, jsbridge.InvalidParams("%s needs {pkpPublicKey, resourceAbilityRequests, expiration}", genName)
	}
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return nil, jsbridge.InvalidParams("%s: %v", genName, err)
	}
	k, err := pkp.Parse(p.PKPPublicKey)
	if err != nil {
		return nil, jsbridge.InvalidParams("%s: pkpPublicKey: %v", genName, strings.TrimPrefix(err.Error(), "pkp: "))
	}
	if len(p.ResourceAbilityRequests) == 0 {
		return nil, jsbridge.InvalidParams("%s: resourceAbilityRequests is required and is all the session may do; grant only this PKP, e.g. [{resource: new LitPKPResource('%s'), ability: LIT_ABILITY.PKPSigning}]", genName, k.TokenID)
	}
	for i, q := range p.ResourceAbilityRequests {
		if err := q.Check(); err != nil {
			return nil, jsbridge.InvalidParams("%s: resourceAbilityRequests[%d]: %v", genName, i, strings.TrimPrefix(err.Error(), "resource: "))
		}
	}
	if p.Expiration == "" {
		return nil, jsbridge.InvalidParams("%s: expiration is required: the session key is a bearer credential for the PKP until the delegation expires, so keep it short, e.g. new Date(Date.now() + 15 * 60e3).toISOString()", genName)
	}
	exp, err := siwe.ParseTime("expiration", p.Expiration)
	if err != nil {
		return nil, jsbridge.InvalidParams("%s: %v", genName, strings.TrimPrefix(err.Error(), "siwe: "))
	}
	if time.Until(exp) < delegation.MinRemaining {
		return nil, jsbridge.InvalidParams("%s: expiration %s is not in the future", genName, p.Expiration)
	}
	var kp *sessionkey.KeyPair
	if p.SessionKeyPair != nil {
		if kp, err = sessionkey.FromHex(p.SessionKeyPair.PublicKey, p.SessionKeyPair.SecretKey); err != nil {
			return nil, jsbridge.InvalidParams("%s: sessionKeyPair: %v", genName, strings.TrimPrefix(err.Error(), "sessionkey: "))
		}
	} else if kp, err = sessionkey.Generate(nil); err != nil {
		return nil, err
	}
	if !c.nc.Connected() {
		if _, err := c.connect(); err != nil {
			return nil, err
		}
	}
	a, err := delegation.GeneratePkpDelegationAuthSig(context.Background(), c.nc, delegation.GenerateParams{
		PKPPublicKey:   k.PublicKey,
		Owner:          jsbridge.EIP1193{Provider: c.provider},
		SessionKeyPair: kp,
		Resources:      p.ResourceAbilityRequests,
		Expiration:     exp,
		Domain:         p.Domain,
		Statement:      p.Statement,
	})
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"delegationAuthSig": string(b),
		"sessionKeyPair":    map[string]any{"publicKey": kp.PublicKeyHex(), "secretKey": kp.SecretKeyHex()},
	}, nil
}

// envelopeParams is createDelegationEnvelope's params object, as JSON.
type envelopeParams struct {
	PKPPublicKey      string           `json:"pkpPublicKey"`
	SessionKeyPair    *keyPairJSON     `json:"sessionKeyPair"`
	DelegationAuthSig *authsig.AuthSig `json:"delegationAuthSig"`
}

const envName = "createDelegationEnvelope"

// createEnvelope returns envelope.Encode's JSON. Besides the format's own
// checks it makes sure the delegation is the PKP's and names this session
// key (the signature and expiry are the server's to check, against the
// network), so that a mixed-up envelope fails here rather than on the
// server.
func createEnvelope(raw string) (string, error) {
	var p envelopeParams
	if raw == "" {
		return "", jsbridge.InvalidParams("%s needs {pkpPublicKey, sessionKeyPair, delegationAuthSig}", envName)
	}
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return "", jsbridge.InvalidParams("%s: %v", envName, err)
	}
	k, err := pkp.Parse(p.PKPPublicKey)
	if err != nil {
		return "", jsbridge.InvalidParams("%s: pkpPublicKey: %v", envName, strings.TrimPrefix(err.Error(), "pkp: "))
	}
	if p.SessionKeyPair == nil {
		return "", jsbridge.InvalidParams("%s: sessionKeyPair is required: the one generatePkpDelegationAuthSig returned", envName)
	}
	kp, err := sessionkey.FromHex(p.SessionKeyPair.PublicKey, p.SessionKeyPair.SecretKey)
	if err != nil {
		return "", jsbridge.InvalidParams("%s: sessionKeyPair: %v", envName, strings.TrimPrefix(err.Error(), "sessionkey: "))
	}
	if p.DelegationAuthSig == nil {
		return "", jsbridge.InvalidParams("%s: delegationAuthSig is required: the one generatePkpDelegationAuthSig returned", envName)
	}
	a := *p.DelegationAuthSig
	if a.SignedMessage != "" {
		m, err := siwe.Parse(a.SignedMessage)
		if err != nil {
			return "", jsbridge.InvalidParams("%s: delegationAuthSig.signedMessage is not a SIWE message: %v", envName, strings.TrimPrefix(err.Error(), "siwe: "))
		}
		if m.Address() != k.EthAddress {
			return "", delegationRefused(delegation.ReasonWrongPKP, "the delegation is from %s, not from the PKP %s (%s); pass the pkpPublicKey it was generated for", m.Address(), k.EthAddress, shortKey(k.PublicKey))
		}
		if m.URI() != kp.URI() {
			return "", delegationRefused(delegation.ReasonWrongSessionKey, "the delegation names %s, not this sessionKeyPair (%s); pass the sessionKeyPair generatePkpDelegationAuthSig returned with it", m.URI(), kp.URI())
		}
	}
	b, err := envelope.Encode(envelope.Envelope{PKPPublicKey: k.PublicKey, SessionKeyPair: kp, DelegationAuthSig: a})
	if err != nil {
		return "", jsbridge.InvalidParams("%s: %v", envName, err)
	}
	return string(b), nil
}

func delegationRefused(r delegation.Reason, format string, args ...any) error {
	return &delegation.DelegationError{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

func shortKey(k string) string {
	if len(k) > 14 {
		return k[:14] + "…"
	}
	return k
}

// recoverPublicKey returns the uncompressed public key (0x04…) that made
// sig over the 32-byte digest. sig is 65 bytes hex (r‖s‖v, v 0/1 or
// 27/28, as ethers and the worker's "signature" write it) or an object
// {r, s, recid} (pkpSign's and the worker's result).
func recoverPublicKey(digestArg, sigArg js.Value) (string, error) {
	digest, err := bytesArg(digestArg, "recoverPublicKey", "digest")
	if err != nil {
		return "", err
	}
	if len(digest) != 32 {
		return "", jsbridge.InvalidParams("recoverPublicKey: digest is %d bytes, want 32 (a hash, e.g. keccak256(message))", len(digest))
	}
	var sig []byte
	switch {
	case sigArg.Type() == js.TypeString:
		if sig, err = hexArg(sigArg.String()); err != nil || len(sig) != 65 {
			return "", jsbridge.InvalidParams("recoverPublicKey: signature must be 65 bytes hex (r, s, v; 132 characters with 0x), or {r, s, recid}")
		}
		if sig[64] >= 27 {
			sig[64] -= 27
		}
	case sigArg.Type() == js.TypeObject:
		r, errR := hexArg(jsbridge.JSString(sigArg.Get("r")))
		s, errS := hexArg(jsbridge.JSString(sigArg.Get("s")))
		v := sigArg.Get("recid")
		if errR != nil || errS != nil || len(r) != 32 || len(s) != 32 || v.Type() != js.TypeNumber {
			return "", jsbridge.InvalidParams("recoverPublicKey: a signature object needs r and s (64 hex each) and recid (0 or 1)")
		}
		sig = append(append(r, s...), byte(v.Int()))
	default:
		return "", jsbridge.InvalidParams("recoverPublicKey: signature must be a 65-byte hex string or {r, s, recid}")
	}
	if sig[64] > 1 {
		return "", jsbridge.InvalidParams("recoverPublicKey: the recovery id is %d; want 0 or 1 (or v 27 or 28)", sig[64])
	}
	pub, err := crypto.Ecrecover(digest, sig)
	if err != nil {
		return "", jsbridge.InvalidParams("recoverPublicKey: no public key recovers from this signature and digest (%v)", err)
	}
	return "0x" + hex.EncodeToString(pub), nil
}

// bytesArg reads a Uint8Array, or a string: 0x-hex for digests, UTF-8
// text for keccak256's data.
func bytesArg(v js.Value, fn, name string) ([]byte, error) {
	switch {
	case v.Type() == js.TypeObject && v.InstanceOf(js.Global().Get("Uint8Array")):
		b := make([]byte, v.Length())
		js.CopyBytesToGo(b, v)
		return b, nil
	case v.Type() == js.TypeString && fn == "keccak256":
		return []byte(v.String()), nil
	case v.Type() == js.TypeString:
		b, err := hexArg(v.String())
		if err != nil {
			return nil, jsbridge.InvalidParams("%s: %s is not hex: %v", fn, name, err)
		}
		return b, nil
	}
	return nil, jsbridge.InvalidParams("%s: %s must be a string or a Uint8Array", fn, name)
}

func hexArg(s string) ([]byte, error) {
	return hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"))
}
