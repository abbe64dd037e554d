//go:build js && wasm

package jsbridge

import (
	"context"
	"encoding/hex"
	"strconv"
	"strings"
	"syscall/js"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/errcode"
)

// EIP1193 is an authsig.Signer over an injected EIP-1193 provider
// (window.ethereum), called the way the official SDK calls it
// (docs/protocol.md#injected-wallet): personal_sign with ["0x"+hex(UTF-8 message),
// account.toLowerCase()]. Unlike the SDK it asks for accounts with
// eth_accounts first and eth_requestAccounts only when none is connected,
// so a reused cache never opens a wallet prompt.
type EIP1193 struct {
	// Provider returns the provider on each call: the one passed to
	// createClient, else window.ethereum as it is now (wallets inject it
	// late).
	Provider func() js.Value
}

var _ authsig.Signer = EIP1193{}

// SignOpts are per-call wallet options (getSessionSigs chain, switchChain),
// carried in the context because one Engine serves every call.
type SignOpts struct {
	Chain       string
	SwitchChain bool
}

type signOptsKey struct{}

// WithSignOpts returns ctx carrying o for EIP1193.SignMessage.
func WithSignOpts(ctx context.Context, o SignOpts) context.Context {
	return context.WithValue(ctx, signOptsKey{}, o)
}

// WindowEthereum returns window.ethereum, or undefined.
func WindowEthereum() js.Value { return js.Global().Get("ethereum") }

// WalletOption reads createClient's provider option, for both modules: an
// EIP-1193 provider (an object with request), or none for window.ethereum
// as it is at each call.
func WalletOption(opts js.Value) (EIP1193, error) {
	p := opts.Get("provider")
	switch {
	case IsNullish(p):
		return EIP1193{Provider: WindowEthereum}, nil
	case p.Type() == js.TypeObject && p.Get("request").Type() == js.TypeFunction:
		return EIP1193{Provider: func() js.Value { return p }}, nil
	}
	return EIP1193{}, errcode.Errorf(errcode.InvalidParams, nil, "createClient: provider must be an EIP-1193 provider (an object with request({method, params}))")
}

// request sends one EIP-1193 request and awaits its result. Provider
// errors keep their code: 4001 becomes wallet_rejected, others
// wallet_error.
func (w EIP1193) request(ctx context.Context, method string, params ...any) (js.Value, error) {
	p := w.Provider()
	if IsNullish(p) || p.Get("request").Type() != js.TypeFunction {
		return js.Undefined(), errcode.Errorf(errcode.NoWallet, nil, "no Ethereum wallet found: window.ethereum is missing")
	}
	args := map[string]any{"method": method}
	if params != nil {
		args["params"] = params
	}
	res, err := Call(p, "request", args)
	if err == nil {
		res, err = Await(ctx, res)
	}
	if err != nil {
		return js.Undefined(), walletErr(method, err)
	}
	return res, nil
}

// walletErr wraps a provider error with a code and advice.
func walletErr(method string, err error) error {
	if te, ok := err.(*ThrownError); ok {
		switch c := te.Code(); {
		case errcode.WalletRejection(c):
			return errcode.Errorf(errcode.WalletRejected, err, "the wallet declined %s (EIP-1193 error 4001: the user rejected the request); nothing was cached: ask again and approve the request in the wallet", method)
		case c == "4100":
			return errcode.Errorf(errcode.WalletError, err, "the wallet refused %s: the account is not authorized (EIP-1193 4100); unlock the wallet and connect this site", method)
		}
		return errcode.Errorf(errcode.WalletError, err, "the wallet failed %s: %v", method, err)
	}
	return err // context errors
}

// rpcCode returns the numeric code of a provider error, or 0.
func rpcCode(err error) int {
	for err != nil {
		if te, ok := err.(*ThrownError); ok {
			n, _ := strconv.Atoi(te.Code())
			if n == 0 && te.V.Type() == js.TypeObject {
				// MetaMask nests the original error as data.originalError.
				if c := te.V.Get("data").Get("originalError").Get("code"); c.Type() == js.TypeNumber {
					n = c.Int()
				}
			}
			return n
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return 0
		}
		err = u.Unwrap()
	}
	return 0
}

// Address implements authsig.Signer: the wallet's first account.
func (w EIP1193) Address(ctx context.Context) (string, error) {
	accounts, err := w.accounts(ctx, "eth_accounts")
	if err != nil {
		return "", err
	}
	if len(accounts) == 0 {
		if accounts, err = w.accounts(ctx, "eth_requestAccounts"); err != nil {
			return "", err
		}
	}
	if len(accounts) == 0 {
		return "", errcode.Errorf(errcode.WalletError, nil, "the wallet has no account; unlock it and connect an account to this site")
	}
	return accounts[0], nil
}

func (w EIP1193) accounts(ctx context.Context, method string) ([]string, error) {
	res, err := w.request(ctx, method)
	if err != nil {
		return nil, err
	}
	if res.Type() != js.TypeObject || res.Get("length").Type() != js.TypeNumber {
		return nil, errcode.Errorf(errcode.WalletError, nil, "the wallet answered %s with %s, not a list of accounts", method, JSString(res))
	}
	out := make([]string, res.Length())
	for i := range out {
		out[i] = JSString(res.Index(i))
	}
	return out, nil
}

