//go:build js && wasm

package main

import (
	"errors"
	"syscall/js"

	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/wasm/internal/jsbridge"
)

// CodeDelegationRefused: the nodes signed a delegation that fails
// delegation.ValidateDelegationAuthSig (err.reason says which check), or a
// delegation does not belong to the envelope's PKP or session key.
const CodeDelegationRefused = "delegation_refused"

// errorCodes classifies the errors of core/pkp, core/delegation and
// core/envelope; the rest (nodes, wallet, timeouts) are jsbridge's.
var errorCodes = jsbridge.Extension{
	Codes: []string{CodeDelegationRefused},
	Classify: func(err error) string {
		var (
			de  *delegation.DelegationError
			ee  *envelope.Error
			ref *pkp.RefusedError
		)
		switch {
		case errors.As(err, &de):
			return CodeDelegationRefused
		case errors.As(err, &ee):
			return jsbridge.CodeInvalidParams
		case errors.As(err, &ref), errors.Is(err, pkp.ErrBadShares):
			return jsbridge.CodeNodeError
		case errors.Is(err, pkp.ErrNotConnected):
			return jsbridge.CodeNotConnected
		}
		return ""
	},
	Decorate: func(err error, e js.Value) {
		var de *delegation.DelegationError
		if errors.As(err, &de) {
			e.Set("reason", string(de.Reason))
		}
		var ref *pkp.RefusedError
		if errors.As(err, &ref) {
			nodes := map[string]any{}
			for u, ne := range ref.Refusals {
				nodes[u] = ne.Error()
			}
			for u, fe := range ref.Failed {
				nodes[u] = fe.Error()
			}
			e.Set("nodes", nodes)
		}
	},
}
