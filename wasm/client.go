//go:build js && wasm

package main

import (
	"context"
	"errors"
	"fmt"
	"syscall/js"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/wasm/internal/jsbridge"
)

// client is one createClient: a node client and the session engine.
type client struct {
	nc     *node.Client
	engine *session.Engine
	debug  bool
}

// newClient reads createClient's options: the node options of
// jsbridge.NodeConfig (network, bootstrapUrls, rpcUrl, …), which node.New
// checks, and storage, provider, appName, networkName and debug.
func newClient(opts js.Value) (*client, error) {
	if opts.Type() != js.TypeObject {
		return nil, errcode.Errorf(errcode.InvalidParams, nil, "createClient needs an options object, e.g. {bootstrapUrls: ['http://127.0.0.1:7470', …], minNodeCount: 2} or {rpcUrl: 'http://127.0.0.1:8545'}")
	}
	cfg, err := jsbridge.NodeConfig(opts)
	if err != nil {
		return nil, err
	}
	nc, err := node.New(cfg)
	if err != nil {
		return nil, jsbridge.ConfigError(err)
	}
	st, err := storageFrom(opts.Get("storage"))
	if err != nil {
		return nil, err
	}
	wallet, err := jsbridge.WalletOption(opts)
	if err != nil {
		return nil, err
	}
	layout, err := cacheLayout(opts, nc.Generation())
	if err != nil {
		return nil, err
	}
	return &client{
		nc:     nc,
		engine: &session.Engine{Storage: st, Network: nc, Wallet: wallet, CacheLayout: layout},
		debug:  opts.Get("debug").Truthy(),
	}, nil
}

// Defaults of createClient's appName and networkName on naga.
const (
	defaultAppName     = "lit-session"
	defaultNetworkName = "naga"
)

// cacheLayout reads createClient's {appName, networkName}: on naga the
// cache is the v8 storage plugin's (session.NagaCache), so a page that
// passes the appName and networkName it gave the official v8 SDK's
// storagePlugins.localStorage keeps its session; datil keeps v7's keys.
func cacheLayout(opts js.Value, gen node.Generation) (session.CacheLayout, error) {
	app, err := jsbridge.OptString(opts, "appName")
	if err != nil {
		return nil, err
	}
	network, err := jsbridge.OptString(opts, "networkName")
	if err != nil {
		return nil, err
	}
	if gen != node.Naga {
		if app != "" || network != "" {
			return nil, errcode.Errorf(errcode.InvalidParams, nil, "createClient: appName and networkName name the naga (v8) cache; pass them with network: 'naga', or leave them out on datil")
		}
		return nil, nil
	}
	if app == "" {
		app = defaultAppName
	}
	if network == "" {
		network = defaultNetworkName
	}
	return session.NagaCache{AppName: app, NetworkName: network}, nil
}

func (c *client) jsObject() js.Value {
	o := js.Global().Get("Object").New()
	o.Set("connect", js.FuncOf(func(js.Value, []js.Value) any {
		return jsbridge.Promise(c.connect)
	}))
	o.Set("getSessionSigs", js.FuncOf(func(_ js.Value, args []js.Value) any {
		params := jsonArg(args)
		var authNeeded js.Value
		if len(args) > 1 {
			authNeeded = args[1]
		}
		return jsbridge.Promise(func() (any, error) { return c.getSessionSigs(params, authNeeded) })
	}))
	return o
}

func (c *client) connect() (any, error) {
	start := time.Now()
	if err := c.nc.Connect(context.Background()); err != nil {
		return nil, err
	}
	ms := float64(time.Since(start).Microseconds()) / 1000
	hash, err := c.nc.LatestBlockhash(context.Background())
	if err != nil {
		return nil, err
	}
	// One JSON text, parsed by lit-session.js: a crossing per field would
	// cost the page's first connect more.
	nodes := c.nc.ConnectedNodes()
	var o jsjson.Object
	o.Value("connectedNodes", nodes)
	o.String("latestBlockhash", hash)
	o.Int("minNodeCount", int64(c.nc.MinNodeCount()))
	o.String("networkPublicKey", c.nc.NetworkPublicKey())
	o.Float("connectMs", ms)
	b, err := o.Bytes()
	if err != nil {
		return nil, err
	}
	c.logf("connected to %d nodes in %.0f ms", len(nodes), ms)
	return string(b), nil
}

