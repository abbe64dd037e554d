package delegation

import (
	"errors"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
)

// The browser API's names for the params objects read here; errors name
// the object with them.
const (
	GenerateName = "generatePkpDelegationAuthSig"
	EnvelopeName = "createDelegationEnvelope"
)

// jsonNames are the params members of the GenerateParams fields.
var jsonNames = map[string]string{
	"PKPPublicKey":   "pkpPublicKey",
	"SessionKeyPair": "sessionKeyPair",
	"Resources":      "resourceAbilityRequests",
	"Expiration":     "expiration",
}

// GenerateParamsFromJSON reads generatePkpDelegationAuthSig's params
//
//	{pkpPublicKey, resourceAbilityRequests, expiration,
//	 sessionKeyPair?: {publicKey, secretKey}, domain?, statement?}
//
// (expiration an ISO-8601 date-time), sets Owner to owner, and checks the
// result with GenerateParams.Check at now. A missing sessionKeyPair is a
// new one (sessionkey.Generate). Errors have code invalid_params and name
// the member (a *jsjson.FieldError inside).
func GenerateParamsFromJSON(v jsjson.Value, owner authsig.Signer, now time.Time) (GenerateParams, error) {
	f := jsjson.NewFields(v, GenerateName)
	p := GenerateParams{Owner: owner}
	p.PKPPublicKey = f.String("pkpPublicKey")
	if kp := f.Object("sessionKeyPair", "{publicKey, secretKey}"); kp != nil {
		pub, sec := kp.String("publicKey"), kp.String("secretKey")
		if kp.Err() == nil {
			k, err := sessionkey.FromHex(pub, sec)
			if err != nil {
				f.FailErr(err, "sessionKeyPair: %v", err)
			}
			p.SessionKeyPair = k
		}
	}
	if reqs := f.Get("resourceAbilityRequests"); reqs.Exists() {
		q, err := resource.RequestsFromJSON(reqs)
		if err != nil {
			f.FailErr(err, "resourceAbilityRequests: %v; each entry is {resource: {resource: '<id>', resourcePrefix: 'lit-pkp'}, ability: 'pkp-signing'}", err)
		}
		p.Resources = q
	}
	if s := f.String("expiration"); s != "" && f.Err() == nil {
		t, err := siwe.ParseTime("expiration", s)
		if err != nil {
			f.FailErr(err, "%v", err)
		}
		p.Expiration = t
	}
	p.Domain = f.String("domain")
	p.Statement = f.String("statement")
	if err := f.Err(); err != nil {
		return GenerateParams{}, invalidParams(err)
	}
	if p.SessionKeyPair == nil {
		kp, err := sessionkey.Generate(nil)
		if err != nil {
			return GenerateParams{}, err
		}
		p.SessionKeyPair = kp
	}
	if _, err := p.Check(now); err != nil {
		var pe *ParamsError
		if name := jsonNames[fieldOf(err, &pe)]; name != "" {
			f.FailErr(err, "%s%s %s", name, pe.Item, pe.Msg)
			return GenerateParams{}, invalidParams(f.Err())
		}
		return GenerateParams{}, err
	}
	return p, nil
}

// EnvelopeFromJSON reads createDelegationEnvelope's params
//
//	{pkpPublicKey, sessionKeyPair: {publicKey, secretKey},
//	 delegationAuthSig: {sig, derivedVia, signedMessage, address, algo?}}
//
// as the envelope they describe; EncodeEnvelope checks and writes it.
// Errors have code invalid_params and name the member (a
// *jsjson.FieldError inside).
func EnvelopeFromJSON(v jsjson.Value) (envelope.Envelope, error) {
	f := jsjson.NewFields(v, EnvelopeName)
	var env envelope.Envelope
	env.PKPPublicKey = f.String("pkpPublicKey")
	kp := f.Object("sessionKeyPair", "{publicKey, secretKey}")
	if kp == nil && f.Err() == nil {
		f.Failf("sessionKeyPair is required: the one generatePkpDelegationAuthSig returned")
	}
	if kp != nil {
		pub, sec := kp.String("publicKey"), kp.String("secretKey")
		if kp.Err() == nil {
			k, err := sessionkey.FromHex(pub, sec)
			if err != nil {
				f.FailErr(err, "sessionKeyPair: %v", err)
			}
			env.SessionKeyPair = k
		}
	}
	a := f.Get("delegationAuthSig")
	if !a.Exists() {
		f.Failf("delegationAuthSig is required: the one generatePkpDelegationAuthSig returned")
	} else if sig, err := authsig.FromJSON(a); err != nil {
		f.FailErr(err, "delegationAuthSig: %v", err)
	} else {
		env.DelegationAuthSig = sig
	}
	if err := f.Err(); err != nil {
		return envelope.Envelope{}, invalidParams(err)
	}
	return env, nil
}

// fieldOf returns the Field of the *ParamsError in err, "" if none.
func fieldOf(err error, pe **ParamsError) string {
	if errors.As(err, pe) {
		return (*pe).Field
	}
	return ""
}

// invalidParams gives a params error the code invalid_params.
func invalidParams(err error) error {
	return &errcode.Error{Code: errcode.InvalidParams, Msg: err.Error(), Err: err}
}

// CreateEnvelopeJSON is createDelegationEnvelope: EnvelopeFromJSON, then
// EncodeEnvelope. Its errors name the function.
func CreateEnvelopeJSON(v jsjson.Value) ([]byte, error) {
	env, err := EnvelopeFromJSON(v)
	if err != nil {
		return nil, err
	}
	b, err := EncodeEnvelope(env)
	var ee *envelope.Error
	if errors.As(err, &ee) {
		return nil, &errcode.Error{Code: errcode.InvalidParams, Msg: EnvelopeName + ": " + err.Error(), Err: err}
	}
	return b, err
}
