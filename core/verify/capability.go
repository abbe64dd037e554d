package verify

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/capacity"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/siwe"
)

// Cache kinds for capDigest.
const (
	kindWallet = "wallet"
	kindBLS    = "bls:" // + network public key hex
)

// verifyCapability checks one capability AuthSig and returns it verified. what names it in errors ("capabilities[2] (the delegation)").
//
//   - algo "LIT_BLS": derivedVia "lit.bls"; sig the {"ProofOfPossession":…}
//     JSON text; a BLS12-381 signature under Config.NetworkPublicKey of
//     bls.SessionDigest(signedMessage); signedMessage a SIWE message whose
//     address equals the address field (any case).
//   - algo absent (or "ed25519", as the SDK tolerates): a wallet AuthSig,
//     checked by authsig.Verify (EIP-191 ecrecover to the SIWE address).
//   - any other algo: ReasonUnsupported.
//
// Then, for both: Expiration Time must be present and after now; Issued At
// at most MaxSkew after now; Not Before, if present, not after now.
func (v *Verifier) verifyCapability(what string, c *capability, now time.Time) (*capInfo, error) {
	var kind string
	switch c.algo {
	case authsig.AlgoBLS:
		if v.blsKey == nil {
			if v.blsKeyErr != nil {
				return nil, rejectErr(ReasonMisconfigured, v.blsKeyErr, "%s is LIT_BLS but Config.NetworkPublicKey is invalid", what)
			}
			return nil, reject(ReasonUnsupported, "%s is LIT_BLS (a PKP delegation) but no Config.NetworkPublicKey is set to verify it", what)
		}
		if c.derivedVia != authsig.DerivedViaBLS {
			return nil, reject(ReasonCapabilityInvalid, "%s: derivedVia is %q, want %q for algo LIT_BLS", what, c.derivedVia, authsig.DerivedViaBLS)
		}
		kind = kindBLS + v.blsKey.Hex()
	case "", authsig.AlgoEd25519:
		if c.derivedVia != authsig.DerivedViaWallet {
			return nil, reject(ReasonCapabilityInvalid, "%s: derivedVia is %q, want %q (or algo LIT_BLS)", what, c.derivedVia, authsig.DerivedViaWallet)
		}
		kind = kindWallet
	default:
		return nil, reject(ReasonUnsupported, "%s has algo %q; capabilities are wallet AuthSigs (no algo) or LIT_BLS", what, c.algo)
	}

	var key [32]byte
	if v.cache != nil {
		key = capDigest(kind, c)
		if info, ok := v.cache.get(key, now); ok {
			if !strings.EqualFold(c.address, info.address) {
				return nil, reject(ReasonCapabilityInvalid, "%s: address field %q is not the message's address %s", what, c.address, info.address)
			}
			if err := v.checkSIWETimes(what, info, now); err != nil {
				return nil, err
			}
			return info, nil
		}
	}

	a := c.authSig()
	var msg *siwe.Message
	if kind == kindWallet {
		w, err := authsig.Verify(a, authsig.Options{Now: now, Skew: v.skew})
		if err != nil {
			return nil, fromAuthSig(what, err)
		}
		msg = w.Message
	} else {
		var err error
		if msg, err = v.verifyBLS(what, a); err != nil {
			return nil, err
		}
	}
	info := newCapInfo(msg)
	if err := v.checkSIWETimes(what, info, now); err != nil {
		return nil, err
	}
	if v.cache != nil {
		v.cache.add(key, info)
	}
	return info, nil
}

// verifyBLS checks a LIT_BLS capability's signature (not its times).
func (v *Verifier) verifyBLS(what string, a authsig.AuthSig) (*siwe.Message, error) {
	msg, err := siwe.Parse(a.SignedMessage)
	if err != nil {
		return nil, rejectErr(ReasonCapabilityInvalid, err, "%s: signedMessage", what)
	}
	if !strings.EqualFold(a.Address, msg.Address()) {
		return nil, reject(ReasonCapabilityInvalid, "%s: address field %q is not the message's address %s", what, a.Address, msg.Address())
	}
	if err := bls.VerifySession(v.blsKey, a.Sig, a.SignedMessage); err != nil {
		return nil, rejectErr(ReasonCapabilityInvalid, err, "%s: LIT_BLS signature does not verify under the network public key", what)
	}
	return msg, nil
}

// checkSIWETimes applies authsig.Verify's time rules, plus a required
// Expiration Time (as the SDK's validateSessionSigs requires).
func (v *Verifier) checkSIWETimes(what string, c *capInfo, now time.Time) error {
	exp := c.exp
	if !c.hasExp {
		return reject(ReasonCapabilityInvalid, "%s: SIWE message has no Expiration Time; a delegation must expire", what)
	}
	if !now.Before(exp) {
		return reject(ReasonCapabilityExpired, "%s expired at %s (now %s)", what, stamp(exp), stamp(now))
	}
	if c.hasNB && now.Before(c.notBefore) {
		return reject(ReasonCapabilityNotYetValid, "%s is not valid before %s (now %s)", what, stamp(c.notBefore), stamp(now))
	}
	if issued := c.issuedAt; now.Add(v.skew).Before(issued) {
		return reject(ReasonCapabilityNotYetValid, "%s was issued at %s, in the future (now %s, allowed skew %s)", what, stamp(issued), stamp(now), v.skew)
	}
	return nil
}

