package session

import (
	"fmt"

	"github.com/litgo/litsession/core/errcode"
)

var (
	// ErrInvalidParams is matched (errors.Is) by every *ParamsError.
	ErrInvalidParams error = &codedError{errcode.InvalidParams, "session: invalid parameters"}
	// ErrNotConnected means the Network has no connected nodes to sign for.
	ErrNotConnected error = &codedError{errcode.NotConnected, "session: not connected to any Lit node; connect the node client before asking for session signatures"}
	// ErrNoSigner means a wallet signature was needed but neither
	// Params.AuthNeededCallback nor Engine.Wallet was set.
	ErrNoSigner error = &codedError{errcode.NoWallet, "session: a wallet signature is needed but there is no way to get one; set Params.AuthNeededCallback or Engine.Wallet"}
)

// codedError is a sentinel error with its errcode.
type codedError struct {
	code errcode.Code
	msg  string
}

func (e *codedError) Error() string           { return e.msg }
func (e *codedError) ErrorCode() errcode.Code { return e.code }

// ParamsError reports a bad Params or Engine field.
type ParamsError struct {
	Field   string // e.g. "ResourceAbilityRequests"
	Problem string // what is wrong and what to do
}

func (e *ParamsError) Error() string { return "session: " + e.Field + ": " + e.Problem }

// Is makes errors.Is(err, ErrInvalidParams) true.
func (e *ParamsError) Is(target error) bool { return target == ErrInvalidParams }

// ErrorCode is errcode.InvalidParams.
func (e *ParamsError) ErrorCode() errcode.Code { return errcode.InvalidParams }

// paramsErr is not inlined (see broke).
//
//go:noinline
func paramsErr(field, format string, args ...any) error {
	return &ParamsError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// Rule names the check a wallet AuthSig failed (docs/protocol.md#re-sign-rules, plus this
// package's expiry rules). It is Info.Rule when a cached signature was
// replaced, and AuthSigError.Rule when a new one was refused.
type Rule string

// The rules, in the order they are checked.
const (
	// RuleMissing: nothing is cached (or there is no Storage).
	RuleMissing Rule = "missing"
	// RuleCorrupt: the stored value is not JSON.
	RuleCorrupt Rule = "corrupt"
	// RuleForeign: the value is JSON but not a wallet or PKP AuthSig over a
	// SIWE message.
	RuleForeign Rule = "foreign"
	// RuleSignature: the signature does not verify.
	RuleSignature Rule = "invalid_signature"
	// RuleUnverifiable: a LIT_BLS AuthSig and no Engine.VerifyCapability.
	RuleUnverifiable Rule = "unverifiable"
	// RuleExpired: the SIWE Expiration Time has passed or, for a cached
	// signature, is within Engine.RenewBefore.
	RuleExpired Rule = "expired"
	// RuleNotYetValid: Not Before or Issued At is in the future.
	RuleNotYetValid Rule = "not_yet_valid"
	// RuleSessionKey: the SIWE URI is not this session key's URI.
	RuleSessionKey Rule = "other_session_key"
	// RuleNoRecap: the SIWE message carries no valid ReCap.
	RuleNoRecap Rule = "no_recap"
	// RuleScope: the ReCap does not grant every requested ability.
	RuleScope Rule = "scope"
	// RuleExpiration: the signature expires before the Expiration the
	// caller asked for.
	RuleExpiration Rule = "expires_before_requested"
	// RuleOtherAccount: the cached signature is by another account than the
	// one Engine.Wallet now uses (the user switched accounts).
	RuleOtherAccount Rule = "other_account"
)

// hint says what to do when a new AuthSig fails rule r (a switch, not a
// map: nothing to build at start-up).
func hint(r Rule) string {
	const withRecap = "sign a message built with the ReCap of resourceAbilityRequests (AuthNeededParams.SIWEMessage builds it)"
	switch r {
	case RuleForeign:
		return "return the wallet's AuthSig {sig, derivedVia, signedMessage, address} over a SIWE message"
	case RuleSignature:
		return "sign the exact signedMessage with the account in address (personal_sign)"
	case RuleUnverifiable:
		return "set Engine.VerifyCapability to check LIT_BLS signatures"
	case RuleExpired, RuleExpiration:
		return "sign with the expiration passed to the callback"
	case RuleNotYetValid:
		return "check the signer's clock"
	case RuleSessionKey:
		return "sign a SIWE message whose URI is AuthNeededParams.URI"
	case RuleNoRecap, RuleScope:
		return withRecap
	}
	return ""
}

// AuthSigError reports a wallet AuthSig, just obtained from the auth
// callback or the wallet, that fails a rule. It is not cached.
type AuthSigError struct {
	Source string // "auth callback" or "wallet"
	Rule   Rule
	Detail string
}

func (e *AuthSigError) Error() string {
	msg := fmt.Sprintf("session: the AuthSig from the %s is unusable (%s): %s", e.Source, e.Rule, e.Detail)
	if h := hint(e.Rule); h != "" {
		msg += "; " + h
	}
	return msg
}

// ErrorCode is errcode.InvalidAuthSig.
func (e *AuthSigError) ErrorCode() errcode.Code { return errcode.InvalidAuthSig }

// ErrorDetail is ("rule", the failed rule): a bridge sets it as err.rule.
func (e *AuthSigError) ErrorDetail() (key, value string) { return "rule", string(e.Rule) }

// ruleErr is a failed rule with a human-readable detail.
type ruleErr struct {
	rule   Rule
	detail string
}

// broke is not inlined into its many callers: the copies of its formatting
// and allocation cost the browser module more than the calls.
//
//go:noinline
func broke(r Rule, format string, args ...any) *ruleErr {
	return &ruleErr{rule: r, detail: fmt.Sprintf(format, args...)}
}
