// Package session makes Lit session signatures: the v7 getSessionSigs
// flow (docs/protocol.md#session-signature-template, #wallet-signature-cache) as an Engine that does no I/O of its own. The
// nodes and blockhash come from a Network, the cache from a
// storage.Storage, and the wallet signature from an auth callback or an
// authsig.Signer.
//
// A call to GetSessionSigs
//
//  1. takes the session key from Params, else from storage (lit-session-key,
//     or where Engine.CacheLayout says), else generates one and stores it;
//  2. reuses the wallet AuthSig cached in lit-wallet-sig (or where
//     Engine.CacheLayout says) if it passes the
//     re-sign rules (see Rule), else asks the callback or wallet for a new
//     one over a SIWE message with URI lit:session:<public key>, nonce the
//     latest blockhash, and a ReCap of the requests, checks it by the same
//     rules and caches it;
//  3. signs, for every connected node in order, the JSON template of
//     Template.Message with the session key (Ed25519).
//
// It differs from the official SDK where the SDK is wasteful or unsafe
// (docs/protocol.md#wallet-signature-cache, #injected-wallet):
//
//   - The wallet is asked at most once for a given session key, scope and
//     expiry: a cached signature is reused while it is valid and covers the
//     requests, and a new one that fails a rule is an error (AuthSigError),
//     never cached and never followed by a second prompt.
//   - A cached signature within Engine.RenewBefore (default one minute) of
//     its expiry is renewed.
//   - With an explicit Params.Expiration later than the cached signature's
//     expiry, the cached signature is reused while it stays valid for more
//     than half of the requested lifetime (so a page asking for "now + 24 h"
//     on every call is asked again after about 12 hours, not every time);
//     otherwise the wallet signs again so the session lasts as asked. With
//     the default expiration (now + 24 h) the cached signature is reused.
//     Either way the session signatures' expiration is capped at the wallet
//     signature's expiry, so they never outlive the delegation they carry
//     (the SDK would sign a 24-hour session over a wallet signature that
//     expires sooner).
//   - Storage write failures are reported in Info.Warnings (the SDK swallows
//     them); read failures count as nothing cached.
//
// The session secret key is never logged, printed or put in an error.
package session

import (
	"context"
	"fmt"
	"io"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/recap"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/core/storage"
)

// Defaults.
const (
	// DefaultChain is Params.Chain when it is empty.
	DefaultChain = "ethereum"
	// DefaultValidity is how long sessions last when Params.Expiration is
	// empty, as in the SDK.
	DefaultValidity = 24 * time.Hour
	// DefaultRenewBefore is Engine.RenewBefore when it is zero.
	DefaultRenewBefore = time.Minute
	// IssuedAtSkew is how far in the future a wallet signature's Issued At
	// may be (the signer's clock may run ahead).
	IssuedAtSkew = 5 * time.Minute
)

// Network is the connected Lit network: core/node's Client satisfies it.
type Network interface {
	// ConnectedNodes returns the URLs of the connected nodes in order,
	// e.g. "https://192.0.2.1:443"; the session signatures are keyed by them.
	ConnectedNodes() []string
	// LatestBlockhash returns a recent blockhash, the SIWE nonce.
	LatestBlockhash(ctx context.Context) (string, error)
}

// PricedNetwork is a Network whose nodes charge for requests (naga; core/node's
// Client implements it for every generation). Session signatures then go
// only to the nodes chosen for the operation, each naming the most it may
// charge.
type PricedNetwork interface {
	// SessionNodes returns the nodes one request of operation goes to
	// ("" means the network's default) and each node's maxPrice in wei
	// under budget (nil: the network's default); prices are nil when
	// the nodes do not charge.
	SessionNodes(ctx context.Context, operation string, budget *big.Int) ([]string, map[string]*big.Int, error)
}

