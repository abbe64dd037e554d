package pkp

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/node"
)

var (
	// ErrBadShares is matched (errors.Is) when the nodes answered but their
	// signature shares do not combine to a signature that verifies: under
	// the network key for sign_session_key, under the PKP key for pkpSign.
	// A node is faulty or malicious, or the client has the wrong network
	// key; retrying will not help until that is fixed. Its code is
	// errcode.NodeError.
	ErrBadShares error = &codedError{msg: "pkp: the nodes' signature shares do not combine to a valid signature", code: errcode.NodeError}

	// ErrNotConnected means the Network has no connected nodes. Its code is
	// errcode.NotConnected.
	ErrNotConnected error = &codedError{msg: "pkp: not connected to any Lit node; connect the node client first", code: errcode.NotConnected}
)

// codedError is a sentinel error with a code.
type codedError struct {
	msg  string
	code errcode.Code
}

func (e *codedError) Error() string           { return e.msg }
func (e *codedError) ErrorCode() errcode.Code { return e.code }

// RefusedError means too few nodes succeeded and at least one of the others
// answered with a Lit error (it was reachable and refused the request, for
// example because the auth method is not permitted for the PKP). Unwrap
// returns the refusals (*node.NodeError), so errors.As finds them.
type RefusedError struct {
	Operation string                     // "sign_session_key" or "pkp sign"
	Needed    int                        // successful answers needed
	Got       int                        // successful answers
	Refusals  map[string]*node.NodeError // node URL → its Lit error
	Failed    map[string]error           // node URL → other failures (unreachable, bad body)
}

// ErrorCode is errcode.NodeError: a node answered with an error.
func (e *RefusedError) ErrorCode() errcode.Code { return errcode.NodeError }

// FailedNodes says why each node failed: its Lit error, or how it could
// not be reached.
func (e *RefusedError) FailedNodes() map[string]string {
	out := make(map[string]string, len(e.Refusals)+len(e.Failed))
	for u, ne := range e.Refusals {
		out[u] = ne.Error()
	}
	for u, fe := range e.Failed {
		out[u] = fe.Error()
	}
	return out
}

func (e *RefusedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pkp: %s: %d Lit node(s) refused the request (%d succeeded, %d needed)", e.Operation, len(e.Refusals), e.Got, e.Needed)
	// Nodes usually refuse for the same reason; say it once.
	seen := map[string]bool{}
	for _, u := range sortedKeys(e.Refusals) {
		ne := e.Refusals[u]
		why := ne.Code + ": " + ne.Message
		if seen[why] {
			continue
		}
		seen[why] = true
		fmt.Fprintf(&b, "\n\t%s: %s", u, why)
	}
	for _, u := range sortedKeys(e.Failed) {
		fmt.Fprintf(&b, "\n\t%s: %v", u, e.Failed[u])
	}
	return b.String()
}

// Unwrap returns the refusals in node URL order.
func (e *RefusedError) Unwrap() []error {
	var out []error
	for _, u := range sortedKeys(e.Refusals) {
		out = append(out, e.Refusals[u])
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// checkReplies returns nil when at least need replies succeeded: Err nil
// and not in bad, which lists the answers the caller rejected after
// parsing, with the reason. Otherwise it returns a *RefusedError if some
// node refused with a Lit error, else core/node's quorum error.
func checkReplies(op string, replies []node.Reply, bad map[string]error, need int) error {
	got := 0
	refusals := map[string]*node.NodeError{}
	failed := map[string]error{}
	for _, r := range replies {
		var ne *node.NodeError
		switch {
		case r.Err == nil && bad[r.URL] == nil:
			got++
		case r.Err == nil:
			failed[r.URL] = bad[r.URL]
		case errors.As(r.Err, &ne):
			refusals[r.URL] = ne
		default:
			failed[r.URL] = r.Err
		}
	}
	if got >= need {
		return nil
	}
	if len(refusals) > 0 {
		return &RefusedError{Operation: op, Needed: need, Got: got, Refusals: refusals, Failed: failed}
	}
	if got == 0 && len(bad) == 0 {
		return &node.NodesUnreachableError{Operation: op, Needed: need, Failed: failed}
	}
	return &node.NotEnoughNodesError{Operation: op, Needed: need, Got: got, Total: len(replies), Failed: failed}
}
