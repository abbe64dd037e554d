package delegation_test

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
)

func parse(t *testing.T, s string) jsjson.Value {
	t.Helper()
	v, err := jsjson.Parse([]byte(s))
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}

// testPKP is a PKP of a fresh secp256k1 key.
func testPKP(t *testing.T) pkp.PKP {
	t.Helper()
	k, _ := crypto.GenerateKey()
	p, err := pkp.Parse("0x" + hex.EncodeToString(crypto.FromECDSAPub(&k.PublicKey)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGenerateParamsFromJSON(t *testing.T) {
	k := testPKP(t)
	kp, _ := sessionkey.Generate(nil)
	owner, _ := authsig.NewKeySigner(strings.Repeat("11", 32))
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	req := `[{"resource":{"resource":"` + strings.TrimPrefix(k.TokenID, "0x") + `","resourcePrefix":"lit-pkp"},"ability":"pkp-signing"}]`
	full := `{"pkpPublicKey":"` + k.PublicKey + `","resourceAbilityRequests":` + req +
		`,"expiration":"2030-01-01T00:15:00.000Z","sessionKeyPair":{"publicKey":"` + kp.PublicKeyHex() + `","secretKey":"` + kp.SecretKeyHex() +
		`"},"domain":"example.com","statement":"hi","unknown":1}`

	p, err := delegation.GenerateParamsFromJSON(parse(t, full), owner, now)
	if err != nil {
		t.Fatal(err)
	}
	if p.PKPPublicKey != k.PublicKey || !p.SessionKeyPair.Equal(kp) || len(p.Resources) != 1 || p.Resources[0].Resource != k.Resource() ||
		p.Resources[0].Ability != resource.PKPSigning || !p.Expiration.Equal(now.Add(15*time.Minute)) || p.Domain != "example.com" ||
		p.Statement != "hi" || p.Owner != owner {
		t.Errorf("read %+v", p)
	}

	// No sessionKeyPair (or null): a new one; null domain: empty.
	min := `{"pkpPublicKey":"` + k.PublicKey + `","resourceAbilityRequests":` + req + `,"expiration":"2030-01-01T00:15:00.000Z","sessionKeyPair":null,"domain":null}`
	p, err = delegation.GenerateParamsFromJSON(parse(t, min), owner, now)
	if err != nil || p.SessionKeyPair == nil || p.SessionKeyPair.Equal(kp) || p.Domain != "" {
		t.Errorf("without a session key: %+v, %v", p, err)
	}

	set := func(member, value string) string {
		v := parse(t, full)
		var o jsjson.Object
		members, _ := v.Members()
		done := false
		for _, m := range members {
			if m.Key == member {
				done = true
				if value == "" {
					continue
				}
				o.Raw(m.Key, []byte(value))
				continue
			}
			b, _ := m.Value.MarshalJSON()
			o.Raw(m.Key, b)
		}
		if !done && value != "" {
			o.Raw(member, []byte(value))
		}
		b, _ := o.Bytes()
		return string(b)
	}
	for name, tc := range map[string]struct {
		params, want string
	}{
		"not an object":      {`"x"`, "must be an object"},
		"no pkp key":         {set("pkpPublicKey", ""), "pkpPublicKey is not a PKP public key"},
		"pkp key number":     {set("pkpPublicKey", "7"), "pkpPublicKey must be a string"},
		"bad pkp key":        {set("pkpPublicKey", `"0x04abcd"`), "pkpPublicKey is not a PKP public key"},
		"no resources":       {set("resourceAbilityRequests", ""), "resourceAbilityRequests is empty"},
		"empty resources":    {set("resourceAbilityRequests", "[]"), "resourceAbilityRequests is empty"},
		"resources object":   {set("resourceAbilityRequests", "{}"), "resourceAbilityRequests: "},
		"bad ability":        {strings.Replace(full, "pkp-signing", "lit-action-execution", 1), "resourceAbilityRequests[0] is not valid: "},
		"resource not kind":  {set("resourceAbilityRequests", `[{"resource":"*","ability":"pkp-signing"}]`), "resourceAbilityRequests: "},
		"no expiration":      {set("expiration", ""), "expiration is required"},
		"past expiration":    {set("expiration", `"2029-12-31T23:59:00Z"`), "expiration 2029-12-31T23:59:00.000Z is not in the future"},
		"garbled expiration": {set("expiration", `"tomorrow"`), "not an ISO-8601 date-time"},
		"expiration number":  {set("expiration", "5"), "expiration must be a string"},
		"bad session key":    {set("sessionKeyPair", `{"publicKey":"`+strings.Repeat("00", 32)+`","secretKey":"`+strings.Repeat("11", 32)+`"}`), "sessionKeyPair: "},
		"session key string": {set("sessionKeyPair", `"x"`), "sessionKeyPair must be an object"},
		"domain number":      {set("domain", "1"), "domain must be a string"},
	} {
		_, err := delegation.GenerateParamsFromJSON(parse(t, tc.params), owner, now)
		var fe *jsjson.FieldError
		switch {
		case err == nil:
			t.Errorf("%s: no error", name)
		case errcode.Of(err) != errcode.InvalidParams || !errors.As(err, &fe):
			t.Errorf("%s: %v (code %s), want an invalid_params *jsjson.FieldError", name, err, errcode.Of(err))
		case !strings.HasPrefix(err.Error(), "generatePkpDelegationAuthSig: ") || !strings.Contains(err.Error(), tc.want):
			t.Errorf("%s: %q, want the function named and %q", name, err, tc.want)
		case strings.Contains(err.Error(), strings.Repeat("11", 32)) || strings.Contains(err.Error(), kp.SecretKeyHex()[:64]):
			t.Errorf("%s: the message quotes a secret key", name)
		}
	}

	// Without an owner: a Go params error, not a member's.
	var pe *delegation.ParamsError
	if _, err := delegation.GenerateParamsFromJSON(parse(t, full), nil, now); !errors.As(err, &pe) || pe.Field != "Owner" || errcode.Of(err) != errcode.InvalidParams {
		t.Errorf("no owner: %v", err)
	}
}

func TestEnvelopeFromJSON(t *testing.T) {
	k := testPKP(t)
	kp, _ := sessionkey.Generate(nil)
	a := `{"sig":"s","derivedVia":"lit.bls","signedMessage":"m","address":"0x0","algo":"LIT_BLS"}`
	full := `{"pkpPublicKey":"` + k.PublicKey + `","sessionKeyPair":{"publicKey":"` + kp.PublicKeyHex() + `","secretKey":"` + kp.SecretKeyHex() + `"},"delegationAuthSig":` + a + `}`
	env, err := delegation.EnvelopeFromJSON(parse(t, full))
	if err != nil || env.PKPPublicKey != k.PublicKey || !env.SessionKeyPair.Equal(kp) ||
		env.DelegationAuthSig != (authsig.AuthSig{Sig: "s", DerivedVia: "lit.bls", SignedMessage: "m", Address: "0x0", Algo: "LIT_BLS"}) {
		t.Fatalf("read %v %+v, %v", env, env.DelegationAuthSig, err)
	}
	for name, tc := range map[string]struct{ params, want string }{
		"not an object":       {`[]`, "must be an object"},
		"no session key":      {strings.Replace(full, `"sessionKeyPair"`, `"x"`, 1), "sessionKeyPair is required"},
		"mismatched key pair": {strings.Replace(full, kp.PublicKeyHex(), strings.Repeat("00", 32), 1), "sessionKeyPair: "},
		"no delegation":       {strings.Replace(full, `"delegationAuthSig"`, `"x"`, 1), "delegationAuthSig is required"},
		"delegation string":   {strings.Replace(full, a, `"x"`, 1), "delegationAuthSig: "},
		"delegation no sig":   {strings.Replace(full, `"sig":"s",`, ``, 1), "delegationAuthSig: "},
	} {
		_, err := delegation.EnvelopeFromJSON(parse(t, tc.params))
		if errcode.Of(err) != errcode.InvalidParams || !strings.HasPrefix(err.Error(), "createDelegationEnvelope: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v (code %s), want invalid_params naming the function and %q", name, err, errcode.Of(err), tc.want)
		}
	}
	// A bad pkpPublicKey is the envelope's error, named for the function.
	_, err = delegation.CreateEnvelopeJSON(parse(t, strings.Replace(full, k.PublicKey, "0x1234", 1)))
	if errcode.Of(err) != errcode.InvalidParams || !strings.HasPrefix(err.Error(), "createDelegationEnvelope: envelope: pkpPublicKey") {
		t.Errorf("bad pkpPublicKey: %v", err)
	}
}
