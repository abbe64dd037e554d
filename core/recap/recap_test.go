package recap

import (
	"strings"
	"testing"

	"github.com/litgo/litsession/core/resource"
)

func req(t *testing.T, p resource.Prefix, id string, a resource.Ability, data map[string]any) resource.Request {
	t.Helper()
	q, err := resource.NewRequest(p, id, a)
	if err != nil {
		t.Fatal(err)
	}
	q.Data = data
	return q
}

func TestV1AndV2(t *testing.T) {
	r, err := FromRequests([]resource.Request{req(t, resource.PKP, "*", resource.PKPSigning, nil)})
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := r.Encode()
	if enc != "urn:recap:eyJhdHQiOnsibGl0LXBrcDovLyoiOnsiVGhyZXNob2xkL1NpZ25pbmciOlt7fV19fSwicHJmIjpbXX0" {
		t.Fatalf("V1 recap %s", enc)
	}
	if got := r.Statement(); got != "I further authorize the stated URI to perform the following actions on my behalf: (1) 'Threshold': 'Signing' for 'lit-pkp://*'." {
		t.Fatalf("V1 statement %q", got)
	}
	r, err = FromRequests([]resource.Request{
		req(t, resource.PKP, "0x1234", resource.PKPSigning, nil),
		req(t, resource.LitAction, "QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3", resource.LitActionExecution, nil),
		req(t, resource.AccessControlCondition, "*", resource.AccessControlConditionSigning, nil),
		req(t, resource.AccessControlCondition, "*", resource.AccessControlConditionDecryption, nil),
		req(t, resource.RateLimitIncrease, "7", resource.RateLimitIncreaseAuth, map[string]any{"uses": "3"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	enc, _ = r.Encode()
	want := "urn:recap:eyJhdHQiOnsibGl0LWFjY2Vzc2NvbnRyb2xjb25kaXRpb246Ly8qIjp7IlRocmVzaG9sZC9EZWNyeXB0aW9uIjpbe31dLCJUaHJlc2hvbGQvU2lnbmluZyI6W3t9XX0sImxpdC1saXRhY3Rpb246Ly9RbVVqWDhNVzZTdFE3TktOZGFTNmc0Uk1rdk41aGNndEttRWk4TWNhNm9YNHQzIjp7IlRocmVzaG9sZC9FeGVjdXRpb24iOlt7fV19LCJsaXQtcGtwOi8vMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMTIzNCI6eyJUaHJlc2hvbGQvU2lnbmluZyI6W3t9XX0sImxpdC1yYXRlbGltaXRpbmNyZWFzZTovLzciOnsiQXV0aC9BdXRoIjpbeyJ1c2VzIjoiMyJ9XX19LCJwcmYiOltdfQ"
	if enc != want {
		t.Fatalf("V2 recap\n%s\nwant\n%s", enc, want)
	}
	wantSt := "I further authorize the stated URI to perform the following actions on my behalf: (1) 'Threshold': 'Decryption', 'Signing' for 'lit-accesscontrolcondition://*'. (2) 'Threshold': 'Execution' for 'lit-litaction://QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3'. (3) 'Threshold': 'Signing' for 'lit-pkp://0000000000000000000000000000000000000000000000000000000000001234'. (4) 'Auth': 'Auth' for 'lit-ratelimitincrease://7'."
	if r.Statement() != wantSt {
		t.Fatalf("V2 statement %q", r.Statement())
	}
	back, err := Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := back.Encode()
	if again != enc {
		t.Fatal("decode/encode does not round-trip")
	}
}

func TestEmptyAndMerge(t *testing.T) {
	enc, _ := New().Encode()
	if enc != "urn:recap:eyJhdHQiOnt9LCJwcmYiOltdfQ" || New().Statement() != StatementPrefix {
		t.Fatalf("empty recap %s %q", enc, New().Statement())
	}
	r, _ := FromRequests([]resource.Request{
		req(t, resource.RateLimitIncrease, "*", resource.RateLimitIncreaseAuth, nil),
		req(t, resource.RateLimitIncrease, "*", resource.RateLimitIncreaseAuth, map[string]any{"uses": "1"}),
		req(t, resource.RateLimitIncrease, "*", resource.RateLimitIncreaseAuth, map[string]any{"uses": "2"}),
		req(t, resource.RateLimitIncrease, "*", resource.RateLimitIncreaseAuth, nil),
	})
	b, _ := r.JSON()
	if string(b) != `{"att":{"lit-ratelimitincrease://*":{"Auth/Auth":[{"uses":"1"},{"uses":"2"},{}]}},"prf":[]}` {
		t.Fatal(string(b))
	}
}

func TestCovers(t *testing.T) {
	pkpAll, _ := resource.New(resource.PKP, "*")
	pkp1, _ := resource.New(resource.PKP, "1")
	mk := func(key, ab string) *Recap {
		r := New()
		ns, name, _ := strings.Cut(ab, "/")
		if err := r.AddAttenuation(key, ns, name, nil); err != nil {
			t.Fatal(err)
		}
		return r
	}
	cases := []struct {
		r    *Recap
		res  resource.Resource
		a    resource.Ability
		want bool
	}{
		{mk("lit-pkp://*", "Threshold/Signing"), pkp1, resource.PKPSigning, true},
		{mk(pkp1.Key(), "Threshold/Signing"), pkp1, resource.PKPSigning, true},
		{mk(pkp1.Key(), "Threshold/Signing"), pkpAll, resource.PKPSigning, false},
		{mk("lit-pkp://*", "*/*"), pkp1, resource.PKPSigning, true},
		{mk("lit-pkp://*", "Threshold/*"), pkp1, resource.PKPSigning, false},
		{mk("lit-pkp://*", "Threshold/Execution"), pkp1, resource.PKPSigning, false},
		{mk("lit-pkp://*", "*/*"), pkp1, resource.LitActionExecution, false},
	}
	both := mk("lit-pkp://*", "Threshold/Execution")
	both.AddAttenuation(pkp1.Key(), "Threshold", "Signing", nil)
	cases = append(cases, struct {
		r    *Recap
		res  resource.Resource
		a    resource.Ability
		want bool
	}{both, pkp1, resource.PKPSigning, false})
	for i, c := range cases {
		if got := c.r.Covers(c.res, c.a); got != c.want {
			t.Errorf("case %d: Covers = %v, want %v", i, got, c.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	b64 := func(s string) string {
		r := New()
		_ = r
		return URNPrefix + strings.TrimRight(b64url(s), "=")
	}
	cases := map[string]string{
		"urn:recap": "must start with urn:recap:",
		URNPrefix + "eyJhdHQiOnt9LCJwcmYiOltdfQ=x":                                 "not base64url",
		b64(`{"att":{},"prf":["QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3"]}`): "proofs (prf) are not supported",
		URNPrefix + "!!":                                      "not base64url",
		b64(`{"prf":[]}`):                                     "\"att\" must be an object",
		b64(`{"att":[],"prf":[]}`):                            "invalid JSON",
		b64(`{"att":{},"prf":{}}`):                            "proof list",
		b64(`{"att":{},"prf":[1]}`):                           "proof list",
		b64(`{"att":{"a":{"Threshold":[{}]}},"prf":[]}`):      "invalid ability string",
		b64(`{"att":{"a":{"T/S":{}}},"prf":[]}`):              "nota-bene list",
		b64(`{"att":{"a":{"T/S":[1]}},"prf":[]}`):             "nota-bene list",
		b64(`{"att":{"b":{},"a":{}},"prf":[]}`):               "not properly sorted",
		b64(`{"att":{"a":{"T/S":[{"z":1,"a":2}]}},"prf":[]}`): "not properly sorted",
		b64(`{"att":{"a":{},"a":{}},"prf":[]}`):               "duplicate key",
		b64(`{"att":{},"prf":[]}x`):                           "trailing data",
		b64(`{"att":{"a":1},"prf":[]}`):                       "want an object of abilities",
	}
	for in, want := range cases {
		if _, err := Decode(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Decode(%s): %v, want error containing %q", in, err, want)
		}
	}
	// Array-index keys are listed first by JavaScript, so "10" before "9"
	// is what sorted JSON looks like to siwe-recap only if "9" < "10"... it
	// is not: {"10":..,"9":..} lists as 9,10 which sorts as 10,9.
	if _, err := Decode(b64(`{"att":{"a":{"T/S":[{"10":1,"9":2}]}},"prf":[]}`)); err == nil {
		t.Error("integer-keyed object accepted although JavaScript sees it unsorted")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("urn:recap:eyJhdHQiOnt9LCJwcmYiOltdfQ")
	f.Add("urn:recap:eyJhdHQiOnsibGl0LXBrcDovLyoiOnsiVGhyZXNob2xkL1NpZ25pbmciOlt7fV19fSwicHJmIjpbXX0")
	f.Add("urn:recap:" + b64url(`{"att":{"a":{"T/S":[{"uses":"1","x":[1,2.5,{"k":null}]}]}},"prf":[]}`))
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Decode(s)
		if err != nil {
			return
		}
		enc, err := r.Encode()
		if err != nil {
			t.Fatalf("decoded recap does not encode: %v", err)
		}
		r2, err := Decode(enc)
		if err != nil {
			t.Fatalf("re-encoded recap does not decode: %v", err)
		}
		enc2, _ := r2.Encode()
		if enc != enc2 {
			t.Fatal("encoding is not stable")
		}
		_ = r.Statement()
	})
}
