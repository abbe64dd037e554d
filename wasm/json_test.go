//go:build js && wasm

package main

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/jsjson/stdjson"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/wasm/internal/jsbridge"
)

// api.go reads and writes JSON with jsjson. These tests compare it with
// encoding/json on the struct forms it replaced.

// oldSessionParams is the struct getSessionSigs' params used to be
// decoded into with encoding/json.
type oldSessionParams struct {
	Chain                     string             `json:"chain"`
	ResourceAbilityRequests   []resource.Request `json:"resourceAbilityRequests"`
	Expiration                string             `json:"expiration"`
	CapabilityAuthSigs        []authsig.AuthSig  `json:"capabilityAuthSigs"`
	CapacityDelegationAuthSig *authsig.AuthSig   `json:"capacityDelegationAuthSig"`
	SessionKey                *sessionKeyJSON    `json:"sessionKey"`
	Domain                    string             `json:"domain"`
	SwitchChain               bool               `json:"switchChain"`
}

const testAuthSig = `{"sig":"0x01","derivedVia":"web3.eth.personal.sign","signedMessage":"m <&>\u2028","address":"0xab"}`

func TestParseSessionParamsMatchesEncodingJSON(t *testing.T) {
	for _, doc := range []string{
		params(pkpAll),
		`{"chain":"ethereum","resourceAbilityRequests":[` + pkpAll + `,` + actionAll + `],"expiration":"2030-01-01T00:00:00.000Z",` +
			`"capabilityAuthSigs":[` + testAuthSig + `],"capacityDelegationAuthSig":` + testAuthSig + `,` +
			`"sessionKey":{"publicKey":"ab","secretKey":"cd"},"domain":"example.com","switchChain":true,"unknown":[1,{}]}`,
		`{"resourceAbilityRequests":[{"resource":{"resource":"7","resourcePrefix":"lit-ratelimitincrease"},"ability":"rate-limit-increase-auth","data":{"uses":"3","n":2.5}}],` +
			`"chain":null,"capabilityAuthSigs":null,"capacityDelegationAuthSig":null,"sessionKey":null,"switchChain":null}`,
		`{"resourceAbilityRequests":[],"sessionKey":{}}`,
		`{"chain":1,"resourceAbilityRequests":[` + pkpAll + `]}`,
		`{"switchChain":"yes","resourceAbilityRequests":[` + pkpAll + `]}`,
		`{"capabilityAuthSigs":{},"resourceAbilityRequests":[` + pkpAll + `]}`,
		`{"capabilityAuthSigs":[{"sig":"x"}],"resourceAbilityRequests":[` + pkpAll + `]}`,
		`{"capacityDelegationAuthSig":[],"resourceAbilityRequests":[` + pkpAll + `]}`,
		`{"sessionKey":"k","resourceAbilityRequests":[` + pkpAll + `]}`,
		`{"sessionKey":{"publicKey":1},"resourceAbilityRequests":[` + pkpAll + `]}`,
		`{"resourceAbilityRequests":{}}`,
		`{"resourceAbilityRequests":[{"resource":"lit-pkp://*","ability":"pkp-signing"}]}`,
		`{"resourceAbilityRequests":[{"resource":{"resource":"*","resourcePrefix":"lit-pkp"},"ability":"pkp-signing","data":[]}]}`,
		`[]`, `"x"`, `{`,
	} {
		var want oldSessionParams
		wantErr := json.Unmarshal([]byte(doc), &want)
		got, err := parseSessionParams(doc)
		if (err != nil) != (wantErr != nil) {
			t.Errorf("%s: error %v, encoding/json %v", doc, err, wantErr)
			continue
		}
		if err != nil {
			if jsbridge.Classify(err) != CodeInvalidParams {
				t.Errorf("%s: error code %s", doc, jsbridge.Classify(err))
			}
			continue
		}
		gotOld := oldSessionParams{
			Chain: got.Chain, ResourceAbilityRequests: got.reqs, Expiration: got.Expiration, CapabilityAuthSigs: got.CapabilityAuthSigs,
			CapacityDelegationAuthSig: got.CapacityDelegationAuthSig, SessionKey: got.SessionKey, Domain: got.Domain, SwitchChain: got.SwitchChain,
		}
		if want.ResourceAbilityRequests == nil {
			want.ResourceAbilityRequests = []resource.Request{}
		}
		if !reflect.DeepEqual(gotOld, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", doc, gotOld, want)
		}
	}
	// Errors say where the JSON is broken.
	_, err := parseSessionParams(`{"chain":"x",}`)
	if err == nil || !strings.Contains(err.Error(), "at byte offset 13") {
		t.Errorf("syntax error: %v", err)
	}
	if _, err := parseSessionParams(`{"chain":1,"resourceAbilityRequests":[]}`); err == nil || !strings.Contains(err.Error(), "chain must be a string, got number") {
		t.Errorf("type error: %v", err)
	}
}

