package pkp

import (
	"errors"
	"fmt"
	"testing"

	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/node"
)

func TestErrorCodes(t *testing.T) {
	ref := &RefusedError{Operation: "pkp sign", Needed: 2, Got: 0,
		Refusals: map[string]*node.NodeError{"http://a": {URL: "http://a", Code: "NodeNotAuthorized", Message: "no"}},
		Failed:   map[string]error{"http://b": errors.New("unreachable")}}
	for err, want := range map[error]errcode.Code{
		fmt.Errorf("signing: %w", ref):                             errcode.NodeError,
		fmt.Errorf("%w: nodes sent different big_r", ErrBadShares): errcode.NodeError,
		ErrNotConnected: errcode.NotConnected,
	} {
		if got := errcode.Of(err); got != want {
			t.Errorf("errcode.Of(%v) = %s, want %s", err, got, want)
		}
	}
	var nf errcode.NodeFailures
	if !errors.As(fmt.Errorf("x: %w", ref), &nf) {
		t.Fatal("RefusedError does not say why each node failed")
	}
	got := nf.FailedNodes()
	if len(got) != 2 || got["http://a"] != ref.Refusals["http://a"].Error() || got["http://b"] != "unreachable" {
		t.Errorf("FailedNodes = %v", got)
	}
}
