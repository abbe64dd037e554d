package delegation

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/siwe"
)

// DefaultSessionValidity is how long session signatures from
// CreatePkpSessionSigs last when SessionSigsParams.Expiration is zero.
// They are minted right before each request, so they only need to outlive
// the request; a short life limits what a leaked one is worth.
const DefaultSessionValidity = 5 * time.Minute

// Nodes is what CreatePkpSessionSigs needs of the network; core/node's
// *Client implements it.
type Nodes interface {
	// ConnectedNodes returns the node URLs to sign for, in order.
	ConnectedNodes() []string
	// NetworkPublicKey returns the network's BLS key (96 hex).
	NetworkPublicKey() string
}

// SessionSigsParams are the options of CreatePkpSessionSigs.
type SessionSigsParams struct {
	// ResourceAbilityRequests are what the session signatures request;
	// each must be granted by the delegation's ReCap. Empty means
	// AuthConfig.Resources, everything the delegation grants.
	ResourceAbilityRequests []resource.Request
	// Expiration is when the session signatures expire; zero means now +
	// DefaultSessionValidity. It is capped at the delegation's expiry.
	Expiration time.Time
	// CapabilityAuthSigs are extra capabilities (e.g. a capacity
	// delegation), placed before AuthConfig.CapabilityAuthSigs and the
	// delegation.
	CapabilityAuthSigs []authsig.AuthSig
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Operation and MaxPrice matter on naga (see session.Params): the
	// session signatures go only to the nodes chosen for Operation ("" is
	// "lit action", the v8 default; PkpSign needs "pkp sign") and name
	// each node's maxPrice under the MaxPrice budget (nil: 2^128 − 1).
	// Signer uses "pkp sign" when Operation is "".
	Operation string
	MaxPrice  *big.Int
}

// CreatePkpSessionSigs mints session signatures from a pre-generated
// delegation, one per connected node: the v7 session template (docs/protocol.md#session-signature-template) with capabilities [CapabilityAuthSigs…, delegation], signed with the
// context's session key.
//
// Call it right before each request and do not keep the result: session
// signatures name the nodes they were made for, so they break when the
// node set changes (Signer handles that). Every call first checks the
// delegation again: its times always, so it fails with ErrDelegationExpired
// once the delegation has expired; and the whole of
// ValidateDelegationAuthSig (the BLS signature) whenever the network key
// the nodes gave at the last handshake is not the one it was last verified
// under, so a delegation from another network fails with
// ReasonBadSignature. The expiration is never later than the
// delegation's. Requests the ReCap does not grant are refused locally
// (ReasonScope), before a node sees them.
func CreatePkpSessionSigs(ctx context.Context, nw Nodes, ac *AuthContext, p SessionSigsParams) (*session.SessionSigs, error) {
	sigs, _, err := mint(ctx, nw, ac, p)
	return sigs, err
}

// mint is CreatePkpSessionSigs; capped tells whether the expiration is the
// delegation's.
func mint(ctx context.Context, nw Nodes, ac *AuthContext, p SessionSigsParams) (sigs *session.SessionSigs, capped bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if ac == nil || ac.SessionKeyPair == nil {
		return nil, false, errors.New("delegation: no auth context; make one with CreatePkpAuthContextFromPreGenerated")
	}
	nodes := nw.ConnectedNodes()
	if len(nodes) == 0 {
		return nil, false, session.ErrNotConnected
	}
	now := time.Now()
	if p.Now != nil {
		now = p.Now()
	}
	d, err := ac.validated(nw.NetworkPublicKey(), now)
	if err != nil {
		return nil, false, err
	}
	reqs := p.ResourceAbilityRequests
	if len(reqs) == 0 {
		reqs = ac.AuthConfig.Resources
	}
	if len(reqs) == 0 {
		return nil, false, refuse(ReasonNoRecap, "the context lists no resources")
	}
	for i, q := range reqs {
		if err := q.Check(); err != nil {
			return nil, false, fmt.Errorf("delegation: ResourceAbilityRequests[%d]: %w", i, err)
		}
		if !d.Recap.Covers(q.Resource, q.Ability) {
			return nil, false, refuse(ReasonScope, "the delegation does not grant %s on %s (it grants %s)", q.Ability, q.Resource.Key(), grants(ac.AuthConfig.Resources))
		}
	}
	exp := p.Expiration
	if exp.IsZero() {
		exp = now.Add(DefaultSessionValidity)
	}
	if !exp.Before(d.Expiration) {
		exp, capped = d.Expiration, true
	}
	if !exp.After(now) {
		return nil, false, fmt.Errorf("delegation: SessionSigsParams.Expiration %s is not in the future (now %s)", siwe.FormatTime(exp), siwe.FormatTime(now))
	}
	caps := make([]authsig.AuthSig, 0, len(p.CapabilityAuthSigs)+len(ac.AuthConfig.CapabilityAuthSigs)+1)
	caps = append(caps, p.CapabilityAuthSigs...)
	caps = append(caps, ac.AuthConfig.CapabilityAuthSigs...)
	caps = append(caps, ac.DelegationAuthSig)
	var maxPrices map[string]*big.Int
	if pn, ok := nw.(session.PricedNetwork); ok {
		if nodes, maxPrices, err = pn.SessionNodes(ctx, p.Operation, p.MaxPrice); err != nil {
			return nil, false, err
		}
	}
	sigs, err = session.Sign(ac.SessionKeyPair, session.Template{
		ResourceAbilityRequests: reqs,
		Capabilities:            caps,
		IssuedAt:                siwe.FormatTime(now),
		Expiration:              siwe.FormatTime(exp),
		MaxPrices:               maxPrices,
	}, nodes)
	return sigs, capped, err
}

// grants lists requests for an error message.
func grants(reqs []resource.Request) string {
	s := ""
	for i, q := range reqs {
		if i > 0 {
			s += ", "
		}
		s += string(q.Ability) + " on " + q.Resource.Key()
	}
	if s == "" {
		return "nothing"
	}
	return s
}
