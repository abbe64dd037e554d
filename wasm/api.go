//go:build js && wasm

package main

import (
	"context"
	"syscall/js"

	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/core/storage"
	"github.com/litgo/litsession/internal/version"
	"github.com/litgo/litsession/wasm/internal/jsbridge"
)

// Version is reported as api.version.
const Version = version.Version

// newAPI returns the object js/lit-session.js wraps. Its functions take
// and return JSON strings for data, and JS values only for what cannot be
// JSON (callbacks, providers, storage objects).
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
	api.Set("generateSessionKeyPair", js.FuncOf(func(js.Value, []js.Value) any {
		kp, err := sessionkey.Generate(nil)
		if err != nil {
			return map[string]any{"error": jsbridge.JSError(err)}
		}
		return map[string]any{"publicKey": kp.PublicKeyHex(), "secretKey": kp.SecretKeyHex()}
	}))
	api.Set("disconnectWeb3", js.FuncOf(func(_ js.Value, args []js.Value) any {
		// Synchronous, like the official disconnectWeb3 and Web Storage.
		st, err := storageFrom(jsbridge.Arg0(args))
		if err == nil && st != nil {
			if err = storage.DisconnectWeb3(context.Background(), st); err != nil {
				err = errcode.Errorf(errcode.StorageUnavailable, err, "disconnectWeb3 could not clear the cache: %v; clear this site's storage in the browser settings", err)
			}
		}
		if err != nil {
			return map[string]any{"error": jsbridge.JSError(err)}
		}
		return map[string]any{}
	}))
	api.Set("createSiweMessageWithRecaps", js.FuncOf(func(_ js.Value, args []js.Value) any {
		return jsbridge.Promise(func() (any, error) { return createSiwe(jsonArg(args)) })
	}))
	api.Set("createDevWallet", js.FuncOf(func(_ js.Value, args []js.Value) any {
		w, err := newDevWallet(jsbridge.Arg0(args))
		if err != nil {
			return map[string]any{"error": jsbridge.JSError(err)}
		}
		return map[string]any{"provider": w.jsObject()}
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

// createSiwe builds the message of createSiweMessageWithRecaps' params
// object (siwe.ParamsFromJSON).
func createSiwe(raw string) (any, error) {
	const where = "createSiweMessageWithRecaps"
	v, err := jsjson.ParseParams([]byte(raw), where)
	if err != nil {
		return nil, err
	}
	p, err := siwe.ParamsFromJSON(v)
	if err != nil {
		return nil, err
	}
	msg, err := siwe.CreateWithRecaps(p)
	if err != nil {
		return nil, errcode.Errorf(errcode.InvalidParams, err, "%s: %v", where, err)
	}
	return msg, nil
}
