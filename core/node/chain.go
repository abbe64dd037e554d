package node

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/jsjson"
)

// maxRPCResult bounds the hex result of eth_call (4 MiB of ABI data is
// thousands of validators).
const maxRPCResult = 8 << 20

// discover reads the validator set from the staking contract through the
// generation. Chain errors (codes rpc_error and timeout) name the endpoint
// already; any other error gets the contract and the endpoint appended.
func (c *Client) discover(ctx context.Context) (ValidatorSet, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	set, err := c.gen.ReadValidators(ctx, (*rpcChain)(c), c.stakingAddr)
	switch errcode.Of(err) {
	case "", errcode.RPCError, errcode.Timeout:
		return set, err
	}
	return ValidatorSet{}, errorf("%w (staking contract %s via %s)", err, c.stakingAddr.Hex(), c.cfg.RPCURL)
}

// rpcChain is the Chain of a Client: eth_call on Config.RPCURL. It is the
// Client itself, so that the Chain interface holds the *Client pointer and
// calls the methods with no wrapper.
type rpcChain Client

// PriceFeed is the naga PriceFeed contract of the client's Config.
func (ch *rpcChain) PriceFeed() common.Address { return ch.priceFeed }

func (ch *rpcChain) Call(ctx context.Context, to common.Address, data []byte) ([]byte, error) {
	c := (*Client)(ch)
	if c.cfg.RPCURL == "" {
		return nil, &ConfigError{Field: "RPCURL", Msg: fmt.Sprintf("is empty; the %s protocol reads the chain for this request, so set the chain's JSON-RPC endpoint", c.gen.Name())}
	}
	rpcErr := func(format string, args ...any) error {
		return &errcode.Error{Code: errcode.RPCError, Msg: fmt.Sprintf(format, args...)}
	}
	// The params are [{"data":"0x…","to":"0x…"},"latest"], keys sorted.
	var tx jsjson.Object
	tx.String("data", "0x"+hex.EncodeToString(data))
	// The address in lower case: no EIP-55 checksum (a Keccak hash) to undo.
	tx.String("to", "0x"+hex.EncodeToString(to[:]))
	txJSON, _ := tx.Bytes() // strings cannot fail
	var params jsjson.Array
	params.Raw(txJSON)
	params.String("latest")
	paramsJSON, _ := params.Bytes()
	raw, err := c.rpc(ctx, "eth_call", paramsJSON)
	if err != nil {
		return nil, err
	}
	// The result must be a 0x hex string; a null result fails as "".
	s, isString := raw.Str()
	if !isString && !raw.IsNull() || !strings.HasPrefix(s, "0x") || len(s) > maxRPCResult {
		return nil, rpcErr("node: chain RPC %s: eth_call result is not a 0x hex string", c.cfg.RPCURL)
	}
	out, err := hex.DecodeString(s[2:])
	if err != nil {
		return nil, rpcErr("node: chain RPC %s: eth_call result is not hex", c.cfg.RPCURL)
	}
	if len(out) == 0 {
		if to == c.stakingAddr {
			return nil, rpcErr("node: there is no staking contract at %s on chain %s (eth_call returned 0x); check Config.StakingAddress and Config.RPCURL", to.Hex(), c.cfg.RPCURL)
		}
		return nil, rpcErr("node: there is no contract at %s on chain %s (eth_call returned 0x); check Config.StakingAddress and Config.RPCURL", to.Hex(), c.cfg.RPCURL)
	}
	return out, nil
}

// rpc makes one JSON-RPC 2.0 call to the chain endpoint; params is the
// encoded params array. It returns the result member, which may be null.
func (c *Client) rpc(ctx context.Context, method string, params []byte) (jsjson.Value, error) {
	// Members in sorted key order.
	var call jsjson.Object
	call.Int("id", 1)
	call.String("jsonrpc", "2.0")
	call.String("method", method)
	call.Raw("params", params)
	body, err := call.Bytes()
	if err != nil {
		return jsjson.Value{}, err
	}
	resp, err := c.cfg.Transport.Do(ctx, Request{
		Method: "POST",
		URL:    c.cfg.RPCURL,
		Header: map[string]string{"Content-Type": "application/json", "Accept": "application/json"},
		Body:   body,
	})
	if err != nil {
		code := errcode.RPCError
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			code = errcode.Timeout
		}
		return jsjson.Value{}, &errcode.Error{Code: code, Msg: fmt.Sprintf("node: chain RPC %s is unreachable (%s): %v; check Config.RPCURL", c.cfg.RPCURL, method, err), Err: err}
	}
	out, rpcErr, ok := parseRPCResponse(resp.Body)
	if !ok {
		return jsjson.Value{}, &errcode.Error{Code: errcode.RPCError, Msg: fmt.Sprintf("node: chain RPC %s answered %s with HTTP %d and no JSON-RPC response; is it an Ethereum JSON-RPC endpoint?", c.cfg.RPCURL, method, resp.Status)}
	}
	if rpcErr != nil {
		rpcErr.URL, rpcErr.Method = c.cfg.RPCURL, method
		return jsjson.Value{}, rpcErr
	}
	if !out.Exists() {
		return jsjson.Value{}, &errcode.Error{Code: errcode.RPCError, Msg: fmt.Sprintf("node: chain RPC %s answered %s with HTTP %d and neither result nor error", c.cfg.RPCURL, method, resp.Status)}
	}
	return out, nil
}

// parseRPCResponse reads a JSON-RPC response object: its result (Absent
// when missing), or its error when "error" is present and not null. ok is
// false when the body is not such an object, or the error member is not an
// object with an integer code and a string message (each optional).
func parseRPCResponse(body []byte) (result jsjson.Value, rpcErr *RPCError, ok bool) {
	v, err := jsjson.Parse(body)
	if err != nil {
		return jsjson.Value{}, nil, false
	}
	if _, isObj := v.Members(); !isObj {
		// A top-level null is a response with neither result nor error.
		return jsjson.Value{}, nil, v.IsNull()
	}
	e := v.Get("error")
	if !e.Exists() || e.IsNull() {
		return v.Get("result"), nil, true
	}
	if _, isObj := e.Members(); !isObj {
		return jsjson.Value{}, nil, false
	}
	rpcErr = &RPCError{}
	if code := e.Get("code"); code.Exists() && !code.IsNull() {
		n, isInt := code.Int64()
		if !isInt || int64(int(n)) != n {
			return jsjson.Value{}, nil, false
		}
		rpcErr.Code = int(n)
	}
	if msg := e.Get("message"); msg.Exists() && !msg.IsNull() {
		s, isStr := msg.Str()
		if !isStr {
			return jsjson.Value{}, nil, false
		}
		rpcErr.Message = sanitize(s, 300)
	}
	return jsjson.Value{}, rpcErr, true
}
