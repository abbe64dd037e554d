package siwe

import (
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/core/resource"
)

const (
	addr   = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
	nonce  = "0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
	expiry = "2030-01-01T00:00:00.000Z"
	v1     = "localhost wants you to sign in with your Ethereum account:\n0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A\n\nThis is a test statement.  You can put anything you want here. I further authorize the stated URI to perform the following actions on my behalf: (1) 'Threshold': 'Signing' for 'lit-pkp://*'.\n\nURI: lit:session:abababababababababababababababababababababababababababababababab\nVersion: 1\nChain ID: 1\nNonce: 0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd\nIssued At: 2026-01-01T00:00:00.000Z\nExpiration Time: 2030-01-01T00:00:00.000Z\nResources:\n- urn:recap:eyJhdHQiOnsibGl0LXBrcDovLyoiOnsiVGhyZXNob2xkL1NpZ25pbmciOlt7fV19fSwicHJmIjpbXX0"
)

func fixedNow() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

func pkpAll(t *testing.T) []resource.Request {
	q, err := resource.NewRequest(resource.PKP, "*", resource.PKPSigning)
	if err != nil {
		t.Fatal(err)
	}
	return []resource.Request{q}
}

func TestV1(t *testing.T) {
	got, err := CreateWithRecaps(Params{
		Address: addr, URI: "lit:session:" + strings.Repeat("ab", 32), Nonce: nonce,
		Expiration: expiry, Resources: pkpAll(t), Now: fixedNow,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != v1 {
		t.Fatalf("got\n%s\nwant\n%s", got, v1)
	}
	m, err := Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	if m.Address() != addr || m.Nonce() != nonce || m.URI() != "lit:session:"+strings.Repeat("ab", 32) || m.ChainID() != 1 {
		t.Fatalf("parsed fields wrong: %s %s %s", m.Address(), m.Nonce(), m.URI())
	}
	exp, ok := m.Expiration()
	if !ok || !exp.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatal("expiration", exp, ok)
	}
	rc, err := m.Recap()
	if err != nil {
		t.Fatal(err)
	}
	if !rc.Covers(pkpAll(t)[0].Resource, resource.PKPSigning) {
		t.Fatal("recap does not cover its request")
	}
}

func TestDefaultsAndLowercaseAddress(t *testing.T) {
	got, err := CreateWithRecaps(Params{Address: strings.ToLower(addr), Nonce: "abcdefgh", Resources: pkpAll(t), Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"localhost wants you", "\n" + addr + "\n", "URI: https://localhost/login", "Chain ID: 1", "Issued At: 2026-01-01T00:00:00.000Z", "Expiration Time: 2026-01-08T00:00:00.000Z"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	empty := ""
	got, _ = CreateWithRecaps(Params{Address: addr, Nonce: "abcdefgh", Statement: &empty, Resources: pkpAll(t), Now: fixedNow})
	if !strings.Contains(got, "\n\n I further authorize") {
		t.Errorf("empty statement should leave a leading space:\n%s", got)
	}
}

func TestCreateErrors(t *testing.T) {
	bad := func(mut func(*Params)) Params {
		p := Params{Address: addr, Nonce: nonce, URI: "lit:session:ab", Expiration: expiry, Resources: pkpAll(t), Now: fixedNow}
		mut(&p)
		return p
	}
	invalidPair := []resource.Request{{Resource: resource.Resource{Prefix: resource.PKP, ID: "*"}, Ability: resource.LitActionExecution}}
	nl := "two\nlines"
	cases := []struct {
		name string
		p    Params
		want string
	}{
		{"no resources", bad(func(p *Params) { p.Resources = nil }), "resources is required"},
		{"invalid pair", bad(func(p *Params) { p.Resources = invalidPair }), "do not support"},
		{"short address", bad(func(p *Params) { p.Address = "0x1234" }), "40 hex"},
		{"bad checksum", bad(func(p *Params) { p.Address = "0x19e7E376E7C213B7E7e7e46cc70A5dD086DAff2A" }), "checksum"},
		{"short nonce", bad(func(p *Params) { p.Nonce = "abc" }), "nonce"},
		{"nonce symbols", bad(func(p *Params) { p.Nonce = "abcdefgh!" }), "nonce"},
		{"bad expiration", bad(func(p *Params) { p.Expiration = "tomorrow" }), "expiration"},
		{"impossible date", bad(func(p *Params) { p.Expiration = "2030-02-30T00:00:00Z" }), "not a valid date"},
		{"bad issued at", bad(func(p *Params) { p.IssuedAt = "2030-01-01" }), "issued-at"},
		{"relative uri", bad(func(p *Params) { p.URI = "/login" }), "absolute URI"},
		{"uri not normal", bad(func(p *Params) { p.URI = "https://x.org/a b" }), "absolute URI"},
		{"multiline statement", bad(func(p *Params) { p.Statement = &nl }), "one line"},
		{"bad domain", bad(func(p *Params) { p.Domain = "a/b" }), "domain"},
		{"negative chain", bad(func(p *Params) { p.ChainID = -1 }), "chain id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := CreateWithRecaps(c.p)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	cases := map[string]string{
		"hello":                              `line 1 must be "<domain> wants you to sign in`,
		strings.ReplaceAll(v1, "\n", "\r\n"): `line 1 ends with \r`,
		strings.Replace(v1, addr, strings.ToLower(addr), 1):                                  "line 2 must be the signer's address in EIP-55 checksum case, " + addr,
		strings.Replace(v1, addr, "0x12", 1):                                                 "line 2 must be the signer's address, 0x and 40 hex digits",
		v1 + "\n":                                                                            "it ends with a line break",
		strings.Replace(v1, "Version: 1", "Version: 2", 1):                                   `line 7 must be "Version: 1"`,
		strings.Replace(v1, "Chain ID: 1", "Chain ID: 01", 1):                                `line 8 must be "Chain ID: " and a decimal number without leading zeros`,
		strings.Replace(v1, "Expiration Time: 2030-01-01", "Expiration Time: 2030-02-31", 1): `line 11 must be "Expiration Time: " and an ISO-8601 date-time`,
		strings.Replace(v1, "\nResources:", "\nResources: x", 1):                             `line 12 is out of place`,
		strings.Replace(v1, "\n- urn:recap:", "\n-urn:recap:", 1):                            `line 13 must be "- " and a resource URI`,
	}
	for in, want := range cases {
		if _, err := Parse(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse: %v, want error containing %q", err, want)
		}
	}
	// A statement that no longer ends with the ReCap sentence is refused.
	m, err := Parse(strings.Replace(v1, "for 'lit-pkp://*'.", "for 'lit-pkp://*'. Trust me.", 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Recap(); err == nil || !strings.Contains(err.Error(), "statement does not end") {
		t.Fatalf("Recap: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(v1)
	f.Add(strings.Replace(v1, "\nResources:\n- urn:recap:eyJhdHQiOnsibGl0LXBrcDovLyoiOnsiVGhyZXNob2xkL1NpZ25pbmciOlt7fV19fSwicHJmIjpbXX0", "", 1))
	f.Add("example.com wants you to sign in with your Ethereum account:\n" + addr + "\n\n\nURI: https://example.com\nVersion: 1\nChain ID: 137\nNonce: 12345678\nIssued At: 2020-01-01T00:00:00Z\nNot Before: 2020-01-01T00:00:00+01:00\nRequest ID: x\nResources:\n- https://a\n- urn:recap:x")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := Parse(s)
		if err != nil {
			return
		}
		if m.String() != s {
			t.Fatal("parsed message does not keep its text")
		}
		m2, err := Parse(m.String())
		if err != nil || m2.Address() != m.Address() || m2.URI() != m.URI() {
			t.Fatalf("re-parse differs: %v", err)
		}
		m.Expiration()
		m.NotBefore()
		m.Recap()
	})
}
