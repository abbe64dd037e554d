package delegation

import (
	"errors"
	"fmt"

	"github.com/litgo/litsession/core/errcode"
)

// Reason says why a delegation was refused.
type Reason string

// The reasons, roughly in the order ValidateDelegationAuthSig checks them.
const (
	// ReasonMalformed: not a LIT_BLS AuthSig over a SIWE message (for
	// example an EOA's AuthSig, or a signedMessage that does not parse).
	ReasonMalformed Reason = "malformed"
	// ReasonNoExpiration: the SIWE message has no Expiration Time. Naga
	// accepts that; a delegation that never expires is refused here.
	ReasonNoExpiration Reason = "no_expiration"
	// ReasonUnverifiable: there is no usable network public key to check
	// the BLS signature with (not connected).
	ReasonUnverifiable Reason = "unverifiable"
	// ReasonBadSignature: the BLS signature does not verify under the
	// network key: the delegation was altered, or comes from another Lit
	// network.
	ReasonBadSignature Reason = "bad_signature"
	// ReasonExpired: the delegation's Expiration Time has passed (or is
	// less than MinRemaining away). errors.Is(err, ErrDelegationExpired)
	// is true for it.
	ReasonExpired Reason = "expired"
	// ReasonNotYetValid: Issued At is in the future, or Not Before has not
	// come.
	ReasonNotYetValid Reason = "not_yet_valid"
	// ReasonWrongPKP: the delegation is from another PKP than the one
	// claimed (its SIWE address is not computeAddress(pkpPublicKey)).
	ReasonWrongPKP Reason = "wrong_pkp"
	// ReasonWrongSessionKey: the delegation's SIWE URI names another
	// session key than lit:session:<this key>.
	ReasonWrongSessionKey Reason = "wrong_session_key"
	// ReasonNoRecap: the SIWE message carries no valid ReCap, or one that
	// grants nothing.
	ReasonNoRecap Reason = "no_recap"
	// ReasonScope: the session asks for an ability the delegation's ReCap
	// does not grant.
	ReasonScope Reason = "scope"
)

// ErrDelegationExpired is matched (errors.Is) by a *DelegationError whose
// Reason is ReasonExpired: the delegation can no longer be used, and only
// a new one from the PKP's owner helps.
var ErrDelegationExpired = errors.New("delegation: the PKP delegation has expired; ask the PKP's owner for a new delegation")

// DelegationError refuses a delegation. Its message says what to do; it
// never contains the session secret.
type DelegationError struct {
	Reason Reason
	Detail string // what exactly is wrong
	Err    error  // the underlying error, if any (Unwrap)
}

// hints say what to do for each reason.
var hints = map[Reason]string{
	ReasonMalformed:       "ask the PKP's owner for a new delegation (a LIT_BLS AuthSig from GeneratePkpDelegationAuthSig)",
	ReasonNoExpiration:    "ask the PKP's owner for a new delegation with an expiration",
	ReasonUnverifiable:    "connect to the Lit network first: its handshake gives the network public key",
	ReasonBadSignature:    "the delegation was altered or is from another Lit network; ask the PKP's owner for a new delegation on this network",
	ReasonExpired:         "ask the PKP's owner for a new delegation",
	ReasonNotYetValid:     "check this machine's clock",
	ReasonWrongPKP:        "use the PKP the delegation was made by, or ask that PKP's owner for a new delegation",
	ReasonWrongSessionKey: "the delegation belongs to another session key; ask the PKP's owner for a new delegation to this session key (send the envelope as it was made)",
	ReasonNoRecap:         "ask the PKP's owner for a new delegation that lists the resources the session needs",
	ReasonScope:           "request only what the delegation grants, or ask the PKP's owner for a new delegation that grants it",
}

func (e *DelegationError) Error() string {
	msg := fmt.Sprintf("delegation refused (%s): %s", e.Reason, e.Detail)
	if h := hints[e.Reason]; h != "" {
		msg += "; " + h
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *DelegationError) Unwrap() error { return e.Err }

// ErrorCode is errcode.DelegationRefused for every reason.
func (e *DelegationError) ErrorCode() errcode.Code { return errcode.DelegationRefused }

// ErrorDetail names the check that refused: ("reason", Reason).
func (e *DelegationError) ErrorDetail() (key, value string) { return "reason", string(e.Reason) }

// Is makes errors.Is(err, ErrDelegationExpired) true for ReasonExpired.
func (e *DelegationError) Is(target error) bool {
	return target == ErrDelegationExpired && e.Reason == ReasonExpired
}

// IsReason reports whether err is, or wraps, a *DelegationError with
// reason r.
func IsReason(err error, r Reason) bool {
	var e *DelegationError
	return errors.As(err, &e) && e.Reason == r
}

func refuse(r Reason, format string, args ...any) *DelegationError {
	return &DelegationError{Reason: r, Detail: fmt.Sprintf(format, args...)}
}
