package verify

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/capacity"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/siwe"
)

// shapeInput is what FuzzVerifyShape varies: the parts of a session
// signature whose combinations the checks decide on. Everything is built
// into a well-formed template and signed with the fixture's keys, so every
// input reaches the template, capability, coverage and capacity checks
// instead of failing at the Ed25519 signature.
type shapeInput struct {
	reqPrefix, reqID, reqAbility    string // the session's one request
	grantPrefix, grantID, grantAbil string // the delegation's ReCap grant
	opPrefix, opID, opAbility       string // the operation verified
	uri, nodeAddress, maxPrice      string // delegation URI ("" = session URI), template fields
	issuedAt, expiration            int64  // session times, seconds from testNow
	delegIssuedAt, delegExpiration  int64  // delegation times, seconds from testNow
	capacityUses, capacityToken     string // with a capacity delegation when either is set
}

// shapeCache holds the wallet signatures already made, by SIWE message, so
// that a repeated delegation costs a map lookup, not a secp256k1 signature.
type shapeCache struct {
	f    *fixture
	sigs map[string]authsig.AuthSig
}

func (c *shapeCache) delegation(p params) (authsig.AuthSig, bool) {
	msg, err := siwe.CreateWithRecaps(siwe.Params{
		Address: walletAddr, URI: p.uri, Nonce: testNonce,
		IssuedAt: p.delegIssuedAt, Expiration: p.delegExp, Resources: p.granted,
	})
	if err != nil {
		return authsig.AuthSig{}, false
	}
	if a, ok := c.sigs[msg]; ok {
		return a, true
	}
	a, err := authsig.Sign(context.Background(), c.f.wallet, msg)
	if err != nil {
		return authsig.AuthSig{}, false
	}
	if len(c.sigs) > 4096 {
		clear(c.sigs)
	}
	c.sigs[msg] = a
	return a, true
}

func offset(s int64) string {
	const limit = 400 * 24 * 3600 // keep times inside siwe's year range
	if s > limit || s < -limit {
		s %= limit
	}
	return iso(testNow.Add(time.Duration(s) * time.Second))
}

// FuzzVerifyShape: Verify must never panic, must return a result or a
// typed *Error, and may accept only what it promises: a session for this
// node, current at testNow, whose requests cover the operation.
func FuzzVerifyShape(f *testing.F) {
	fx := newFixture(f)
	cache := &shapeCache{f: fx, sigs: map[string]authsig.AuthSig{}}
	capCache := map[[2]string]authsig.AuthSig{}
	v := fx.verifier(func(c *Config) { c.Cache = NewWalletSigCache(1024) })
	ok := shapeInput{
		reqPrefix: "lit-pkp", reqID: "*", reqAbility: "pkp-signing",
		grantPrefix: "lit-pkp", grantID: "*", grantAbil: "pkp-signing",
		opPrefix: "lit-pkp", opID: "*", opAbility: "pkp-signing",
		nodeAddress: testNode, issuedAt: -60, expiration: 86400, delegIssuedAt: -60, delegExpiration: 86400,
	}
	add := func(s shapeInput) {
		f.Add(s.reqPrefix, s.reqID, s.reqAbility, s.grantPrefix, s.grantID, s.grantAbil, s.opPrefix, s.opID, s.opAbility,
			s.uri, s.nodeAddress, s.maxPrice, s.issuedAt, s.expiration, s.delegIssuedAt, s.delegExpiration, s.capacityUses, s.capacityToken)
	}
	add(ok)
	s := ok
	s.reqPrefix, s.reqID, s.reqAbility = "lit-litaction", "QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3", "lit-action-execution"
	s.grantPrefix, s.grantID, s.grantAbil = "lit-litaction", "*", "lit-action-execution"
	add(s)
	s = ok
	s.capacityUses, s.capacityToken, s.maxPrice = "3", "7", "0x2386f26fc10000"
	add(s)
	s = ok
	s.uri, s.nodeAddress, s.expiration = "https://example.com", testNode2, -1
	add(s)

	f.Fuzz(func(t *testing.T, reqPrefix, reqID, reqAbility, grantPrefix, grantID, grantAbil, opPrefix, opID, opAbility,
		uri, nodeAddress, maxPrice string, issuedAt, expiration, delegIssuedAt, delegExpiration int64, capUses, capToken string) {
		fx.t = t
		cache.f = fx
		request := resource.Request{Resource: resource.Resource{Prefix: resource.Prefix(reqPrefix), ID: reqID}, Ability: resource.Ability(reqAbility)}
		grant := resource.Request{Resource: resource.Resource{Prefix: resource.Prefix(grantPrefix), ID: grantID}, Ability: resource.Ability(grantAbil)}
		p := params{
			requests: []resource.Request{request}, granted: []resource.Request{grant}, uri: uri,
			issuedAt: offset(issuedAt), expiration: offset(expiration),
			delegIssuedAt: offset(delegIssuedAt), delegExp: offset(delegExpiration),
			nodeAddress: nodeAddress, maxPrice: maxPrice,
		}
		p = fx.defaults(p)
		deleg, built := cache.delegation(p)
		if !built {
			return // not a message siwe-go can write; nothing to verify
		}
		caps := []authsig.AuthSig{deleg}
		if capUses != "" || capToken != "" {
			key := [2]string{capUses, capToken}
			cd, ok := capCache[key]
			if !ok {
				a, err := capacity.CreateDelegationAuthSig(context.Background(), capacity.Params{Owner: fx.owner, Nonce: testNonce,
					CapacityTokenID: capToken, Uses: capUses, Now: func() time.Time { return testNow.Add(-time.Hour) }})
				if err != nil {
					return
				}
				cd, capCache[key] = a, a
			}
			caps = append([]authsig.AuthSig{cd}, caps...)
		}
		sig := fx.sign(sessionTemplate{
			SessionKey: fx.session.PublicKeyHex(), ResourceAbilityRequests: p.requests, Capabilities: caps,
			IssuedAt: p.issuedAt, Expiration: p.expiration, NodeAddress: p.nodeAddress, MaxPrice: p.maxPrice,
		})
		op := resource.Request{Resource: resource.Resource{Prefix: resource.Prefix(opPrefix), ID: opID}, Ability: resource.Ability(opAbility)}
		res, err := v.Verify(sig, op)
		if err != nil {
			var e *Error
			if res != nil || !errors.As(err, &e) || e.Reason == "" {
				t.Fatalf("untyped rejection or result with error: %v", err)
			}
			return
		}
		if res == nil {
			t.Fatal("nil result without error")
		}
		if p.nodeAddress != testNode {
			t.Fatalf("accepted a session for node %q at %q", p.nodeAddress, testNode)
		}
		if !testNow.Before(res.Expiration) || !testNow.Before(res.DelegationExpiration) {
			t.Fatalf("accepted an expired session: %+v", res)
		}
		if res.SessionKey != fx.session.PublicKeyHex() || !strings.EqualFold(res.WalletAddress, walletAddr) {
			t.Fatalf("result names another key or wallet: %+v", res)
		}
	})
}
