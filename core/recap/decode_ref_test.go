package recap

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/litgo/litsession/core/jsjson"
)

// refDecode is the encoding/json-based Decode that jsjson replaced.
// refAbilityRe is the ability grammar: <namespace>/<name>, each one or more
// letters, digits and . * _ + -.
var refAbilityRe = regexp.MustCompile(`^[a-zA-Z0-9.*_+-]+/[a-zA-Z0-9.*_+-]+$`)

func refDecode(urn string) (*Recap, error) {
	enc, ok := strings.CutPrefix(urn, URNPrefix)
	if !ok {
		return nil, errors.New("recap: not a ReCap: it must start with urn:recap:")
	}
	// siwe-recap's decoder (multiformats) ignores trailing '=' padding.
	enc = strings.TrimRight(enc, "=")
	for i := 0; i < len(enc); i++ {
		c := enc[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return nil, fmt.Errorf("recap: character %q at %d is not base64url (no padding allowed)", c, i)
		}
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("recap: invalid base64url: %v", err)
	}
	var doc struct {
		Att map[string]json.RawMessage `json:"att"`
		Prf json.RawMessage            `json:"prf"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("recap: invalid JSON: %v", err)
	}
	if dec.More() {
		return nil, errors.New("recap: trailing data after the JSON object")
	}
	if doc.Att == nil {
		return nil, errors.New("recap: invalid attenuation object: \"att\" must be an object")
	}
	r := New()
	if err := json.Unmarshal(doc.Prf, &r.Prf); err != nil || r.Prf == nil {
		return nil, errors.New("recap: invalid proof list: \"prf\" must be an array of strings")
	}
	if len(r.Prf) > 0 {
		return nil, errors.New("recap: proofs (prf) are not supported: Lit ReCaps carry an empty proof list")
	}
	var rawAtt json.RawMessage
	if err := json.Unmarshal(raw, &struct {
		Att *json.RawMessage `json:"att"`
	}{&rawAtt}); err != nil {
		return nil, fmt.Errorf("recap: invalid JSON: %v", err)
	}
	if err := refCheckSorted(rawAtt); err != nil {
		return nil, err
	}
	for key, rawAbs := range doc.Att {
		var abs map[string]json.RawMessage
		if err := json.Unmarshal(rawAbs, &abs); err != nil || abs == nil {
			return nil, fmt.Errorf("recap: invalid attenuation object for %q: want an object of abilities", key)
		}
		m := make(map[string][]NotaBene, len(abs))
		for ab, rawNbs := range abs {
			if !refAbilityRe.MatchString(ab) {
				return nil, fmt.Errorf("recap: invalid ability string %q (want <namespace>/<name>)", ab)
			}
			var items []json.RawMessage
			if err := json.Unmarshal(rawNbs, &items); err != nil || items == nil {
				return nil, fmt.Errorf("recap: invalid nota-bene list for %s: want an array of objects", ab)
			}
			nbs := make([]NotaBene, len(items))
			for i, it := range items {
				d := json.NewDecoder(bytes.NewReader(it))
				d.UseNumber()
				var nb map[string]any
				if err := d.Decode(&nb); err != nil || nb == nil {
					return nil, fmt.Errorf("recap: invalid nota-bene list for %s: want an array of objects", ab)
				}
				nbs[i] = nb
			}
			m[ab] = nbs
		}
		r.Att[key] = m
	}
	return r, nil
}

// checkSorted walks the JSON and requires every object's keys, in the order
// JavaScript's Object.keys would list them, to be in sorted order; duplicate
// keys are refused outright.
func refCheckSorted(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := refWalkSorted(dec); err != nil {
		return err
	}
	return nil
}

func refWalkSorted(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("recap: invalid JSON: %v", err)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '[':
		for dec.More() {
			if err := refWalkSorted(dec); err != nil {
				return err
			}
		}
	case '{':
		var keys []string
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return fmt.Errorf("recap: invalid JSON: %v", err)
			}
			k := kt.(string)
			if seen[k] {
				return fmt.Errorf("recap: duplicate key %q", k)
			}
			seen[k] = true
			keys = append(keys, k)
			if err := refWalkSorted(dec); err != nil {
				return err
			}
		}
		listed := jsKeyOrder(keys)
		sorted := append([]string(nil), listed...)
		jsjson.SortUTF16(sorted)
		for i := range sorted {
			if sorted[i] != listed[i] {
				return errors.New("recap: attenuation object is not properly sorted (keys must be in canonical RFC 8785 order)")
			}
		}
	}
	if _, err := dec.Token(); err != nil { // closing delimiter
		return fmt.Errorf("recap: invalid JSON: %v", err)
	}
	return nil
}

// FuzzDecodeMatchesEncodingJSON compares Decode with refDecode: a ReCap
// both accept encodes (canonically) to the same URN with the same
// statement; Decode accepts nothing refDecode refuses; and it refuses what
// refDecode accepts only for its documented reasons (duplicate keys
// anywhere, invalid UTF-8 or lone surrogates, "att"/"prf" spelled in
// another case, or trailing "}" / "]" that the json.Decoder let through).
func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{
		`{"att":{},"prf":[]}`,
		`{"att":{"lit-pkp://*":{"Threshold/Signing":[{}]}},"prf":[]}`,
		`{"att":{"a":{"T/S":[{"n":-0,"uses":"1","x":[1,2.50,{"k":null},1e400]}]}},"prf":[]}`,
		`{"att":{"a":{"T/S":[{"10":1,"9":2}]}},"prf":[]}`,
		`{"ATT":{},"prf":[]}`, `{"att":{},"prf":[]}}`, `{"att":{},"att":{},"prf":[]}`,
		"{\"att\":{\"\xff\":{}},\"prf\":[]}",
	} {
		f.Add(URNPrefix + b64url(s))
	}
	f.Fuzz(func(t *testing.T, urn string) {
		got, err := Decode(urn)
		want, wantErr := refDecode(urn)
		if err == nil && wantErr != nil {
			t.Fatalf("%q: accepted, previously refused: %v", urn, wantErr)
		}
		if err != nil && wantErr == nil {
			raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimRight(strings.TrimPrefix(urn, URNPrefix), "="))
			_, perr := jsjson.Parse(raw)
			switch {
			case strings.Contains(err.Error(), "duplicate key"), !utf8.Valid(raw), strings.Contains(err.Error(), "lone UTF-16 surrogate"),
				strings.Contains(err.Error(), "trailing data"), perr == nil && !bytes.Contains(raw, []byte(`"att"`)), perr == nil && !bytes.Contains(raw, []byte(`"prf"`)):
			default:
				t.Fatalf("%q (%s): refused (%v), previously accepted", urn, raw, err)
			}
			return
		}
		if err != nil {
			return
		}
		a, errA := got.Encode()
		b, errB := want.Encode()
		if a != b || (errA == nil) != (errB == nil) || got.Statement() != want.Statement() {
			t.Fatalf("%q: encodes to %s (%v), previously %s (%v)", urn, a, errA, b, errB)
		}
	})
}

// TestValidAbilityMatchesGrammar holds validName and validAbility to the
// grammar's expressions on every byte and on strings around each rule.
func TestValidAbilityMatchesGrammar(t *testing.T) {
	nameRe := regexp.MustCompile(`^[a-zA-Z0-9.*_+-]+$`)
	cases := []string{"", "/", "a/", "/a", "a/b", "a/b/c", "lit-pkp/Threshold", "Threshold/Signing", "a b/c", "a/b\n", "*/*", "é/a"}
	for c := 0; c < 256; c++ {
		b := string([]byte{byte(c)})
		cases = append(cases, b, b+"/a", "a/"+b, "a"+b+"b")
	}
	for _, s := range cases {
		if got, want := validName(s), nameRe.MatchString(s); got != want {
			t.Errorf("validName(%q) = %v, the grammar says %v", s, got, want)
		}
		if got, want := validAbility(s), refAbilityRe.MatchString(s); got != want {
			t.Errorf("validAbility(%q) = %v, the grammar says %v", s, got, want)
		}
	}
}
