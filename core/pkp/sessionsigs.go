package pkp

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/storage"
)

// WalletSigKeyPrefix starts the storage key under which NewEngine's engine
// caches a PKP's delegation: WalletSigKeyPrefix + the PKP's EIP-55
// address.
const WalletSigKeyPrefix = storage.KeyWalletSig + ":"

// SessionSigsParams are the inputs of GetPkpSessionSigs, those of the SDK's
// getPkpSessionSigs.
type SessionSigsParams struct {
	// PKPPublicKey is the PKP's public key (0x04 + 128 hex). Required.
	PKPPublicKey string
	// AuthMethods prove the right to use the PKP (e.g. EthWalletAuthMethod
	// of its owner); sent to the nodes when a new delegation is needed.
	AuthMethods []AuthMethod
	// ResourceAbilityRequests are what the session may do. Required.
	ResourceAbilityRequests []resource.Request
	// Expiration is an ISO-8601 time; default now + 24 h (see
	// session.Params.Expiration).
	Expiration string
	// SessionKey is used instead of the stored (or a new) session key.
	SessionKey *sessionkey.KeyPair
	// Domain is the delegation's SIWE domain; default DefaultDomain.
	Domain string
	// Statement is appended to SIWEStatement in the delegation.
	Statement string
	// CapabilityAuthSigs and CapacityDelegationAuthSig are added before the
	// PKP's delegation, as in session.Params.
	CapabilityAuthSigs        []authsig.AuthSig
	CapacityDelegationAuthSig *authsig.AuthSig
	// Operation and MaxPrice are session.Params's (naga): the session
	// signatures go to the nodes chosen for Operation (e.g. "pkp sign")
	// and name their maxPrice under the MaxPrice budget, which the
	// delegation request also sends.
	Operation string
	MaxPrice  *big.Int
}

// NewEngine returns a session.Engine for the session signatures of the PKP
// with public key pkpPublicKey:
//
//   - Network is nw;
//   - VerifyCapability checks LIT_BLS delegations under nw's network key
//     (CapabilityVerifier), so a cached delegation is reused while valid;
//   - Storage, if s is not nil, is s with the wallet-signature slot moved
//     to WalletSigKeyPrefix + the PKP's address. The session key slot
//     (lit-session-key) is shared.
//
// The official SDK caches every delegation, EOA or PKP, in one
// lit-wallet-sig slot, so after an EOA session it can hand out session
// signatures delegated by the EOA when a PKP's were asked for. One slot per
// PKP cannot mix them up. Use one engine per PKP for its whole life: the
// engine serializes concurrent calls so that the nodes are asked once.
func NewEngine(nw Network, s storage.Storage, pkpPublicKey string) (*session.Engine, error) {
	k, err := Parse(pkpPublicKey)
	if err != nil {
		return nil, err
	}
	eng := &session.Engine{Network: nw, VerifyCapability: CapabilityVerifier(nw)}
	if s != nil {
		eng.Storage = &slotStorage{Storage: s, walletKey: WalletSigKeyPrefix + k.EthAddress}
	}
	return eng, nil
}

// slotStorage keeps the wallet signature under its own key.
type slotStorage struct {
	storage.Storage
	walletKey string
}

func (s *slotStorage) key(k string) string {
	if k == storage.KeyWalletSig {
		return s.walletKey
	}
	return k
}

func (s *slotStorage) Get(ctx context.Context, key string) (string, bool, error) {
	return s.Storage.Get(ctx, s.key(key))
}

func (s *slotStorage) Set(ctx context.Context, key, value string) error {
	return s.Storage.Set(ctx, s.key(key), value)
}

func (s *slotStorage) Delete(ctx context.Context, key string) error {
	return s.Storage.Delete(ctx, s.key(key))
}

// GetPkpSessionSigs returns session signatures, one per connected node,
// whose delegation (the last capability) is a LIT_BLS AuthSig of the PKP:
// the engine reuses a cached delegation while it is valid and covers the
// requests, and otherwise gets a new one with SignSessionKey (the auth
// callback), which the engine checks again with its VerifyCapability.
//
// eng nil means NewEngine(nw, nil, p.PKPPublicKey): nothing is cached. A
// caller's engine should come from NewEngine. Whatever the engine, the
// result is refused if its delegation is not from this PKP (for example a
// cached EOA signature in a shared lit-wallet-sig slot).
//
// Unlike the SDK, the statement of the delegation is SIWEStatement (+
// Statement) and the ReCap sentence once; the SDK repeats the sentence of
// an empty ReCap in it (docs/protocol.md#pkp-siwe-message).
func GetPkpSessionSigs(ctx context.Context, nw Network, eng *session.Engine, p SessionSigsParams) (*session.SessionSigs, session.Info, error) {
	k, err := Parse(p.PKPPublicKey)
	if err != nil {
		return nil, session.Info{}, err
	}
	if eng == nil {
		if eng, err = NewEngine(nw, nil, p.PKPPublicKey); err != nil {
			return nil, session.Info{}, err
		}
	}
	if eng.Network == nil {
		return nil, session.Info{}, errors.New("pkp: the engine has no Network; make it with NewEngine")
	}
	cb := func(ctx context.Context, ap session.AuthNeededParams) (authsig.AuthSig, error) {
		return SignSessionKey(ctx, nw, SignSessionKeyParams{
			SessionKey:              ap.URI,
			PKPPublicKey:            k.PublicKey,
			AuthMethods:             p.AuthMethods,
			ResourceAbilityRequests: ap.ResourceAbilityRequests,
			Expiration:              ap.Expiration,
			Domain:                  p.Domain,
			Statement:               p.Statement,
			Now:                     eng.Now,
			MaxPrice:                p.MaxPrice,
		})
	}
	sigs, info, err := eng.GetSessionSigs(ctx, session.Params{
		ResourceAbilityRequests:   p.ResourceAbilityRequests,
		Expiration:                p.Expiration,
		SessionKey:                p.SessionKey,
		AuthNeededCallback:        cb,
		CapabilityAuthSigs:        p.CapabilityAuthSigs,
		CapacityDelegationAuthSig: p.CapacityDelegationAuthSig,
		Operation:                 p.Operation,
		MaxPrice:                  p.MaxPrice,
	})
	if err != nil {
		return nil, info, err
	}
	if !strings.EqualFold(info.WalletAddress, k.EthAddress) {
		return nil, info, fmt.Errorf("pkp: the engine delegated the session from %s (a cached signature), not from the PKP %s; give each PKP its own engine from NewEngine, or clear %s", info.WalletAddress, k.EthAddress, storage.KeyWalletSig)
	}
	return sigs, info, nil
}
