//go:build js && wasm

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall/js"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/core/storage"
)

// Version is reported as api.version.
const Version = "0.1.0"

// newAPI returns the object js/lit-session.js wraps. Its functions take
// and return JSON strings for data, and JS values only for what cannot be
// JSON (callbacks, providers, storage objects).
func newAPI() js.Value {
	api := js.Global().Get("Object").New()
	api.Set("version", Version)
	api.Set("createClient", js.FuncOf(func(_ js.Value, args []js.Value) any {
		c, err := newClient(arg0(args))
		if err != nil {
			return map[string]any{"error": jsError(err)}
		}
		return map[string]any{"client": c.jsObject()}
	}))
	api.Set("generateSessionKeyPair", js.FuncOf(func(js.Value, []js.Value) any {
		kp, err := sessionkey.Generate(nil)
		if err != nil {
			return map[string]any{"error": jsError(err)}
		}
		return map[string]any{"publicKey": kp.PublicKeyHex(), "secretKey": kp.SecretKeyHex()}
	}))
	api.Set("disconnectWeb3", js.FuncOf(func(_ js.Value, args []js.Value) any {
		// Synchronous, like the official disconnectWeb3 and Web Storage.
		st, err := storageFrom(arg0(args))
		if err == nil && st != nil {
			if err = storage.DisconnectWeb3(context.Background(), st); err != nil {
				err = coded(CodeStorageUnavailable, err, "disconnectWeb3 could not clear the cache: %v; clear this site's storage in the browser settings", err)
			}
		}
		if err != nil {
			return map[string]any{"error": jsError(err)}
		}
		return map[string]any{}
	}))
	api.Set("createSiweMessageWithRecaps", js.FuncOf(func(_ js.Value, args []js.Value) any {
		return promise(func() (any, error) { return createSiwe(jsonArg(args)) })
	}))
	api.Set("createDevWallet", js.FuncOf(func(_ js.Value, args []js.Value) any {
		w, err := newDevWallet(arg0(args))
		if err != nil {
			return map[string]any{"error": jsError(err)}
		}
		return map[string]any{"provider": w.jsObject()}
	}))
	return api
}

func jsonArg(args []js.Value) string {
	a := arg0(args)
	if a.Type() != js.TypeString {
		return ""
	}
	return a.String()
}

// client is one createClient: a node client and the session engine.
type client struct {
	nc     *node.Client
	engine *session.Engine
	debug  bool
	wallet eip1193
}

// clientConfig is createClient's options object.
func newClient(opts js.Value) (*client, error) {
	if opts.Type() != js.TypeObject {
		return nil, invalidParams("createClient needs an options object, e.g. {bootstrapUrls: ['http://127.0.0.1:7470', …], minNodeCount: 2} or {rpcUrl: 'http://127.0.0.1:8545'}")
	}
	cfg := node.Config{Transport: fetchTransport{}}
	if v := opts.Get("bootstrapUrls"); !isNullish(v) {
		if v.Type() != js.TypeObject || v.Get("length").Type() != js.TypeNumber {
			return nil, invalidParams("createClient: bootstrapUrls must be an array of node URLs like 'http://127.0.0.1:7470'")
		}
		for i := range v.Length() {
			u := v.Index(i)
			if u.Type() != js.TypeString {
				return nil, invalidParams("createClient: bootstrapUrls[%d] is not a string", i)
			}
			cfg.BootstrapURLs = append(cfg.BootstrapURLs, u.String())
		}
	}
	var err error
	if cfg.MinNodeCount, err = optInt(opts, "minNodeCount"); err != nil {
		return nil, err
	}
	if cfg.RPCURL, err = optString(opts, "rpcUrl"); err != nil {
		return nil, err
	}
	if cfg.StakingAddress, err = optString(opts, "stakingAddress"); err != nil {
		return nil, err
	}
	ms, err := optInt(opts, "connectTimeout")
	if err != nil {
		return nil, err
	}
	cfg.Timeout = time.Duration(ms) * time.Millisecond
	if len(cfg.BootstrapURLs) > 0 && cfg.MinNodeCount == 0 {
		return nil, invalidParams("createClient: minNodeCount is required with bootstrapUrls: how many nodes must answer (the network's threshold)")
	}
	nc, err := node.New(cfg)
	if err != nil {
		return nil, invalidParams("createClient: %v", strings.TrimPrefix(err.Error(), "node: "))
	}
	st, err := storageFrom(opts.Get("storage"))
	if err != nil {
		return nil, err
	}
	c := &client{nc: nc}
	provider := opts.Get("provider")
	switch {
	case isNullish(provider):
		c.wallet = eip1193{provider: windowEthereum}
	case provider.Type() == js.TypeObject && provider.Get("request").Type() == js.TypeFunction:
		c.wallet = eip1193{provider: func() js.Value { return provider }}
	default:
		return nil, invalidParams("createClient: provider must be an EIP-1193 provider (an object with request({method, params}))")
	}
	c.debug = opts.Get("debug").Truthy()
	c.engine = &session.Engine{Storage: st, Network: nc, Wallet: timedSigner{c.wallet}}
	return c, nil
}

