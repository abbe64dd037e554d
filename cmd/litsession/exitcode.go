package main

import (
	"errors"
	"strings"

	"github.com/litgo/litsession/core/errcode"
)

// networkFailure reports whether err means the network could not be
// reached: no node or too few answered, the chain RPC failed, or a time-out.
// A node's refusal (node_error) is an answer, not a network failure.
func networkFailure(err error) bool {
	var u *usageError
	if errors.As(err, &u) {
		return false
	}
	switch errcode.Of(err) {
	case errcode.NodesUnreachable, errcode.NotEnoughNodes, errcode.RPCError, errcode.Timeout:
		return true
	}
	return false
}

// configFieldFlags names the flags of the node.Config fields core's
// messages mention.
var configFieldFlags = strings.NewReplacer(
	"Config.RPCURL", "--rpc-url",
	"Config.BootstrapURLs", "--bootstrap",
	"Config.MinNodeCount", "--min-nodes",
	"Config.Timeout", "--timeout",
	"node: Config.", "node: ",
)
