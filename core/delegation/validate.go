package delegation

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/recap"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
)

// MinRemaining is how long a delegation must still be valid to be used:
// one with less left is treated as expired, since session signatures made
// from it would expire before a request reaches the nodes.
const MinRemaining = time.Second

// Expect is what a delegation must match.
type Expect struct {
	// PKPPublicKey is the PKP the delegation must come from (0x04 + 128
	// hex, or any form pkp.Parse reads). Required.
	PKPPublicKey string
	// SessionKey is the session key it must delegate to: the 64-hex public
	// key or its URI "lit:session:<64 hex>". Required.
	SessionKey string
	// NetworkPublicKey is the Lit network's BLS key (96 hex: the
	// handshake's networkPublicKey, node.Client.NetworkPublicKey).
	// Required: a delegation is only accepted with a valid signature.
	NetworkPublicKey string
	// Now is the time to check at; zero means time.Now().
	Now time.Time
}

// Delegation is a validated delegation.
type Delegation struct {
	// PKP is the delegating PKP.
	PKP pkp.PKP
	// SessionKeyURI is "lit:session:<64 hex>", the SIWE URI.
	SessionKeyURI string
	// Message is the parsed SIWE message the nodes signed.
	Message *siwe.Message
	// IssuedAt and Expiration are the SIWE times.
	IssuedAt, Expiration time.Time
	// Recap is what the delegation grants (the SIWE message's ReCap).
	Recap *recap.Recap
}

// ValidateDelegationAuthSig checks a PKP delegation before a server uses
// it. It is stricter than naga's validateDelegationAuthSig (docs/protocol.md#server-session-reuse), which only checks the expiry, when present, and the URI:
//
//  1. a is a LIT_BLS AuthSig (algo "LIT_BLS", derivedVia "lit.bls") over a
//     SIWE message: ReasonMalformed;
//  2. the SIWE message has an Expiration Time: ReasonNoExpiration;
//  3. the BLS signature verifies under e.NetworkPublicKey, the address
//     field is the message's, and the times hold (pkp.VerifyAuthSig):
//     ReasonBadSignature, ReasonUnverifiable, ReasonExpired (also when less
//     than MinRemaining is left), ReasonNotYetValid;
//  4. the SIWE address is computeAddress(e.PKPPublicKey): ReasonWrongPKP;
//  5. the SIWE URI is lit:session:<e.SessionKey>: ReasonWrongSessionKey;
//  6. the message carries a ReCap (the last resource, stated in the
//     statement: siwe.Message.Recap) that grants something: ReasonNoRecap.
//
// Refusals are *DelegationError values; a bad e is a plain error.
func ValidateDelegationAuthSig(a authsig.AuthSig, e Expect) (*Delegation, error) {
	k, err := pkp.Parse(e.PKPPublicKey)
	if err != nil {
		return nil, fmt.Errorf("delegation: Expect.PKPPublicKey: %w", err)
	}
	uri := e.SessionKey
	if !strings.HasPrefix(uri, sessionkey.URIPrefix) {
		uri = sessionkey.URIPrefix + uri
	}
	if _, err := sessionkey.PublicKeyFromURI(uri); err != nil {
		return nil, fmt.Errorf("delegation: Expect.SessionKey: %w", err)
	}
	now := e.Now
	if now.IsZero() {
		now = time.Now()
	}

	if a.Algo != authsig.AlgoBLS || a.DerivedVia != authsig.DerivedViaBLS {
		return nil, refuse(ReasonMalformed, "the AuthSig has algo %q and derivedVia %q; a PKP delegation is a LIT_BLS AuthSig (algo %q, derivedVia %q) signed by the Lit nodes", a.Algo, a.DerivedVia, authsig.AlgoBLS, authsig.DerivedViaBLS)
	}
	msg, err := siwe.Parse(a.SignedMessage)
	if err != nil {
		return nil, &DelegationError{Reason: ReasonMalformed, Detail: "signedMessage is not a SIWE message: " + err.Error(), Err: err}
	}
	exp, ok := msg.Expiration()
	if !ok {
		return nil, refuse(ReasonNoExpiration, "the SIWE message has no Expiration Time, so the delegation would never expire")
	}
	if _, err := pkp.VerifyAuthSig(a, e.NetworkPublicKey, now); err != nil {
		return nil, fromAuthsig(err)
	}
	if err := checkRemaining(exp, now); err != nil {
		return nil, err
	}
	if err := checkBelongs(msg, k, uri); err != nil {
		return nil, err
	}
	rc, err := msg.Recap()
	if err != nil {
		return nil, &DelegationError{Reason: ReasonNoRecap, Detail: err.Error(), Err: err}
	}
	if len(rc.Att) == 0 {
		return nil, refuse(ReasonNoRecap, "its ReCap grants nothing")
	}
	issued, _ := msg.IssuedAt() // VerifyAuthSig checked it
	return &Delegation{PKP: k, SessionKeyURI: uri, Message: msg, IssuedAt: issued, Expiration: exp, Recap: rc}, nil
}

