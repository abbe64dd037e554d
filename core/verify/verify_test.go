package verify

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/capacity"
	"github.com/litgo/litsession/core/jsjson/stdjson"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
)

const litActionCID = "QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3"

func TestAccept(t *testing.T) {
	f := newFixture(t)
	sig := f.build(params{})
	v := f.verifier()
	for _, id := range []string{"*", "0x1234", strings.Repeat("ab", 32)} {
		res, err := v.Verify(sig, req(t, resource.PKP, id, resource.PKPSigning))
		if err != nil {
			t.Fatalf("op lit-pkp://%s: %v", id, err)
		}
		if res.SessionKey != f.session.PublicKeyHex() || res.WalletAddress != walletAddr ||
			res.DelegatedVia != authsig.DerivedViaWallet || res.Capacity != nil || res.MaxPrice != nil ||
			!res.Expiration.Equal(testNow.Add(24*time.Hour)) || !res.DelegationExpiration.Equal(res.Expiration) ||
			!res.IssuedAt.Equal(testNow.Add(-time.Minute)) || len(res.ResourceAbilityRequests) != 1 {
			t.Fatalf("result %+v", res)
		}
	}
}

func TestAcceptOpNormalizedAndSpecificRequest(t *testing.T) {
	f := newFixture(t)
	q := req(t, resource.PKP, "0x1234", resource.PKPSigning)
	sig := f.build(params{requests: []resource.Request{q}})
	v := f.verifier()
	// The caller passes an unnormalized id; Verify pads it like the SDK.
	op := resource.Request{Resource: resource.Resource{Prefix: resource.PKP, ID: "0x1234"}, Ability: resource.PKPSigning}
	if _, err := v.Verify(sig, op); err != nil {
		t.Fatal(err)
	}
	// An exact grant never covers the wildcard.
	_, err := v.Verify(sig, req(t, resource.PKP, "*", resource.PKPSigning))
	wantReason(t, err, ReasonNotAuthorized)
}

func TestAcceptNagaMaxPrice(t *testing.T) {
	f := newFixture(t)
	sig := f.build(params{maxPrice: "0x1c2"})
	res, err := f.verifier().Verify(sig, req(t, resource.PKP, "*", resource.PKPSigning))
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxPrice == nil || res.MaxPrice.Int64() != 0x1c2 {
		t.Fatalf("maxPrice %v", res.MaxPrice)
	}
	bad := f.build(params{maxPrice: "450"})
	_, err = f.verifier().Verify(bad, req(t, resource.PKP, "*", resource.PKPSigning))
	wantReason(t, err, ReasonBadMessage)
}

func TestNagaPriceCheck(t *testing.T) {
	f := newFixture(t)
	op := req(t, resource.PKP, "*", resource.PKPSigning)
	priced := func(p int64) func(*Config) { return func(c *Config) { c.Price = big.NewInt(p) } }
	sig := f.build(params{maxPrice: "0x1c2"}) // 450
	if _, err := f.verifier(priced(450)).Verify(sig, op); err != nil {
		t.Fatalf("maxPrice equal to the price: %v", err)
	}
	_, err := f.verifier(priced(451)).Verify(sig, op)
	wantReason(t, err, ReasonPriceTooLow)
	_, err = f.verifier(priced(1)).Verify(f.build(params{}), op)
	wantReason(t, err, ReasonPriceTooLow)
	if _, err := f.verifier().Verify(f.build(params{}), op); err != nil {
		t.Fatalf("datil (no price) without maxPrice: %v", err)
	}
}