// AuthNeededParams are the arguments of an auth callback, those of the
// official authNeededCallback.
type AuthNeededParams struct {
	Chain string
	// Statement and Resources are the ReCap sentence and the
	// "urn:recap:…" resource of ResourceAbilityRequests. (The SDK passes an
	// empty ReCap here unless sessionCapabilityObject is given; these are
	// what a message must carry to be accepted.)
	Statement string
	Resources []string
	// Expiration is Params.Expiration, or now + 24 h, as an ISO string.
	Expiration string
	// URI is the session key URI, "lit:session:<public key hex>".
	URI string
	// SessionKey is the session key pair. Its secret is a credential; do
	// not send or log it.
	SessionKey *sessionkey.KeyPair
	// Nonce is the latest blockhash.
	Nonce string
	// Domain is Params.Domain ("" means the SIWE default, localhost).
	Domain                  string
	ResourceAbilityRequests []resource.Request
	// SIWEStatement is the SIWE statement before the ReCap sentence: nil
	// is v7's (siwe.DefaultStatement); on a network that charges (naga) it
	// points to NagaSIWEStatement, as v8 writes the message.
	SIWEStatement *string
}

// SIWEMessage returns the message the SDK's documented callback signs,
// createSiweMessageWithRecaps({uri, expiration, resources, walletAddress,
// nonce, domain}) issued at issuedAt. Engine.Wallet signs exactly this.
func (p AuthNeededParams) SIWEMessage(address string, issuedAt time.Time) (string, error) {
	return siwe.CreateWithRecaps(siwe.Params{
		Address:    address,
		Domain:     p.Domain,
		URI:        p.URI,
		Nonce:      p.Nonce,
		Statement:  p.SIWEStatement,
		IssuedAt:   siwe.FormatTime(issuedAt),
		Expiration: p.Expiration,
		Resources:  p.ResourceAbilityRequests,
	})
}

// AuthNeededCallback obtains a wallet AuthSig delegating to the session
// key. Errors are returned wrapped (%w), so a wallet's rejection stays
// visible to errors.Is and errors.As.
type AuthNeededCallback func(ctx context.Context, p AuthNeededParams) (authsig.AuthSig, error)

// Params are the options of getSessionSigs.
type Params struct {
	// Chain is passed to the callback; default "ethereum".
	Chain string
	// Operation and MaxPrice matter on a PricedNetwork (naga): the
	// operation the session signatures are for, which picks the nodes
	// ("" is the network's default, naga's "lit action"; core/node names
	// them, e.g. "pkp sign"), and the budget in wei for one request (nil:
	// 2^128 − 1).
	Operation string
	MaxPrice  *big.Int
	// ResourceAbilityRequests is what the session may do; required.
	ResourceAbilityRequests []resource.Request
	// Expiration is an ISO-8601 time; default now + 24 h (see the package
	// documentation for how it interacts with the cache).
	Expiration string
	// SessionKey is used instead of the stored one when set; it is then
	// neither read from nor written to storage.
	SessionKey *sessionkey.KeyPair
	// AuthNeededCallback gets the wallet signature; when nil, Engine.Wallet
	// signs.
	AuthNeededCallback AuthNeededCallback
	// CapabilityAuthSigs and CapacityDelegationAuthSig are added to the
	// capabilities before the wallet signature, unchecked.
	CapabilityAuthSigs        []authsig.AuthSig
	CapacityDelegationAuthSig *authsig.AuthSig
	// Domain is the SIWE domain; "" means localhost.
	Domain string
	// WalletAddress is the address of the account that signs the wallet
	// AuthSig, for an auth callback: a cache layout keyed by address
	// (NagaCache) needs it to cache anything, and a cached or new AuthSig
	// by another account is refused (RuleOtherAccount). With
	// Engine.Wallet, "" means the wallet's address.
	WalletAddress string
}

// Engine makes session signatures. Its fields are read on each call; set
// them before use. An Engine must not be copied after first use. Calls on
// one Engine are serialized while they look up and obtain the wallet
// signature, so concurrent calls ask the wallet once.
type Engine struct {
	// Storage caches the session key and wallet signature; nil caches
	// nothing (as the SDK in Node without a storage provider).
	Storage storage.Storage
	// CacheLayout is the keys and value forms used in Storage; nil is
	// V7Cache, the official v7 SDK's. NagaCache is the official v8 SDK's.
	CacheLayout CacheLayout
	// Network supplies the nodes and the blockhash; required.
	Network Network
	// Wallet signs when Params.AuthNeededCallback is nil: the message of
	// AuthNeededParams.SIWEMessage for its address.
	Wallet authsig.Signer
	// VerifyCapability, when set, verifies the signature and time window
	// of AuthSigs authsig.Verify cannot (algo LIT_BLS: PKP delegations
	// signed by the network key). Without it, a cached LIT_BLS signature is
	// never reused, and a new one is accepted unverified, with a warning.
	VerifyCapability func(authsig.AuthSig, time.Time) error
	// RenewBefore renews a cached wallet signature this long before it
	// expires; zero means DefaultRenewBefore, negative means only at expiry.
	RenewBefore time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the entropy for new session keys; nil means crypto/rand.
	Rand io.Reader

	lockOnce sync.Once
	lock     chan struct{}
}

