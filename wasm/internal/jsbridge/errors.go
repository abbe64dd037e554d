//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"syscall/js"

	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/session"
)

// Error codes: the string `code` of every Error the module throws or
// rejects with. js/lit-session.d.ts lists them for callers.
const (
	CodeInvalidParams    = "invalid_params"  // a bad argument; the message names it
	CodeNoWallet         = "no_wallet"       // no EIP-1193 provider (window.ethereum) and no authNeededCallback
	CodeWalletRejected   = "wallet_rejected" // the user declined in the wallet (EIP-1193 4001)
	CodeWalletError      = "wallet_error"    // the wallet failed otherwise
	CodeWrongNetwork     = "wrong_network"   // the wallet cannot switch to the chain
	CodeAuthCallback     = "auth_callback_failed"
	CodeInvalidAuthSig   = "invalid_auth_sig"  // the wallet/callback AuthSig fails a rule
	CodeNotConnected     = "not_connected"     // getSessionSigs before connect()
	CodeNodesUnreachable = "nodes_unreachable" // no node answered
	CodeNotEnoughNodes   = "not_enough_nodes"  // fewer than minNodeCount answered
	CodeNodeError        = "node_error"        // a node answered with an error
	CodeRPCError         = "rpc_error"         // the chain RPC rejected the staking call
	// CodeStorageUnavailable: the storage object is missing or throws on
	// disconnectWeb3. Corrupt or foreign cached values are never an error:
	// they are replaced (info.rule "corrupt"/"foreign", info.warnings).
	CodeStorageUnavailable = "storage_unavailable"
	CodeTimeout            = "timeout"
	CodeInternal           = "internal"
)

// CodedError is an error with a JS code, raised by the adapters.
type CodedError struct {
	code string
	msg  string
	err  error // cause, may be nil
}

func (e *CodedError) Error() string { return e.msg }
func (e *CodedError) Unwrap() error { return e.err }

// Coded returns an error with a JS code and a message.
func Coded(code string, cause error, format string, args ...any) error {
	return &CodedError{code: code, msg: fmt.Sprintf(format, args...), err: cause}
}

// InvalidParams is Coded(CodeInvalidParams, nil, …).
func InvalidParams(format string, args ...any) error {
	return Coded(CodeInvalidParams, nil, format, args...)
}

// Classify returns the JS code of err, looking through wrapped errors.
func Classify(err error) string {
	var ce *CodedError
	if errors.As(err, &ce) {
		return ce.code
	}
	if c := classifyExtended(err); c != "" {
		return c
	}
	var te *ThrownError
	if errors.As(err, &te) {
		switch c := te.Code(); c {
		case "4001", "ACTION_REJECTED", CodeWalletRejected:
			return CodeWalletRejected
		case "":
		default:
			if IsCode(c) {
				return c
			}
		}
	}
	var (
		unreachable *node.NodesUnreachableError
		notEnough   *node.NotEnoughNodesError
		nodeErr     *node.NodeError
		rpcErr      *node.RPCError
		authSigErr  *session.AuthSigError
	)
	switch {
	case errors.As(err, &unreachable):
		return CodeNodesUnreachable
	case errors.As(err, &notEnough):
		return CodeNotEnoughNodes
	case errors.As(err, &nodeErr):
		return CodeNodeError
	case errors.As(err, &rpcErr):
		return CodeRPCError
	case errors.As(err, &authSigErr):
		return CodeInvalidAuthSig
	case errors.Is(err, session.ErrInvalidParams):
		return CodeInvalidParams
	case errors.Is(err, session.ErrNotConnected):
		return CodeNotConnected
	case errors.Is(err, session.ErrNoSigner):
		return CodeNoWallet
	case errors.Is(err, context.DeadlineExceeded):
		return CodeTimeout
	}
	return CodeInternal
}

var allCodes = []string{CodeInvalidParams, CodeNoWallet, CodeWalletRejected, CodeWalletError, CodeWrongNetwork,
	CodeAuthCallback, CodeInvalidAuthSig, CodeNotConnected, CodeNodesUnreachable, CodeNotEnoughNodes,
	CodeNodeError, CodeRPCError, CodeStorageUnavailable, CodeTimeout, CodeInternal}

// IsCode reports whether c is one of the codes.
func IsCode(c string) bool { return slices.Contains(allCodes, c) || isExtendedCode(c) }

// hint is appended to messages whose underlying error does not already say
// what to do.
var hint = map[string]string{
	CodeNoWallet:     "Install or unlock an Ethereum wallet (window.ethereum), pass an EIP-1193 provider as createClient({provider}), or pass getSessionSigs({authNeededCallback}).",
	CodeTimeout:      "The Lit nodes or the wallet did not answer in time; check that they are up and retry (createClient({connectTimeout}) raises the limit).",
	CodeInternal:     "This is unexpected; please report it with the message above.",
	CodeNotConnected: "Call await client.connect() first.",
}

// JSError builds the JS Error for err: message, string code, and for
// node failures the per-node reasons as `nodes`.
func JSError(err error) js.Value {
	code := Classify(err)
	msg := err.Error()
	if h := hint[code]; h != "" {
		msg += " " + h
	}
	e := js.Global().Get("Error").New(msg)
	e.Set("code", code)
	var te *ThrownError
	if errors.As(err, &te) && !te.V.IsUndefined() {
		e.Set("cause", te.V)
	}
	var authSigErr *session.AuthSigError
	if errors.As(err, &authSigErr) {
		e.Set("rule", string(authSigErr.Rule))
	}
	var failed map[string]error
	var unreachable *node.NodesUnreachableError
	var notEnough *node.NotEnoughNodesError
	switch {
	case errors.As(err, &unreachable):
		failed = unreachable.Failed
	case errors.As(err, &notEnough):
		failed = notEnough.Failed
	}
	if failed != nil {
		nodes := map[string]any{}
		for u, fe := range failed {
			nodes[u] = fe.Error()
		}
		e.Set("nodes", nodes)
	}
	decorate(err, e)
	return e
}
