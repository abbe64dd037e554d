package delegation

import (
	"errors"
	"time"

	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/siwe"
)

// CheckEnvelope is what the holder of an envelope checks before using it:
// the envelope's delegation passes ValidateDelegationAuthSig for the
// envelope's own PKP and session key, under networkPublicKey, at now (zero
// means time.Now()). That covers every rule a holder applies: a LIT_BLS
// AuthSig over a SIWE message with an expiry, a BLS signature that
// verifies under the network key, at least MinRemaining left, from the
// envelope's PKP (ReasonWrongPKP), to the envelope's session key
// (ReasonWrongSessionKey), with a ReCap. Refusals are *DelegationError
// values. CreatePkpAuthContextFromPreGenerated runs it; a holder that
// keeps the resulting AuthContext re-checks the times with
// AuthContext.Usable.
func CheckEnvelope(env envelope.Envelope, networkPublicKey string, now time.Time) (*Delegation, error) {
	if env.SessionKeyPair == nil {
		return nil, errors.New("delegation: the envelope has no session key pair")
	}
	return ValidateDelegationAuthSig(env.DelegationAuthSig, Expect{
		PKPPublicKey:     env.PKPPublicKey,
		SessionKey:       env.SessionKeyPair.URI(),
		NetworkPublicKey: networkPublicKey,
		Now:              now,
	})
}

// EncodeEnvelope is how a client makes an envelope: it checks what can be
// checked without the network, that the delegation's SIWE message is from
// env's PKP and names env's session key (the rules of CheckEnvelope, with
// the same refusals), so that a mixed-up envelope fails here rather than
// on the server, and returns envelope.Encode's JSON. The signature and the
// expiry are the holder's to check, against the network (CheckEnvelope).
// An AuthSig without a signedMessage is left to envelope.Encode, which
// refuses it; one whose signedMessage is not a SIWE message is an
// *envelope.Error.
func EncodeEnvelope(env envelope.Envelope) ([]byte, error) {
	k, err := pkp.Parse(env.PKPPublicKey)
	if err != nil {
		return nil, &envelope.Error{Field: "pkpPublicKey", Problem: err.Error()}
	}
	if env.SessionKeyPair != nil && env.DelegationAuthSig.SignedMessage != "" {
		msg, err := siwe.Parse(env.DelegationAuthSig.SignedMessage)
		if err != nil {
			return nil, &envelope.Error{Field: "delegationAuthSig.signedMessage", Problem: "is not a SIWE message: " + err.Error()}
		}
		if err := checkBelongs(msg, k, env.SessionKeyPair.URI()); err != nil {
			return nil, err
		}
	}
	return envelope.Encode(env)
}

// Usable re-checks the delegation's times at now (zero means time.Now()):
// Issued At and Not Before have come, and at least MinRemaining is left,
// as CreatePkpSessionSigs does before minting. A holder that keeps the
// context calls it before each use; an expired delegation is a
// *DelegationError matching ErrDelegationExpired.
func (c *AuthContext) Usable(now time.Time) error {
	if c.Delegation == nil {
		return errors.New("delegation: the context was not made by CreatePkpAuthContextFromPreGenerated")
	}
	if now.IsZero() {
		now = time.Now()
	}
	return c.Delegation.checkTimes(now)
}

// EnvelopeExpiration reads the Expiration Time of env's delegation without
// checking anything: for housekeeping, such as deleting stored envelopes
// whose delegation has expired. It is no reason to trust the envelope
// (CheckEnvelope is); ok is false when there is no SIWE message or no
// expiry.
func EnvelopeExpiration(env envelope.Envelope) (exp time.Time, ok bool) {
	msg, err := siwe.Parse(env.DelegationAuthSig.SignedMessage)
	if err != nil {
		return time.Time{}, false
	}
	return msg.Expiration()
}
