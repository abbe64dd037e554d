package siwe

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"errors"
	"fmt"
	"regexp"

	spruce "github.com/spruceid/siwe-go"
)

// spruceParse is the definition Parse implements, with siwe-go: siwe-go's ParseMessage,
// then the message must render back to text, and its times must be
// EIP-4361 date-times that time.Parse reads.
func spruceParse(text string) (*spruce.Message, error) {
	m, err := spruce.ParseMessage(text)
	if err != nil {
		return nil, fmt.Errorf("siwe: not an EIP-4361 message: %v", err)
	}
	if m.String() != text {
		return nil, errors.New("siwe: message is not in canonical EIP-4361 layout (it does not re-render to the same text)")
	}
	if _, err := ParseTime("Issued At", m.GetIssuedAt()); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"Expiration Time", m.GetExpirationTime()}, {"Not Before", m.GetNotBefore()}} {
		if f.v != nil && *f.v != "" {
			if _, err := ParseTime(f.name, *f.v); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// same fails unless scan and spruceParse (siwe-go's ParseMessage, then
// re-rendering and the times) agree on text: both refuse it, or both accept
// it with the same fields; and Parse's error names a line.
func same(t testing.TB, text string) {
	t.Helper()
	var m Message
	scanErr := scan(text, &m)
	sm, refErr := spruceParse(text)
	if (scanErr == nil) != (refErr == nil) {
		t.Fatalf("scan error = %v, spruceParse error = %v, for %q", scanErr, refErr, text)
	}
	p, perr := Parse(text)
	if scanErr != nil {
		if perr == nil || !strings.HasPrefix(perr.Error(), "siwe: not an EIP-4361 message: ") {
			t.Fatalf("Parse error %v, want one that says what is wrong, for %q", perr, text)
		}
		return
	}
	if perr != nil || p.String() != text {
		t.Fatalf("Parse: %v, text %q, for %q", perr, p.String(), text)
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	u := sm.GetURI()
	var res []string
	for _, r := range sm.GetResources() {
		res = append(res, r.String())
	}
	type fields struct {
		Domain, Address, Statement, URI        string
		ChainID                                int
		Nonce, IssuedAt, Expiration, NotBefore string
		RequestID                              string
		Resources                              []string
	}
	if sm.GetVersion() != "1" {
		t.Fatalf("siwe-go accepts version %q", sm.GetVersion())
	}
	want := fields{sm.GetDomain(), sm.GetAddress().Hex(), str(sm.GetStatement()), u.String(),
		sm.GetChainID(), sm.GetNonce(), sm.GetIssuedAt(), str(sm.GetExpirationTime()), str(sm.GetNotBefore()),
		str(sm.GetRequestID()), res}
	have := fields{p.Domain(), p.Address(), p.Statement(), p.URI(), p.ChainID(), p.Nonce(), p.issuedAt,
		p.expiration, p.notBefore, p.RequestID(), p.Resources()}
	if !equalFields(have, want, func(a, b fields) bool {
		return a.Domain == b.Domain && a.Address == b.Address && a.Statement == b.Statement && a.URI == b.URI &&
			a.ChainID == b.ChainID && a.Nonce == b.Nonce && a.IssuedAt == b.IssuedAt &&
			a.Expiration == b.Expiration && a.NotBefore == b.NotBefore && a.RequestID == b.RequestID &&
			strings.Join(a.Resources, "\x00") == strings.Join(b.Resources, "\x00") && len(a.Resources) == len(b.Resources)
	}) {
		t.Fatalf("fields differ for %q:\nscan:    %+v\nsiwe-go: %+v", text, have, want)
	}
	ia, _ := ParseTime("Issued At", sm.GetIssuedAt())
	if got, _ := p.IssuedAt(); !got.Equal(ia) {
		t.Fatalf("issued at %v, siwe-go's text reads %v", got, ia)
	}
	for _, f := range []struct {
		v    *string
		get  func() (time.Time, bool)
		name string
	}{{sm.GetExpirationTime(), p.Expiration, "expiration"}, {sm.GetNotBefore(), p.NotBefore, "not before"}} {
		gt, ok := f.get()
		if ok != (str(f.v) != "") {
			t.Fatalf("%s present = %v, siwe-go has %q", f.name, ok, str(f.v))
		}
		if ok {
			if wt, _ := ParseTime(f.name, *f.v); !gt.Equal(wt) {
				t.Fatalf("%s %v, siwe-go's text reads %v", f.name, gt, wt)
			}
		}
	}
}

func equalFields[T any](a, b T, eq func(T, T) bool) bool { return eq(a, b) }

// vectorMessages returns every SIWE text in the repository's test vectors,
// including those inside JSON-encoded strings (session templates).
func vectorMessages(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob("../../testdata/vectors/*.json")
	more, _ := filepath.Glob("../verify/testdata/*.json")
	files = append(files, more...)
	if len(files) == 0 {
		t.Fatal("no test vectors found")
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			if strings.Contains(v, "wants you to sign in") && !strings.HasPrefix(v, "{") {
				out = append(out, v)
			}
			var inner any
			if strings.HasPrefix(v, "{") && json.Unmarshal([]byte(v), &inner) == nil {
				walk(inner)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		walk(v)
	}
	if len(out) == 0 {
		t.Fatal("the test vectors hold no SIWE messages")
	}
	return out
}

const (
	recapURN = "urn:recap:eyJhdHQiOnsibGl0LXBrcDovLyoiOnsiVGhyZXNob2xkL1NpZ25pbmciOlt7fV19fSwicHJmIjpbXX0"
	// base is a Lit session delegation as the SDK writes it.
	base = "localhost wants you to sign in with your Ethereum account:\n" + addr + "\n\n" +
		"This is a test statement.  You can put anything you want here. I further authorize the stated URI to perform the following actions on my behalf: (1) 'Threshold': 'Signing' for 'lit-pkp://*'.\n\n" +
		"URI: lit:session:abababababababababababababababababababababababababababababababab\nVersion: 1\nChain ID: 1\n" +
		"Nonce: 0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd\nIssued At: 2026-01-01T00:00:00.000Z\n" +
		"Expiration Time: 2030-01-01T00:00:00.000Z\nResources:\n- " + recapURN
)

// edgeCases are hand-made texts around each rule of the grammar, siwe-go's
// validation and the round trip.
func edgeCases() []string {
	r := func(old, new string) string { return strings.Replace(base, old, new, 1) }
	minimal := "example.com wants you to sign in with your Ethereum account:\n" + addr + "\n\n\nURI: https://example.com\nVersion: 1\nChain ID: 1\nNonce: abcdefgh\nIssued At: 2026-01-01T00:00:00Z"
	m := func(old, new string) string { return strings.Replace(minimal, old, new, 1) }
	cases := []string{
		base, minimal, "", "\n", base + "\n", base + "\r", "\n" + base, strings.ReplaceAll(base, "\n", "\r\n"),
		// domain
		r("localhost", ""), r("localhost", " "), r("localhost", "a/b"), r("localhost", "a?b"), r("localhost", "a#b"),
		r("localhost", "localhost:8080"), r("localhost", "user@localhost"), r("localhost", "user:pw@localhost"),
		r("localhost", "[::1]:443"), r("localhost", "LOCALHOST"), r("localhost", "a b"), r("localhost", "a\nb"),
		r("localhost", "a%20b"), r("localhost", "é.com"), r("localhost", "\xff"), r("localhost", "a:"), r("localhost", ":80"),
		r("localhost", "localhost wants you to sign in with your Ethereum account:\nlocalhost"),
		r("localhost", "x wants you to sign in with your Ethereum account: localhost"),
		// address
		r(addr, strings.ToLower(addr)), r(addr, strings.ToUpper(addr)), r(addr, addr[:41]), r(addr, addr+"0"),
		r(addr, "0X"+addr[2:]), r(addr, "0x"+strings.Repeat("g", 40)),
		// statement
		r("This is a test statement.", " "), r("This is a test statement.  You can put anything you want here. I further authorize the stated URI to perform the following actions on my behalf: (1) 'Threshold': 'Signing' for 'lit-pkp://*'.", " "),
		r("This is a test statement.  You can put anything you want here. I further authorize the stated URI to perform the following actions on my behalf: (1) 'Threshold': 'Signing' for 'lit-pkp://*'.", "\t"),
		r("This is a test statement.  You can put anything you want here. I further authorize the stated URI to perform the following actions on my behalf: (1) 'Threshold': 'Signing' for 'lit-pkp://*'.", "\u00a0"),
		r("This is a test statement.", "\r"), r("This is a test statement.", "\xff\xfe"), r("This is a test statement.", "a\n"),
		r("This is a test statement.", "x wants you to sign in with your Ethereum account:"),
		m("\n\n\nURI", "\n\nstatement\nURI"), m("\n\n\nURI", "\n\nstatement\n\n\nURI"), m("\n\n\nURI", "\n\n\n\nURI"), m("\n\n\nURI", "\n\nURI"),
		// URI
		m("https://example.com", ""), m("https://example.com", " "), m("https://example.com", "HTTPS://example.com"),
		m("https://example.com", "https://example.com/a b"), m("https://example.com", "https://example.com/#a b"),
		m("https://example.com", "https://example.com/#frag"), m("https://example.com", "https://example.com/?q=1"),
		m("https://example.com", "https://example.com/%41"), m("https://example.com", "https://example.com/%zz"),
		m("https://example.com", "https://exa mple.com"), m("https://example.com", "relative/path"), m("https://example.com", "//host"),
		m("https://example.com", "lit:session:ab"), m("https://example.com", "Lit:session:ab"), m("https://example.com", "lit:"),
		m("https://example.com", "lit:/x"), m("https://example.com", "1lit:x"), m("https://example.com", "l+i.t-:x_y.z:w"),
		m("https://example.com", "urn:a%41"), m("https://example.com", "mailto:a@b"), m("https://example.com", "a\x7fb:c"),
		m("https://example.com", "https://u@h:1/p?q#f"), m("https://example.com", "https://[::1]:80"), m("https://example.com", "a\nb"),
		// version, chain id, nonce
		m("Version: 1", "Version: 2"), m("Version: 1", "Version:  1"), m("Chain ID: 1", "Chain ID: 0"), m("Chain ID: 1", "Chain ID: 01"),
		m("Chain ID: 1", "Chain ID: 9223372036854775807"), m("Chain ID: 1", "Chain ID: 9223372036854775808"),
		m("Chain ID: 1", "Chain ID: "), m("Chain ID: 1", "Chain ID: -1"), m("Chain ID: 1", "Chain ID: +1"), m("Chain ID: 1", "Chain ID: 1a"),
		m("Nonce: abcdefgh", "Nonce: abcdefg"), m("Nonce: abcdefgh", "Nonce: abcdefgh!"), m("Nonce: abcdefgh", "Nonce: ABCDEFGH0123"),
		// times
		m("2026-01-01T00:00:00Z", "2026-01-01t00:00:00z"), m("2026-01-01T00:00:00Z", "2026-01-01T00:00:00.5Z"),
		m("2026-01-01T00:00:00Z", "2026-01-01T00:00:00.1234567891Z"), m("2026-01-01T00:00:00Z", "2026-01-01T00:00:00+01:00"),
		m("2026-01-01T00:00:00Z", "2026-01-01T00:00:00-00:00"), m("2026-01-01T00:00:00Z", "2026-01-01T00:00:00+00:00"),
		m("2026-01-01T00:00:00Z", "2026-01-01T00:00:00|01:00"), m("2026-01-01T00:00:00Z", "2026-02-30T00:00:00Z"),
		m("2026-01-01T00:00:00Z", "2024-02-29T00:00:00Z"), m("2026-01-01T00:00:00Z", "2026-01-01T00:00:60Z"),
		m("2026-01-01T00:00:00Z", "26-01-01T00:00:00Z"), m("2026-01-01T00:00:00Z", "20260-01-01T00:00:00Z"),
		m("2026-01-01T00:00:00Z", "0000-01-01T00:00:00Z"), m("2026-01-01T00:00:00Z", "2026-01-01T24:00:00Z"),
		m("2026-01-01T00:00:00Z", "2026-01-01T00:00:00."), m("2026-01-01T00:00:00Z", "2026-01-01T00:00:00"),
		m("2026-01-01T00:00:00Z", "2026-01-01 00:00:00Z"),
		minimal + "\nExpiration Time: 2030-01-01T00:00:00Z", minimal + "\nExpiration Time: ", minimal + "\nExpiration Time: 2030-01-01",
		minimal + "\nNot Before: 2026-01-01T00:00:00Z", minimal + "\nExpiration Time: 2030-01-01T00:00:00Z\nNot Before: 2026-01-01T00:00:00Z",
		minimal + "\nNot Before: 2026-01-01T00:00:00Z\nExpiration Time: 2030-01-01T00:00:00Z",
		minimal + "\nExpiration Time: 2030-01-01T00:00:00Z\nExpiration Time: 2030-01-01T00:00:00Z",
		minimal + "\nExpiration Time: 2030-02-31T00:00:00Z", minimal + "\nNot Before: 2030-01-01T00:00:00-00:00",
		// request id
		minimal + "\nRequest ID: abc", minimal + "\nRequest ID: ", minimal + "\nRequest ID: -._~!$&'()*+,;=:@%aZ9",
		minimal + "\nRequest ID: a b", minimal + "\nRequest ID: a/b", minimal + "\nRequest ID: a\nRequest ID: b",
		minimal + "\nExpiration Time: 2030-01-01T00:00:00Z\nNot Before: 2026-01-01T00:00:00Z\nRequest ID: x\nResources:\n- a:b",
		// resources
		minimal + "\nResources:", minimal + "\nResources:\n", minimal + "\nResources:\n- ", minimal + "\nResources:\n- \n- ",
		minimal + "\nResources:\n- a:b\n- c:d", minimal + "\nResources:\n-a:b", minimal + "\nResources:\n- a b",
		minimal + "\nResources:\n- a:b#c d", minimal + "\nResources:\n- a:b\nc", minimal + "\nResources:\n- a:b\n",
		minimal + "\nResources:\n- - a", minimal + "\nResources:\n- https://x/%7e", minimal + "\nResources:\n- HTTP://x",
		minimal + "\nResources:\n- " + recapURN, minimal + "\nResources:\n- " + recapURN + "=",
		minimal + "\nResources: \n- a:b", minimal + "\nresources:\n- a:b", minimal + "\nResources:\n- a:b\nResources:\n- c:d",
		minimal + "\nRequest ID: x\nExpiration Time: 2030-01-01T00:00:00Z",
	}
	return cases
}

func TestMatchesSIWEOnVectors(t *testing.T) {
	msgs := vectorMessages(t)
	accepted := 0
	for _, s := range msgs {
		same(t, s)
		if _, err := spruceParse(s); err == nil {
			accepted++
		}
	}
	if accepted == 0 {
		t.Fatalf("none of the %d vector messages is accepted; the differential test checks nothing", len(msgs))
	}
	t.Logf("%d vector messages, %d accepted", len(msgs), accepted)
}

func TestMatchesSIWEOnEdgeCases(t *testing.T) {
	accepted := 0
	for _, s := range edgeCases() {
		same(t, s)
		if _, err := spruceParse(s); err == nil {
			accepted++
		}
	}
	if accepted < 10 {
		t.Fatalf("only %d edge cases are accepted; they no longer probe what is accepted", accepted)
	}
	t.Logf("%d edge cases, %d accepted", len(edgeCases()), accepted)
}

// TestPlainOpaqueRoundTrips checks the shortcut validURI takes: every
// string isPlainOpaque accepts is one net/url parses back to itself.
func TestPlainOpaqueRoundTrips(t *testing.T) {
	for _, s := range []string{"lit:session:ab", "urn:recap:" + recapURN[10:], "a:b", "a1+-.:x", "lit:capability:delegation", "z:_-.:"} {
		if !isPlainOpaque(s) {
			t.Errorf("isPlainOpaque(%q) = false", s)
		}
		plainOpaqueRoundTrips(t, s)
	}
	for _, s := range []string{"A:b", "1a:b", "a:", ":b", "a:/b", "a:b c", "a:b?c", "a:b#c", "a:b%41", "a", ""} {
		if isPlainOpaque(s) {
			t.Errorf("isPlainOpaque(%q) = true", s)
		}
	}
}

func plainOpaqueRoundTrips(t testing.TB, s string) {
	t.Helper()
	if !isPlainOpaque(s) {
		return
	}
	if u, err := url.Parse(s); err != nil || u.String() != s {
		t.Fatalf("isPlainOpaque(%q), but net/url gives %v, %v", s, u, err)
	}
}

// FuzzSIWEParseDifferential holds scan to spruceParse (siwe-go): the same
// accept or refuse decision, and the same fields.
func FuzzSIWEParseDifferential(f *testing.F) {
	for _, s := range vectorMessages(f) {
		f.Add(s)
	}
	for _, s := range edgeCases() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		same(t, s)
		if i := strings.LastIndex(s, "\n- "); i >= 0 {
			plainOpaqueRoundTrips(t, s[i+3:])
		}
		plainOpaqueRoundTrips(t, s)
		sameDateTime(t, s)
	})
}

// dateTimeRe is siwe-go's EIP-4361 date-time expression, anchored: the
// definition isDateTime implements.
var dateTimeRe = regexp.MustCompile(`^([0-9]+)-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]|60)(\.[0-9]+)?(([Zz])|([\+|\-]([01][0-9]|2[0-3]):[0-5][0-9]))$`)

func sameDateTime(t testing.TB, s string) {
	t.Helper()
	if got, want := isDateTime(s), dateTimeRe.MatchString(s); got != want {
		t.Fatalf("isDateTime(%q) = %v, siwe-go's expression says %v", s, got, want)
	}
}

func TestIsDateTimeMatchesSIWE(t *testing.T) {
	for _, s := range []string{"2026-01-01T00:00:00Z", "2026-01-01t00:00:00z", "2026-01-01T00:00:00.5Z", "2026-01-01T00:00:00.Z",
		"2026-01-01T00:00:00+01:00", "2026-01-01T00:00:00|01:00", "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00+01:60",
		"2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-01-32T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z",
		"2026-01-01T00:60:00Z", "2026-01-01T00:00:60Z", "2026-01-01T00:00:61Z", "1-01-01T00:00:00Z", "-01-01T00:00:00Z",
		"2026-01-01T00:00:00", "2026-01-01T00:00:00+0100", "2026-01-01T00:00:00ZZ", "", "x", "2026-1-01T00:00:00Z",
		"2026-06-01T12:00:00.000Z", "2026-06-01t12:00:00z", "2026-06-01T12:00:60Z", "2026-06-01T12:00:61Z",
		"2026-12-31T23:59:59.123456789+05:30", "2026-06-01T12:00:00-23:59", "2026-06-01T12:00:00|01:00",
		"2026-06-01T12:00:00+24:00", "2026-06-01T12:00:00+01:60", "2026-06-01T12:00:00+1:00",
		"2026-00-01T12:00:00Z", "2026-13-01T12:00:00Z", "2026-06-00T12:00:00Z", "2026-06-32T12:00:00Z",
		"2026-06-01T24:00:00Z", "2026-06-01T12:60:00Z", "2026-06-01 12:00:00Z", "2026-06-01T12:00:00.Z",
		"2026-06-01T12:00:00", "2026-06-01T12:00:00ZZ", "-06-01T12:00:00Z", "99999-06-01T12:00:00Z",
		"2026-6-01T12:00:00Z", "", "2026", "2026-06-01T12:00:0", "2026-06-01T12:00:00.1", "x2026-06-01T12:00:00Z",
		"2026-06-01T12:00:00.5+01:00", "2026-06-01T12:00:00Z\n", "2026-06-01T19:00:00+19:00", "2026-06-01T12:00:00+01:00x",
		"2026-02-30T12:00:00Z", "2026-06-01T12:00:00,5Z", "0000-01-01T00:00:00Z"} {
		sameDateTime(t, s)
	}
	for _, s := range edgeCases() {
		for _, line := range strings.Split(s, "\n") {
			_, v, _ := strings.Cut(line, ": ")
			sameDateTime(t, v)
		}
	}
}