func (c *client) logf(format string, args ...any) {
	if c.debug {
		js.Global().Get("console").Call("debug", "[lit-session] "+fmt.Sprintf(format, args...))
	}
}

// getSessionSigs reads the params (session.ParamsFromJSON) and runs the
// engine; the wallet signs for the params' chain, switching to it first
// when switchChain is set.
func (c *client) getSessionSigs(raw string, authNeeded js.Value) (any, error) {
	const where = "getSessionSigs"
	if raw == "" {
		return nil, errcode.Errorf(errcode.InvalidParams, nil, "%s needs a params object with resourceAbilityRequests", where)
	}
	v, err := jsjson.ParseParams([]byte(raw), where)
	if err != nil {
		return nil, err
	}
	p, err := session.ParamsFromJSON(v)
	if err != nil {
		return nil, err
	}
	if !c.nc.Connected() {
		return nil, errcode.Errorf(errcode.NotConnected, nil, "%s: the client is not connected to the Lit network; call await client.connect() first", where)
	}
	if authNeeded.Type() == js.TypeFunction {
		p.AuthNeededCallback = jsAuthCallback(authNeeded)
	} else if !jsbridge.IsNullish(authNeeded) {
		return nil, errcode.Errorf(errcode.InvalidParams, nil, "%s: authNeededCallback must be a function", where)
	}
	ctx := jsbridge.WithSignOpts(context.Background(), jsbridge.SignOpts{Chain: p.ChainOrDefault(), SwitchChain: p.SwitchChain})
	// One engine per client, so concurrent calls ask the wallet once.
	sigs, info, err := c.engine.GetSessionSigs(ctx, p.Params)
	if err != nil {
		c.logf("%s failed: %v", where, err)
		return nil, err
	}
	out, err := sigs.MarshalJSON()
	if err != nil {
		return nil, err
	}
	infoOut, err := info.MarshalJSON()
	if err != nil {
		return nil, err
	}
	c.logf("session sigs for %d nodes: wallet asked %v, cache reused %v (%s), %v", sigs.Len(), info.WalletAsked, info.CacheReused, info.Rule, info.Timings.Total)
	return map[string]any{"sessionSigs": string(out), "info": string(infoOut)}, nil
}

// jsAuthCallback calls the JS authNeededCallback with the JSON of
// session.AuthNeededParams (the JS wrapper puts the caller's own
// resourceAbilityRequests objects back) and reads the AuthSig it returns
// or resolves to.
func jsAuthCallback(fn js.Value) session.AuthNeededCallback {
	return func(ctx context.Context, ap session.AuthNeededParams) (authsig.AuthSig, error) {
		b, err := ap.MarshalJSON()
		if err != nil {
			return authsig.AuthSig{}, err
		}
		res, err := jsbridge.Invoke(fn, string(b))
		if err == nil {
			res, err = jsbridge.Await(ctx, res)
		}
		if err != nil {
			var te *jsbridge.ThrownError
			if errors.As(err, &te) && errcode.WalletRejection(te.Code()) {
				return authsig.AuthSig{}, errcode.Errorf(errcode.WalletRejected, err, "the authNeededCallback's wallet declined to sign (%v); nothing was cached: ask again and approve the request in the wallet", err)
			}
			return authsig.AuthSig{}, errcode.Errorf(errcode.AuthCallback, err, "authNeededCallback threw: %v", err)
		}
		if res.Type() != js.TypeObject {
			return authsig.AuthSig{}, errcode.Errorf(errcode.InvalidAuthSig, nil, "authNeededCallback returned %s; it must return (or resolve to) an AuthSig {sig, derivedVia, signedMessage, address}", jsbridge.JSString(res))
		}
		s, err := jsbridge.JSONStringify(res)
		if err != nil {
			return authsig.AuthSig{}, errcode.Errorf(errcode.InvalidAuthSig, err, "authNeededCallback returned a value that is not JSON: %v", err)
		}
		var a authsig.AuthSig
		if err := a.UnmarshalJSON([]byte(s)); err != nil {
			return authsig.AuthSig{}, errcode.Errorf(errcode.InvalidAuthSig, err, "authNeededCallback returned an unusable AuthSig: %v", err)
		}
		return a, nil
	}
}