// checkTimes re-checks the time rules of ValidateDelegationAuthSig at now
// (Issued At within pkp.IssuedAtSkew, Not Before, and at least
// MinRemaining before the expiry).
func (d *Delegation) checkTimes(now time.Time) error {
	if now.Add(pkp.IssuedAtSkew).Before(d.IssuedAt) {
		return refuse(ReasonNotYetValid, "issued at %s, in the future (now %s)", siwe.FormatTime(d.IssuedAt), siwe.FormatTime(now))
	}
	if nb, ok := d.Message.NotBefore(); ok && now.Before(nb) {
		return refuse(ReasonNotYetValid, "not valid before %s (now %s)", siwe.FormatTime(nb), siwe.FormatTime(now))
	}
	if !now.Before(d.Expiration) {
		return refuse(ReasonExpired, "expired at %s (now %s)", siwe.FormatTime(d.Expiration), siwe.FormatTime(now))
	}
	return checkRemaining(d.Expiration, now)
}

// usable is the MinRemaining rule: a delegation (or a requested
// expiration) that ends less than MinRemaining after now cannot be used.
func usable(exp, now time.Time) bool { return exp.Sub(now) >= MinRemaining }

// checkRemaining refuses a delegation that expires at exp under the
// MinRemaining rule.
func checkRemaining(exp, now time.Time) error {
	if !usable(exp, now) {
		return refuse(ReasonExpired, "it expires at %s, less than %v from now (%s)", siwe.FormatTime(exp), MinRemaining, siwe.FormatTime(now))
	}
	return nil
}

// checkBelongs refuses a delegation whose SIWE message is not from the
// PKP k (its address) or does not name the session key uri (its URI).
func checkBelongs(msg *siwe.Message, k pkp.PKP, uri string) error {
	if msg.Address() != k.EthAddress {
		return refuse(ReasonWrongPKP, "it is signed for the PKP address %s, but PKP %s has address %s", msg.Address(), k.PublicKey, k.EthAddress)
	}
	if msg.URI() != uri {
		return refuse(ReasonWrongSessionKey, "it delegates to %s, not to %s", msg.URI(), uri)
	}
	return nil
}

// fromAuthsig maps a pkp.VerifyAuthSig rejection to a DelegationError.
func fromAuthsig(err error) *DelegationError {
	var ae *authsig.Error
	if !errors.As(err, &ae) {
		return &DelegationError{Reason: ReasonBadSignature, Detail: err.Error(), Err: err}
	}
	r := ReasonMalformed
	switch ae.Reason {
	case authsig.ReasonBadSignature:
		r = ReasonBadSignature
	case authsig.ReasonExpired:
		r = ReasonExpired
	case authsig.ReasonNotYetValid:
		r = ReasonNotYetValid
	case authsig.ReasonUnsupported:
		r = ReasonUnverifiable
	}
	return &DelegationError{Reason: r, Detail: ae.Detail, Err: err}
}
