package main

import (
	"errors"
	"strings"

	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/node"
)

// networkFailure reports whether err means the network could not be
// reached: no node or too few answered, the chain RPC failed, or a time-out.
// A node's refusal (node_error) and a JSON-RPC error from the chain (a
// revert: wrong contract or protocol) are answers, not network failures.
func networkFailure(err error) bool {
	var u *usageError
	var rpc *node.RPCError
	if errors.As(err, &u) || errors.As(err, &rpc) {
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
