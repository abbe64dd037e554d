package session

import (
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
)

const (
	jsonPKPAll    = `{"resource":{"resource":"*","resourcePrefix":"lit-pkp"},"ability":"pkp-signing"}`
	jsonActionAll = `{"resource":{"resource":"*","resourcePrefix":"lit-litaction"},"ability":"lit-action-execution"}`
	jsonAuthSig   = `{"sig":"0x01","derivedVia":"web3.eth.personal.sign","signedMessage":"m <&>\u2028","address":"0xab"}`
)

func parseParams(t *testing.T, doc string) (JSParams, error) {
	t.Helper()
	v, err := jsjson.ParseParams([]byte(doc), "getSessionSigs")
	if err != nil {
		return JSParams{}, err
	}
	return ParamsFromJSON(v)
}

func TestParamsFromJSON(t *testing.T) {
	key := seedKey(t, 7)
	testSig := authsig.AuthSig{Sig: "0x01", DerivedVia: "web3.eth.personal.sign", SignedMessage: "m <&>\u2028", Address: "0xab"}
	pkp := resource.Request{Resource: resource.Resource{ID: "*", Prefix: resource.PKP}, Ability: resource.PKPSigning}
	action := resource.Request{Resource: resource.Resource{ID: "*", Prefix: resource.LitAction}, Ability: resource.LitActionExecution}
	for _, tc := range []struct {
		name, doc string
		want      JSParams
	}{
		{"requests only", `{"resourceAbilityRequests":[` + jsonPKPAll + `]}`,
			JSParams{Params: Params{ResourceAbilityRequests: []resource.Request{pkp}}}},
		{"every member", `{"chain":"polygon","resourceAbilityRequests":[` + jsonPKPAll + `,` + jsonActionAll + `],` +
			`"expiration":"2030-01-01T00:00:00.000Z","capabilityAuthSigs":[` + jsonAuthSig + `,` + jsonAuthSig + `],` +
			`"capacityDelegationAuthSig":` + jsonAuthSig + `,"sessionKey":{"publicKey":"` + key.PublicKeyHex() + `","secretKey":"` + key.SecretKeyHex() + `"},` +
			`"domain":"example.com","switchChain":true,"unknown":[1,{}]}`,
			JSParams{Params: Params{Chain: "polygon", ResourceAbilityRequests: []resource.Request{pkp, action}, Expiration: "2030-01-01T00:00:00.000Z",
				CapabilityAuthSigs: []authsig.AuthSig{testSig, testSig}, CapacityDelegationAuthSig: &testSig, SessionKey: key, Domain: "example.com"}, SwitchChain: true}},
		{"nulls", `{"resourceAbilityRequests":[` + jsonPKPAll + `],"chain":null,"expiration":null,"capabilityAuthSigs":null,` +
			`"capacityDelegationAuthSig":null,"sessionKey":null,"domain":null,"switchChain":null}`,
			JSParams{Params: Params{ResourceAbilityRequests: []resource.Request{pkp}}}},
		{"secret key only", `{"resourceAbilityRequests":[` + jsonPKPAll + `],"sessionKey":{"secretKey":"` + key.SecretKeyHex() + `","other":1}}`,
			JSParams{Params: Params{ResourceAbilityRequests: []resource.Request{pkp}, SessionKey: key}}},
		{"naga product and budget", `{"resourceAbilityRequests":[` + jsonPKPAll + `],"product":"SIGN","userMaxPrice":"340282366920938463463374607431768211455"}`,
			JSParams{Params: Params{ResourceAbilityRequests: []resource.Request{pkp}, Operation: string(node.EndpointPKPSign),
				MaxPrice: new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))}}},
		{"zero budget", `{"resourceAbilityRequests":[` + jsonPKPAll + `],"product":"LIT_ACTION","userMaxPrice":"0"}`,
			JSParams{Params: Params{ResourceAbilityRequests: []resource.Request{pkp}, Operation: string(node.EndpointLitAction), MaxPrice: new(big.Int)}}},
		{"empty requests", `{"resourceAbilityRequests":[]}`,
			JSParams{Params: Params{ResourceAbilityRequests: []resource.Request{}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseParams(t, tc.doc)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParamsFromJSONErrors(t *testing.T) {
	reqs := `"resourceAbilityRequests":[` + jsonPKPAll + `]`
	for _, tc := range []struct{ doc, want string }{
		{`{"chain":"x",}`, "getSessionSigs: the params are not valid JSON: "},
		{`[]`, "getSessionSigs: the params must be an object, got array"},
		{`"x"`, "getSessionSigs: the params must be an object, got string"},
		{`null`, "getSessionSigs: the params must be an object, got null"},
		{`{}`, "getSessionSigs: resourceAbilityRequests is required, e.g. "},
		{`{"resourceAbilityRequests":null}`, "getSessionSigs: resourceAbilityRequests is required"},
		{`{"resourceAbilityRequests":{}}`, "getSessionSigs: resourceAbilityRequests: resource: requests must be an array, got object; each entry is "},
		{`{"resourceAbilityRequests":[{"resource":"lit-pkp://*","ability":"pkp-signing"}]}`, "getSessionSigs: resourceAbilityRequests: request 0: resource: want an object {resource, resourcePrefix}, got string"},
		{`{"chain":1,` + reqs + `}`, "getSessionSigs: chain must be a string, got number"},
		{`{"expiration":true,` + reqs + `}`, "getSessionSigs: expiration must be a string, got boolean"},
		{`{"domain":[],` + reqs + `}`, "getSessionSigs: domain must be a string, got array"},
		{`{"switchChain":"yes",` + reqs + `}`, "getSessionSigs: switchChain must be true or false, got string"},
		{`{"capabilityAuthSigs":{},` + reqs + `}`, "getSessionSigs: capabilityAuthSigs must be an array of AuthSigs {sig, derivedVia, signedMessage, address}, got object"},
		{`{"capabilityAuthSigs":[` + jsonAuthSig + `,{"sig":"x"}],` + reqs + `}`, `getSessionSigs: capabilityAuthSigs[1]: authsig: field "derivedVia" is missing`},
		{`{"capacityDelegationAuthSig":[],` + reqs + `}`, "getSessionSigs: capacityDelegationAuthSig: authsig: want an object"},
		{`{"sessionKey":"k",` + reqs + `}`, "getSessionSigs: sessionKey must be an object {publicKey, secretKey}, got string"},
		{`{"sessionKey":{"publicKey":1},` + reqs + `}`, "getSessionSigs: sessionKey: publicKey must be a string, got number"},
		{`{"sessionKey":{},` + reqs + `}`, "getSessionSigs: sessionKey: secretKey is missing"},
		{`{"sessionKey":{"publicKey":"00","secretKey":"11"},` + reqs + `}`, "getSessionSigs: sessionKey: secretKey must be 128 hex characters (seed and public key) or 64 (seed), got 2"},
		{`{"product":"DECRYPTION",` + reqs + `}`, `getSessionSigs: product "DECRYPTION" is not a product session signatures are priced for; use LIT_ACTION (the default), SIGN or SIGN_SESSION_KEY`},
		{`{"product":"sign",` + reqs + `}`, `getSessionSigs: product "sign" is not`},
		{`{"userMaxPrice":1000,` + reqs + `}`, "getSessionSigs: userMaxPrice must be a string, got number"},
		{`{"userMaxPrice":"0100",` + reqs + `}`, `getSessionSigs: userMaxPrice "0100" is not a price in wei`},
		{`{"userMaxPrice":"-1",` + reqs + `}`, `getSessionSigs: userMaxPrice "-1" is not a price in wei`},
		{`{"userMaxPrice":"1e+21",` + reqs + `}`, `getSessionSigs: userMaxPrice "1e+21" is not a price in wei`},
		{`{"userMaxPrice":"0x10",` + reqs + `}`, `getSessionSigs: userMaxPrice "0x10" is not a price in wei`},
		// The first error wins, in member order.
		{`{"chain":1,"domain":2}`, "getSessionSigs: chain must be a string, got number"},
	} {
		_, err := parseParams(t, tc.doc)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant %s…", tc.doc, err, tc.want)
			continue
		}
		var fe *jsjson.FieldError
		if !errors.As(err, &fe) || errcode.Of(err) != errcode.InvalidParams {
			t.Errorf("%s: %T, code %s", tc.doc, err, errcode.Of(err))
		}
	}
	// A bad session key carries the sessionkey error.
	_, err := parseParams(t, `{"sessionKey":{"secretKey":"0x11"},"resourceAbilityRequests":[]}`)
	var se *sessionkey.Error
	if !errors.As(err, &se) || se.Msg != "secretKey must be bare hex without 0x" {
		t.Errorf("sessionKey error: %v", err)
	}
}

func TestChainOrDefault(t *testing.T) {
	if c := (Params{}).ChainOrDefault(); c != DefaultChain {
		t.Errorf("empty chain: %q", c)
	}
	if c := (Params{Chain: "polygon"}).ChainOrDefault(); c != "polygon" {
		t.Errorf("polygon: %q", c)
	}
}

func TestInfoMarshalJSON(t *testing.T) {
	for _, tc := range []struct {
		in   Info
		want string
	}{
		{Info{WalletAsked: true, CacheReused: true, SessionKeyCreated: true, WalletAddress: "0xab", Rule: RuleMissing, Reason: "no <storage>",
			Expiration: "2030-01-01T00:00:00.000Z", Warnings: []string{"w\u2029", "x"}, SessionPublicKey: "ab",
			Timings: Timings{Total: 12345 * time.Microsecond, Wallet: time.Microsecond + 999*time.Nanosecond}},
			"{\"walletAsked\":true,\"cacheReused\":true,\"sessionKeyCreated\":true,\"walletAddress\":\"0xab\",\"rule\":\"missing\",\"reason\":\"no <storage>\",\"expiration\":\"2030-01-01T00:00:00.000Z\",\"warnings\":[\"w\u2029\",\"x\"],\"sessionPublicKey\":\"ab\",\"timings\":{\"totalMs\":12.345,\"walletMs\":0.001}}"},
		{Info{},
			"{\"walletAsked\":false,\"cacheReused\":false,\"sessionKeyCreated\":false,\"walletAddress\":\"\",\"rule\":\"\",\"reason\":\"\",\"expiration\":\"\",\"warnings\":[],\"sessionPublicKey\":\"\",\"timings\":{\"totalMs\":0,\"walletMs\":0}}"},
	} {
		got, err := tc.in.MarshalJSON()
		if err != nil || string(got) != tc.want {
			t.Errorf("got  %s, %v\nwant %s", got, err, tc.want)
		}
	}
}

func TestAuthNeededParamsMarshalJSON(t *testing.T) {
	key := seedKey(t, 9)
	pub := key.PublicKeyHex()
	reqs := []resource.Request{
		{Resource: resource.Resource{ID: "*", Prefix: resource.PKP}, Ability: resource.PKPSigning},
		{Resource: resource.Resource{ID: "7<&>", Prefix: resource.RateLimitIncrease}, Ability: resource.RateLimitIncreaseAuth, Data: map[string]any{"uses": "3", "n": 1.5}},
	}
	for _, tc := range []struct {
		in   AuthNeededParams
		want string
	}{
		{AuthNeededParams{Chain: "ethereum", Statement: "s\u2028", Resources: []string{"urn:recap:x"}, Expiration: "e", URI: "u", Nonce: "n", Domain: "d",
			ResourceAbilityRequests: reqs, SessionKey: key},
			"{\"chain\":\"ethereum\",\"statement\":\"s\u2028\",\"resources\":[\"urn:recap:x\"],\"expiration\":\"e\",\"uri\":\"u\",\"nonce\":\"n\",\"domain\":\"d\",\"resourceAbilityRequests\":[{\"resource\":{\"resource\":\"*\",\"resourcePrefix\":\"lit-pkp\"},\"ability\":\"pkp-signing\"},{\"resource\":{\"resource\":\"7<&>\",\"resourcePrefix\":\"lit-ratelimitincrease\"},\"ability\":\"rate-limit-increase-auth\",\"data\":{\"n\":1.5,\"uses\":\"3\"}}],\"sessionKey\":{\"publicKey\":\"" + pub + "\"}}"},
		{AuthNeededParams{SessionKey: key},
			"{\"chain\":\"\",\"statement\":\"\",\"resources\":null,\"expiration\":\"\",\"uri\":\"\",\"nonce\":\"\",\"resourceAbilityRequests\":null,\"sessionKey\":{\"publicKey\":\"" + pub + "\"}}"},
	} {
		got, err := tc.in.MarshalJSON()
		if err != nil || string(got) != tc.want {
			t.Errorf("got  %s, %v\nwant %s", got, err, tc.want)
		}
		if strings.Contains(string(got), key.SecretKeyHex()[:64]) {
			t.Error("the secret key was written")
		}
	}
}

func TestErrorCodes(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want errcode.Code
	}{
		{ErrInvalidParams, errcode.InvalidParams},
		{paramsErr("Expiration", "bad"), errcode.InvalidParams},
		{ErrNotConnected, errcode.NotConnected},
		{ErrNoSigner, errcode.NoWallet},
		{&AuthSigError{Rule: RuleScope}, errcode.InvalidAuthSig},
	} {
		if got := errcode.Of(tc.err); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.err, got, tc.want)
		}
	}
	if !errors.Is(paramsErr("X", "y"), ErrInvalidParams) {
		t.Error("ParamsError is not ErrInvalidParams")
	}
	var d errcode.Detail
	if !errors.As(error(&AuthSigError{Rule: RuleExpired}), &d) {
		t.Fatal("AuthSigError has no Detail")
	}
	if k, v := d.ErrorDetail(); k != "rule" || v != "expired" {
		t.Errorf("detail %s=%s", k, v)
	}
}

func TestInfoSessionKeyAndTimings(t *testing.T) {
	r := newRig(t)
	sigs, info := r.get(t, Params{ResourceAbilityRequests: pkpAll(t)})
	for _, a := range sigs.All() {
		if a.Address != info.SessionPublicKey {
			t.Fatalf("SessionPublicKey %q, sigs by %q", info.SessionPublicKey, a.Address)
		}
	}
	if !info.WalletAsked || info.Timings.Total <= 0 || info.Timings.Wallet <= 0 || info.Timings.Wallet > info.Timings.Total {
		t.Errorf("timings %+v", info.Timings)
	}
	_, info = r.get(t, Params{ResourceAbilityRequests: pkpAll(t)})
	if !info.CacheReused || info.Timings.Wallet != 0 {
		t.Errorf("cached: %+v", info)
	}
}
