package verify

import (
	"errors"
	"testing"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/capacity"
	"github.com/litgo/litsession/core/resource"
)

// FuzzVerify feeds arbitrary signedMessage and sig strings. With sign set,
// the message is signed with the session key so that fuzzing reaches the
// template and capability checks. Verify must never panic, and must return
// either a result or an *Error.
func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	good := fx.build(params{})
	withCap := fx.build(params{before: []authsig.AuthSig{fx.capacityDelegation(capacity.Params{CapacityTokenID: "7", Uses: "3"})}})
	f.Add(good.SignedMessage, good.Sig, false)
	f.Add(good.SignedMessage, "", true)
	f.Add(withCap.SignedMessage, "", true)
	f.Add(`{"sessionKey":1}`, "", true)
	f.Add(`{"capabilities":[{"sig":"{\"ProofOfPossession\":\"00\"}","algo":"LIT_BLS","derivedVia":"lit.bls","signedMessage":"x","address":"y"}]}`, "", true)
	f.Add("", "zz", false)

	v := fx.verifier(func(c *Config) {
		c.Cache = NewWalletSigCache(16)
		c.NetworkPublicKey = "86108816a69a1dc709dc6fdb084e9d5431414b46e7b56772260a6c695663cfc66ce0afee43b1a5dd51241a3478386521"
	})
	op := resource.Request{Resource: resource.Resource{Prefix: resource.PKP, ID: "*"}, Ability: resource.PKPSigning}
	f.Fuzz(func(t *testing.T, msg, sig string, sign bool) {
		a := authsig.AuthSig{Sig: sig, DerivedVia: authsig.DerivedViaSession, SignedMessage: msg, Address: fx.session.PublicKeyHex(), Algo: authsig.AlgoEd25519}
		if sign {
			a = fx.signRaw(msg)
		}
		res, err := v.Verify(a, op)
		if err == nil && res == nil {
			t.Fatal("nil result without error")
		}
		if err != nil {
			var e *Error
			if res != nil || !errors.As(err, &e) || e.Reason == "" {
				t.Fatalf("untyped rejection or result with error: %v", err)
			}
		}
	})
}
