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

// FuzzVerifyShape's inputs are indexes into small tables of the parts of
// a session signature (wallet-signed delegations, capacity delegations,
// requests and operations, node addresses, prices) plus free session
// times. Each wallet signature is made once, so every later input
// costs one Ed25519 signature and one Verify (the wallet-signature cache
// skips the secp256k1 work), and most inputs get past the signature and
// template to the capability, coverage and capacity checks.
var (
	shapeGrants = []resource.Request{ // the delegation's ReCap grant
		{Resource: resource.Resource{Prefix: resource.PKP, ID: "*"}, Ability: resource.PKPSigning},
		{Resource: resource.Resource{Prefix: resource.PKP, ID: "1"}, Ability: resource.PKPSigning},
		{Resource: resource.Resource{Prefix: resource.LitAction, ID: "*"}, Ability: resource.LitActionExecution},
		{Resource: resource.Resource{Prefix: resource.LitAction, ID: "QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3"}, Ability: resource.LitActionExecution},
		{Resource: resource.Resource{Prefix: resource.AccessControlCondition, ID: "*"}, Ability: resource.AccessControlConditionDecryption},
	}
	shapeURIs       = []string{"", "lit:session:" + strings.Repeat("ab", 32), "https://example.com/login"} // "" = the session's URI
	shapeDelegTimes = [][2]int64{{-60, 86400}, {-86400, -1}, {3600, 7200}, {-60, 40 * 86400}, {-60, 60}}
	shapeCapacities = []capacity.Params{{}, {CapacityTokenID: "7", Uses: "3"}, {Delegatees: []string{strings.ToLower(walletAddr)}}, {Delegatees: []string{"0x0000000000000000000000000000000000000001"}}}
	shapeOps        = append(shapeGrants[:len(shapeGrants):len(shapeGrants)], // the operation verified
		resource.Request{Resource: resource.Resource{Prefix: resource.PKP, ID: "0x01"}, Ability: resource.PKPSigning},
		resource.Request{Resource: resource.Resource{Prefix: resource.PKP, ID: "2"}, Ability: resource.PKPSigning},
		resource.Request{Resource: resource.Resource{Prefix: resource.LitAction, ID: "QmOther"}, Ability: resource.LitActionExecution},
		resource.Request{Resource: resource.Resource{Prefix: resource.PKP, ID: "*"}, Ability: resource.LitActionExecution},
	)
	shapeNodes       = []string{testNode, testNode2, testNode + "/", "http://192.0.2.1:443"}
	shapePrices      = []string{"", "0x2386f26fc10000", "10000000000000000", "0x", "0xZZ", "0x" + strings.Repeat("f", 70)}
	shapeTimeLimit   = int64(400 * 24 * 3600) // keep session times inside siwe's year range
	shapeDefaultNode = testNode
)

func pick[T any](list []T, i uint8) T { return list[int(i)%len(list)] }

// usual is list[0] for half the values of i, else pick(list, i): the valid
// choice often, so that most inputs get past the check it feeds.
func usual[T any](list []T, i uint8) T {
	if i < 128 {
		return list[0]
	}
	return pick(list, i)
}

// minutes is testNow moved by m minutes (about ±22 days), as an ISO time.
func minutes(m int16) string { return iso(testNow.Add(time.Duration(m) * time.Minute)) }

func offset(s int64) string {
	if s > shapeTimeLimit || s < -shapeTimeLimit {
		s %= shapeTimeLimit
	}
	return iso(testNow.Add(time.Duration(s) * time.Second))
}

// FuzzVerifyShape: Verify must never panic, must return a result or a
// typed *Error, and may accept only what it promises: a session for this
// node, current at testNow, made by the fixture's session key for its
// wallet.
func FuzzVerifyShape(f *testing.F) {
	fx := newFixture(f)
	v := fx.verifier(func(c *Config) { c.Cache = NewWalletSigCache(1024) })
	delegations := map[[3]uint8]authsig.AuthSig{}
	capacities := map[uint8]authsig.AuthSig{}

	f.Add(uint8(0), uint8(0), uint8(0), uint8(0), int16(-1), int16(1440), uint8(0), uint8(0), uint8(0), uint8(0))
	f.Add(uint8(3), uint8(3), uint8(0), uint8(0), int16(-1), int16(60), uint8(3), uint8(0), uint8(0), uint8(0))
	f.Add(uint8(0), uint8(5), uint8(0), uint8(1), int16(-1), int16(1440), uint8(0), uint8(0), uint8(0), uint8(2))
	f.Add(uint8(1), uint8(6), uint8(1), uint8(3), int16(0), int16(-1), uint8(1), uint8(2), uint8(1), uint8(3))
	f.Fuzz(func(t *testing.T, reqIndex, opIndex, node, price uint8,
		issuedAt, expiration int16, grant, uri, delegTimes, capIndex uint8) {
		nodeAddress, maxPrice := usual(shapeNodes, node), usual(shapePrices, price)
		fx.t = t
		key := [3]uint8{grant % uint8(len(shapeGrants)), uri % uint8(len(shapeURIs)), delegTimes % uint8(len(shapeDelegTimes))}
		deleg, ok := delegations[key]
		if !ok {
			p := fx.defaults(params{
				granted: []resource.Request{pick(shapeGrants, grant)}, uri: pick(shapeURIs, uri),
				delegIssuedAt: offset(pick(shapeDelegTimes, delegTimes)[0]), delegExp: offset(pick(shapeDelegTimes, delegTimes)[1]),
			})
			msg, err := siwe.CreateWithRecaps(siwe.Params{Address: walletAddr, URI: p.uri, Nonce: testNonce,
				IssuedAt: p.delegIssuedAt, Expiration: p.delegExp, Resources: p.granted})
			if err != nil {
				t.Fatal(err)
			}
			if deleg, err = authsig.Sign(context.Background(), fx.wallet, msg); err != nil {
				t.Fatal(err)
			}
			delegations[key] = deleg
		}
		caps := []authsig.AuthSig{deleg}
		if c := capIndex % uint8(len(shapeCapacities)+1); c > 0 {
			cd, ok := capacities[c]
			if !ok {
				p := shapeCapacities[c-1]
				p.Owner, p.Nonce, p.Now = fx.owner, testNonce, func() time.Time { return testNow.Add(-time.Hour) }
				var err error
				if cd, err = capacity.CreateDelegationAuthSig(context.Background(), p); err != nil {
					t.Fatal(err)
				}
				capacities[c] = cd
			}
			caps = append([]authsig.AuthSig{cd}, caps...)
		}
		request := pick(shapeGrants, reqIndex)
		sig := fx.sign(sessionTemplate{
			SessionKey: fx.session.PublicKeyHex(), ResourceAbilityRequests: []resource.Request{request}, Capabilities: caps,
			IssuedAt: minutes(issuedAt), Expiration: minutes(expiration), NodeAddress: nodeAddress, MaxPrice: maxPrice,
		})
		op := request // half the time the operation is what was requested
		if opIndex >= 128 {
			op = pick(shapeOps, opIndex)
		}
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
		if nodeAddress != shapeDefaultNode {
			t.Fatalf("accepted a session for node %q at %q", nodeAddress, shapeDefaultNode)
		}
		if !testNow.Before(res.Expiration) || !testNow.Before(res.DelegationExpiration) {
			t.Fatalf("accepted an expired session: %+v", res)
		}
		if res.SessionKey != fx.session.PublicKeyHex() || !strings.EqualFold(res.WalletAddress, walletAddr) {
			t.Fatalf("result names another key or wallet: %+v", res)
		}
	})
}