func TestAcceptCapacityDelegation(t *testing.T) {
	f := newFixture(t)
	cd := f.capacityDelegation(capacity.Params{CapacityTokenID: "12345", Delegatees: []string{strings.ToLower(walletAddr)}, Uses: "10"})
	other := f.delegation(f.defaults(params{uri: "https://example.com/login"})) // neither kind: signature and expiry only
	sig := f.build(params{before: []authsig.AuthSig{other, cd}})
	res, err := f.verifier().Verify(sig, req(t, resource.PKP, "*", resource.PKPSigning))
	if err != nil {
		t.Fatal(err)
	}
	c := res.Capacity
	ownerAddr, _ := f.owner.Address(t.Context())
	if c == nil || c.Owner != ownerAddr || c.TokenID != "12345" ||
		len(c.NFTIDs) != 1 || c.NFTIDs[0] != "12345" || c.Uses != 10 || len(c.Delegatees) != 1 || len(c.ID) != 64 ||
		!c.Expiration.Equal(testNow.Add(-time.Hour).Add(siwe.DefaultValidity)) {
		t.Fatalf("capacity %+v", c)
	}

	// No delegate_to and a wildcard token: anyone, any token, no cap.
	cd = f.capacityDelegation(capacity.Params{})
	res, err = f.verifier().Verify(f.build(params{before: []authsig.AuthSig{cd}}), req(t, resource.PKP, "*", resource.PKPSigning))
	if err != nil {
		t.Fatal(err)
	}
	if res.Capacity.TokenID != "*" || res.Capacity.Uses != 0 || res.Capacity.Delegatees != nil {
		t.Fatalf("capacity %+v", res.Capacity)
	}
}

func TestAcceptLitBLS(t *testing.T) {
	f := newFixture(t)
	sk := blsNetwork(t)
	pk := bls.PublicKeyFromSecret(sk).Hex()
	p := f.defaults(params{})
	deleg := f.pkpDelegation(sk, p)
	sig := f.sign(sessionTemplate{
		SessionKey: f.session.PublicKeyHex(), ResourceAbilityRequests: p.requests,
		Capabilities: []authsig.AuthSig{deleg}, IssuedAt: p.issuedAt, Expiration: p.expiration, NodeAddress: testNode,
	})
	op := req(t, resource.PKP, "*", resource.PKPSigning)
	res, err := f.verifier(func(c *Config) { c.NetworkPublicKey = "0x" + pk }).Verify(sig, op)
	if err != nil {
		t.Fatal(err)
	}
	if res.WalletAddress != deleg.Address || res.DelegatedVia != authsig.DerivedViaBLS {
		t.Fatalf("result %+v", res)
	}

	_, err = f.verifier().Verify(sig, op)
	wantReason(t, err, ReasonUnsupported)
	_, err = f.verifier(func(c *Config) { c.NetworkPublicKey = "00" }).Verify(sig, op)
	wantReason(t, err, ReasonMisconfigured)
	other := bls.PublicKeyFromSecret(blsNetwork2(t)).Hex()
	_, err = f.verifier(func(c *Config) { c.NetworkPublicKey = other }).Verify(sig, op)
	wantReason(t, err, ReasonCapabilityInvalid)
	if !errors.Is(err, bls.ErrVerification) {
		t.Fatalf("want a wrapped bls.ErrVerification, got %v", err)
	}
}

func blsNetwork2(t *testing.T) *bls.SecretKey {
	b := make([]byte, 32)
	b[31] = 0x2b
	sk, err := bls.NewSecretKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

func wantReason(t *testing.T, err error, r Reason) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want rejection %s", r)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *verify.Error", err, err)
	}
	if e.Reason != r {
		t.Fatalf("reason %s, want %s: %v", e.Reason, r, err)
	}
	if !IsReason(err, r) || e.Detail == "" {
		t.Fatalf("IsReason or Detail broken: %v", err)
	}
}

