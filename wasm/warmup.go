//go:build js && wasm

package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"syscall/js"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/storage"
	"github.com/litgo/litsession/wasm/internal/jsbridge"
)

// warmUp runs, once per page, the code of a first connect, a first and a
// cached getSessionSigs and createSiweMessageWithRecaps on made-up data, so
// that the browser has compiled it (and core's first-use tables are built)
// before the user's own first calls. It calls the same methods as the API
// (client.connect, client.getSessionSigs, createSiwe), with a network that
// lives in this function (warmTransport: no request leaves the page), an
// in-memory cache (nothing is stored) and a throwaway wallet key. It
// resolves with the milliseconds it took.
var warmUp = sync.OnceValue(func() js.Value {
	return jsbridge.Promise(func() (any, error) {
		start := time.Now()
		if err := runWarmUp(); err != nil {
			return nil, fmt.Errorf("warmUp: %v", err)
		}
		return float64(time.Since(start).Microseconds()) / 1000, nil
	})
})

// The warm-up's made-up network: warmNodes validators on TEST-NET-1
// addresses (RFC 5737), answered by warmTransport.
const (
	warmRPCURL = "http://192.0.2.1:8545"
	warmNodes  = 3
	// warmWalletKey is a throwaway key for the warm-up's wallet signature.
	warmWalletKey = "0x7761726d2d7570206b6579206f66206c69742d73657373696f6e2e7761736d31"
	warmParams    = `{"chain":"ethereum","resourceAbilityRequests":[` +
		`{"resource":{"resource":"*","resourcePrefix":"lit-pkp"},"ability":"pkp-signing"},` +
		`{"resource":{"resource":"*","resourcePrefix":"lit-litaction"},"ability":"lit-action-execution"}],"switchChain":false}`
	warmSiweParams = `{"uri":"lit:session:00","expiration":"2099-01-01T00:00:00.000Z","walletAddress":"0x0000000000000000000000000000000000000001",` +
		`"nonce":"0x0000000000000000000000000000000000000000000000000000000000000001","resources":[` +
		`{"resource":{"resource":"*","resourcePrefix":"lit-pkp"},"ability":"pkp-signing"}]}`
)

func runWarmUp() error {
	nc, err := node.New(node.Config{Transport: warmTransport{}, RPCURL: warmRPCURL})
	if err != nil {
		return err
	}
	wallet, err := authsig.NewKeySigner(warmWalletKey)
	if err != nil {
		return err
	}
	c := &client{nc: nc, engine: &session.Engine{Storage: storage.NewMemory(), Network: nc, Wallet: wallet}}
	if _, err := c.connect(); err != nil {
		return err
	}
	// The first call signs with the wallet and recovers its address; the
	// second reuses the cached wallet signature (parse and verify it).
	for range 2 {
		yieldToPage()
		if _, err := c.getSessionSigs(warmParams, js.Undefined()); err != nil {
			return err
		}
	}
	yieldToPage()
	if _, err := createSiwe(warmSiweParams); err != nil {
		return err
	}
	_, err = sessionkey.Generate(nil)
	return err
}

// yieldToPage lets the page's event loop run (input, the user's own calls)
// between the warm-up's steps: with every goroutine asleep, the Go
// scheduler returns to JavaScript until the timer fires.
func yieldToPage() { time.Sleep(time.Millisecond) }

// warmTransport answers the warm-up client's requests in memory: eth_call
// on the staking contract with warmNodes validators, and every handshake
// with the same made-up keys and a current blockhash.
type warmTransport struct{}

func (warmTransport) Do(_ context.Context, req node.Request) (node.Response, error) {
	ok := func(body []byte) (node.Response, error) {
		return node.Response{Status: 200, Header: map[string]string{"Content-Type": "application/json"}, Body: body}, nil
	}
	switch {
	case req.URL == warmRPCURL && bytes.Contains(req.Body, []byte(`"eth_call"`)):
		data, err := node.EncodeValidatorSet(warmValidators())
		if err != nil {
			return node.Response{}, err
		}
		var o jsjson.Object
		o.String("jsonrpc", "2.0")
		o.Int("id", 1)
		o.String("result", "0x"+hex.EncodeToString(data))
		b, err := o.Bytes()
		if err != nil {
			return node.Response{}, err
		}
		return ok(b)
	case strings.HasSuffix(req.URL, node.HandshakePath):
		var o jsjson.Object
		o.String("serverPublicKey", strings.Repeat("11", 32))
		o.String("subnetPublicKey", "a0"+strings.Repeat("22", 47))
		o.String("networkPublicKey", "a0"+strings.Repeat("22", 47))
		o.String("networkPublicKeySet", "a0"+strings.Repeat("22", 47))
		o.Raw("hdRootPubkeys", []byte(`["0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"]`))
		o.String("latestBlockhash", "0x"+strings.Repeat("33", 32))
		o.String("clientSdkVersion", node.DefaultSDKVersion)
		o.Uint("epoch", 1)
		b, err := o.Bytes()
		if err != nil {
			return node.Response{}, err
		}
		return ok(b)
	}
	return node.Response{Status: 404, Body: []byte("warm-up: no such endpoint")}, nil
}

func warmValidators() node.ValidatorSet {
	now := uint64(time.Now().Unix())
	s := node.ValidatorSet{
		Epoch:        node.Epoch{Length: 3600, Number: 1, EndTime: now + 3600, Timeout: 60},
		MinNodeCount: warmNodes,
	}
	for i := range warmNodes {
		s.Validators = append(s.Validators, node.Validator{IP: 0xc0000201 + uint32(i), Port: 7470})
	}
	return s
}
