//go:build js && wasm

// Command pkp is the browser module for PKP delegations
// (js/lit-session-pkp.wasm): thin syscall/js bindings over core/delegation
// and core/envelope, kept apart from lit-session.wasm because they link
// BLS12-381 (core/bls, gnark-crypto). js/lit-session.js loads it on the
// first PKP call (client.generatePkpDelegationAuthSig,
// lit.createDelegationEnvelope, lit.loadPkp); see js/lit-session.d.ts.
//
// It shares the adapters of the main module (wasm/internal/jsbridge): the
// fetch transport, the EIP-1193 wallet and the JS errors. The params
// objects are read in core (delegation.GenerateParamsFromJSON,
// delegation.CreateEnvelopeJSON) and the errors carry their codes
// (core/errcode). Every async function returns a Promise; every rejection
// is an Error with a string code.
package main

import "syscall/js"

func main() {
	api := newAPI()
	if ready := js.Global().Get("__litSessionPkpReady"); ready.Type() == js.TypeFunction {
		ready.Invoke(api)
	} else {
		js.Global().Set("litSessionPkpWasm", api)
	}
	select {} // serve calls until the page goes away
}
