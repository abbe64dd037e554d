package verify

import (
	"crypto/sha256"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/capacity"
)

// refDigest is capDigest written plainly, over a decoded AuthSig: SHA-256
// over kind, the canonical sig (wallet only) and the signedMessage, each
// length-prefixed.
func refDigest(kind string, a authsig.AuthSig) [32]byte {
	h := sha256.New()
	var n [8]byte
	sig := a.Sig
	if c, ok := authsig.CanonicalSig(sig); ok && kind == kindWallet {
		sig = c
	}
	for _, s := range []string{kind, sig, a.SignedMessage} {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// sameTemplate fails unless scanTemplate either declines s or returns what
// parseTemplateJSON returns, and unless each capability's digest is that
// of its decoded AuthSig. It reports whether scanTemplate accepted s.
func sameTemplate(t testing.TB, s string) bool {
	t.Helper()
	got, ok := scanTemplate(s)
	want, err := parseTemplateJSON(s)
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("scanTemplate accepts what parseTemplateJSON refuses (%v): %q", err, s)
	}
	flat := func(tp *template) []any {
		var caps []authsig.AuthSig
		for i := range tp.capabilities {
			caps = append(caps, tp.capabilities[i].authSig())
		}
		var price string
		if tp.maxPrice != nil {
			price = tp.maxPrice.String()
		}
		return []any{tp.sessionKey, tp.nodeAddress, tp.issuedAt, tp.expiration, tp.maxPrice != nil, price, tp.requests, caps}
	}
	if g, w := flat(got), flat(want); !reflect.DeepEqual(g, w) {
		t.Fatalf("scanTemplate and parseTemplateJSON differ on %q:\n%#v\n%#v", s, g, w)
	}
	for i := range got.capabilities {
		c := &got.capabilities[i]
		for _, kind := range []string{kindWallet, kindBLS + "00"} {
			if capDigest(kind, c) != refDigest(kind, c.authSig()) {
				t.Fatalf("capDigest(%s) of capabilities[%d] is not the digest of its decoded AuthSig: %q", kind, i, s)
			}
		}
	}
	return true
}

// templateCases are session templates as clients write them and variants
// around each rule of scanTemplate.
func templateCases(t testing.TB) (sdk, variants []string) {
	f := newFixture(t)
	sk := blsNetwork(t)
	good := f.build(params{}).SignedMessage
	sdk = []string{
		good,
		f.build(params{before: []authsig.AuthSig{f.capacityDelegation(capacity.Params{CapacityTokenID: "7", Uses: "3"})}}).SignedMessage,
		f.build(params{maxPrice: "0x1bc16d674ec80000"}).SignedMessage,
		f.sign(sessionTemplate{SessionKey: f.session.PublicKeyHex(), ResourceAbilityRequests: f.defaults(params{}).requests,
			Capabilities: []authsig.AuthSig{f.pkpDelegation(sk, params{})}, IssuedAt: f.defaults(params{}).issuedAt,
			Expiration: f.defaults(params{}).expiration, NodeAddress: testNode}).SignedMessage,
	}
	r := func(old, new string) string { return strings.Replace(good, old, new, 1) }
	variants = []string{
		"", "{}", "[]", "null", good + " ", " " + good, good + "x", good + "{}", "\t" + good + "\r\n",
		strings.ReplaceAll(good, ":", " : "), strings.ReplaceAll(good, ",", " ,\n"),
		strings.ReplaceAll(good, `\n`, `\u000a`), strings.ReplaceAll(good, `\n`, `\/`), strings.ReplaceAll(good, `\n`, `\r`),
		strings.ReplaceAll(good, `\n`, `\t`), strings.ReplaceAll(good, `\n`, `\\`), strings.ReplaceAll(good, `\n`, `\"`),
		strings.ReplaceAll(good, `\n`, `\x`), strings.ReplaceAll(good, `\n`, "\n"), strings.ReplaceAll(good, `\n`, `\`),
		r(`"sessionKey"`, `"session\u004bey"`), r(`"sessionKey"`, `"SessionKey"`), r(`"sessionKey"`, `"nodeAddress"`),
		r(`{"sessionKey"`, `{"extra":"x","sessionKey"`), r(`{"sessionKey"`, `{"maxPrice":"0x1","sessionKey"`),
		r(`{"sessionKey"`, `{"maxPrice":"0x","sessionKey"`), r(`{"sessionKey"`, `{"maxPrice":"0xZ","sessionKey"`),
		r(`{"sessionKey"`, `{"maxPrice":1,"sessionKey"`), r(`{"sessionKey"`, `{"maxPrice":"0x1","maxPrice":"0x2","sessionKey"`),
		r(`"ability"`, `"data":{},"ability"`), r(`"ability"`, `"extra":1,"ability"`), r(`"ability"`, `"ability":"x","ability"`),
		r(`"resourcePrefix"`, `"x":"y","resourcePrefix"`), r(`"resourcePrefix":"lit-pkp"`, `"resourcePrefix":"lit-nope"`),
		r(`"resource":"*"`, `"resource":"0xAB"`), r(`"resource":"*"`, `"resource":"*","resource":"*"`),
		r(`"ability":"pkp-signing"`, `"ability":"nope"`), r(`"ability":"pkp-signing"`, `"ability":null`),
		r(`"derivedVia"`, `"algo":"LIT_BLS","derivedVia"`), r(`"derivedVia"`, `"algo":null,"derivedVia"`),
		r(`"derivedVia"`, `"foo":"bar","derivedVia"`), r(`"derivedVia"`, `"sig":"x","derivedVia"`),
		r(`"resourceAbilityRequests":[`, `"resourceAbilityRequests":[],"x":[`), r(`"capabilities":[`, `"capabilities":[],"y":[`),
		r(`"issuedAt":"`, `"issuedAt":"x`), r(`"expiration":"`, `"expiration":"2030`), r(`"nodeAddress":"`, `"nodeAddress":"\u00e9`),
		r(`"nodeAddress":"`, `"nodeAddress":"é\xff`), r(`"nodeAddress":"`, `"nodeAddress":"é`),
		`{"sessionKey":"a","resourceAbilityRequests":[],"capabilities":[],"issuedAt":"2026-01-01T00:00:00Z","expiration":"2026-01-02T00:00:00Z","nodeAddress":"n"}`,
		`{"sessionKey":"a","resourceAbilityRequests":[],"capabilities":[],"issuedAt":"2026-01-01T00:00:00Z","expiration":"2026-01-02T00:00:00Z"}`,
		`{"sessionKey":"a","resourceAbilityRequests":[,],"capabilities":[],"issuedAt":"2026-01-01T00:00:00Z","expiration":"2026-01-02T00:00:00Z","nodeAddress":"n"}`,
		`{"sessionKey":"a","resourceAbilityRequests":[],"capabilities":[{}],"issuedAt":"2026-01-01T00:00:00Z","expiration":"2026-01-02T00:00:00Z","nodeAddress":"n"}`,
		`{"sessionKey":"a","resourceAbilityRequests":[],"capabilities":[{"sig":"s","derivedVia":"d","signedMessage":"m\/\n","address":"a"}],"issuedAt":"2026-01-01T00:00:00Z","expiration":"2026-01-02T00:00:00Z","nodeAddress":"n"}`,
		`{"sessionKey":"a","resourceAbilityRequests":[],"capabilities":[{"sig":"s","derivedVia":"d","signedMessage":"m","address":"a"},],"issuedAt":"2026-01-01T00:00:00Z","expiration":"2026-01-02T00:00:00Z","nodeAddress":"n"}`,
	}
	for i := 1; i < len(good); i += 97 {
		variants = append(variants, good[:i])
	}
	return sdk, variants
}

func TestScanTemplateMatchesJSON(t *testing.T) {
	sdk, variants := templateCases(t)
	for i, s := range sdk {
		if !sameTemplate(t, s) {
			t.Errorf("scanTemplate declines SDK template %d, so the verifier takes the slow path for it: %s", i, s)
		}
	}
	accepted := 0
	for _, s := range variants {
		if sameTemplate(t, s) {
			accepted++
		}
	}
	if accepted < 5 {
		t.Errorf("scanTemplate accepts only %d variants; they no longer probe what it accepts", accepted)
	}
	t.Logf("%d SDK templates, %d variants, %d of them accepted by scanTemplate", len(sdk), len(variants), accepted)
}

// TestCanonicalSig checks canonicalSig against authsig.CanonicalSig.
func TestCanonicalSig(t *testing.T) {
	body := strings.Repeat("ab", 64)
	for _, sig := range []string{"0x" + body + "1b", "0x" + body + "1c", "0x" + body + "00", "0x" + body + "01",
		"0x" + strings.ToUpper(body) + "1B", "0x" + body + "1d", "0x" + body, body + "1b", "0X" + body + "1b", "", "0x" + body + "1g"} {
		want := sig
		if c, ok := authsig.CanonicalSig(sig); ok {
			want = c
		}
		if got := canonicalSig(sig); got != want {
			t.Errorf("canonicalSig(%q) = %q, want %q", sig, got, want)
		}
	}
}

// FuzzScanTemplate holds scanTemplate to parseTemplateJSON and capDigest to
// the digest of the decoded AuthSig.
func FuzzScanTemplate(f *testing.F) {
	sdk, variants := templateCases(f)
	for _, s := range append(sdk, variants...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { sameTemplate(t, s) })
}
