package session

import (
	"context"
	"errors"
	"fmt"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/siwe"
)

// cacheSlot is where one call caches the session key and wallet AuthSig.
type cacheSlot struct {
	layout         CacheLayout
	keyKey, sigKey string // the storage keys; "" when nothing is cached
	off            string // why nothing is cached, when so
	warning        string // a problem to report in Info.Warnings
	// address is the wallet's EIP-55 address, "" when unknown; an AuthSig
	// by another account is neither reused nor accepted. addressIs names
	// its source for messages ("Params.WalletAddress is").
	address, addressIs string
}

func (s cacheSlot) on() bool { return s.keyKey != "" }

// cacheSlot resolves the wallet's address and the layout's keys for it.
// The wallet is asked for its address only when the layout is set (V7Cache
// keys nothing by address) and there is storage.
func (e *Engine) cacheSlot(ctx context.Context, p Params) (cacheSlot, error) {
	var s cacheSlot
	if p.WalletAddress != "" {
		addr, err := siwe.ChecksumAddress(p.WalletAddress)
		if err != nil {
			return s, paramsErr("WalletAddress", "%v", err)
		}
		s.address, s.addressIs = addr, "Params.WalletAddress is"
	}
	if e.Storage == nil {
		s.off = "there is no storage to cache a wallet signature in"
		return s, nil
	}
	s.layout = e.CacheLayout
	if s.layout == nil {
		s.layout = V7Cache{}
	} else if s.address == "" && p.AuthNeededCallback == nil && e.Wallet != nil {
		a, err := e.Wallet.Address(ctx)
		if err == nil {
			s.address, err = siwe.ChecksumAddress(a)
		}
		if err != nil {
			return s, fmt.Errorf("session: getting the wallet's address for the cache keys: %w", err)
		}
		s.addressIs = "the wallet's account is now"
	}
	var err error
	s.keyKey, s.sigKey, err = s.layout.Keys(s.address)
	if errors.Is(err, ErrNoCacheAddress) {
		s.keyKey, s.sigKey = "", ""
		s.off = "nothing is cached: the cache layout needs the wallet's address (Params.WalletAddress)"
		s.warning = err.Error()
		return s, nil
	}
	if err != nil {
		return s, paramsErr("Engine.CacheLayout", "%v", err)
	}
	return s, nil
}

// decodeWalletSig decodes a stored wallet AuthSig with the layout; an error
// other than this package's own rule errors counts as RuleCorrupt.
func decodeWalletSig(l CacheLayout, raw string) (authsig.AuthSig, *ruleErr) {
	a, err := l.DecodeWalletSig(raw)
	if err == nil {
		return a, nil
	}
	if re, ok := err.(*ruleErr); ok {
		return a, re
	}
	return a, broke(RuleCorrupt, "the stored value is unusable: %v", err)
}
