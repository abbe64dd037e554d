// Package errcode is the one table of error codes: the string `code` of
// every Error the browser modules throw or reject with, the hint appended
// to messages that do not already say what to do, and the rule that
// matches a wallet's refusal. js/lit-session.d.ts (LitSessionErrorCode) and
// js/lit-session.js must list the same codes; js_test.go checks it.
//
// Core errors carry their own code: a typed error implements Coder, and Of
// finds it with errors.As through any wrapping. No caller matches on error
// text.
package errcode

import (
	"context"
	"errors"
	"fmt"
)

// Code is an error code, e.g. "invalid_params".
type Code string

// The codes. Raised says where: Go (the modules) or JS (lit-session.js,
// before or after the module runs).
const (
	InvalidParams      Code = "invalid_params"       // a bad argument; the message names it and the fix
	NoWallet           Code = "no_wallet"            // no EIP-1193 provider and no authNeededCallback
	WalletRejected     Code = "wallet_rejected"      // the user declined in the wallet (EIP-1193 4001); nothing was cached
	WalletError        Code = "wallet_error"         // the wallet failed otherwise
	WrongNetwork       Code = "wrong_network"        // the wallet cannot switch to the chain
	AuthCallback       Code = "auth_callback_failed" // authNeededCallback threw
	InvalidAuthSig     Code = "invalid_auth_sig"     // the wallet's or callback's AuthSig fails a rule
	NotConnected       Code = "not_connected"        // a network call before connect()
	NodesUnreachable   Code = "nodes_unreachable"    // no Lit node answered
	NotEnoughNodes     Code = "not_enough_nodes"     // fewer nodes than the network needs answered
	NodeError          Code = "node_error"           // a node answered with an error
	RPCError           Code = "rpc_error"            // the chain RPC failed or rejected a call
	StorageUnavailable Code = "storage_unavailable"  // the storage is missing or threw
	DelegationRefused  Code = "delegation_refused"   // a PKP delegation fails a check (reason says which)
	Timeout            Code = "timeout"              // the nodes or the wallet did not answer in time
	WasmLoadFailed     Code = "wasm_load_failed"     // lit-session.js could not load a module
	WasmExited         Code = "wasm_exited"          // a module exited; the page must reload
	Internal           Code = "internal"             // a bug
)

// Info is one row of the table.
type Info struct {
	Code Code
	// FromJS: raised only by lit-session.js, never by Go.
	FromJS bool
	// Reconnect: after an error with this code, a client handshakes again
	// before its next network call (the nodes or the connection changed).
	Reconnect bool
	// Hint is appended to the message unless empty.
	Hint string
}

// Table lists every code once, in the order of the .d.ts union.
var Table = []Info{
	{Code: InvalidParams},
	{Code: NoWallet, Hint: "Install or unlock an Ethereum wallet (window.ethereum), pass an EIP-1193 provider as createClient({provider}), or pass getSessionSigs({authNeededCallback})."},
	{Code: WalletRejected},
	{Code: WalletError},
	{Code: WrongNetwork},
	{Code: AuthCallback},
	{Code: InvalidAuthSig},
	{Code: NotConnected, Reconnect: true, Hint: "Call await client.connect() first."},
	{Code: NodesUnreachable, Reconnect: true},
	{Code: NotEnoughNodes, Reconnect: true},
	{Code: NodeError, Reconnect: true},
	{Code: RPCError},
	{Code: StorageUnavailable},
	{Code: DelegationRefused},
	{Code: Timeout, Reconnect: true, Hint: "The Lit nodes or the wallet did not answer in time; check that they are up and retry (createClient({connectTimeout}) raises the limit)."},
	{Code: WasmLoadFailed, FromJS: true},
	{Code: WasmExited, FromJS: true},
	{Code: Internal, Hint: "This is unexpected; please report it with the message above."},
}

// Lookup returns the row of c and whether c is a known code.
func Lookup(c Code) (Info, bool) {
	for _, i := range Table {
		if i.Code == c {
			return i, true
		}
	}
	return Info{}, false
}

// Coder is implemented by errors that carry their code.
type Coder interface {
	error
	ErrorCode() Code
}

// NodeFailures is implemented by errors that say why each node failed
// (node URL → reason); the bridges expose it as err.nodes.
type NodeFailures interface {
	FailedNodes() map[string]string
}

// Detail is implemented by errors with one machine-readable reason beside
// the code, e.g. ("rule", "expired") or ("reason", "wrong_session_key");
// the bridges set it as err[key].
type Detail interface {
	ErrorDetail() (key, value string)
}

// Of returns the code of err: the code of the first Coder in its chain,
// Timeout for a context deadline, else Internal. Of(nil) is "".
func Of(err error) Code {
	if err == nil {
		return ""
	}
	var c Coder
	if errors.As(err, &c) {
		return c.ErrorCode()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Timeout
	}
	return Internal
}

// WalletRejection reports whether a wallet's error code means the user
// declined: EIP-1193's 4001, ethers' ACTION_REJECTED, or our own code
// passed back through a callback. It is the one place this is matched.
func WalletRejection(code string) bool {
	switch code {
	case "4001", "ACTION_REJECTED", string(WalletRejected):
		return true
	}
	return false
}

// Error is an error with a code and a message, for the places that raise
// a coded error without a typed error of their own (adapters, params).
type Error struct {
	Code Code
	Msg  string
	Err  error // the cause, may be nil
}

func (e *Error) Error() string   { return e.Msg }
func (e *Error) Unwrap() error   { return e.Err }
func (e *Error) ErrorCode() Code { return e.Code }

// Errorf returns an *Error with code, the formatted message, and cause
// (which may be nil). It is kept out of line: inlined, its formatting and
// allocation would be copied into each of its many callers, which costs
// the browser module more than the call.
//
//go:noinline
func Errorf(code Code, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// Reconnects lists the codes of the Reconnect rows, in table order.
func Reconnects() []Code {
	var out []Code
	for _, i := range Table {
		if i.Reconnect {
			out = append(out, i.Code)
		}
	}
	return out
}
