//go:build js && wasm

// Command wasm is the browser build of litsession: thin syscall/js
// bindings over core (no protocol logic here). js/lit-session.js loads it;
// see js/lit-session.d.ts for the API.
//
// The adapters implement core's interfaces with browser APIs: webStorage
// (storage.Storage over window.localStorage, with the official SDK's keys)
// here, and in wasm/internal/jsbridge EIP1193 (authsig.Signer over
// window.ethereum) and FetchTransport (node.Transport over fetch; no
// net/http is linked). core parses and writes every API object; the
// bindings convert JS values to JSON text and back. Every async function
// returns a Promise; every rejection is an Error with a string code from
// core/errcode.
package main

import "syscall/js"

func main() {
	api := newAPI()
	api.Set("warmUp", js.FuncOf(func(js.Value, []js.Value) any { return warmUp() }))
	if ready := js.Global().Get("__litSessionReady"); ready.Type() == js.TypeFunction {
		ready.Invoke(api)
	} else {
		js.Global().Set("litSessionWasm", api)
	}
	select {} // serve calls until the page goes away
}