// SignMessage implements authsig.Signer with personal_sign, switching the
// wallet's chain first when getSessionSigs asked for switchChain.
func (w EIP1193) SignMessage(ctx context.Context, message []byte) ([]byte, error) {
	o, _ := ctx.Value(signOptsKey{}).(SignOpts)
	if o.SwitchChain {
		if err := w.ensureChain(ctx, o.Chain); err != nil {
			return nil, err
		}
	}
	account, err := w.Address(ctx)
	if err != nil {
		return nil, err
	}
	res, err := w.request(ctx, "personal_sign", "0x"+hex.EncodeToString(message), strings.ToLower(account))
	if err != nil {
		return nil, err
	}
	s := strings.TrimPrefix(JSString(res), "0x")
	sig, err := hex.DecodeString(s)
	if err != nil || len(sig) != 65 {
		return nil, errcode.Errorf(errcode.WalletError, nil, "the wallet answered personal_sign with %.20q…, not a 65-byte hex signature", JSString(res))
	}
	return sig, nil
}

// ensureChain switches the wallet to the chain's id, adding the chain when
// the wallet does not know it (4902), as the official SDK does.
func (w EIP1193) ensureChain(ctx context.Context, name string) error {
	c, ok := lookupChain(name)
	if !ok {
		return errcode.Errorf(errcode.InvalidParams, nil, "switchChain: unknown chain %q; use one of %s, or leave switchChain off", name, chainNames())
	}
	res, err := w.request(ctx, "eth_chainId")
	if err != nil {
		return err
	}
	cur, err := strconv.ParseUint(strings.TrimPrefix(JSString(res), "0x"), 16, 64)
	if err == nil && cur == c.id {
		return nil
	}
	hexID := "0x" + strconv.FormatUint(c.id, 16)
	_, err = w.request(ctx, "wallet_switchEthereumChain", map[string]any{"chainId": hexID})
	switch code := rpcCode(err); {
	case err == nil:
		return nil
	case code == 4902:
		urls := make([]any, len(c.rpcURLs))
		for i, u := range c.rpcURLs {
			urls[i] = u
		}
		explorers := make([]any, len(c.explorers))
		for i, u := range c.explorers {
			explorers[i] = u
		}
		_, err = w.request(ctx, "wallet_addEthereumChain", map[string]any{
			"chainId":           hexID,
			"chainName":         c.name,
			"nativeCurrency":    map[string]any{"name": c.name, "symbol": c.symbol, "decimals": 18},
			"rpcUrls":           urls,
			"blockExplorerUrls": explorers,
		})
		return err
	case code == -32601:
		return errcode.Errorf(errcode.WrongNetwork, err, "the wallet cannot switch chains (wallet_switchEthereumChain is not supported); switch it to %s (chain id %d) by hand, or leave switchChain off", c.name, c.id)
	}
	return err
}

// chain is an entry of the official LIT_CHAINS (@lit-protocol/constants
// 7.4.0) used for switching; every one has 18 decimals.
type chain struct {
	id        uint64
	name      string
	symbol    string
	rpcURLs   []string
	explorers []string
}

// lookupChain returns an EVM chain switchChain knows: a subset of
// LIT_CHAINS (a switch, not a map: nothing to build at start-up).
func lookupChain(name string) (chain, bool) {
	switch name {
	case "ethereum":
		return chain{1, "Ethereum", "ETH", []string{"https://eth-mainnet.alchemyapi.io/v2/EuGnkVlzVoEkzdg0lpCarhm8YHOxWVxE"}, []string{"https://etherscan.io"}}, true
	case "sepolia":
		return chain{11155111, "Sepolia Testnet", "ETH", []string{"https://ethereum-sepolia-rpc.publicnode.com"}, []string{"https://sepolia.etherscan.io/"}}, true
	case "polygon":
		return chain{137, "Polygon", "MATIC", []string{"https://polygon-rpc.com"}, []string{"https://explorer.matic.network"}}, true
	case "base":
		return chain{8453, "Base Mainnet", "ETH", []string{"https://mainnet.base.org"}, []string{"https://basescan.org"}}, true
	case "arbitrum":
		return chain{42161, "Arbitrum", "AETH", []string{"https://arb1.arbitrum.io/rpc"}, []string{"https://arbiscan.io/"}}, true
	case "optimism":
		return chain{10, "Optimism", "ETH", []string{"https://mainnet.optimism.io"}, []string{"https://optimistic.etherscan.io"}}, true
	case "yellowstone":
		return chain{175188, "Chronicle Yellowstone - Lit Protocol Testnet", "tstLPX", []string{"https://yellowstone-rpc.litprotocol.com/"}, []string{"https://yellowstone-explorer.litprotocol.com/"}}, true
	}
	return chain{}, false
}

func chainNames() string {
	return "ethereum, sepolia, polygon, base, arbitrum, optimism, yellowstone"
}
