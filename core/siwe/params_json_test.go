package siwe

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/resource"
)

func paramsJSON(t *testing.T, doc string) (Params, error) {
	t.Helper()
	v, err := jsjson.ParseParams([]byte(doc), "createSiweMessageWithRecaps")
	if err != nil {
		return Params{}, err
	}
	return ParamsFromJSON(v)
}

func TestParamsFromJSON(t *testing.T) {
	stmt := "Hi."
	pkp := resource.Request{Resource: resource.Resource{ID: "*", Prefix: resource.PKP}, Ability: resource.PKPSigning}
	for doc, want := range map[string]Params{
		`{"uri":"u","expiration":"e","walletAddress":"0xab","nonce":"n","domain":"d","statement":"Hi.","chainId":137,` +
			`"resources":[{"resource":{"resource":"*","resourcePrefix":"lit-pkp"},"ability":"pkp-signing"}],"unknown":{}}`: {
			URI: "u", Expiration: "e", Address: "0xab", Nonce: "n", Domain: "d", Statement: &stmt, ChainID: 137, Resources: []resource.Request{pkp}},
		`{}`: {},
		`{"uri":null,"expiration":null,"walletAddress":null,"nonce":null,"domain":null,"statement":null,"chainId":null,"resources":null}`: {},
		`{"statement":""}`: {Statement: new(string)},
	} {
		got, err := paramsJSON(t, doc)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v, %v\nwant %+v", doc, got, err, want)
		}
	}
}

func TestParamsFromJSONErrors(t *testing.T) {
	for doc, want := range map[string]string{
		`{"chainId":1.5}`:       "createSiweMessageWithRecaps: chainId must be a whole number, got 1.5",
		`{"chainId":"1"}`:       `createSiweMessageWithRecaps: chainId must be a whole number, got "1"`,
		`{"statement":7}`:       "createSiweMessageWithRecaps: statement must be a string, got number",
		`{"uri":[]}`:            "createSiweMessageWithRecaps: uri must be a string, got array",
		`{"walletAddress":{}}`:  "createSiweMessageWithRecaps: walletAddress must be a string, got object",
		`{"resources":{}}`:      "createSiweMessageWithRecaps: resources: resource: requests must be an array, got object",
		`{"resources":[{"a":1,`: "createSiweMessageWithRecaps: the params are not valid JSON",
		`null`:                  "createSiweMessageWithRecaps: the params must be an object, got null",
		`[1]`:                   "createSiweMessageWithRecaps: the params must be an object, got array",
	} {
		_, err := paramsJSON(t, doc)
		var fe *jsjson.FieldError
		if err == nil || !strings.HasPrefix(err.Error(), want) || !errors.As(err, &fe) || errcode.Of(err) != errcode.InvalidParams {
			t.Errorf("%s: %v, want %q…", doc, err, want)
		}
	}
}