// Info tells what a call did.
type Info struct {
	// WalletAsked is true when the callback or wallet was called.
	WalletAsked bool
	// CacheReused is true when the cached wallet signature was used.
	CacheReused bool
	// SessionKeyCreated is true when a new session key was generated.
	SessionKeyCreated bool
	// WalletAddress is the address of the wallet (or PKP) signature used.
	WalletAddress string
	// Rule and Reason say why the wallet was asked; empty when it was not.
	Rule   Rule
	Reason string
	// Expiration is the session signatures' expiration.
	Expiration string
	// Warnings are problems that did not stop the call, such as a failed
	// storage write.
	Warnings []string
	// SessionPublicKey is the session key's public key (hex), the Address
	// of every session signature.
	SessionPublicKey string
	// Timings say where the call spent its time.
	Timings Timings
}

// Timings are the wall-clock durations of one GetSessionSigs call.
type Timings struct {
	// Total is the whole call, including waiting for a concurrent call.
	Total time.Duration
	// Wallet is the time spent in the auth callback or the wallet.
	Wallet time.Duration
}

// warn adds a warning to the Info. It is not inlined: in wasm every
// inlined copy repeats its code at each call site.
//
//go:noinline
func (i *Info) warn(format string, args ...any) {
	i.Warnings = append(i.Warnings, fmt.Sprintf(format, args...))
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Engine) margin() time.Duration {
	switch {
	case e.RenewBefore == 0:
		return DefaultRenewBefore
	case e.RenewBefore < 0:
		return 0
	}
	return e.RenewBefore
}

