//go:build js && wasm

package main

import (
	"time"

	"syscall/js"

	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/wasm/internal/jsbridge"
)

// nodeConfig converts the data members of createClient's options to a
// node.Config; a member of the wrong JS type is an invalid_params error.
// The values are node.New's to check.
func nodeConfig(opts js.Value) (node.Config, error) {
	cfg := node.Config{Transport: jsbridge.FetchTransport{}}
	if v := opts.Get("bootstrapUrls"); !jsbridge.IsNullish(v) {
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
	var err error
	if cfg.MinNodeCount, err = optInt(opts, "minNodeCount"); err != nil {
		return cfg, err
	}
	if cfg.RPCURL, err = optString(opts, "rpcUrl"); err != nil {
		return cfg, err
	}
	if cfg.StakingAddress, err = optString(opts, "stakingAddress"); err != nil {
		return cfg, err
	}
	ms, err := optInt(opts, "connectTimeout")
	cfg.Timeout = time.Duration(ms) * time.Millisecond
	return cfg, err
}

func optString(o js.Value, name string) (string, error) {
	v := o.Get(name)
	if jsbridge.IsNullish(v) {
		return "", nil
	}
	if v.Type() != js.TypeString {
		return "", errcode.Errorf(errcode.InvalidParams, nil, "createClient: %s must be a string", name)
	}
	return v.String(), nil
}

func optInt(o js.Value, name string) (int, error) {
	v := o.Get(name)
	if jsbridge.IsNullish(v) {
		return 0, nil
	}
	if v.Type() != js.TypeNumber || v.Float() != float64(int(v.Float())) {
		return 0, errcode.Errorf(errcode.InvalidParams, nil, "createClient: %s must be a whole number", name)
	}
	return v.Int(), nil
}
