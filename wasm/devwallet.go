//go:build js && wasm

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"syscall/js"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/wasm/internal/jsbridge"
)

// DefaultDevWalletKey is the localStorage key of the dev wallet's burner
// key.
const DefaultDevWalletKey = "litsession-dev-wallet-key"

// devWallet is a minimal EIP-1193 provider backed by a secp256k1 key held
// in the page (authsig.KeySigner): for demos and tests on machines without
// a wallet extension. Its key is a burner kept in localStorage in clear
// text; never send funds to it.
type devWallet struct {
	signer  *authsig.KeySigner
	address string // EIP-55
	chainID uint64
}

// newDevWallet reads opts {privateKey?, storage?, storageKey?}: a given
// key, else the one stored under storageKey, else a new one (stored).
func newDevWallet(opts js.Value) (*devWallet, error) {
	var keyHex, storageKey string
	var st js.Value
	if opts.Type() == js.TypeObject {
		if v := opts.Get("privateKey"); v.Type() == js.TypeString {
			keyHex = v.String()
		}
		if v := opts.Get("storageKey"); v.Type() == js.TypeString {
			storageKey = v.String()
		}
		st = opts.Get("storage")
	}
	if storageKey == "" {
		storageKey = DefaultDevWalletKey
	}
	if jsbridge.IsNullish(st) {
		st = localStorage()
	}
	if keyHex == "" && !jsbridge.IsNullish(st) {
		if v, err := jsbridge.Call(st, "getItem", storageKey); err == nil && v.Type() == js.TypeString {
			if _, err := authsig.NewKeySigner(v.String()); err == nil {
				keyHex = v.String()
			}
		}
		if keyHex == "" {
			for {
				var b [32]byte
				if _, err := rand.Read(b[:]); err != nil {
					return nil, err
				}
				keyHex = "0x" + hex.EncodeToString(b[:])
				if _, err := authsig.NewKeySigner(keyHex); err == nil {
					break
				}
			}
			jsbridge.Call(st, "setItem", storageKey, keyHex) // a failure only means a new key next time
		}
	}
	s, err := authsig.NewKeySigner(keyHex)
	var ke *authsig.KeyError
	if errors.As(err, &ke) {
		return nil, errcode.Errorf(errcode.InvalidParams, err, "createDevWallet: privateKey: %s", ke.Msg)
	} else if err != nil {
		return nil, err
	}
	addr, _ := s.Address(context.Background())
	return &devWallet{signer: s, address: addr, chainID: 1}, nil
}

// rpcError is an EIP-1193 ProviderRpcError.
func rpcError(code int, msg string) error {
	e := js.Global().Get("Error").New(msg)
	e.Set("code", code)
	return &jsbridge.ThrownError{V: e}
}

func (w *devWallet) jsObject() js.Value {
	o := js.Global().Get("Object").New()
	o.Set("isLitSessionDevWallet", true)
	o.Set("address", w.address)
	o.Set("request", js.FuncOf(func(_ js.Value, args []js.Value) any {
		req := jsbridge.Arg0(args)
		var executor js.Func
		executor = js.FuncOf(func(_ js.Value, pa []js.Value) any {
			defer executor.Release()
			v, err := w.request(req)
			if err != nil {
				pa[1].Invoke(err.(*jsbridge.ThrownError).V)
			} else {
				pa[0].Invoke(v)
			}
			return nil
		})
		return js.Global().Get("Promise").New(executor)
	}))
	return o
}

// request answers one EIP-1193 request. Signing is synchronous and fast,
// so it runs on the event loop.
func (w *devWallet) request(req js.Value) (any, error) {
	if req.Type() != js.TypeObject || req.Get("method").Type() != js.TypeString {
		return nil, rpcError(-32600, "request needs {method, params}")
	}
	params := req.Get("params")
	param := func(i int) js.Value {
		if params.Type() != js.TypeObject || params.Get("length").Type() != js.TypeNumber || params.Length() <= i {
			return js.Undefined()
		}
		return params.Index(i)
	}
	switch m := req.Get("method").String(); m {
	case "eth_accounts", "eth_requestAccounts":
		return []any{strings.ToLower(w.address)}, nil
	case "eth_chainId":
		return "0x" + strconv.FormatUint(w.chainID, 16), nil
	case "net_version":
		return strconv.FormatUint(w.chainID, 10), nil
	case "wallet_switchEthereumChain":
		id, err := strconv.ParseUint(strings.TrimPrefix(jsbridge.JSString(param(0).Get("chainId")), "0x"), 16, 64)
		if err != nil || id == 0 {
			return nil, rpcError(-32602, "wallet_switchEthereumChain needs [{chainId: '0x…'}]")
		}
		w.chainID = id
		return nil, nil
	case "wallet_addEthereumChain":
		return nil, nil
	case "personal_sign":
		data, account := param(0), param(1)
		if account.Type() != js.TypeString || !strings.EqualFold(account.String(), w.address) {
			return nil, rpcError(4100, "personal_sign: the account is not this wallet's ("+w.address+")")
		}
		if data.Type() != js.TypeString {
			return nil, rpcError(-32602, "personal_sign needs [message, account]")
		}
		msg := []byte(data.String())
		if h, ok := strings.CutPrefix(data.String(), "0x"); ok {
			b, err := hex.DecodeString(h)
			if err != nil {
				return nil, rpcError(-32602, "personal_sign: the message is 0x but not hex")
			}
			msg = b
		}
		sig, err := w.signer.SignMessage(context.Background(), msg)
		if err != nil {
			return nil, rpcError(-32603, "personal_sign: "+err.Error())
		}
		return "0x" + hex.EncodeToString(sig), nil
	default:
		return nil, rpcError(4200, "the dev wallet does not support "+m)
	}
}