// acquire serializes the cache section of concurrent calls.
func (e *Engine) acquire(ctx context.Context) (func(), error) {
	e.lockOnce.Do(func() { e.lock = make(chan struct{}, 1) })
	select {
	case e.lock <- struct{}{}:
		return func() { <-e.lock }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// GetSessionSigs returns session signatures for every connected node, and
// what it did to get them. Info is filled in as far as the call got, even
// on error.
func (e *Engine) GetSessionSigs(ctx context.Context, p Params) (*SessionSigs, Info, error) {
	start := time.Now()
	sigs, info, err := e.getSessionSigs(ctx, p)
	info.Timings.Total = time.Since(start)
	return sigs, info, err
}

func (e *Engine) getSessionSigs(ctx context.Context, p Params) (*SessionSigs, Info, error) {
	var info Info
	now := e.now()
	if e.Network == nil {
		return nil, info, paramsErr("Engine.Network", "not set; give the engine the connected node client")
	}
	own, err := checkRequests(p.ResourceAbilityRequests)
	if err != nil {
		return nil, info, err
	}
	var explicit time.Time
	expiration := siwe.FormatTime(now.Add(DefaultValidity))
	if p.Expiration != "" {
		explicit, err = siwe.ParseTime("expiration", p.Expiration)
		if err != nil {
			return nil, info, paramsErr("Expiration", "%q is not an ISO-8601 time; use the form 2030-01-01T00:00:00.000Z", p.Expiration)
		}
		if !explicit.After(now) {
			return nil, info, paramsErr("Expiration", "%s is not in the future (now %s); pass a later time, or none for 24 hours", p.Expiration, siwe.FormatTime(now))
		}
		expiration = p.Expiration
	}
	nodes := e.Network.ConnectedNodes()
	if len(nodes) == 0 {
		return nil, info, ErrNotConnected
	}
	var maxPrices map[string]*big.Int
	if pn, ok := e.Network.(PricedNetwork); ok {
		if nodes, maxPrices, err = pn.SessionNodes(ctx, p.Operation, p.MaxPrice); err != nil {
			return nil, info, err
		}
	}

	release, err := e.acquire(ctx)
	if err != nil {
		return nil, info, err
	}
	defer release()

	requested := explicit
	if requested.IsZero() {
		requested = now.Add(DefaultValidity)
	}
	slot, err := e.cacheSlot(ctx, p)
	if err != nil {
		return nil, info, err
	}
	if slot.warning != "" {
		info.warn("%s", slot.warning)
	}
	key, err := e.sessionKey(ctx, p, slot, now, requested, &info)
	if err != nil {
		return nil, info, err
	}
	info.SessionPublicKey = key.PublicKeyHex()
	w := want{uri: key.URI(), reqs: p.ResourceAbilityRequests, ownRecap: own, explicit: explicit, now: now}
	if maxPrices != nil {
		w.siweStatement = new(string)
		*w.siweStatement = NagaSIWEStatement
	}
	wallet, c, err := e.walletSig(ctx, p, key, w, expiration, slot, &info)
	if err != nil {
		return nil, info, err
	}
	info.WalletAddress = c.address
	info.Warnings = append(info.Warnings, c.warnings...)
	if !c.expiry.IsZero() && c.expiry.Before(requested) {
		expiration = siwe.FormatTime(c.expiry) // never outlive the wallet signature
	}
	info.Expiration = expiration

	caps := make([]authsig.AuthSig, 0, len(p.CapabilityAuthSigs)+2)
	caps = append(caps, p.CapabilityAuthSigs...)
	if p.CapacityDelegationAuthSig != nil {
		caps = append(caps, *p.CapacityDelegationAuthSig)
	}
	caps = append(caps, wallet)
	sigs, err := Sign(key, Template{
		ResourceAbilityRequests: p.ResourceAbilityRequests,
		Capabilities:            caps,
		IssuedAt:                siwe.FormatTime(now),
		Expiration:              expiration,
		MaxPrices:               maxPrices,
	}, nodes)
	if err != nil {
		return nil, info, err
	}
	return sigs, info, nil
}

// checkRequests validates the requests and returns their ReCap.
func checkRequests(reqs []resource.Request) (*recap.Recap, error) {
	const field = "ResourceAbilityRequests"
	if len(reqs) == 0 {
		return nil, paramsErr(field, "none given; ask for at least one ability, e.g. pkp-signing on lit-pkp://*")
	}
	for i, q := range reqs {
		if q.Resource.ID == "" {
			return nil, paramsErr(field, "request %d has an empty resource id; use \"*\" for every resource of the kind", i+1)
		}
		if err := q.Check(); err != nil {
			return nil, paramsErr(field, "request %d: %v", i+1, err)
		}
	}
	rc, err := recap.FromRequests(reqs)
	if err != nil {
		return nil, paramsErr(field, "%v", err)
	}
	return rc, nil
}

// sessionKey returns Params.SessionKey, the stored key, or a new stored one
// that the layout may reuse until expiresAt.
func (e *Engine) sessionKey(ctx context.Context, p Params, slot cacheSlot, now, expiresAt time.Time, info *Info) (*sessionkey.KeyPair, error) {
	if p.SessionKey != nil {
		return p.SessionKey, nil
	}
	if slot.on() {
		raw, ok, err := e.Storage.Get(ctx, slot.keyKey)
		switch {
		case err != nil:
			info.warn("reading %s failed (%v); using a new session key", slot.keyKey, err)
		case ok:
			key, exp, err := slot.layout.DecodeSessionKey(raw)
			if err != nil {
				info.warn("the stored %s is unusable (%v); replacing it with a new session key", slot.keyKey, err)
			} else if exp.IsZero() || now.Add(e.margin()).Before(exp) {
				return key, nil
			}
		}
	}
	key, err := sessionkey.Generate(e.Rand)
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	info.SessionKeyCreated = true
	if slot.on() {
		v, err := slot.layout.EncodeSessionKey(key, expiresAt)
		if err == nil {
			err = e.Storage.Set(ctx, slot.keyKey, v)
		}
		if err != nil {
			info.warn("storing %s failed (%v); the next call will use another session key and ask the wallet again", slot.keyKey, err)
		}
	}
	return key, nil
}

// walletSig returns the cached wallet AuthSig if it passes the rules, else
// a new one from the callback or wallet, checked and cached.
func (e *Engine) walletSig(ctx context.Context, p Params, key *sessionkey.KeyPair, w want, expiration string, slot cacheSlot, info *Info) (authsig.AuthSig, *checked, error) {
	info.Rule, info.Reason = RuleMissing, "no wallet signature is cached"
	if !slot.on() {
		info.Reason = slot.off
	} else if raw, ok, err := e.Storage.Get(ctx, slot.sigKey); err != nil {
		info.warn("reading %s failed (%v); asking for a new wallet signature", slot.sigKey, err)
	} else if ok {
		cw := w
		cw.margin = e.margin()
		a, rerr := decodeWalletSig(slot.layout, raw)
		var c *checked
		if rerr == nil {
			c, rerr = e.check(a, cw, true)
		}
		if rerr == nil && slot.address != "" && !strings.EqualFold(slot.address, c.address) {
			rerr = broke(RuleOtherAccount, "it was signed by %s, but %s %s", c.address, slot.addressIs, slot.address)
		} else if rerr == nil && slot.address == "" && p.AuthNeededCallback == nil && e.Wallet != nil {
			// One global slot holds the signature (as in the official SDK):
			// when the user switched accounts, it is not theirs to reuse.
			if addr, err := e.Wallet.Address(ctx); err == nil && !strings.EqualFold(addr, c.address) {
				rerr = broke(RuleOtherAccount, "it was signed by %s, but the wallet's account is now %s", c.address, addr)
			}
		}
		if rerr == nil {
			info.Rule, info.Reason, info.CacheReused = "", "", true
			return a, c, nil
		}
		info.Rule, info.Reason = rerr.rule, "cached wallet signature: "+rerr.detail
	}

	if p.AuthNeededCallback == nil && e.Wallet == nil {
		return authsig.AuthSig{}, nil, fmt.Errorf("%w (%s)", ErrNoSigner, info.Reason)
	}
	nonce, err := e.Network.LatestBlockhash(ctx)
	if err != nil {
		return authsig.AuthSig{}, nil, fmt.Errorf("session: getting the latest blockhash for the SIWE nonce: %w", err)
	}
	chain := p.ChainOrDefault()
	urn, err := w.ownRecap.Encode()
	if err != nil {
		return authsig.AuthSig{}, nil, fmt.Errorf("session: %w", err)
	}
	ap := AuthNeededParams{
		Chain:                   chain,
		Statement:               w.ownRecap.Statement(),
		Resources:               []string{urn},
		Expiration:              expiration,
		URI:                     key.URI(),
		SessionKey:              key,
		Nonce:                   nonce,
		Domain:                  p.Domain,
		ResourceAbilityRequests: p.ResourceAbilityRequests,
		SIWEStatement:           w.siweStatement,
	}

	var a authsig.AuthSig
	source := "auth callback"
	info.WalletAsked = true
	asked := time.Now()
	if p.AuthNeededCallback != nil {
		a, err = p.AuthNeededCallback(ctx, ap)
		if err != nil {
			err = fmt.Errorf("session: the auth callback failed: %w", err)
		}
	} else {
		source = "wallet"
		a, err = e.signWithWallet(ctx, ap, w.now)
	}
	info.Timings.Wallet += time.Since(asked)
	if err != nil {
		return authsig.AuthSig{}, nil, err
	}
	c, rerr := e.check(a, w, false)
	if rerr == nil && slot.address != "" && !strings.EqualFold(slot.address, c.address) {
		rerr = broke(RuleOtherAccount, "it was signed by %s, but %s %s", c.address, slot.addressIs, slot.address)
	}
	if rerr != nil {
		return authsig.AuthSig{}, nil, &AuthSigError{Source: source, Rule: rerr.rule, Detail: rerr.detail}
	}
	if slot.on() {
		v, err := slot.layout.EncodeWalletSig(a)
		if err == nil {
			err = e.Storage.Set(ctx, slot.sigKey, v)
		}
		if err != nil {
			info.warn("storing %s failed (%v); the next call will ask the wallet again", slot.sigKey, err)
		}
	}
	return a, c, nil
}

func (e *Engine) signWithWallet(ctx context.Context, ap AuthNeededParams, now time.Time) (authsig.AuthSig, error) {
	addr, err := e.Wallet.Address(ctx)
	if err != nil {
		return authsig.AuthSig{}, fmt.Errorf("session: getting the wallet's address: %w", err)
	}
	msg, err := ap.SIWEMessage(addr, now)
	if err != nil {
		return authsig.AuthSig{}, fmt.Errorf("session: building the SIWE message: %w", err)
	}
	a, err := authsig.Sign(ctx, e.Wallet, msg)
	if err != nil {
		return authsig.AuthSig{}, fmt.Errorf("session: the wallet did not sign: %w", err)
	}
	return a, nil
}