// fromAuthSig maps an authsig.Verify rejection to a capability reason.
func fromAuthSig(what string, err error) error {
	var ae *authsig.Error
	if !errors.As(err, &ae) {
		return rejectErr(ReasonCapabilityInvalid, err, "%s", what)
	}
	r := ReasonCapabilityInvalid
	switch ae.Reason {
	case authsig.ReasonExpired:
		r = ReasonCapabilityExpired
	case authsig.ReasonNotYetValid:
		r = ReasonCapabilityNotYetValid
	case authsig.ReasonUnsupported:
		r = ReasonUnsupported
	}
	return rejectErr(r, err, "%s", what)
}

// CapacityDelegation is a verified capacity-credit delegation
// (docs/protocol.md#capacity-delegation): the owner of a rate-limit NFT lets the session's wallet spend it.
// Verify does not check ownership of the token or count uses; the node
// does, with Owner, NFTIDs and Uses, counting against ID.
type CapacityDelegation struct {
	// Owner is the EIP-55 address that signed the delegation.
	Owner string
	// TokenID is the id of the lit-ratelimitincrease resource: a capacity
	// token id, or "*" for any token Owner holds.
	TokenID string
	// NFTIDs is the nota bene nft_id list; when TokenID is not "*" every
	// entry equals it. Empty means no restriction beyond TokenID.
	NFTIDs []string
	// Delegatees is delegate_to: lower-case hex addresses without 0x; nil
	// means anyone may use the delegation.
	Delegatees []string
	// Uses is the nota bene "uses" cap; 0 means none was set.
	Uses uint64
	// Expiration is the delegation's SIWE Expiration Time.
	Expiration time.Time
	// ID identifies this delegation for counting uses: the hex SHA-256 of
	// its canonical sig (authsig.CanonicalSig: v 27/28, lower-case hex; a
	// high-s twin is refused) and signedMessage. Every encoding of one
	// authorisation that Verify accepts has the same ID.
	ID string
}

// checkCapacity reads a verified capacity delegation and checks its shape:
//   - the ReCap grants exactly one resource, lit-ratelimitincrease://<id>
//     (id a token id or "*"), with exactly the ability Auth/Auth and
//     exactly one nota-bene object (the SDK's shape; several objects would
//     leave it unclear which restriction applies);
//   - the nota bene parses with capacity.ParseRestrictions (only nft_id,
//     delegate_to and uses; unknown keys are refused);
//   - nft_id entries equal the id, unless the id is "*";
//   - uses, if present, is a positive decimal integer without sign or
//     leading zeros;
//   - delegate_to, if present, includes wallet (the session's delegator).
func checkCapacity(what string, a *capability, c *capInfo, wallet string) (*CapacityDelegation, error) {
	rc, err := c.recap()
	if err != nil {
		return nil, rejectErr(ReasonCapacityInvalid, err, "%s", what)
	}
	if len(rc.Att) != 1 {
		return nil, reject(ReasonCapacityInvalid, "%s grants %d resources; a capacity delegation grants exactly one, lit-ratelimitincrease://<token id or *>", what, len(rc.Att))
	}
	var key string
	for k := range rc.Att {
		key = k
	}
	res, err := resource.ParseKey(key)
	if err != nil || res.Prefix != resource.RateLimitIncrease {
		return nil, reject(ReasonCapacityInvalid, "%s grants %q; a capacity delegation grants lit-ratelimitincrease://<token id or *>", what, key)
	}
	abilities := rc.Att[key]
	nbs, ok := abilities["Auth/Auth"]
	if !ok || len(abilities) != 1 {
		return nil, reject(ReasonCapacityInvalid, "%s must grant exactly Auth/Auth on %s", what, key)
	}
	if len(nbs) != 1 {
		return nil, reject(ReasonCapacityInvalid, "%s has %d nota-bene objects for Auth/Auth; want exactly one", what, len(nbs))
	}
	r, err := capacity.ParseRestrictions(nbs)
	if err != nil {
		return nil, rejectErr(ReasonCapacityInvalid, err, "%s", what)
	}
	if !res.IsWildcard() {
		for _, id := range r.NFTIDs {
			if id != res.ID {
				return nil, reject(ReasonCapacityInvalid, "%s: nft_id %q does not match the delegated token %q", what, id, res.ID)
			}
		}
	}
	cd := &CapacityDelegation{
		Owner:      c.address,
		TokenID:    res.ID,
		NFTIDs:     r.NFTIDs,
		Delegatees: r.Delegatees,
		ID:         hexDigest(a),
	}
	cd.Expiration = c.exp
	if r.Uses != "" {
		n, err := strconv.ParseUint(r.Uses, 10, 64)
		if err != nil || n == 0 || strconv.FormatUint(n, 10) != r.Uses {
			return nil, reject(ReasonCapacityInvalid, "%s: uses %q must be a positive whole number such as \"10\"", what, r.Uses)
		}
		cd.Uses = n
	}
	if !r.Allows(wallet) {
		return nil, reject(ReasonNotDelegatee, "%s: %s is not in delegate_to %v", what, wallet, r.Delegatees)
	}
	return cd, nil
}

func hexDigest(a *capability) string {
	d := capDigest(kindWallet, a)
	return hex.EncodeToString(d[:])
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// describe names capability i of n for error details.
func describe(i, n int) string {
	if i == n-1 {
		return fmt.Sprintf("capabilities[%d] (the session delegation)", i)
	}
	return fmt.Sprintf("capabilities[%d]", i)
}
