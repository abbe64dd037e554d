//go:build js && wasm

package jsbridge

import (
	"errors"

	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/node"
)

// optionName returns the createClient option that sets a node.Config
// field, or "" (a switch, not a map: nothing to build at start-up).
func optionName(field string) string {
	switch field {
	case "RPCURL":
		return "rpcUrl"
	case "StakingAddress":
		return "stakingAddress"
	case "BootstrapURLs":
		return "bootstrapUrls"
	case "MinNodeCount":
		return "minNodeCount"
	case "Timeout":
		return "connectTimeout"
	}
	return ""
}

// ConfigError returns err, node.New's refusal, in createClient's terms:
// an invalid_params error naming the option instead of the Go field. Other
// errors are returned as they are.
func ConfigError(err error) error {
	var ce *node.ConfigError
	if !errors.As(err, &ce) {
		return err
	}
	if name := optionName(ce.Field); name != "" {
		return errcode.Errorf(errcode.InvalidParams, err, "createClient: %s %s", name, ce.Msg)
	}
	return errcode.Errorf(errcode.InvalidParams, err, "createClient: %s", ce.Msg)
}
