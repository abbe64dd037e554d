package delegation

import (
	"fmt"
	"time"

	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/siwe"
)

// ParamsError is a GenerateParams that GeneratePkpDelegationAuthSig
// refuses. Field is the GenerateParams field at fault ("Resources" with
// Item "[2]" for one request); Msg says what is wrong and what to pass
// instead without naming the field, so that a caller can name it in its
// own terms (a flag, a JS member).
type ParamsError struct {
	Field string
	Item  string
	Msg   string
	Err   error // the cause, when a field's own parser failed
}

func (e *ParamsError) Error() string {
	return "delegation: GenerateParams." + e.Field + e.Item + " " + e.Msg
}

// Unwrap returns the cause.
func (e *ParamsError) Unwrap() error { return e.Err }

// ErrorCode is errcode.InvalidParams.
func (e *ParamsError) ErrorCode() errcode.Code { return errcode.InvalidParams }

// Check applies the rules GeneratePkpDelegationAuthSig has for p at now,
// before anything is signed or sent, and returns the parsed PKP:
// PKPPublicKey is a PKP public key; SessionKeyPair is set; Resources is
// not empty and each request is valid for its resource; Expiration is set
// and at least MinRemaining after now; Owner or AuthMethods is set.
// Refusals are *ParamsError values.
func (p GenerateParams) Check(now time.Time) (pkp.PKP, error) {
	k, err := pkp.Parse(p.PKPPublicKey)
	if err != nil {
		return pkp.PKP{}, &ParamsError{Field: "PKPPublicKey", Msg: "is not a PKP public key: " + err.Error(), Err: err}
	}
	switch {
	case p.SessionKeyPair == nil:
		return k, &ParamsError{Field: "SessionKeyPair", Msg: "is required: the session key to delegate to (make one with sessionkey.Generate)"}
	case len(p.Resources) == 0:
		return k, &ParamsError{Field: "Resources", Msg: fmt.Sprintf("is empty: it is all the session may do; grant only this PKP, e.g. pkp-signing on %s", k.Resource().Key())}
	}
	for i, q := range p.Resources {
		if err := q.Check(); err != nil {
			return k, &ParamsError{Field: "Resources", Item: fmt.Sprintf("[%d]", i), Msg: "is not valid: " + err.Error(), Err: err}
		}
	}
	switch {
	case p.Expiration.IsZero():
		return k, &ParamsError{Field: "Expiration", Msg: "is required: the session key is a bearer credential for the PKP until the delegation expires, so keep it short (e.g. 15 minutes from now)"}
	case !usable(p.Expiration, now):
		return k, &ParamsError{Field: "Expiration", Msg: fmt.Sprintf("%s is not in the future (now %s); pass a time ahead, e.g. %s", siwe.FormatTime(p.Expiration), siwe.FormatTime(now), siwe.FormatTime(now.Add(15*time.Minute).Truncate(time.Second)))}
	case len(p.AuthMethods) == 0 && p.Owner == nil:
		return k, &ParamsError{Field: "Owner", Msg: "and AuthMethods are both empty: nothing authenticates to the PKP; set Owner (a permitted wallet) or AuthMethods"}
	}
	return k, nil
}
