//go:build js && wasm

package main

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"syscall/js"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/wasm/internal/jsbridge"
)

// warmUp runs, once per page, the code of a first connect, a first and a
// cached getSessionSigs and createSiweMessageWithRecaps on made-up data, so
// that the browser has compiled it (and core's first-use values are built)
// before the user's own first calls. It calls the same methods as the API
// (client.connect, client.getSessionSigs, createSiwe), with a network that
// lives in this file (warmTransport: no request leaves the page), a cache in
// memory (nothing is stored) and a throwaway wallet key. It resolves with
// the milliseconds it took.
func warmUp() js.Value {
	warmOnce.Do(func() {
		warmPromise = jsbridge.Promise(func() (any, error) {
			start := time.Now()
			if err := runWarmUp(); err != nil {
				return nil, fmt.Errorf("warmUp: %v", err)
			}
			return float64(time.Since(start).Microseconds()) / 1000, nil
		})
	})
	return warmPromise
}

var (
	warmOnce    sync.Once
	warmPromise js.Value
)

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
	// warmHandshake is every node's handshake answer.
	warmHandshake = `{"serverPublicKey":"` + warmHex32 + `","subnetPublicKey":"` + warmBLSKey + `","networkPublicKey":"` + warmBLSKey +
		`","networkPublicKeySet":"` + warmBLSKey + `","hdRootPubkeys":["0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"],` +
		`"latestBlockhash":"0x` + warmHex32 + `","clientSdkVersion":"7.4.0","epoch":1}`
	warmHex32  = "7761726d7761726d7761726d7761726d7761726d7761726d7761726d7761726d"
	warmBLSKey = warmHex32 + "7761726d7761726d7761726d7761726d"
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
	c := &client{nc: nc, engine: &session.Engine{Storage: warmStorage{}, Network: nc, Wallet: wallet}}
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
// on the staking contract with warmValidatorSet, every handshake with
// warmHandshake.
type warmTransport struct{}

func (warmTransport) Do(_ context.Context, req node.Request) (node.Response, error) {
	var body string
	switch {
	case req.URL == warmRPCURL:
		body = `{"jsonrpc":"2.0","id":1,"result":"0x` + hex.EncodeToString(warmValidatorSet()) + `"}`
	case strings.HasSuffix(req.URL, node.HandshakePath):
		body = warmHandshake
	default:
		return node.Response{Status: 404}, nil
	}
	return node.Response{Status: 200, Header: map[string]string{"Content-Type": "application/json"}, Body: []byte(body)}, nil
}

// warmValidatorSet is the staking contract's answer (node.DecodeValidatorSet's
// input), 32-byte words: epoch {length 3600, number 1, end time 2100-01-01,
// retries 0, timeout 60}, minNodeCount, the offset and length of the
// validator array, then per validator IP (192.0.2.1 on), IPv6, port 7470
// and four zero words. TestWarmValidatorSet checks it against
// node.EncodeValidatorSet.
func warmValidatorSet() []byte {
	words := []uint64{3600, 1, 4102444800, 0, 60, warmNodes, 7 * 32, warmNodes}
	for i := range warmNodes {
		words = append(words, 0xc0000201+uint64(i), 0, 7470, 0, 0, 0, 0)
	}
	out := make([]byte, 32*len(words))
	for i, w := range words {
		binary.BigEndian.PutUint64(out[32*i+24:], w)
	}
	return out
}

// warmStorage is the warm-up engine's cache: one in-memory map per page,
// used by the warm-up alone.
type warmStorage struct{}

var warmCache = map[string]string{}

func (warmStorage) Get(_ context.Context, key string) (string, bool, error) {
	v, ok := warmCache[key]
	return v, ok, nil
}

func (warmStorage) Set(_ context.Context, key, value string) error {
	warmCache[key] = value
	return nil
}

func (warmStorage) Delete(_ context.Context, key string) error {
	delete(warmCache, key)
	return nil
}
