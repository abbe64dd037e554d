package capacity

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/siwe"
)

func TestV3(t *testing.T) {
	owner, _ := authsig.NewKeySigner("0x" + strings.Repeat("11", 32))
	a, err := CreateDelegationAuthSig(context.Background(), Params{
		Owner: owner, Nonce: "0x" + strings.Repeat("cd", 32), CapacityTokenID: "12345",
		Delegatees: []string{"0x" + strings.Repeat("33", 20)}, Uses: "10",
		Expiration: "2030-01-01T00:00:00.000Z",
		Now:        func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	const want = "0x2060d333123a4c98bc1afc0ffeb6462db0ba484e167c9e7b7056adfc132721b94f27deb7b1bd2d30db2715043ecb3c69e0964c0db381a77146b4c0f56fe5244a1b"
	if a.Sig != want {
		t.Fatalf("sig %s\nmessage\n%s", a.Sig, a.SignedMessage)
	}
	m, _ := siwe.Parse(a.SignedMessage)
	rc, err := m.Recap()
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseRestrictions(rc.Att["lit-ratelimitincrease://12345"]["Auth/Auth"])
	if err != nil {
		t.Fatal(err)
	}
	if !r.Allows("0x"+strings.Repeat("33", 20)) || r.Allows("0x"+strings.Repeat("44", 20)) || r.Uses != "10" || r.NFTIDs[0] != "12345" {
		t.Fatalf("restrictions %+v", r)
	}
}

func TestDefaultsAndErrors(t *testing.T) {
	owner, _ := authsig.NewKeySigner("0x" + strings.Repeat("11", 32))
	p := Params{Owner: owner, Nonce: "abcdefgh12", Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }}
	a, err := CreateDelegationAuthSig(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"URI: lit:capability:delegation", "Expiration Time: 2026-01-08T00:00:00.000Z", "'Auth': 'Auth' for 'lit-ratelimitincrease://*'"} {
		if !strings.Contains(a.SignedMessage, want) {
			t.Errorf("missing %q", want)
		}
	}
	m, _ := siwe.Parse(a.SignedMessage)
	rc, _ := m.Recap()
	r, _ := ParseRestrictions(rc.Att["lit-ratelimitincrease://*"]["Auth/Auth"])
	if r.Delegatees != nil || !r.Allows("0x1234567890123456789012345678901234567890") {
		t.Fatal("no delegatee list must allow anyone")
	}
	p.Delegatees = []string{}
	a, _ = CreateDelegationAuthSig(context.Background(), p)
	m, _ = siwe.Parse(a.SignedMessage)
	rc, _ = m.Recap()
	r, _ = ParseRestrictions(rc.Att["lit-ratelimitincrease://*"]["Auth/Auth"])
	if r.Allows("0x1234567890123456789012345678901234567890") {
		t.Fatal("an empty delegatee list must allow nobody")
	}
	for name, mut := range map[string]func(*Params){
		"bad delegatee": func(p *Params) { p.Delegatees = []string{"0x12"} },
		"bad uses":      func(p *Params) { p.Uses = "-1" },
		"no owner":      func(p *Params) { p.Owner = nil },
		"no nonce":      func(p *Params) { p.Nonce = "" },
	} {
		q := p
		mut(&q)
		if _, err := CreateDelegationAuthSig(context.Background(), q); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := ParseRestrictions([]map[string]any{{"nope": 1}}); err == nil {
		t.Error("unknown restriction accepted")
	}
}
