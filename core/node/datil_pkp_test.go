package node_test

import (
	"testing"

	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/pkp"
)

// Datil's paths are the ones package pkp posts to.
func TestDatilPathsMatchPKP(t *testing.T) {
	if got := node.Datil.Path(node.EndpointSignSessionKey); got != pkp.SignSessionKeyPath {
		t.Errorf("sign session key: %q, pkp has %q", got, pkp.SignSessionKeyPath)
	}
	if got := node.Datil.Path(node.EndpointPKPSign); got != pkp.PKPSignPath {
		t.Errorf("pkp sign: %q, pkp has %q", got, pkp.PKPSignPath)
	}
}