func optString(o js.Value, name string) (string, error) {
	v := o.Get(name)
	if isNullish(v) {
		return "", nil
	}
	if v.Type() != js.TypeString {
		return "", invalidParams("createClient: %s must be a string", name)
	}
	return v.String(), nil
}

func optInt(o js.Value, name string) (int, error) {
	v := o.Get(name)
	if isNullish(v) {
		return 0, nil
	}
	if v.Type() != js.TypeNumber || v.Float() != float64(int(v.Float())) || v.Float() < 0 {
		return 0, invalidParams("createClient: %s must be a non-negative whole number", name)
	}
	return v.Int(), nil
}

func (c *client) jsObject() js.Value {
	o := js.Global().Get("Object").New()
	o.Set("connect", js.FuncOf(func(js.Value, []js.Value) any {
		return promise(c.connect)
	}))
	o.Set("getSessionSigs", js.FuncOf(func(_ js.Value, args []js.Value) any {
		params := jsonArg(args)
		var authNeeded js.Value
		if len(args) > 1 {
			authNeeded = args[1]
		}
		return promise(func() (any, error) { return c.getSessionSigs(params, authNeeded) })
	}))
	return o
}

func (c *client) connect() (any, error) {
	start := time.Now()
	if err := c.nc.Connect(context.Background()); err != nil {
		return nil, err
	}
	ms := msSince(start)
	hash, err := c.nc.LatestBlockhash(context.Background())
	if err != nil {
		return nil, err
	}
	nodes := make([]any, 0)
	for _, u := range c.nc.ConnectedNodes() {
		nodes = append(nodes, u)
	}
	c.logf("connected to %d nodes in %.0f ms", len(nodes), ms)
	return map[string]any{
		"connectedNodes":   nodes,
		"latestBlockhash":  hash,
		"minNodeCount":     c.nc.MinNodeCount(),
		"networkPublicKey": c.nc.NetworkPublicKey(),
		"connectMs":        ms,
	}, nil
}

func msSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }

func (c *client) logf(format string, args ...any) {
	if c.debug {
		js.Global().Get("console").Call("debug", "[lit-session] "+fmt.Sprintf(format, args...))
	}
}

// sessionParams is getSessionSigs' params object, as JSON.
type sessionParams struct {
	Chain                     string
	Expiration                string
	CapabilityAuthSigs        []authsig.AuthSig
	CapacityDelegationAuthSig *authsig.AuthSig
	SessionKey                *sessionKeyJSON
	Domain                    string
	SwitchChain               bool
	reqs                      []resource.Request // resourceAbilityRequests
}

type sessionKeyJSON struct {
	PublicKey string `json:"publicKey"`
	SecretKey string `json:"secretKey"`
}

// infoJSON is the Info returned beside the session signatures.
type infoJSON struct {
	WalletAsked       bool     `json:"walletAsked"`
	CacheReused       bool     `json:"cacheReused"`
	SessionKeyCreated bool     `json:"sessionKeyCreated"`
	WalletAddress     string   `json:"walletAddress"`
	Rule              string   `json:"rule"`
	Reason            string   `json:"reason"`
	Expiration        string   `json:"expiration"`
	Warnings          []string `json:"warnings"`
	SessionPublicKey  string   `json:"sessionPublicKey"`
	Timings           timings  `json:"timings"`
}

type timings struct {
	TotalMs  float64 `json:"totalMs"`  // the whole call
	WalletMs float64 `json:"walletMs"` // waiting for the wallet or callback
}

// JSON writes the info object (the tags above name the members, for the
// tests' encoding/json).
func (i infoJSON) JSON() ([]byte, error) {
	var o jsjson.Object
	o.Bool("walletAsked", i.WalletAsked)
	o.Bool("cacheReused", i.CacheReused)
	o.Bool("sessionKeyCreated", i.SessionKeyCreated)
	o.String("walletAddress", i.WalletAddress)
	o.String("rule", i.Rule)
	o.String("reason", i.Reason)
	o.String("expiration", i.Expiration)
	o.Value("warnings", i.Warnings)
	o.String("sessionPublicKey", i.SessionPublicKey)
	var t jsjson.Object
	t.Float("totalMs", i.Timings.TotalMs)
	t.Float("walletMs", i.Timings.WalletMs)
	tb, err := t.Bytes()
	if err != nil {
		return nil, err
	}
	o.Raw("timings", tb)
	return o.Bytes()
}

