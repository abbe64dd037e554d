package resource

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestPKPNormalization(t *testing.T) {
	cases := map[string]string{
		"*":                     "*",
		"0x1234":                "0000000000000000000000000000000000000000000000000000000000001234",
		"1234":                  "0000000000000000000000000000000000000000000000000000000000001234",
		"0xABC":                 "0000000000000000000000000000000000000000000000000000000000000ABC",
		"not-hex":               "not-hex",
		"":                      "",
		strings.Repeat("f", 64): strings.Repeat("f", 64),
	}
	for in, want := range cases {
		r, err := New(PKP, in)
		if err != nil || r.ID != want {
			t.Errorf("New(PKP, %q) = %q, %v; want %q", in, r.ID, err, want)
		}
	}
	if _, err := New(PKP, strings.Repeat("1", 65)); err == nil {
		t.Error("65-character PKP id accepted")
	}
	// Other kinds keep their ids untouched.
	if r, _ := New(LitAction, "0x12"); r.ID != "0x12" {
		t.Errorf("lit action id changed: %q", r.ID)
	}
}

func TestPairs(t *testing.T) {
	valid := 0
	for _, p := range Prefixes() {
		for _, a := range allAbilities() {
			err := CheckPair(p, Ability(a))
			want := false
			for _, v := range p.Abilities() {
				want = want || v == Ability(a)
			}
			if want != (err == nil) {
				t.Errorf("CheckPair(%s, %s) = %v", p, a, err)
			}
			if err == nil {
				valid++
				continue
			}
			var pe *InvalidPairError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), "use ") {
				t.Errorf("CheckPair(%s, %s): want an InvalidPairError that says what to use, got %v", p, a, err)
			}
		}
	}
	if valid != 5 {
		t.Errorf("%d valid pairs, want 5", valid)
	}
	if err := CheckPair("lit-nope", PKPSigning); err == nil || !strings.Contains(err.Error(), "unknown resource prefix") {
		t.Errorf("unknown prefix: %v", err)
	}
	if err := CheckPair(PKP, "fly"); err == nil || !strings.Contains(err.Error(), "unknown Lit ability") {
		t.Errorf("unknown ability: %v", err)
	}
}

func TestRecapMap(t *testing.T) {
	want := map[Ability]string{
		AccessControlConditionDecryption: "Threshold/Decryption",
		AccessControlConditionSigning:    "Threshold/Signing",
		PKPSigning:                       "Threshold/Signing",
		LitActionExecution:               "Threshold/Execution",
		RateLimitIncreaseAuth:            "Auth/Auth",
	}
	for a, w := range want {
		if got, err := a.RecapAbility(); err != nil || got != w {
			t.Errorf("%s → %s, %v; want %s", a, got, err, w)
		}
	}
}

func TestParseFlagAndJSON(t *testing.T) {
	q, err := ParseFlag("lit-pkp://0x1234=pkp-signing")
	if err != nil {
		t.Fatal(err)
	}
	if q.Resource.Key() != "lit-pkp://0000000000000000000000000000000000000000000000000000000000001234" {
		t.Fatal(q.Resource.Key())
	}
	b, _ := json.Marshal(q)
	if string(b) != `{"resource":{"resource":"0000000000000000000000000000000000000000000000000000000000001234","resourcePrefix":"lit-pkp"},"ability":"pkp-signing"}` {
		t.Fatal(string(b))
	}
	var back Request
	if err := json.Unmarshal(b, &back); err != nil || back.Resource != q.Resource {
		t.Fatal(err)
	}
	for _, bad := range []string{"lit-pkp://*", "lit-pkp:*=pkp-signing", "lit-x://*=pkp-signing", "lit-pkp://*=lit-action-execution"} {
		if _, err := ParseFlag(bad); err == nil {
			t.Errorf("ParseFlag(%q) accepted", bad)
		}
	}
	for _, bad := range []string{`{"resource":"*"}`, `{"resourcePrefix":"lit-pkp"}`, `[]`, `{"resource":1,"resourcePrefix":"lit-pkp"}`} {
		var r Resource
		if err := json.Unmarshal([]byte(bad), &r); err == nil {
			t.Errorf("Resource JSON %s accepted", bad)
		}
	}
}
