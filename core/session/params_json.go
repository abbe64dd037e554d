package session

import (
	"errors"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
)

// JSParams is getSessionSigs' params object as the JS API takes it: the
// Params it sets, and SwitchChain, an option of the browser wallet (ask
// the wallet to switch to Chain before signing) that the Engine does not
// see. AuthNeededCallback is never set from JSON.
type JSParams struct {
	Params
	SwitchChain bool
}

// paramsWhere names getSessionSigs' params object in errors.
const paramsWhere = "getSessionSigs"

// ParamsFromJSON reads getSessionSigs' params object {chain,
// resourceAbilityRequests, expiration, capabilityAuthSigs,
// capacityDelegationAuthSig, sessionKey {publicKey, secretKey}, domain,
// walletAddress, switchChain, product, userMaxPrice}. product and
// userMaxPrice matter on a network that charges (naga): product is one of
// the v8 product names LIT_ACTION (the default), SIGN and
// SIGN_SESSION_KEY, and userMaxPrice is the budget of one request in wei
// as a decimal string. Absent and null members are zero, unknown members are
// ignored; resourceAbilityRequests is required. Every error is a
// *jsjson.FieldError (code invalid_params) naming the member; a bad
// sessionKey carries the *sessionkey.Error as its cause.
func ParamsFromJSON(v jsjson.Value) (JSParams, error) {
	var p JSParams
	f := jsjson.NewFields(v, paramsWhere)
	p.Chain = f.String("chain")
	p.Expiration = f.String("expiration")
	p.Domain = f.String("domain")
	p.WalletAddress = f.String("walletAddress")
	p.SwitchChain = f.Bool("switchChain")
	if name := f.String("product"); name != "" {
		if p.Operation = productOperation(name); p.Operation == "" {
			f.Failf("product %q is not a product session signatures are priced for; use LIT_ACTION (the default), SIGN or SIGN_SESSION_KEY", name)
		}
	}
	if s := f.String("userMaxPrice"); s != "" {
		var ok bool
		if p.MaxPrice, ok = node.ParseWei(s); !ok {
			f.Failf("userMaxPrice %q is not a price in wei: use a decimal integer string without sign or leading zeros, e.g. \"1000000000000000000\" (String(bigint) gives one)", s)
		}
	}
	for i, it := range f.Array("capabilityAuthSigs", "AuthSigs {sig, derivedVia, signedMessage, address}") {
		a, err := authsig.FromJSON(it)
		if err != nil {
			f.FailErr(err, "capabilityAuthSigs[%d]: %v", i, err)
			break
		}
		p.CapabilityAuthSigs = append(p.CapabilityAuthSigs, a)
	}
	if d := f.Get("capacityDelegationAuthSig"); d.Exists() {
		a, err := authsig.FromJSON(d)
		if err != nil {
			f.FailErr(err, "capacityDelegationAuthSig: %v", err)
		}
		p.CapacityDelegationAuthSig = &a
	}
	if k := f.Object("sessionKey", "{publicKey, secretKey}"); k != nil {
		pub, secret := k.String("publicKey"), k.String("secretKey")
		if k.Err() == nil {
			kp, err := sessionkey.FromHex(pub, secret)
			var se *sessionkey.Error
			if errors.As(err, &se) {
				k.FailErr(err, "%s", se.Msg)
			} else if err != nil {
				k.FailErr(err, "%v", err)
			}
			p.SessionKey = kp
		}
	}
	reqs := f.Get("resourceAbilityRequests")
	if f.Err() != nil {
		return JSParams{}, f.Err()
	}
	if !reqs.Exists() {
		f.Failf("resourceAbilityRequests is required, e.g. [{resource: new LitPKPResource('*'), ability: LIT_ABILITY.PKPSigning}]")
		return JSParams{}, f.Err()
	}
	var err error
	if p.ResourceAbilityRequests, err = resource.RequestsFromJSON(reqs); err != nil {
		f.FailErr(err, "resourceAbilityRequests: %v; each entry is {resource: {resource: '<id or *>', resourcePrefix: 'lit-pkp'}, ability: 'pkp-signing'}", err)
		return JSParams{}, f.Err()
	}
	return p, nil
}

// ChainOrDefault is p.Chain, or DefaultChain when it is empty: the chain
// the wallet signs for and the callback is told.
func (p Params) ChainOrDefault() string {
	if p.Chain == "" {
		return DefaultChain
	}
	return p.Chain
}

// productOperation returns the core/node operation of a v8 product name,
// or "".
func productOperation(name string) string {
	switch name {
	case "LIT_ACTION":
		return string(node.EndpointLitAction)
	case "SIGN":
		return string(node.EndpointPKPSign)
	case "SIGN_SESSION_KEY":
		return string(node.EndpointSignSessionKey)
	}
	return ""
}
