//go:build js && wasm

package main

import (
	"errors"
	"strings"
	"syscall/js"
	"testing"

	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/wasm/internal/jsbridge"
)

// core/siwe and core/session test the params schemas; these tests check
// that the bindings pass their errors on with code invalid_params.

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
		var fe *jsjson.FieldError
		if !errors.As(err, &fe) || jsbridge.Classify(err) != errcode.InvalidParams || !strings.Contains(err.Error(), want) {
			t.Errorf("createSiwe(%s): %v, want %q", doc, err, want)
		}
	}
	_, err = createSiwe(`{"uri":"x"}`)
	if jsbridge.Classify(err) != errcode.InvalidParams || !strings.HasPrefix(err.Error(), "createSiweMessageWithRecaps: ") {
		t.Errorf("createSiwe without a nonce: %v", err)
	}
}

func TestGetSessionSigsParamsErrors(t *testing.T) {
	c := &client{}
	for doc, want := range map[string]string{
		``:               "getSessionSigs needs a params object",
		`{"chain":"x",}`: "at byte offset 13",
		`{"chain":1}`:    "getSessionSigs: chain must be a string, got number",
		`{"chain":"x"}`:  "getSessionSigs: resourceAbilityRequests is required",
		`{"sessionKey":{"publicKey":"00","secretKey":"11"},"resourceAbilityRequests":[` + pkpAll + `]}`: "getSessionSigs: sessionKey: secretKey must be 128 hex characters",
	} {
		_, err := c.getSessionSigs(doc, js.Undefined())
		if jsbridge.Classify(err) != errcode.InvalidParams || !strings.Contains(err.Error(), want) {
			t.Errorf("getSessionSigs(%s): %v, want %q", doc, err, want)
		}
	}
}
