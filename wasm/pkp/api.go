//go:build js && wasm

package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"syscall/js"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/internal/version"
	"github.com/litgo/litsession/wasm/internal/jsbridge"
)

// Version is reported as api.version; it follows the main module's.
const Version = version.Version

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
	nc     *node.Client
	wallet jsbridge.EIP1193
	// wantKey is the main client's network key: this client's handshake
	// must agree with it.
	wantKey string
}

// newClient reads {bootstrapUrls, minNodeCount, provider?,
// networkPublicKey?} and the other node options of jsbridge.NodeConfig
// (network, rpcUrl, …). js/lit-session.js fills it from a connected
// LitClient: its connected nodes, threshold, network options and wallet.
// The values' rules are node.New's.
func newClient(opts js.Value) (*client, error) {
	if opts.Type() != js.TypeObject {
		return nil, invalid("createClient needs {bootstrapUrls, minNodeCount}")
	}
	cfg, err := jsbridge.NodeConfig(opts)
	if err != nil {
		return nil, err
	}
	if len(cfg.BootstrapURLs) == 0 {
		return nil, invalid("createClient: bootstrapUrls must be a non-empty array of node URLs")
	}
	nc, err := node.New(cfg)
	if err != nil {
		return nil, jsbridge.ConfigError(err)
	}
	c := &client{nc: nc}
	if v := opts.Get("networkPublicKey"); v.Type() == js.TypeString {
		c.wantKey = v.String()
	}
	if c.wallet, err = jsbridge.WalletOption(opts); err != nil {
		return nil, err
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
		return nil, &errcode.Error{Code: errcode.NotConnected, Msg: fmt.Sprintf(
			"the nodes now report network public key %.16s…, not the %.16s… the client connected with; call await client.connect() again",
			c.nc.NetworkPublicKey(), c.wantKey)}
	}
	nodes := make([]any, 0)
	for _, u := range c.nc.ConnectedNodes() {
		nodes = append(nodes, u)
	}
	return map[string]any{"connectedNodes": nodes, "networkPublicKey": c.nc.NetworkPublicKey()}, nil
}

// generate runs delegation.GeneratePkpDelegationAuthSig with the wallet as
// the PKP's owner: it signs an EthWallet auth method (personal_sign), and
// the nodes delegate from the PKP to the session key. The params are
// delegation.GenerateParamsFromJSON's.
func (c *client) generate(raw string) (any, error) {
	v, err := paramsArg(raw, delegation.GenerateName, "{pkpPublicKey, resourceAbilityRequests, expiration}")
	if err != nil {
		return nil, err
	}
	p, err := delegation.GenerateParamsFromJSON(v, c.wallet, time.Now())
	if err != nil {
		return nil, err
	}
	if !c.nc.Connected() {
		if _, err := c.connect(); err != nil {
			return nil, err
		}
	}
	a, err := delegation.GeneratePkpDelegationAuthSig(context.Background(), c.nc, p)
	if err != nil {
		return nil, err
	}
	b, err := a.MarshalJSON()
	if err != nil {
		return nil, err
	}
	secret := p.SessionKeyPair.SecretKeyHex()
	if c.nc.Generation() == node.Naga {
		secret = p.SessionKeyPair.SeedHex() // v8 code signs with the 32-byte seed only
	}
	return map[string]any{
		"delegationAuthSig": string(b),
		"sessionKeyPair":    map[string]any{"publicKey": p.SessionKeyPair.PublicKeyHex(), "secretKey": secret},
	}, nil
}

// createEnvelope is createDelegationEnvelope: delegation.CreateEnvelopeJSON
// of the params, as a string.
func createEnvelope(raw string) (string, error) {
	v, err := paramsArg(raw, delegation.EnvelopeName, "{pkpPublicKey, sessionKeyPair, delegationAuthSig}")
	if err != nil {
		return "", err
	}
	b, err := delegation.CreateEnvelopeJSON(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// paramsArg parses the JSON params lit-session.js sends to fn.
func paramsArg(raw, fn, members string) (jsjson.Value, error) {
	if raw == "" {
		return jsjson.Value{}, invalid("%s needs %s", fn, members)
	}
	v, err := jsjson.Parse([]byte(raw))
	if err != nil {
		return jsjson.Value{}, &errcode.Error{Code: errcode.InvalidParams, Msg: fmt.Sprintf("%s: the params are not JSON: %v", fn, err), Err: err}
	}
	return v, nil
}

// invalid is an invalid_params error.
func invalid(format string, args ...any) error {
	return &errcode.Error{Code: errcode.InvalidParams, Msg: fmt.Sprintf(format, args...)}
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
		return "", invalid("recoverPublicKey: digest is %d bytes, want 32 (a hash, e.g. keccak256(message))", len(digest))
	}
	var sig []byte
	switch {
	case sigArg.Type() == js.TypeString:
		if sig, err = hexArg(sigArg.String()); err != nil || len(sig) != 65 {
			return "", invalid("recoverPublicKey: signature must be 65 bytes hex (r, s, v; 132 characters with 0x), or {r, s, recid}")
		}
		if sig[64] >= 27 {
			sig[64] -= 27
		}
	case sigArg.Type() == js.TypeObject:
		r, errR := hexArg(jsbridge.JSString(sigArg.Get("r")))
		s, errS := hexArg(jsbridge.JSString(sigArg.Get("s")))
		v := sigArg.Get("recid")
		if errR != nil || errS != nil || len(r) != 32 || len(s) != 32 || v.Type() != js.TypeNumber {
			return "", invalid("recoverPublicKey: a signature object needs r and s (64 hex each) and recid (0 or 1)")
		}
		sig = append(append(r, s...), byte(v.Int()))
	default:
		return "", invalid("recoverPublicKey: signature must be a 65-byte hex string or {r, s, recid}")
	}
	if sig[64] > 1 {
		return "", invalid("recoverPublicKey: the recovery id is %d; want 0 or 1 (or v 27 or 28)", sig[64])
	}
	pub, err := crypto.Ecrecover(digest, sig)
	if err != nil {
		return "", invalid("recoverPublicKey: no public key recovers from this signature and digest (%v)", err)
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
			return nil, invalid("%s: %s is not hex: %v", fn, name, err)
		}
		return b, nil
	}
	return nil, invalid("%s: %s must be a string or a Uint8Array", fn, name)
}

func hexArg(s string) ([]byte, error) {
	return hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"))
}
