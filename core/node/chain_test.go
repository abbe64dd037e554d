package node

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/core/errcode"
)

func TestChainErrorCodes(t *testing.T) {
	const rpcURL = "http://127.0.0.1:8545"
	for name, tc := range map[string]struct {
		handler func(context.Context, Request) (Response, error)
		code    errcode.Code
		want    string
	}{
		"unreachable": {nil, errcode.RPCError, "is unreachable"},
		"timeout": {func(ctx context.Context, _ Request) (Response, error) {
			<-ctx.Done()
			return Response{}, ctx.Err()
		}, errcode.Timeout, "is unreachable"},
		"rejected": {func(context.Context, Request) (Response, error) {
			return jsonResponse(200, map[string]any{"jsonrpc": "2.0", "id": 1, "error": map[string]any{"code": -32000, "message": "execution reverted"}}), nil
		}, errcode.RPCError, "execution reverted"},
		"no contract": {func(context.Context, Request) (Response, error) {
			return jsonResponse(200, map[string]any{"jsonrpc": "2.0", "id": 1, "result": "0x"}), nil
		}, errcode.RPCError, "no staking contract"},
		"not json-rpc": {func(context.Context, Request) (Response, error) {
			return Response{Status: 502, Body: []byte("bad gateway")}, nil
		}, errcode.RPCError, "no JSON-RPC response"},
	} {
		f := newFake()
		if tc.handler != nil {
			f.set(rpcURL, tc.handler)
		}
		c, err := New(Config{Transport: f, RPCURL: rpcURL, Timeout: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		err = c.Connect(context.Background())
		if errcode.Of(err) != tc.code || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "(staking contract") {
			t.Errorf("%s: %v (code %s), want code %s and %q", name, err, errcode.Of(err), tc.code, tc.want)
		}
	}
}

func TestChainNeedsRPCURL(t *testing.T) {
	c := newBootstrapClient(t, newFake(), nodeURLs(1), 1)
	_, err := (*rpcChain)(c).Call(context.Background(), c.stakingAddr, []byte{1})
	if ce, ok := err.(*ConfigError); !ok || ce.Field != "RPCURL" {
		t.Fatalf("Call without RPCURL: %v", err)
	}
}
