package pkp

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/siwe"
)

// IssuedAtSkew is how far in the future a LIT_BLS SIWE's Issued At may be:
// nodes stamp it with their own clock.
const IssuedAtSkew = 5 * time.Minute

// VerifyAuthSig checks a LIT_BLS AuthSig (a PKP delegation made by the
// nodes) at time now, as the SDK's blsSessionSigVerify does and a little
// more strictly:
//
//   - algo "LIT_BLS" and derivedVia "lit.bls";
//   - sig is the text {"ProofOfPossession":"<192 hex>"};
//   - signedMessage is a SIWE message whose address equals the address
//     field (any case);
//   - the 96-byte signature verifies under networkPublicKey (96 hex, the
//     handshake's networkPublicKey) over bls.SessionDigest(signedMessage);
//   - Expiration Time is present and after now; Issued At is at most
//     IssuedAtSkew after now; Not Before, if present, is not after now.
//
// It returns the parsed SIWE message. Rejections are *authsig.Error values
// (reasons malformed, bad_message, address_mismatch, bad_signature,
// expired, not_yet_valid, unsupported), so session.Engine maps them to its
// re-sign rules. It does not check the URI or the ReCap: that is the
// caller's (the session engine's, or a node's) business.
func VerifyAuthSig(a authsig.AuthSig, networkPublicKey string, now time.Time) (*siwe.Message, error) {
	if a.Algo != authsig.AlgoBLS {
		return nil, &authsig.Error{Reason: authsig.ReasonUnsupported, Detail: fmt.Sprintf("algo is %q, want %q (a PKP delegation)", a.Algo, authsig.AlgoBLS)}
	}
	if a.DerivedVia != authsig.DerivedViaBLS {
		return nil, &authsig.Error{Reason: authsig.ReasonMalformed, Detail: fmt.Sprintf("derivedVia is %q, want %q for algo LIT_BLS", a.DerivedVia, authsig.DerivedViaBLS)}
	}
	if networkPublicKey == "" {
		return nil, &authsig.Error{Reason: authsig.ReasonUnsupported, Detail: "no network public key to verify the LIT_BLS signature with; connect to the network first (its handshake gives networkPublicKey)"}
	}
	pk, err := bls.ParsePublicKey(networkPublicKey)
	if err != nil {
		return nil, &authsig.Error{Reason: authsig.ReasonUnsupported, Detail: fmt.Sprintf("the network public key is unusable: %v", err)}
	}
	msg, err := siwe.Parse(a.SignedMessage)
	if err != nil {
		return nil, &authsig.Error{Reason: authsig.ReasonBadMessage, Detail: err.Error()}
	}
	if !strings.EqualFold(a.Address, msg.Address()) {
		return nil, &authsig.Error{Reason: authsig.ReasonAddressMismatch, Detail: fmt.Sprintf("address field %q is not the message's address %s", a.Address, msg.Address())}
	}
	if err := bls.VerifySession(pk, a.Sig, a.SignedMessage); errors.Is(err, bls.ErrVerification) {
		return nil, &authsig.Error{Reason: authsig.ReasonBadSignature, Detail: fmt.Sprintf("LIT_BLS signature does not verify under the network public key: %v", err)}
	} else if err != nil {
		return nil, &authsig.Error{Reason: authsig.ReasonMalformed, Detail: err.Error()}
	}
	if err := checkTimes(msg, now); err != nil {
		return nil, err
	}
	return msg, nil
}

// checkTimes applies the SIWE time rules of VerifyAuthSig.
func checkTimes(msg *siwe.Message, now time.Time) error {
	exp, ok := msg.Expiration()
	if !ok {
		return &authsig.Error{Reason: authsig.ReasonBadMessage, Detail: "the SIWE message has no Expiration Time; a PKP delegation must expire"}
	}
	if !now.Before(exp) {
		return &authsig.Error{Reason: authsig.ReasonExpired, Detail: fmt.Sprintf("expired at %s (now %s)", siwe.FormatTime(exp), siwe.FormatTime(now))}
	}
	if nb, ok := msg.NotBefore(); ok && now.Before(nb) {
		return &authsig.Error{Reason: authsig.ReasonNotYetValid, Detail: fmt.Sprintf("not valid before %s (now %s)", siwe.FormatTime(nb), siwe.FormatTime(now))}
	}
	issued, err := msg.IssuedAt()
	if err != nil {
		return &authsig.Error{Reason: authsig.ReasonBadMessage, Detail: err.Error()}
	}
	if now.Add(IssuedAtSkew).Before(issued) {
		return &authsig.Error{Reason: authsig.ReasonNotYetValid, Detail: fmt.Sprintf("issued at %s, in the future (now %s)", siwe.FormatTime(issued), siwe.FormatTime(now))}
	}
	return nil
}

// NetworkKey supplies the network public key; Network and *node.Client
// implement it.
type NetworkKey interface {
	NetworkPublicKey() string
}

// CapabilityVerifier returns a function for session.Engine.VerifyCapability
// that checks LIT_BLS AuthSigs with VerifyAuthSig under the network key
// keys reports at the time of each call (so it can be set before Connect).
// Other AuthSigs are rejected as unsupported: the engine verifies wallet
// AuthSigs itself and only calls this for LIT_BLS.
func CapabilityVerifier(keys NetworkKey) func(authsig.AuthSig, time.Time) error {
	return func(a authsig.AuthSig, now time.Time) error {
		_, err := VerifyAuthSig(a, keys.NetworkPublicKey(), now)
		return err
	}
}