func TestReject(t *testing.T) {
	f := newFixture(t)
	pkpAll := req(t, resource.PKP, "*", resource.PKPSigning)
	litAction := req(t, resource.LitAction, litActionCID, resource.LitActionExecution)
	litActionAll := req(t, resource.LitAction, "*", resource.LitActionExecution)
	good := func() authsig.AuthSig { return f.build(params{}) }

	cases := []struct {
		name string
		sig  func() authsig.AuthSig
		op   resource.Request
		cfg  func(*Config)
		want Reason
	}{
		{"sig byte tampered", func() authsig.AuthSig {
			s := good()
			b := []byte(s.Sig)
			if b[10] == '0' {
				b[10] = '1'
			} else {
				b[10] = '0'
			}
			s.Sig = string(b)
			return s
		}, pkpAll, nil, ReasonBadSignature},
		{"signedMessage whitespace", func() authsig.AuthSig {
			s := good()
			s.SignedMessage = strings.Replace(s.SignedMessage, `{"sessionKey"`, `{ "sessionKey"`, 1)
			return s
		}, pkpAll, nil, ReasonBadSignature},
		{"sig not hex", func() authsig.AuthSig { s := good(); s.Sig = strings.Repeat("zz", 64); return s }, pkpAll, nil, ReasonMalformed},
		{"sig short", func() authsig.AuthSig { s := good(); s.Sig = s.Sig[:126]; return s }, pkpAll, nil, ReasonMalformed},
		{"address not a key", func() authsig.AuthSig { s := good(); s.Address = "0x" + s.Address[2:]; return s }, pkpAll, nil, ReasonMalformed},
		{"derivedVia", func() authsig.AuthSig { s := good(); s.DerivedVia = authsig.DerivedViaWallet; return s }, pkpAll, nil, ReasonMalformed},
		{"address upper-case hex", func() authsig.AuthSig { s := good(); s.Address = strings.ToUpper(s.Address); return s }, pkpAll, nil, ReasonMalformed},
		{"weak session key: the identity point verifies any message", func() authsig.AuthSig {
			// A wallet delegation to the identity point as session key, and
			// the signature R = identity, s = 0, which crypto/ed25519
			// accepts for every message under that key.
			weak := "01" + strings.Repeat("00", 31)
			p := f.defaults(params{uri: sessionkey.URIPrefix + weak})
			b, err := stdjson.Marshal(sessionTemplate{
				SessionKey: weak, ResourceAbilityRequests: p.requests,
				Capabilities: []authsig.AuthSig{f.delegation(p)}, IssuedAt: p.issuedAt, Expiration: p.expiration, NodeAddress: testNode,
			})
			if err != nil {
				t.Fatal(err)
			}
			return authsig.AuthSig{Sig: "01" + strings.Repeat("00", 63), DerivedVia: authsig.DerivedViaSession,
				SignedMessage: string(b), Address: weak, Algo: authsig.AlgoEd25519}
		}, pkpAll, nil, ReasonMalformed},
		{"unknown algo", func() authsig.AuthSig { s := good(); s.Algo = "secp256k1"; return s }, pkpAll, nil, ReasonUnsupported},
		{"missing algo", func() authsig.AuthSig { s := good(); s.Algo = ""; return s }, pkpAll, nil, ReasonUnsupported},
		{"invalid UTF-8", func() authsig.AuthSig { return f.signRaw("{\"sessionKey\":\"\xff\"}") }, pkpAll, nil, ReasonMalformed},
		{"sessionKey is not address", func() authsig.AuthSig {
			p := f.defaults(params{})
			return f.sign(sessionTemplate{
				SessionKey: strings.Repeat("ab", 32), ResourceAbilityRequests: p.requests,
				Capabilities: []authsig.AuthSig{f.delegation(p)}, IssuedAt: p.issuedAt, Expiration: p.expiration, NodeAddress: testNode,
			})
		}, pkpAll, nil, ReasonSessionKeyMismatch},
		{"wrong nodeAddress", func() authsig.AuthSig { return f.build(params{nodeAddress: testNode2}) }, pkpAll, nil, ReasonWrongNode},
		{"nodeAddress trailing slash", func() authsig.AuthSig { return f.build(params{nodeAddress: testNode + "/"}) }, pkpAll, nil, ReasonWrongNode},
		{"verifier for another node", good, pkpAll, func(c *Config) { c.NodeURL = testNode2 }, ReasonWrongNode},
		{"expired", good, pkpAll, func(c *Config) { c.Now = func() time.Time { return testNow.Add(24 * time.Hour) } }, ReasonExpired},
		{"issuedAt beyond skew", func() authsig.AuthSig {
			return f.build(params{issuedAt: iso(testNow.Add(3 * time.Minute)), delegIssuedAt: iso(testNow.Add(-time.Minute))})
		}, pkpAll, nil, ReasonNotYetValid},
		{"issuedAt after expiration", func() authsig.AuthSig {
			return f.build(params{issuedAt: iso(testNow.Add(90 * time.Second)), expiration: iso(testNow.Add(time.Minute)), delegIssuedAt: iso(testNow)})
		}, pkpAll, nil, ReasonBadValidity},
		{"valid too long", func() authsig.AuthSig { return f.build(params{expiration: iso(testNow.Add(31 * 24 * time.Hour))}) }, pkpAll, nil, ReasonBadValidity},
		{"valid too long for a custom bound", good, pkpAll, func(c *Config) { c.MaxValidity = time.Hour }, ReasonBadValidity},
		{"unknown field", func() authsig.AuthSig {
			s := good()
			return f.signRaw(strings.Replace(s.SignedMessage, `{"sessionKey"`, `{"extra":1,"sessionKey"`, 1))
		}, pkpAll, nil, ReasonBadMessage},
		{"duplicate field", func() authsig.AuthSig {
			s := good()
			return f.signRaw(strings.Replace(s.SignedMessage, `{"sessionKey"`, `{"nodeAddress":"x","sessionKey"`, 1))
		}, pkpAll, nil, ReasonBadMessage},
		{"field case", func() authsig.AuthSig {
			s := good()
			return f.signRaw(strings.Replace(s.SignedMessage, `"nodeAddress"`, `"NodeAddress"`, 1))
		}, pkpAll, nil, ReasonBadMessage},
		{"missing field", func() authsig.AuthSig {
			s := good()
			i := strings.Index(s.SignedMessage, `,"nodeAddress"`)
			return f.signRaw(s.SignedMessage[:i] + "}")
		}, pkpAll, nil, ReasonBadMessage},
		{"mistyped field", func() authsig.AuthSig {
			s := good()
			return f.signRaw(strings.Replace(s.SignedMessage, `"nodeAddress":"`+testNode+`"`, `"nodeAddress":null`, 1))
		}, pkpAll, nil, ReasonBadMessage},
		{"trailing data", func() authsig.AuthSig { return f.signRaw(good().SignedMessage + "{}") }, pkpAll, nil, ReasonBadMessage},
		{"not JSON", func() authsig.AuthSig { return f.signRaw("hello") }, pkpAll, nil, ReasonBadMessage},
		{"bad time", func() authsig.AuthSig { return f.build(params{issuedAt: "yesterday", delegIssuedAt: iso(testNow)}) }, pkpAll, nil, ReasonBadMessage},
		{"no capabilities", func() authsig.AuthSig {
			p := f.defaults(params{})
			return f.sign(sessionTemplate{SessionKey: f.session.PublicKeyHex(), ResourceAbilityRequests: p.requests,
				Capabilities: []authsig.AuthSig{}, IssuedAt: p.issuedAt, Expiration: p.expiration, NodeAddress: testNode})
		}, pkpAll, nil, ReasonNoCapabilities},
		{"capability sig tampered", func() authsig.AuthSig {
			p := f.defaults(params{})
			d := f.delegation(p)
			d.Sig = d.Sig[:10] + flip(d.Sig[10]) + d.Sig[11:]
			return f.sign(sessionTemplate{SessionKey: f.session.PublicKeyHex(), ResourceAbilityRequests: p.requests,
				Capabilities: []authsig.AuthSig{d}, IssuedAt: p.issuedAt, Expiration: p.expiration, NodeAddress: testNode})
		}, pkpAll, nil, ReasonCapabilityInvalid},
		{"capability expired", func() authsig.AuthSig {
			return f.build(params{delegIssuedAt: iso(testNow.Add(-48 * time.Hour)), delegExp: iso(testNow.Add(-time.Second))})
		}, pkpAll, nil, ReasonCapabilityExpired},
		{"capability issued in the future", func() authsig.AuthSig { return f.build(params{delegIssuedAt: iso(testNow.Add(time.Hour))}) }, pkpAll, nil, ReasonCapabilityNotYetValid},
		{"capability without expiry", func() authsig.AuthSig {
			p := f.defaults(params{})
			d := f.delegation(p)
			msg := strings.Replace(d.SignedMessage, "\nExpiration Time: "+p.delegExp, "", 1)
			d2, err := authsig.Sign(t.Context(), f.wallet, msg)
			if err != nil {
				t.Fatal(err)
			}
			return f.sign(sessionTemplate{SessionKey: f.session.PublicKeyHex(), ResourceAbilityRequests: p.requests,
				Capabilities: []authsig.AuthSig{d2}, IssuedAt: p.issuedAt, Expiration: p.expiration, NodeAddress: testNode})
		}, pkpAll, nil, ReasonCapabilityInvalid},
		{"capability unknown algo", func() authsig.AuthSig {
			p := f.defaults(params{})
			d := f.delegation(p)
			d.Algo = "ES256"
			return f.sign(sessionTemplate{SessionKey: f.session.PublicKeyHex(), ResourceAbilityRequests: p.requests,
				Capabilities: []authsig.AuthSig{d}, IssuedAt: p.issuedAt, Expiration: p.expiration, NodeAddress: testNode})
		}, pkpAll, nil, ReasonUnsupported},
		{"SIWE URI for another key", func() authsig.AuthSig {
			return f.build(params{uri: "lit:session:" + strings.Repeat("ab", 32)})
		}, pkpAll, nil, ReasonWrongSessionURI},
		{"session outlives delegation", func() authsig.AuthSig {
			return f.build(params{delegExp: iso(testNow.Add(time.Hour))})
		}, pkpAll, nil, ReasonOutlivesDelegation},
		{"stale nonce", good, pkpAll, func(c *Config) { c.RecentBlockhash = func(string) bool { return false } }, ReasonStaleNonce},
		{"recap does not cover op", good, litAction, nil, ReasonNotAuthorized},
		{"recap does not cover a request", func() authsig.AuthSig {
			return f.build(params{requests: []resource.Request{pkpAll, litActionAll}, granted: []resource.Request{pkpAll}})
		}, pkpAll, nil, ReasonNotAuthorized},
		{"recap covers op but requests do not", func() authsig.AuthSig {
			return f.build(params{requests: []resource.Request{pkpAll}, granted: []resource.Request{pkpAll, litActionAll}})
		}, litAction, nil, ReasonNotRequested},
		{"capacity delegatee mismatch", func() authsig.AuthSig {
			cd := f.capacityDelegation(capacity.Params{CapacityTokenID: "12345", Delegatees: []string{"0x" + strings.Repeat("33", 20)}})
			return f.build(params{before: []authsig.AuthSig{cd}})
		}, pkpAll, nil, ReasonNotDelegatee},
		{"capacity for nobody", func() authsig.AuthSig {
			cd := f.capacityDelegation(capacity.Params{Delegatees: []string{}})
			return f.build(params{before: []authsig.AuthSig{cd}})
		}, pkpAll, nil, ReasonNotDelegatee},
		{"capacity expired", func() authsig.AuthSig {
			cd := f.capacityDelegation(capacity.Params{Expiration: iso(testNow.Add(-time.Minute))})
			return f.build(params{before: []authsig.AuthSig{cd}})
		}, pkpAll, nil, ReasonCapabilityExpired},
		{"capacity sig tampered", func() authsig.AuthSig {
			cd := f.capacityDelegation(capacity.Params{})
			cd.SignedMessage = strings.Replace(cd.SignedMessage, "Chain ID: 1", "Chain ID: 2", 1)
			return f.build(params{before: []authsig.AuthSig{cd}})
		}, pkpAll, nil, ReasonCapabilityInvalid},
		{"capacity uses zero", func() authsig.AuthSig {
			cd := f.capacityDelegation(capacity.Params{Uses: "0"})
			return f.build(params{before: []authsig.AuthSig{cd}})
		}, pkpAll, nil, ReasonCapacityInvalid},
		{"capacity nft_id mismatch", func() authsig.AuthSig {
			return f.build(params{before: []authsig.AuthSig{f.rawCapacity(t, "12345", map[string]any{"nft_id": []any{"999"}})}})
		}, pkpAll, nil, ReasonCapacityInvalid},
		{"capacity unknown restriction", func() authsig.AuthSig {
			return f.build(params{before: []authsig.AuthSig{f.rawCapacity(t, "*", map[string]any{"max_uses": "3"})}})
		}, pkpAll, nil, ReasonCapacityInvalid},
		{"two capacity delegations", func() authsig.AuthSig {
			cd := f.capacityDelegation(capacity.Params{})
			return f.build(params{before: []authsig.AuthSig{cd, cd}})
		}, pkpAll, nil, ReasonCapacityInvalid},
		{"no node URL", good, pkpAll, func(c *Config) { c.NodeURL = "" }, ReasonMisconfigured},
		{"invalid operation", good, resource.Request{Resource: resource.Resource{Prefix: resource.PKP, ID: "*"}, Ability: resource.LitActionExecution}, nil, ReasonBadOperation},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var mods []func(*Config)
			if c.cfg != nil {
				mods = append(mods, c.cfg)
			}
			res, err := f.verifier(mods...).Verify(c.sig(), c.op)
			if res != nil {
				t.Fatalf("non-nil result with error %v", err)
			}
			wantReason(t, err, c.want)
		})
	}
}