func TestCreateSiweParams(t *testing.T) {
	base := `"uri":"lit:session:` + strings.Repeat("ab", 32) + `","expiration":"2030-01-01T00:00:00.000Z","nonce":"` + "0x" + strings.Repeat("cd", 32) + `","walletAddress":"` + testAddress + `"`
	msg, err := createSiwe(`{` + base + `,"resources":[` + pkpAll + `],"chainId":1,"statement":"Hi.","domain":"example.com"}`)
	if err != nil || !strings.Contains(msg.(string), "example.com wants you to sign in") || !strings.Contains(msg.(string), "Hi.") {
		t.Fatalf("createSiwe: %v %v", msg, err)
	}
	for doc, want := range map[string]string{
		`{` + base + `,"chainId":1.5}`:       "chainId must be a whole number, got 1.5",
		`{` + base + `,"chainId":"1"}`:       "chainId must be a whole number",
		`{` + base + `,"statement":7}`:       "statement must be a string, got number",
		`{` + base + `,"resources":{}}`:      "resources: resource: requests must be an array, got object",
		`{` + base + `,"resources":[{"a":1,`: "not valid JSON",
		`null`:                               "the params must be an object, got null",
	} {
		_, err := createSiwe(doc)
		var ce *jsbridge.CodedError
		if !errors.As(err, &ce) || jsbridge.Classify(err) != CodeInvalidParams || !strings.Contains(err.Error(), want) {
			t.Errorf("createSiwe(%s): %v, want %q", doc, err, want)
		}
	}
}

func TestAPIWritesWhatEncodingJSONWrote(t *testing.T) {
	reqs := []resource.Request{
		{Resource: resource.Resource{ID: "*", Prefix: resource.PKP}, Ability: resource.PKPSigning},
		{Resource: resource.Resource{ID: "7<&>", Prefix: resource.RateLimitIncrease}, Ability: resource.RateLimitIncreaseAuth, Data: map[string]any{"uses": "3", "n": 1.5}},
	}
	for _, in := range []authNeededJSON{
		{Chain: "ethereum", Statement: "s\u2028", Resources: []string{"urn:recap:x"}, Expiration: "e", URI: "u", Nonce: "n", Domain: "d", ResourceAbilityRequests: reqs},
		{},
	} {
		in.SessionKey.PublicKey = "pk"
		got, err := in.JSON()
		want, _ := stdjson.Marshal(in)
		if err != nil || string(got) != string(want) {
			t.Errorf("authNeededJSON:\n got %s, %v\nwant %s", got, err, want)
		}
	}
	for _, in := range []infoJSON{
		{WalletAsked: true, WalletAddress: "0xab", Rule: "missing", Reason: "no <storage>", Warnings: []string{"w\u2029"}, Timings: timings{TotalMs: 12.345, WalletMs: 1e-7}},
		{Warnings: []string{}},
	} {
		got, err := in.JSON()
		want, _ := stdjson.Marshal(in)
		if err != nil || string(got) != string(want) {
			t.Errorf("infoJSON:\n got %s, %v\nwant %s", got, err, want)
		}
	}
}
