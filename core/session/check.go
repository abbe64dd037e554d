package session

import (
	"errors"
	"fmt"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/recap"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/siwe"
)

// want is what the wallet AuthSig must satisfy for this call.
type want struct {
	uri      string             // this session key's URI
	reqs     []resource.Request // what the session asks for
	ownRecap *recap.Recap       // the ReCap a new signature would carry
	explicit time.Time          // Params.Expiration, zero when defaulted
	now      time.Time
	margin   time.Duration // renewal margin; 0 for new signatures
	// siweStatement is the statement a new wallet message starts with
	// (AuthNeededParams.SIWEStatement).
	siweStatement *string
}

// checked is what a passing AuthSig told us.
type checked struct {
	address  string
	expiry   time.Time // zero when the message has no Expiration Time
	warnings []string
}

// decodeStored parses the stored lit-wallet-sig value.
func decodeStored(raw string) (authsig.AuthSig, *ruleErr) {
	v, err := jsjson.Parse([]byte(raw))
	if err != nil {
		return authsig.AuthSig{}, broke(RuleCorrupt, "the stored %s is not JSON", "lit-wallet-sig")
	}
	a, err := authsig.FromJSON(v)
	if err != nil {
		return a, broke(RuleForeign, "the stored lit-wallet-sig is not an AuthSig: %v", err)
	}
	return a, nil
}

// check applies the re-sign rules (docs/protocol.md#re-sign-rules), in order, plus the
// expiry rules of this package. cached selects the rules for a stored
// signature (a renewal margin, and LIT_BLS needing a verifier) over those
// for one just obtained.
func (e *Engine) check(a authsig.AuthSig, w want, cached bool) (*checked, *ruleErr) {
	c := &checked{}
	var msg *siwe.Message
	switch a.Algo {
	case "", authsig.AlgoEd25519:
		if a.DerivedVia != authsig.DerivedViaWallet {
			return nil, broke(RuleForeign, "derivedVia is %q, not a wallet signature's %q", a.DerivedVia, authsig.DerivedViaWallet)
		}
		v, err := authsig.Verify(a, authsig.Options{Now: w.now, Skew: IssuedAtSkew})
		if err != nil {
			return nil, fromAuthsig(err)
		}
		msg, c.address, c.expiry = v.Message, v.Address, v.Expiration
	case authsig.AlgoBLS:
		switch {
		case e.VerifyCapability != nil:
			if err := e.VerifyCapability(a, w.now); err != nil {
				return nil, fromAuthsig(err)
			}
		case cached:
			return nil, broke(RuleUnverifiable, "a LIT_BLS AuthSig cannot be verified without the network's BLS key (Engine.VerifyCapability is not set)")
		default:
			c.warnings = append(c.warnings, "the LIT_BLS AuthSig was not verified locally (Engine.VerifyCapability is not set); the nodes will verify it")
		}
		m, err := siwe.Parse(a.SignedMessage)
		if err != nil {
			return nil, broke(RuleForeign, "signedMessage: %v", err)
		}
		msg, c.address = m, a.Address
		if exp, ok := m.Expiration(); ok {
			c.expiry = exp
			if !w.now.Before(exp) {
				return nil, broke(RuleExpired, "expired at %s (now %s)", siwe.FormatTime(exp), siwe.FormatTime(w.now))
			}
		}
	default:
		return nil, broke(RuleForeign, "algo %q is neither a wallet AuthSig nor LIT_BLS", a.Algo)
	}

	if cached && !c.expiry.IsZero() && !w.now.Add(w.margin).Before(c.expiry) {
		return nil, broke(RuleExpired, "expires at %s, within %v of now (%s)", siwe.FormatTime(c.expiry), w.margin, siwe.FormatTime(w.now))
	}
	if uri := msg.URI(); uri != w.uri {
		return nil, broke(RuleSessionKey, "the SIWE URI is %q, not this session key's %q", uri, w.uri)
	}
	if len(msg.Resources()) == 0 {
		return nil, broke(RuleNoRecap, "the SIWE message has no resources, so it grants nothing")
	}
	rc, err := msg.Recap()
	if err != nil {
		return nil, broke(RuleNoRecap, "%v", err)
	}
	warnings, rerr := covers(rc, w)
	if rerr != nil {
		return nil, rerr
	}
	c.warnings = append(c.warnings, warnings...)
	if !w.explicit.IsZero() && !c.expiry.IsZero() && c.expiry.Before(w.explicit) {
		// A cached signature still valid for more than half of the requested
		// lifetime is reused (the session then expires with it): a page
		// that asks for "now + 24 h" on every call is not prompted every
		// time. A new signature must honour the request.
		if !cached || 2*c.expiry.Sub(w.now) <= w.explicit.Sub(w.now) {
			return nil, broke(RuleExpiration, "it expires at %s, before the requested expiration %s", siwe.FormatTime(c.expiry), siwe.FormatTime(w.explicit))
		}
		c.warnings = append(c.warnings, fmt.Sprintf("the cached wallet signature expires at %s, before the requested %s; the session expires with it", siwe.FormatTime(c.expiry), siwe.FormatTime(w.explicit)))
	}
	return c, nil
}

// covers checks that rc grants every request by the official rule
// (recap.Covers: the "<prefix>://*" entry, when present, is the only one
// consulted). One exception: when the requests themselves mix a wildcard
// and an exact resource of the same kind (say decryption on one ACC and
// signing on lit-accesscontrolcondition://*), no ReCap built from them can
// pass that rule, so a new signature would be no better. Then an exact
// entry granting the ability is accepted, with a warning, instead of asking
// the wallet again on every call as the SDK does.
func covers(rc *recap.Recap, w want) ([]string, *ruleErr) {
	var warnings []string
	for _, q := range w.reqs {
		if rc.Covers(q.Resource, q.Ability) {
			continue
		}
		if grantsExactly(rc, q) && !w.ownRecap.Covers(q.Resource, q.Ability) {
			warnings = append(warnings, fmt.Sprintf(
				"the ReCap grants %s on %s, but its %s entry hides that from the SDK's coverage rule, which nodes may apply too; request the exact resources or the wildcard alone, not both",
				q.Ability, q.Resource.Key(), q.Resource.WildcardKey()))
			continue
		}
		return nil, broke(RuleScope, "the ReCap does not grant %s on %s", q.Ability, q.Resource.Key())
	}
	return warnings, nil
}

func grantsExactly(rc *recap.Recap, q resource.Request) bool {
	abs, ok := rc.Att[q.Resource.Key()]
	if !ok {
		return false
	}
	want, err := q.Ability.RecapAbility()
	if err != nil {
		return false
	}
	_, all := abs["*/*"]
	_, one := abs[want]
	return all || one
}

// fromAuthsig maps an authsig rejection (or a VerifyCapability error) to a
// rule.
func fromAuthsig(err error) *ruleErr {
	var ae *authsig.Error
	if !errors.As(err, &ae) {
		return broke(RuleSignature, "%v", err)
	}
	switch ae.Reason {
	case authsig.ReasonExpired:
		return broke(RuleExpired, "%s", ae.Detail)
	case authsig.ReasonNotYetValid:
		return broke(RuleNotYetValid, "%s", ae.Detail)
	case authsig.ReasonBadMessage, authsig.ReasonUnsupported:
		return broke(RuleForeign, "%s", ae.Detail)
	default:
		return broke(RuleSignature, "%s", ae.Detail)
	}
}
