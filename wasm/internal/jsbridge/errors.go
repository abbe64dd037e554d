//go:build js && wasm

package jsbridge

import (
	"errors"
	"syscall/js"

	"github.com/litgo/litsession/core/errcode"
)

// Classify returns the code of err (core/errcode's table): the code of the
// first core error in its chain that carries one (errcode.Coder), else the
// code of a thrown JS error (a wallet rejection, 4001 or ACTION_REJECTED,
// is wallet_rejected; a code of the table is kept), else errcode.Of's
// timeout or internal.
func Classify(err error) errcode.Code {
	var c errcode.Coder
	if errors.As(err, &c) {
		return c.ErrorCode()
	}
	var te *ThrownError
	if errors.As(err, &te) {
		if c := thrownCode(te.Code()); c != "" {
			return c
		}
	}
	return errcode.Of(err)
}

// thrownCode is the code of a JS error whose code property is c, or "".
func thrownCode(c string) errcode.Code {
	if errcode.WalletRejection(c) {
		return errcode.WalletRejected
	}
	if _, ok := errcode.Lookup(errcode.Code(c)); ok {
		return errcode.Code(c)
	}
	return ""
}

// JSError builds the JS Error for err: the message plus the table's hint,
// the string code, the thrown JS value as cause, the per-node reasons as
// nodes (errcode.NodeFailures), and the error's errcode.Detail.
func JSError(err error) js.Value {
	code := Classify(err)
	msg := err.Error()
	if row, _ := errcode.Lookup(code); row.Hint != "" {
		msg += " " + row.Hint
	}
	e := js.Global().Get("Error").New(msg)
	e.Set("code", string(code))
	var te *ThrownError
	if errors.As(err, &te) && !te.V.IsUndefined() {
		e.Set("cause", te.V)
	}
	var d errcode.Detail
	if errors.As(err, &d) {
		k, v := d.ErrorDetail()
		e.Set(k, v)
	}
	var nf errcode.NodeFailures
	if errors.As(err, &nf) {
		nodes := map[string]any{}
		for u, reason := range nf.FailedNodes() {
			nodes[u] = reason
		}
		e.Set("nodes", nodes)
	}
	return e
}
