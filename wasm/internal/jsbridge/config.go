//go:build js && wasm

package jsbridge

import (
	"errors"
	"syscall/js"
	"time"

	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/node"
)

// optionName returns the createClient option that sets a node.Config
// field, or "" (a switch, not a map: nothing to build at start-up).
func optionName(field string) string {
	switch field {
	case "RPCURL":
		return "rpcUrl"
	case "Generation":
		return "network"
	case "StakingAddress":
		return "stakingAddress"
	case "PriceFeedAddress":
		return "priceFeedAddress"
	case "BlockhashURL":
		return "indexerUrl"
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

// NodeConfig converts the data members of createClient's options
// {network, bootstrapUrls, minNodeCount, rpcUrl, stakingAddress,
// priceFeedAddress, indexerUrl, connectTimeout} to a node.Config, for both
// modules; a member of the wrong JS type is an invalid_params error. The
// values are node.New's to check.
func NodeConfig(opts js.Value) (node.Config, error) {
	cfg := node.Config{Transport: FetchTransport{}}
	network, err := OptString(opts, "network")
	if err != nil {
		return cfg, err
	}
	if network != "" {
		if cfg.Generation, err = node.GenerationByName(network); err != nil {
			return cfg, ConfigError(err)
		}
	}
	if v := opts.Get("bootstrapUrls"); !IsNullish(v) {
		if v.Type() != js.TypeObject || v.Get("length").Type() != js.TypeNumber {
			return cfg, errcode.Errorf(errcode.InvalidParams, nil, "createClient: bootstrapUrls must be an array of node URLs like 'http://127.0.0.1:7470'")
		}
		for i := range v.Length() {
			u := v.Index(i)
			if u.Type() != js.TypeString {
				return cfg, errcode.Errorf(errcode.InvalidParams, nil, "createClient: bootstrapUrls[%d] is not a string", i)
			}
			cfg.BootstrapURLs = append(cfg.BootstrapURLs, u.String())
		}
	}
	if cfg.MinNodeCount, err = OptInt(opts, "minNodeCount"); err != nil {
		return cfg, err
	}
	if cfg.RPCURL, err = OptString(opts, "rpcUrl"); err != nil {
		return cfg, err
	}
	if cfg.StakingAddress, err = OptString(opts, "stakingAddress"); err != nil {
		return cfg, err
	}
	if cfg.PriceFeedAddress, err = OptString(opts, "priceFeedAddress"); err != nil {
		return cfg, err
	}
	if cfg.BlockhashURL, err = OptString(opts, "indexerUrl"); err != nil {
		return cfg, err
	}
	ms, err := OptInt(opts, "connectTimeout")
	cfg.Timeout = time.Duration(ms) * time.Millisecond
	return cfg, err
}

// OptString reads the string option name of createClient's options; ""
// when it is absent or null.
func OptString(o js.Value, name string) (string, error) {
	v := o.Get(name)
	if IsNullish(v) {
		return "", nil
	}
	if v.Type() != js.TypeString {
		return "", errcode.Errorf(errcode.InvalidParams, nil, "createClient: %s must be a string", name)
	}
	return v.String(), nil
}

// OptInt reads the whole-number option name of createClient's options; 0
// when it is absent or null.
func OptInt(o js.Value, name string) (int, error) {
	v := o.Get(name)
	if IsNullish(v) {
		return 0, nil
	}
	if v.Type() != js.TypeNumber || v.Float() != float64(int(v.Float())) {
		return 0, errcode.Errorf(errcode.InvalidParams, nil, "createClient: %s must be a whole number", name)
	}
	return v.Int(), nil
}
