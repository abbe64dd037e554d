package delegation

import (
	"maps"
	"strings"
	"sync/atomic"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/recap"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
)

// AuthConfig is what a pre-generated delegation allows, read back from its
// SIWE message as naga's createPkpAuthContextFromPreGenerated does.
type AuthConfig struct {
	// Domain is the SIWE domain.
	Domain string
	// Statement is the SIWE statement (including the ReCap sentence).
	Statement string
	// Expiration is the SIWE Expiration Time, verbatim.
	Expiration string
	// Resources are the requests the ReCap grants (RecapRequests): the
	// session's default resourceAbilityRequests.
	Resources []resource.Request
	// CapabilityAuthSigs go before the delegation in every session
	// signature's capabilities; empty for a pre-generated delegation.
	CapabilityAuthSigs []authsig.AuthSig
}

// AuthContext is a validated pre-generated PKP session: everything
// CreatePkpSessionSigs needs to mint session signatures as the PKP, with
// no further help from its owner.
//
// The session secret is inside SessionKeyPair: fmt prints only its URI
// and encoding/json skips it; Envelope returns the wire form with it.
type AuthContext struct {
	PKP               pkp.PKP
	SessionKeyPair    *sessionkey.KeyPair `json:"-"`
	DelegationAuthSig authsig.AuthSig
	AuthConfig        AuthConfig
	// Delegation is the validation result.
	Delegation *Delegation `json:"-"`

	// checked remembers the last full validation, so that minting under
	// the same network key only re-checks the times (see
	// CreatePkpSessionSigs).
	checked atomic.Pointer[checkedUnder]
}

// checkedUnder is a full validation of sig for pkp and uri under key.
type checkedUnder struct {
	key, pkp, uri string
	sig           authsig.AuthSig
	d             *Delegation
}

// validated returns the delegation, validated at now under key: the BLS
// signature and content are verified once per network key (and again if
// a field of c changed), the times on every call.
func (c *AuthContext) validated(key string, now time.Time) (*Delegation, error) {
	if ch := c.checked.Load(); ch != nil && ch.key == key && ch.pkp == c.PKP.PublicKey &&
		ch.uri == c.SessionKeyPair.URI() && ch.sig == c.DelegationAuthSig {
		if err := ch.d.checkTimes(now); err != nil {
			return nil, err
		}
		return ch.d, nil
	}
	d, err := ValidateDelegationAuthSig(c.DelegationAuthSig, Expect{
		PKPPublicKey:     c.PKP.PublicKey,
		SessionKey:       c.SessionKeyPair.URI(),
		NetworkPublicKey: key,
		Now:              now,
	})
	if err != nil {
		return nil, err
	}
	c.checked.Store(&checkedUnder{key: key, pkp: c.PKP.PublicKey, uri: c.SessionKeyPair.URI(), sig: c.DelegationAuthSig, d: d})
	return d, nil
}

// Expiration returns the delegation's expiry: no session signature made
// from this context lives longer. It is zero for a context not made by
// CreatePkpAuthContextFromPreGenerated.
func (c *AuthContext) Expiration() time.Time {
	if c.Delegation == nil {
		return time.Time{}
	}
	return c.Delegation.Expiration
}

// Envelope returns the context's materials as an envelope.
func (c *AuthContext) Envelope() envelope.Envelope {
	return envelope.Envelope{PKPPublicKey: c.PKP.PublicKey, SessionKeyPair: c.SessionKeyPair, DelegationAuthSig: c.DelegationAuthSig}
}

// CreatePkpAuthContextFromPreGenerated validates a pre-generated
// delegation (CheckEnvelope: under networkPublicKey, at now; zero now
// means time.Now()) and returns its context. AuthConfig is derived from the SIWE message:
// domain, statement, expiration and the ReCap's grants in sorted key order.
//
// Unlike naga, nothing is defaulted: a delegation without an expiry or a
// ReCap is refused rather than given 24 hours or "pkp-signing on *", and
// no authData is needed (v7 nodes do not ask for it).
func CreatePkpAuthContextFromPreGenerated(env envelope.Envelope, networkPublicKey string, now time.Time) (*AuthContext, error) {
	d, err := CheckEnvelope(env, networkPublicKey, now)
	if err != nil {
		return nil, err
	}
	reqs := RecapRequests(d.Recap)
	if len(reqs) == 0 {
		return nil, refuse(ReasonNoRecap, "its ReCap grants no Lit resource this client knows (%d entries)", len(d.Recap.Att))
	}
	ac := &AuthContext{
		PKP:               d.PKP,
		SessionKeyPair:    env.SessionKeyPair,
		DelegationAuthSig: env.DelegationAuthSig,
		AuthConfig: AuthConfig{
			Domain:             d.Message.Domain(),
			Statement:          d.Message.Statement(),
			Expiration:         expirationText(d),
			Resources:          reqs,
			CapabilityAuthSigs: []authsig.AuthSig{},
		},
		Delegation: d,
	}
	ac.checked.Store(&checkedUnder{key: networkPublicKey, pkp: d.PKP.PublicKey, uri: d.SessionKeyURI, sig: env.DelegationAuthSig, d: d})
	return ac, nil
}

// expirationText returns the SIWE Expiration Time as written.
func expirationText(d *Delegation) string {
	_, rest, _ := strings.Cut(d.Message.String(), "\nExpiration Time: ")
	v, _, _ := strings.Cut(rest, "\n")
	return v
}

// RecapRequests lists what a ReCap grants as Lit requests, in sorted
// resource key order and, within a resource, sorted ability order (the
// ReCap's canonical order, which naga iterates):
//
//   - each "<ns>/<name>" becomes the Lit ability it stands for on that kind
//     of resource (Threshold/Signing on lit-pkp is pkp-signing, on
//     lit-accesscontrolcondition access-control-condition-signing);
//   - "*/*" becomes every ability of the kind (naga skips it);
//   - the first nota bene that is a non-empty object becomes Data;
//   - resources of kinds this client does not know (naga's
//     lit-resolvedauthcontext, lit-paymentdelegation) and abilities invalid
//     for the kind are skipped.
func RecapRequests(rc *recap.Recap) []resource.Request {
	var out []resource.Request
	if rc == nil {
		return nil
	}
	for _, key := range resource.SortedKeys(rc.Att) {
		res, err := resource.ParseKey(key)
		if err != nil || !res.Prefix.Valid() {
			continue
		}
		abilities := rc.Att[key]
		for _, ab := range resource.SortedKeys(abilities) {
			var data map[string]any
			for _, nb := range abilities[ab] {
				if len(nb) > 0 {
					data = maps.Clone(nb)
					break
				}
			}
			for _, a := range res.Prefix.Abilities() {
				ra, err := a.RecapAbility()
				if err != nil || (ab != "*/*" && ab != ra) {
					continue
				}
				out = append(out, resource.Request{Resource: res, Ability: a, Data: data})
			}
		}
	}
	return out
}
