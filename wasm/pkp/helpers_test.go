//go:build js && wasm

package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall/js"
	"testing"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/devnet"
	"github.com/litgo/litsession/wasm/internal/devnetfetch"
	"github.com/litgo/litsession/wasm/internal/jsbridge"
)

// These tests run in headless Chromium (make browser-test):
//
//	GOOS=js GOARCH=wasm go test -exec wasmbrowsertest ./wasm/pkp/
//
// They call the API object js/lit-session.js wraps against a real devnet
// (package devnet) started inside the test binary, on Go's in-process
// network for js/wasm: the page's fetch is replaced by one that sends the
// devnet's URLs to it through net/http (and everything else to the real
// fetch), so the module's own fetch transport, handshake, BLS combination
// and verification run unchanged. The wallet is an EIP-1193 provider
// signing with the test key in Go.

// The wallet key of the fixed test inputs (docs/protocol.md#fixed-test-inputs) and its address.
const (
	testKey     = "0x1111111111111111111111111111111111111111111111111111111111111111"
	testAddress = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
	otherKey    = "0x2222222222222222222222222222222222222222222222222222222222222222"
)

var (
	api js.Value
	dn  *devnet.Network
)

func TestMain(m *testing.M) {
	var err error
	dn, err = devnetfetch.Start(devnet.Config{})
	if err != nil {
		fmt.Println("starting the devnet:", err)
		os.Exit(1)
	}
	api = newAPI()
	code := m.Run()
	dn.Close()
	os.Exit(code)
}

// wallet is an EIP-1193 provider in Go: eth_accounts and personal_sign
// with key, counting signatures; reject makes personal_sign fail with
// EIP-1193 4001.
type wallet struct {
	signer  *authsig.KeySigner
	address string
	mu      sync.Mutex
	signs   int
	reject  bool
}

func newWallet(t *testing.T, key string) *wallet {
	t.Helper()
	s, err := authsig.NewKeySigner(key)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := s.Address(context.Background())
	return &wallet{signer: s, address: addr}
}

func (w *wallet) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.signs
}

func (w *wallet) provider() js.Value {
	o := js.Global().Get("Object").New()
	o.Set("request", js.FuncOf(func(_ js.Value, args []js.Value) any {
		req := jsbridge.Arg0(args)
		method := req.Get("method").String()
		answer := w.answerFunc(method, req.Get("params"))
		// Like a wallet, reject with the provider's own error (code 4001),
		// not one of this module's coded Errors.
		var executor js.Func
		executor = js.FuncOf(func(_ js.Value, pa []js.Value) any {
			resolve, reject := pa[0], pa[1]
			go func() {
				defer executor.Release()
				v, err := answer()
				if te, ok := err.(*jsbridge.ThrownError); ok {
					reject.Invoke(te.V)
				} else if err != nil {
					reject.Invoke(js.Global().Get("Error").New(err.Error()))
				} else {
					resolve.Invoke(v)
				}
			}()
			return nil
		})
		return js.Global().Get("Promise").New(executor)
	}))
	return o
}

func (w *wallet) answerFunc(method string, params js.Value) func() (any, error) {
	return func() (any, error) {
		switch method {
		case "eth_accounts", "eth_requestAccounts":
			return []any{strings.ToLower(w.address)}, nil
		case "personal_sign":
			w.mu.Lock()
			reject := w.reject
			w.mu.Unlock()
			if reject {
				e := js.Global().Get("Error").New("User rejected the request.")
				e.Set("code", 4001)
				return nil, &jsbridge.ThrownError{V: e}
			}
			msg, err := hex.DecodeString(strings.TrimPrefix(params.Index(0).String(), "0x"))
			if err != nil || !strings.EqualFold(params.Index(1).String(), w.address) {
				return nil, fmt.Errorf("bad personal_sign params")
			}
			sig, err := w.signer.SignMessage(context.Background(), msg)
			if err != nil {
				return nil, err
			}
			w.mu.Lock()
			w.signs++
			w.mu.Unlock()
			return "0x" + hex.EncodeToString(sig), nil
		}
		e := js.Global().Get("Error").New("unsupported " + method)
		e.Set("code", 4200)
		return nil, &jsbridge.ThrownError{V: e}
	}
}

// connectedClient creates and connects a PKP client for the devnet's nodes.
func connectedClient(t *testing.T, w *wallet) js.Value {
	t.Helper()
	c := createClient(t, map[string]any{
		"bootstrapUrls":    toAny(dn.NodeURLs),
		"minNodeCount":     dn.Threshold,
		"networkPublicKey": dn.NetworkPublicKey,
		"provider":         w.provider(),
	})
	mustOK(t, c.Call("connect"), "connect")
	return c
}

func createClient(t *testing.T, opts map[string]any) js.Value {
	t.Helper()
	r := api.Call("createClient", opts)
	if e := r.Get("error"); !e.IsUndefined() {
		t.Fatalf("createClient: [%s] %s", jsbridge.JSString(e.Get("code")), jsbridge.JSString(e))
	}
	return r.Get("client")
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// jsErr is a rejection or returned error as a page sees it.
type jsErr struct {
	code, msg string
	v         js.Value
}

func wait(t *testing.T, p js.Value) (js.Value, *jsErr) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	v, err := jsbridge.Await(ctx, p)
	if err == nil {
		return v, nil
	}
	te, ok := err.(*jsbridge.ThrownError)
	if !ok {
		t.Fatalf("awaiting: %v", err)
	}
	return js.Undefined(), &jsErr{code: te.Code(), msg: jsbridge.JSString(te.V), v: te.V}
}

func mustOK(t *testing.T, p js.Value, what string) js.Value {
	t.Helper()
	v, e := wait(t, p)
	if e != nil {
		t.Fatalf("%s rejected: [%s] %s", what, e.code, e.msg)
	}
	return v
}

func mustFail(t *testing.T, p js.Value, code string) *jsErr {
	t.Helper()
	_, e := wait(t, p)
	if e == nil {
		t.Fatalf("resolved, want a rejection with code %s", code)
	}
	checkErr(t, e, code)
	return e
}

// syncErr returns the error a synchronous binding returned ({error}).
func syncErr(t *testing.T, r js.Value, code string) *jsErr {
	t.Helper()
	e := r.Get("error")
	if e.IsUndefined() {
		t.Fatalf("succeeded, want an error with code %s", code)
	}
	je := &jsErr{code: jsbridge.JSString(e.Get("code")), msg: jsbridge.JSString(e), v: e}
	checkErr(t, je, code)
	return je
}

func checkErr(t *testing.T, e *jsErr, code string) {
	t.Helper()
	if e.code != code {
		t.Fatalf("error code %q (%s), want %q", e.code, e.msg, code)
	}
	if e.v.Get("constructor").Get("name").String() != "Error" {
		t.Errorf("not an Error: %s", jsbridge.JSString(e.v))
	}
}
