//go:build js && wasm

package jsbridge

import (
	"errors"

	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/node"
)

// optionNames are the createClient options that set node.Config fields.
var optionNames = map[string]string{
	"RPCURL":         "rpcUrl",
	"StakingAddress": "stakingAddress",
	"BootstrapURLs":  "bootstrapUrls",
	"MinNodeCount":   "minNodeCount",
	"Timeout":        "connectTimeout",
}

// ConfigError returns err, node.New's refusal, in createClient's terms:
// an invalid_params error naming the option instead of the Go field. Other
// errors are returned as they are.
func ConfigError(err error) error {
	var ce *node.ConfigError
	if !errors.As(err, &ce) {
		return err
	}
	if name := optionNames[ce.Field]; name != "" {
		return errcode.Errorf(errcode.InvalidParams, err, "createClient: %s %s", name, ce.Msg)
	}
	return errcode.Errorf(errcode.InvalidParams, err, "createClient: %s", ce.Msg)
}