func parseSessionParams(raw string) (sessionParams, error) {
	var p sessionParams
	if raw == "" {
		return p, invalidParams("getSessionSigs needs a params object with resourceAbilityRequests")
	}
	v, err := jsjson.Parse([]byte(raw))
	if err != nil {
		return p, invalidParams("getSessionSigs: the params are not valid JSON: %v", err)
	}
	f := fields{v: v, what: "getSessionSigs"}
	p.Chain = f.str("chain")
	p.Expiration = f.str("expiration")
	p.Domain = f.str("domain")
	p.SwitchChain = f.boolean("switchChain")
	if caps := f.get("capabilityAuthSigs"); caps.Exists() {
		items, ok := caps.Items()
		if !ok {
			f.fail("capabilityAuthSigs must be an array of AuthSigs {sig, derivedVia, signedMessage, address}")
		}
		for i, it := range items {
			a, err := authsig.FromJSON(it)
			if err != nil {
				f.fail("capabilityAuthSigs[%d]: %v", i, err)
				break
			}
			p.CapabilityAuthSigs = append(p.CapabilityAuthSigs, a)
		}
	}
	if d := f.get("capacityDelegationAuthSig"); d.Exists() {
		a, err := authsig.FromJSON(d)
		if err != nil {
			f.fail("capacityDelegationAuthSig: %v", err)
		}
		p.CapacityDelegationAuthSig = &a
	}
	if k := f.get("sessionKey"); k.Exists() {
		if _, ok := k.Members(); !ok {
			f.fail("sessionKey must be an object {publicKey, secretKey}, got %s", k.Kind())
		}
		kf := fields{v: k, what: "getSessionSigs: sessionKey"}
		p.SessionKey = &sessionKeyJSON{PublicKey: kf.str("publicKey"), SecretKey: kf.str("secretKey")}
		if kf.err != nil {
			f.err = kf.err
		}
	}
	if f.err != nil {
		return p, f.err
	}
	reqs := v.Get("resourceAbilityRequests")
	if !reqs.Exists() {
		return p, invalidParams("getSessionSigs: resourceAbilityRequests is required, e.g. [{resource: new LitPKPResource('*'), ability: LIT_ABILITY.PKPSigning}]")
	}
	if p.reqs, err = resource.RequestsFromJSON(reqs); err != nil {
		return p, invalidParams("getSessionSigs: resourceAbilityRequests: %v; each entry is {resource: {resource: '<id or *>', resourcePrefix: 'lit-pkp'}, ability: 'pkp-signing'}", err)
	}
	return p, nil
}

// fields reads the members of a JSON params object as encoding/json
// decodes them into a struct: an absent or null member leaves the zero
// value, a member of the wrong type is an invalidParams error naming it
// (the first one is kept in err), other members are ignored.
type fields struct {
	v    jsjson.Value
	what string // the function, for errors
	err  error
}

func (f *fields) fail(format string, args ...any) {
	if f.err == nil {
		f.err = invalidParams(f.what+": "+format, args...)
	}
}

// get returns the member name, Absent when it is missing or null.
func (f *fields) get(name string) jsjson.Value {
	if _, ok := f.v.Members(); !ok {
		f.fail("the params must be an object, got %s", f.v.Kind())
		return jsjson.Value{}
	}
	m := f.v.Get(name)
	if m.IsNull() {
		return jsjson.Value{}
	}
	return m
}

func (f *fields) str(name string) string {
	m := f.get(name)
	if !m.Exists() {
		return ""
	}
	s, ok := m.Str()
	if !ok {
		f.fail("%s must be a string, got %s", name, m.Kind())
	}
	return s
}

func (f *fields) strPtr(name string) *string {
	m := f.get(name)
	if !m.Exists() {
		return nil
	}
	s := f.str(name)
	return &s
}

func (f *fields) boolean(name string) bool {
	m := f.get(name)
	if !m.Exists() {
		return false
	}
	b, ok := m.Boolean()
	if !ok {
		f.fail("%s must be true or false, got %s", name, m.Kind())
	}
	return b
}

func (f *fields) integer(name string) int {
	m := f.get(name)
	if !m.Exists() {
		return 0
	}
	n, ok := m.Int64()
	if !ok || int64(int(n)) != n {
		f.fail("%s must be a whole number, got %s", name, jsonText(m))
	}
	return int(n)
}

