package session

import (
	"math/big"
	"strings"
	"testing"

	"github.com/litgo/litsession/core/resource"
)

// A naga template (MaxPrices set) writes requests in v8's member order, a
// datil one in v7's; conformance.TestConformanceNagaSessionSigs checks
// whole templates against the official v8 client.
func TestTemplateRequestOrderByGeneration(t *testing.T) {
	req, err := resource.NewRequest(resource.PKP, "*", resource.PKPSigning)
	if err != nil {
		t.Fatal(err)
	}
	req.Data = map[string]any{"uses": "1"}
	tpl := Template{ResourceAbilityRequests: []resource.Request{req}, IssuedAt: "a", Expiration: "b"}
	v7, err := tpl.Message("k", "http://n")
	if err != nil {
		t.Fatal(err)
	}
	if want := `"resourceAbilityRequests":[{"resource":{"resource":"*","resourcePrefix":"lit-pkp"},"ability":"pkp-signing","data":{"uses":"1"}}]`; !strings.Contains(string(v7), want) {
		t.Errorf("datil template %s, want it to contain %s", v7, want)
	}
	tpl.MaxPrices = map[string]*big.Int{"http://n": big.NewInt(255)}
	v8, err := tpl.Message("k", "http://n")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"sessionKey":"k","resourceAbilityRequests":[{"resource":{"resourcePrefix":"lit-pkp","resource":"*"},"ability":"pkp-signing","data":{"uses":"1"}}],` +
		`"capabilities":[],"issuedAt":"a","expiration":"b","nodeAddress":"http://n","maxPrice":"0xff"}`
	if string(v8) != want {
		t.Errorf("naga template\n got %s\nwant %s", v8, want)
	}
}

// On naga the wallet's SIWE statement is v8's empty one, and the JS
// callback is told so; on datil the field is absent.
func TestAuthNeededParamsNagaStatement(t *testing.T) {
	req, _ := resource.NewRequest(resource.PKP, "*", resource.PKPSigning)
	p := AuthNeededParams{URI: "lit:session:" + strings.Repeat("ab", 32), Nonce: "0x1234567890",
		Expiration: "2030-01-01T00:00:00.000Z", ResourceAbilityRequests: []resource.Request{req}}
	b, _ := p.MarshalJSON()
	if strings.Contains(string(b), "siweStatement") {
		t.Errorf("datil params %s name a siweStatement", b)
	}
	s := NagaSIWEStatement
	p.SIWEStatement = &s
	b, _ = p.MarshalJSON()
	if !strings.HasSuffix(string(b), `,"siweStatement":""}`) {
		t.Errorf("naga params %s, want siweStatement \"\" last", b)
	}
	msg, err := p.SIWEMessage("0x"+strings.Repeat("1", 40), mustTime("2029-01-01T00:00:00.000Z"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "\n\n I further authorize the stated URI") {
		t.Errorf("naga SIWE message %q, want the statement line to start with a space and the ReCap sentence", msg)
	}
}
