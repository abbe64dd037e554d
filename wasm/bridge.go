//go:build js && wasm

package main

import (
	"context"
	"syscall/js"

	"github.com/litgo/litsession/wasm/internal/jsbridge"
)

// The adapters moved to wasm/internal/jsbridge, which the PKP module
// (wasm/pkp) shares; these are the names the bindings here use for them.

// Error codes (jsbridge lists them).
const (
	CodeInvalidParams      = jsbridge.CodeInvalidParams
	CodeNoWallet           = jsbridge.CodeNoWallet
	CodeWalletRejected     = jsbridge.CodeWalletRejected
	CodeWalletError        = jsbridge.CodeWalletError
	CodeWrongNetwork       = jsbridge.CodeWrongNetwork
	CodeAuthCallback       = jsbridge.CodeAuthCallback
	CodeInvalidAuthSig     = jsbridge.CodeInvalidAuthSig
	CodeNotConnected       = jsbridge.CodeNotConnected
	CodeNodesUnreachable   = jsbridge.CodeNodesUnreachable
	CodeNotEnoughNodes     = jsbridge.CodeNotEnoughNodes
	CodeNodeError          = jsbridge.CodeNodeError
	CodeRPCError           = jsbridge.CodeRPCError
	CodeStorageUnavailable = jsbridge.CodeStorageUnavailable
	CodeTimeout            = jsbridge.CodeTimeout
	CodeInternal           = jsbridge.CodeInternal
)

type (
	thrownError    = jsbridge.ThrownError
	fetchTransport = jsbridge.FetchTransport
)

func promise(fn func() (any, error)) js.Value { return jsbridge.Promise(fn) }
func jsError(err error) js.Value              { return jsbridge.JSError(err) }

func coded(code string, cause error, format string, args ...any) error {
	return jsbridge.Coded(code, cause, format, args...)
}

func invalidParams(format string, args ...any) error {
	return jsbridge.InvalidParams(format, args...)
}

func jsString(v js.Value) string { return jsbridge.JSString(v) }
func call(v js.Value, method string, args ...any) (js.Value, error) {
	return jsbridge.Call(v, method, args...)
}
func invoke(f js.Value, args ...any) (js.Value, error)        { return jsbridge.Invoke(f, args...) }
func await(ctx context.Context, v js.Value) (js.Value, error) { return jsbridge.Await(ctx, v) }
func arg0(args []js.Value) js.Value                           { return jsbridge.Arg0(args) }
func jsonStringify(v js.Value) (string, error)                { return jsbridge.JSONStringify(v) }
func isNullish(v js.Value) bool                               { return jsbridge.IsNullish(v) }
func windowEthereum() js.Value                                { return jsbridge.WindowEthereum() }

// eip1193 is jsbridge.EIP1193 (an authsig.Signer over an EIP-1193
// provider) with the field name the bindings use.
type eip1193 struct{ provider func() js.Value }

func (w eip1193) Address(ctx context.Context) (string, error) {
	return jsbridge.EIP1193{Provider: w.provider}.Address(ctx)
}

func (w eip1193) SignMessage(ctx context.Context, msg []byte) ([]byte, error) {
	return jsbridge.EIP1193{Provider: w.provider}.SignMessage(ctx, msg)
}

// signOpts are getSessionSigs' per-call wallet options.
type signOpts struct {
	chain       string
	switchChain bool
}

func withSignOpts(ctx context.Context, o signOpts) context.Context {
	return jsbridge.WithSignOpts(ctx, jsbridge.SignOpts{Chain: o.chain, SwitchChain: o.switchChain})
}