// jsonText is v as JSON, for error messages.
func jsonText(v jsjson.Value) string {
	b, err := v.MarshalJSON()
	if err != nil {
		return v.Kind().String()
	}
	return string(b)
}

// walletTimer wraps the signer and callback to time the wallet.
type walletTimer struct {
	mu    sync.Mutex
	spent time.Duration
}

func (t *walletTimer) add(start time.Time) {
	t.mu.Lock()
	t.spent += time.Since(start)
	t.mu.Unlock()
}

type timerKey struct{}

// timedSigner adds the time spent signing to the call's walletTimer,
// carried in the context.
type timedSigner struct{ authsig.Signer }

func (s timedSigner) SignMessage(ctx context.Context, msg []byte) ([]byte, error) {
	if t, ok := ctx.Value(timerKey{}).(*walletTimer); ok {
		defer t.add(time.Now())
	}
	return s.Signer.SignMessage(ctx, msg)
}

func (c *client) getSessionSigs(raw string, authNeeded js.Value) (any, error) {
	start := time.Now()
	p, err := parseSessionParams(raw)
	if err != nil {
		return nil, err
	}
	if !c.nc.Connected() {
		return nil, coded(CodeNotConnected, nil, "getSessionSigs: the client is not connected to the Lit network; call await client.connect() first")
	}
	params := session.Params{
		Chain:                     p.Chain,
		ResourceAbilityRequests:   p.reqs,
		Expiration:                p.Expiration,
		CapabilityAuthSigs:        p.CapabilityAuthSigs,
		CapacityDelegationAuthSig: p.CapacityDelegationAuthSig,
		Domain:                    p.Domain,
	}
	if p.SessionKey != nil {
		kp, err := sessionkey.FromHex(p.SessionKey.PublicKey, p.SessionKey.SecretKey)
		if err != nil {
			return nil, invalidParams("getSessionSigs: sessionKey: %v", strings.TrimPrefix(err.Error(), "sessionkey: "))
		}
		params.SessionKey = kp
	}
	timer := &walletTimer{}
	if authNeeded.Type() == js.TypeFunction {
		params.AuthNeededCallback = jsAuthCallback(authNeeded, timer)
	} else if !isNullish(authNeeded) {
		return nil, invalidParams("getSessionSigs: authNeededCallback must be a function")
	}
	chain := p.Chain
	if chain == "" {
		chain = session.DefaultChain
	}
	ctx := withSignOpts(context.Background(), signOpts{chain: chain, switchChain: p.SwitchChain})
	ctx = context.WithValue(ctx, timerKey{}, timer)
	// One engine per client, so concurrent calls ask the wallet once.
	sigs, info, err := c.engine.GetSessionSigs(ctx, params)
	if err != nil {
		c.logf("getSessionSigs failed: %v", err)
		return nil, err
	}
	out, err := sigs.MarshalJSON()
	if err != nil {
		return nil, err
	}
	ij := infoJSON{
		WalletAsked:       info.WalletAsked,
		CacheReused:       info.CacheReused,
		SessionKeyCreated: info.SessionKeyCreated,
		WalletAddress:     info.WalletAddress,
		Rule:              string(info.Rule),
		Reason:            info.Reason,
		Expiration:        info.Expiration,
		Warnings:          info.Warnings,
		Timings:           timings{TotalMs: msSince(start), WalletMs: float64(timer.spent.Microseconds()) / 1000},
	}
	if ij.Warnings == nil {
		ij.Warnings = []string{}
	}
	for _, a := range sigs.All() {
		ij.SessionPublicKey = a.Address
		break
	}
	infoOut, err := ij.JSON()
	if err != nil {
		return nil, err
	}
	c.logf("session sigs for %d nodes: wallet asked %v, cache reused %v (%s), %.0f ms", sigs.Len(), info.WalletAsked, info.CacheReused, info.Rule, ij.Timings.TotalMs)
	return map[string]any{"sessionSigs": string(out), "info": string(infoOut)}, nil
}

// authNeededJSON is what the JS callback receives (the JS wrapper puts the
// caller's own resourceAbilityRequests objects back). The session secret
// key is not passed: the callback has no use for it.
type authNeededJSON struct {
	Chain                   string             `json:"chain"`
	Statement               string             `json:"statement"`
	Resources               []string           `json:"resources"`
	Expiration              string             `json:"expiration"`
	URI                     string             `json:"uri"`
	Nonce                   string             `json:"nonce"`
	Domain                  string             `json:"domain,omitempty"`
	ResourceAbilityRequests []resource.Request `json:"resourceAbilityRequests"`
	SessionKey              struct {
		PublicKey string `json:"publicKey"`
	} `json:"sessionKey"`
}

