//go:build js && wasm

package jsbridge

import (
	"fmt"

	"github.com/litgo/litsession/core/errcode"
)

// The codes as strings, and Coded and InvalidParams, for wasm/pkp; new
// code uses core/errcode directly.
const (
	CodeInvalidParams    = string(errcode.InvalidParams)
	CodeWalletRejected   = string(errcode.WalletRejected)
	CodeNotConnected     = string(errcode.NotConnected)
	CodeNodesUnreachable = string(errcode.NodesUnreachable)
	CodeNodeError        = string(errcode.NodeError)
)

// Coded is errcode.Errorf with a string code.
func Coded(code string, cause error, format string, args ...any) error {
	return &errcode.Error{Code: errcode.Code(code), Msg: fmt.Sprintf(format, args...), Err: cause}
}

// InvalidParams is errcode.Errorf(errcode.InvalidParams, nil, …).
func InvalidParams(format string, args ...any) error {
	return &errcode.Error{Code: errcode.InvalidParams, Msg: fmt.Sprintf(format, args...)}
}
