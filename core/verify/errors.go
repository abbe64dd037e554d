package verify

import (
	"errors"
	"fmt"
)

// Reason classifies why a session signature was rejected. Nodes can map a
// reason to an HTTP status or error code; Detail says what exactly was wrong.
type Reason string

// Rejection reasons, in the order Verify checks them.
const (
	// ReasonMisconfigured: the Verifier itself cannot work (no NodeURL, or a
	// NetworkPublicKey that is not a BLS12-381 G1 key). Not the client's fault.
	ReasonMisconfigured Reason = "misconfigured"
	// ReasonBadOperation: the op passed to Verify is not a valid
	// resource/ability pair. Not the client's fault.
	ReasonBadOperation Reason = "bad_operation"
	// ReasonUnsupported: an algo this verifier does not check: a session sig
	// whose algo is not "ed25519", a capability algo other than none,
	// "ed25519" or "LIT_BLS", or LIT_BLS without Config.NetworkPublicKey.
	ReasonUnsupported Reason = "unsupported"
	// ReasonMalformed: derivedVia is not "litSessionSignViaNacl", sig is not
	// 128 hex characters, or address is not a 64-hex public key.
	ReasonMalformed Reason = "malformed"
	// ReasonBadSignature: the Ed25519 signature does not verify over the
	// exact signedMessage bytes with the address key.
	ReasonBadSignature Reason = "bad_signature"
	// ReasonBadMessage: signedMessage is not the session template (not a JSON
	// object, a missing, unknown, duplicate or mistyped field, bad times).
	ReasonBadMessage Reason = "bad_message"
	// ReasonSessionKeyMismatch: signedMessage.sessionKey is not the address
	// that signed it.
	ReasonSessionKeyMismatch Reason = "session_key_mismatch"
	// ReasonWrongNode: nodeAddress is not this node's URL; the sig was made
	// for another node.
	ReasonWrongNode Reason = "wrong_node"
	// ReasonNotYetValid: issuedAt is later than now + MaxSkew.
	ReasonNotYetValid Reason = "not_yet_valid"
	// ReasonExpired: now is at or after expiration.
	ReasonExpired Reason = "expired"
	// ReasonBadValidity: issuedAt is not before expiration, or the session
	// is valid for longer than MaxValidity.
	ReasonBadValidity Reason = "bad_validity"
	// ReasonNoCapabilities: capabilities is empty.
	ReasonNoCapabilities Reason = "no_capabilities"
	// ReasonCapabilityInvalid: a capability is malformed, its signature does
	// not verify, its SIWE message is invalid or has no Expiration Time, or
	// its ReCap is invalid.
	ReasonCapabilityInvalid Reason = "capability_invalid"
	// ReasonCapabilityExpired: a capability's SIWE Expiration Time has passed.
	ReasonCapabilityExpired Reason = "capability_expired"
	// ReasonCapabilityNotYetValid: a capability's SIWE Issued At is later
	// than now + MaxSkew, or its Not Before is later than now.
	ReasonCapabilityNotYetValid Reason = "capability_not_yet_valid"
	// ReasonWrongSessionURI: the delegation's SIWE URI is not
	// "lit:session:" + sessionKey; it delegates to another session key.
	ReasonWrongSessionURI Reason = "wrong_session_uri"
	// ReasonOutlivesDelegation: the session expires more than MaxSkew after
	// the delegation that authorizes it.
	ReasonOutlivesDelegation Reason = "outlives_delegation"
	// ReasonStaleNonce: Config.RecentBlockhash rejected the delegation's
	// SIWE nonce.
	ReasonStaleNonce Reason = "stale_nonce"
	// ReasonNotAuthorized: the delegation's ReCap does not grant one of the
	// resourceAbilityRequests, or the operation.
	ReasonNotAuthorized Reason = "not_authorized"
	// ReasonNotRequested: the operation is granted by the ReCap but is not
	// among the session's resourceAbilityRequests.
	ReasonNotRequested Reason = "not_requested"
	// ReasonCapacityInvalid: a capacity delegation (URI
	// "lit:capability:delegation") does not have the shape the SDK creates:
	// one Auth/Auth grant on lit-ratelimitincrease://<id or *> with one valid
	// nota bene, nft_id matching the id, uses a positive integer; or there
	// is more than one capacity delegation.
	ReasonCapacityInvalid Reason = "capacity_invalid"
	// ReasonNotDelegatee: a capacity delegation's delegate_to list does not
	// include the wallet that delegated the session.
	ReasonNotDelegatee Reason = "not_delegatee"
	// ReasonPriceTooLow: the verifier has a price (naga) and the session
	// signature has no maxPrice or one below it.
	ReasonPriceTooLow Reason = "price_too_low"
)

// Error is a typed rejection. Use errors.As to get it, or IsReason.
type Error struct {
	Reason Reason
	// Detail says what is wrong, naming the field or capability.
	Detail string
	// Err is the underlying error when there is one (for example an
	// *authsig.Error for a capability); Unwrap returns it.
	Err error
}

func (e *Error) Error() string {
	return fmt.Sprintf("session signature rejected (%s): %s", e.Reason, e.Detail)
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// IsReason reports whether err is, or wraps, an *Error with reason r.
func IsReason(err error, r Reason) bool {
	var e *Error
	return errors.As(err, &e) && e.Reason == r
}

func reject(r Reason, format string, args ...any) *Error {
	return &Error{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// rejectErr is reject with an underlying error appended to the detail.
func rejectErr(r Reason, err error, format string, args ...any) *Error {
	return &Error{Reason: r, Detail: fmt.Sprintf(format, args...) + ": " + err.Error(), Err: err}
}