// JSON writes the callback's argument, members in the order of the tags
// (which name them for the tests' encoding/json); nil lists are null.
func (a authNeededJSON) JSON() ([]byte, error) {
	var o jsjson.Object
	o.String("chain", a.Chain)
	o.String("statement", a.Statement)
	o.Value("resources", a.Resources)
	o.String("expiration", a.Expiration)
	o.String("uri", a.URI)
	o.String("nonce", a.Nonce)
	if a.Domain != "" {
		o.String("domain", a.Domain)
	}
	if a.ResourceAbilityRequests == nil {
		o.Null("resourceAbilityRequests")
	} else {
		var reqs jsjson.Array
		for _, q := range a.ResourceAbilityRequests {
			b, err := q.JSON()
			if err != nil {
				return nil, err
			}
			reqs.Raw(b)
		}
		rb, err := reqs.Bytes()
		if err != nil {
			return nil, err
		}
		o.Raw("resourceAbilityRequests", rb)
	}
	var k jsjson.Object
	k.String("publicKey", a.SessionKey.PublicKey)
	kb, err := k.Bytes()
	if err != nil {
		return nil, err
	}
	o.Raw("sessionKey", kb)
	return o.Bytes()
}

func jsAuthCallback(fn js.Value, timer *walletTimer) session.AuthNeededCallback {
	return func(ctx context.Context, ap session.AuthNeededParams) (authsig.AuthSig, error) {
		defer timer.add(time.Now())
		in := authNeededJSON{
			Chain: ap.Chain, Statement: ap.Statement, Resources: ap.Resources, Expiration: ap.Expiration,
			URI: ap.URI, Nonce: ap.Nonce, Domain: ap.Domain, ResourceAbilityRequests: ap.ResourceAbilityRequests,
		}
		in.SessionKey.PublicKey = ap.SessionKey.PublicKeyHex()
		b, err := in.JSON()
		if err != nil {
			return authsig.AuthSig{}, err
		}
		res, err := invoke(fn, string(b))
		if err == nil {
			res, err = await(ctx, res)
		}
		if err != nil {
			var te *thrownError
			if errors.As(err, &te) {
				switch te.Code() {
				case "4001", "ACTION_REJECTED", CodeWalletRejected:
					return authsig.AuthSig{}, coded(CodeWalletRejected, err, "the authNeededCallback's wallet declined to sign (%v); nothing was cached: ask again and approve the request in the wallet", err)
				}
			}
			return authsig.AuthSig{}, coded(CodeAuthCallback, err, "authNeededCallback threw: %v", err)
		}
		if res.Type() != js.TypeObject {
			return authsig.AuthSig{}, coded(CodeInvalidAuthSig, nil, "authNeededCallback returned %s; it must return (or resolve to) an AuthSig {sig, derivedVia, signedMessage, address}", jsString(res))
		}
		s, err := jsonStringify(res)
		if err != nil {
			return authsig.AuthSig{}, coded(CodeInvalidAuthSig, err, "authNeededCallback returned a value that is not JSON: %v", err)
		}
		var a authsig.AuthSig
		if err := a.UnmarshalJSON([]byte(s)); err != nil {
			return authsig.AuthSig{}, coded(CodeInvalidAuthSig, err, "authNeededCallback returned an unusable AuthSig: %v", err)
		}
		return a, nil
	}
}

// createSiwe reads createSiweMessageWithRecaps' params object {uri,
// expiration, resources, walletAddress, nonce, domain, statement, chainId}.
func createSiwe(raw string) (any, error) {
	v, err := jsjson.Parse([]byte(raw))
	if err != nil {
		return nil, invalidParams("createSiweMessageWithRecaps: the params are not valid JSON: %v", err)
	}
	f := fields{v: v, what: "createSiweMessageWithRecaps"}
	p := siwe.Params{
		URI: f.str("uri"), Expiration: f.str("expiration"), Address: f.str("walletAddress"), Nonce: f.str("nonce"),
		Domain: f.str("domain"), Statement: f.strPtr("statement"), ChainID: f.integer("chainId"),
	}
	if rs := f.get("resources"); rs.Exists() && f.err == nil {
		if p.Resources, err = resource.RequestsFromJSON(rs); err != nil {
			f.fail("resources: %v", err)
		}
	}
	if f.err != nil {
		return nil, f.err
	}
	msg, err := siwe.CreateWithRecaps(p)
	if err != nil {
		return nil, invalidParams("createSiweMessageWithRecaps: %v", err)
	}
	return msg, nil
}