// rawCapacity signs a capacity delegation with an arbitrary nota bene.
func (f *fixture) rawCapacity(t *testing.T, id string, nb map[string]any) authsig.AuthSig {
	t.Helper()
	owner, _ := f.owner.Address(t.Context())
	msg, err := siwe.CreateWithRecaps(siwe.Params{
		Address: owner, URI: capacity.DelegationURI, Nonce: testNonce,
		IssuedAt: iso(testNow.Add(-time.Hour)), Expiration: iso(testNow.Add(time.Hour)),
		Resources: []resource.Request{{Resource: resource.Resource{Prefix: resource.RateLimitIncrease, ID: id}, Ability: resource.RateLimitIncreaseAuth, Data: nb}},
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := authsig.Sign(t.Context(), f.owner, msg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func flip(c byte) string {
	if c == '0' {
		return "1"
	}
	return "0"
}

func TestSkewTolerated(t *testing.T) {
	f := newFixture(t)
	sig := f.build(params{issuedAt: iso(testNow.Add(90 * time.Second)), delegIssuedAt: iso(testNow.Add(90 * time.Second))})
	op := req(t, resource.PKP, "*", resource.PKPSigning)
	if _, err := f.verifier().Verify(sig, op); err != nil {
		t.Fatalf("within the default 2 min skew: %v", err)
	}
	_, err := f.verifier(func(c *Config) { c.MaxSkew = -1 }).Verify(sig, op)
	wantReason(t, err, ReasonNotYetValid)
	// Unlimited validity.
	long := f.build(params{expiration: iso(testNow.Add(365 * 24 * time.Hour))})
	if _, err := f.verifier(func(c *Config) { c.MaxValidity = -1 }).Verify(long, op); err != nil {
		t.Fatal(err)
	}
}

func TestCapabilityErrorUnwrapsToAuthSig(t *testing.T) {
	f := newFixture(t)
	p := f.defaults(params{})
	d := f.delegation(p)
	d.Address = "0x" + strings.Repeat("55", 20)
	sig := f.sign(sessionTemplate{SessionKey: f.session.PublicKeyHex(), ResourceAbilityRequests: p.requests,
		Capabilities: []authsig.AuthSig{d}, IssuedAt: p.issuedAt, Expiration: p.expiration, NodeAddress: testNode})
	_, err := f.verifier().Verify(sig, req(t, resource.PKP, "*", resource.PKPSigning))
	wantReason(t, err, ReasonCapabilityInvalid)
	if !authsig.IsReason(err, authsig.ReasonAddressMismatch) {
		t.Fatalf("want the authsig reason to be reachable: %v", err)
	}
	if !strings.Contains(err.Error(), "capabilities[0] (the session delegation)") {
		t.Fatalf("error should name the capability: %v", err)
	}
}

func TestWhitespaceSignedIsAccepted(t *testing.T) {
	// Only the signed bytes matter: a template with JSON whitespace, signed
	// as it is, is accepted (a non-SDK signer may indent).
	f := newFixture(t)
	s := f.build(params{})
	msg := strings.NewReplacer(`{"sessionKey":`, "{\n  \"sessionKey\" :  ", `,"nodeAddress":"`+testNode+`"}`, `, "nodeAddress" : "`+testNode+"\" \n}\n").Replace(s.SignedMessage)
	if msg == s.SignedMessage {
		t.Fatal("replacement failed")
	}
	res, err := f.verifier().Verify(f.signRaw(msg), req(t, resource.PKP, "*", resource.PKPSigning))
	if err != nil {
		t.Fatal(err)
	}
	if res.SessionKey != f.session.PublicKeyHex() {
		t.Fatalf("session key %q", res.SessionKey)
	}
}

// sigVariants returns the encodings of one wallet signature that a careless
// verifier accepts: v as 0/1, upper-case hex, and the high-s twin.
func sigVariants(t *testing.T, sig string) (v01, upper, highS string) {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(sig, "0x"))
	if err != nil || len(b) != 65 {
		t.Fatalf("sig %q", sig)
	}
	low := bytes.Clone(b)
	low[64] -= 27
	v01 = "0x" + hex.EncodeToString(low)
	upper = "0x" + strings.ToUpper(hex.EncodeToString(b))
	n := crypto.S256().Params().N
	s := new(big.Int).Sub(n, new(big.Int).SetBytes(b[32:64]))
	twin := bytes.Clone(b)
	s.FillBytes(twin[32:64])
	twin[64] = 55 - b[64] // 27 <-> 28
	highS = "0x" + hex.EncodeToString(twin)
	return v01, upper, highS
}

// One capacity delegation has one ID whatever encoding of its signature
// is presented, and its high-s twin is refused: uses cannot be multiplied.
func TestCapacityDelegationIDIsEncodingIndependent(t *testing.T) {
	f := newFixture(t)
	cd := f.capacityDelegation(capacity.Params{CapacityTokenID: "12345", Uses: "10"})
	op := req(t, resource.PKP, "*", resource.PKPSigning)
	id := func(sig string) (string, error) {
		c := cd
		c.Sig = sig
		res, err := f.verifier().Verify(f.build(params{before: []authsig.AuthSig{c}}), op)
		if err != nil {
			return "", err
		}
		return res.Capacity.ID, nil
	}
	want, err := id(cd.Sig)
	if err != nil {
		t.Fatal(err)
	}
	v01, upper, highS := sigVariants(t, cd.Sig)
	for name, sig := range map[string]string{"v 0/1": v01, "upper-case hex": upper} {
		got, err := id(sig)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got != want {
			t.Errorf("%s: ID %s, want %s (the same authorisation)", name, got, want)
		}
	}
	if _, err := id(highS); err == nil {
		t.Fatal("the high-s twin of the capacity delegation was accepted")
	}
	// The twin really is the same signature with s negated: it recovers
	// the owner when the low-s rule is not applied.
	raw, _ := hex.DecodeString(highS[2:])
	raw[64] -= 27
	pub, err := crypto.SigToPub(authsig.TextHash([]byte(cd.SignedMessage)), raw)
	if err != nil || crypto.PubkeyToAddress(*pub).Hex() != cd.Address {
		t.Fatalf("the twin does not recover the owner (%v): the test proves nothing", err)
	}
}
