package delegation

import (
	"reflect"
	"testing"

	"github.com/litgo/litsession/core/recap"
	"github.com/litgo/litsession/core/resource"
)

func TestRecapRequests(t *testing.T) {
	rc := recap.New()
	pkpID := "00000000000000000000000000000000000000000000000000000000000000ab"
	for _, a := range []struct{ key, ns, name string }{
		{"lit-pkp://" + pkpID, "Threshold", "Signing"},
		{"lit-accesscontrolcondition://*", "*", "*"},
		{"lit-litaction://*", "Threshold", "Execution"},
		{"lit-resolvedauthcontext://*", "Auth", "Auth"},
		{"lit-pkp://" + pkpID, "Threshold", "Execution"}, // not valid for a PKP
	} {
		if err := rc.AddAttenuation(a.key, a.ns, a.name, nil); err != nil {
			t.Fatal(err)
		}
	}
	rc.AddAttenuation("lit-ratelimitincrease://7", "Auth", "Auth", recap.NotaBene{})
	rc.AddAttenuation("lit-ratelimitincrease://7", "Auth", "Auth", recap.NotaBene{"uses": "3"})
	got := RecapRequests(rc)
	req := func(p resource.Prefix, id string, a resource.Ability, data map[string]any) resource.Request {
		return resource.Request{Resource: resource.Resource{Prefix: p, ID: id}, Ability: a, Data: data}
	}
	want := []resource.Request{
		req(resource.AccessControlCondition, "*", resource.AccessControlConditionDecryption, nil),
		req(resource.AccessControlCondition, "*", resource.AccessControlConditionSigning, nil),
		req(resource.LitAction, "*", resource.LitActionExecution, nil),
		req(resource.PKP, pkpID, resource.PKPSigning, nil),
		req(resource.RateLimitIncrease, "7", resource.RateLimitIncreaseAuth, map[string]any{"uses": "3"}),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	if RecapRequests(nil) != nil || len(RecapRequests(recap.New())) != 0 {
		t.Fatal("an empty ReCap grants nothing")
	}
}
