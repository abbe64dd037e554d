//go:build js && wasm

// Package jsbridge holds the browser adapters both WebAssembly modules
// share (wasm/ → lit-session.wasm and wasm/pkp/ → lit-session-pkp.wasm):
// Promise and JS call helpers, JSError (every rejection is an Error with a
// string code from core/errcode's table), FetchTransport (node.Transport
// over fetch; no net/http) and EIP1193 (authsig.Signer over an EIP-1193
// wallet).
package jsbridge
