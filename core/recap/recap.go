// Package recap implements EIP-5573 ReCaps as Lit uses them.
//
// A ReCap travels as the last SIWE resource "urn:recap:<base64url>", where
// the base64url (RFC 4648 §5, no padding) holds RFC 8785 canonical JSON
// {"att":{<resource key>:{"<ns>/<ability>":[<nota bene>…]}},"prf":[…]}.
// The SIWE statement ends in a sentence generated from att (Statement).
package recap

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/resource"
)

// URNPrefix starts every encoded ReCap.
const URNPrefix = "urn:recap:"

// StatementPrefix starts every ReCap statement.
const StatementPrefix = "I further authorize the stated URI to perform the following actions on my behalf:"

// NotaBene is one restriction object attached to an ability. Decode fills
// it with the values of jsjson.Value.AnyNumber (numbers as jsjson.Number);
// callers may use any values jsjson.Canonical accepts (the JSON data model:
// strings, bools, nil, Go numbers, json.Number, []any, map[string]any).
type NotaBene = map[string]any

// Recap is a decoded ReCap: attenuations by resource key, then by
// "<namespace>/<name>", and proofs (CID strings; Lit always sends none).
type Recap struct {
	Att map[string]map[string][]NotaBene
	Prf []string
}

// New returns an empty ReCap.
func New() *Recap { return &Recap{Att: map[string]map[string][]NotaBene{}, Prf: []string{}} }

// validName reports whether s is an ability namespace or name: one or more
// letters, digits and . * _ + -.
func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '*' || c == '_' || c == '+' || c == '-') {
			return false
		}
	}
	return s != ""
}

// validAbility reports whether s is "<namespace>/<name>".
func validAbility(s string) bool {
	ns, name, ok := strings.Cut(s, "/")
	return ok && validName(ns) && validName(name)
}

// AddAttenuation grants namespace/name on a resource key with one nota
// bene (nil means {}), appending to any restrictions already there.
func (r *Recap) AddAttenuation(key, namespace, name string, nb NotaBene) error {
	if !validName(namespace) {
		return fmt.Errorf("recap: invalid ability namespace %q (letters, digits and . * _ + - only)", namespace)
	}
	if !validName(name) {
		return fmt.Errorf("recap: invalid ability name %q (letters, digits and . * _ + - only)", name)
	}
	if nb == nil {
		nb = NotaBene{}
	}
	ab := namespace + "/" + name
	if r.Att[key] == nil {
		r.Att[key] = map[string][]NotaBene{}
	}
	r.Att[key][ab] = append(r.Att[key][ab], nb)
	return nil
}

// Merge folds other into r as siwe-recap does when a second request is added
// to a SIWE message: new keys are added; for an ability already present, a
// list that is empty or holds only {} is replaced, any other is extended.
func (r *Recap) Merge(other *Recap) {
	r.Prf = append(r.Prf, other.Prf...)
	for key, abs := range other.Att {
		ex, ok := r.Att[key]
		if !ok {
			cp := make(map[string][]NotaBene, len(abs))
			for ab, nbs := range abs {
				cp[ab] = append([]NotaBene(nil), nbs...)
			}
			r.Att[key] = cp
			continue
		}
		for ab, nbs := range abs {
			if allEmpty(ex[ab]) {
				ex[ab] = append([]NotaBene(nil), nbs...)
			} else {
				ex[ab] = append(ex[ab], nbs...)
			}
		}
	}
}

func allEmpty(nbs []NotaBene) bool {
	for _, nb := range nbs {
		if len(nb) != 0 {
			return false
		}
	}
	return true
}

// AddRequest merges one Lit resource/ability request, checking the pair.
func (r *Recap) AddRequest(q resource.Request) error {
	if err := q.Check(); err != nil {
		return err
	}
	ns, name, err := q.Ability.Recap()
	if err != nil {
		return err
	}
	one := New()
	if err := one.AddAttenuation(q.Resource.Key(), ns, name, q.Data); err != nil {
		return err
	}
	r.Merge(one)
	return nil
}

// FromRequests builds the ReCap the official SDK builds for requests, one
// request at a time in order.
func FromRequests(reqs []resource.Request) (*Recap, error) {
	r := New()
	for i, q := range reqs {
		if err := r.AddRequest(q); err != nil {
			return nil, fmt.Errorf("request %d (%s %s): %w", i+1, q.Resource.Key(), q.Ability, err)
		}
	}
	return r, nil
}

func (r *Recap) jsonValue() map[string]any {
	att := make(map[string]any, len(r.Att))
	for key, abs := range r.Att {
		m := make(map[string]any, len(abs))
		for ab, nbs := range abs {
			list := make([]any, len(nbs))
			for i, nb := range nbs {
				list[i] = map[string]any(nb)
			}
			m[ab] = list
		}
		att[key] = m
	}
	prf := make([]any, len(r.Prf))
	for i, p := range r.Prf {
		prf[i] = p
	}
	return map[string]any{"att": att, "prf": prf}
}

// JSON returns the canonical JSON of the ReCap.
func (r *Recap) JSON() ([]byte, error) { return jsjson.Canonical(r.jsonValue()) }

// Encode returns "urn:recap:" + base64url (no padding) of the canonical JSON.
func (r *Recap) Encode() (string, error) {
	b, err := r.JSON()
	if err != nil {
		return "", fmt.Errorf("recap: encoding: %w", err)
	}
	return URNPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// Statement returns the sentence the SIWE statement ends with: for each
// resource key in sorted order, each namespace of its sorted abilities as
// "(n) '<ns>': '<a1>', '<a2>' for '<key>'.".
func (r *Recap) Statement() string {
	var b strings.Builder
	b.WriteString(StatementPrefix)
	b.WriteByte(' ')
	section := 1
	keys := make([]string, 0, len(r.Att))
	for k := range r.Att {
		keys = append(keys, k)
	}
	jsjson.SortUTF16(keys)
	for _, key := range keys {
		abs := make([]string, 0, len(r.Att[key]))
		for ab := range r.Att[key] {
			abs = append(abs, ab)
		}
		jsjson.SortUTF16(abs)
		var order []string
		names := map[string][]string{}
		for _, ab := range abs {
			ns, name, _ := strings.Cut(ab, "/")
			if _, ok := names[ns]; !ok {
				order = append(order, ns)
			}
			names[ns] = append(names[ns], name)
		}
		for _, ns := range jsKeyOrder(order) {
			quoted := make([]string, len(names[ns]))
			for i, n := range names[ns] {
				quoted[i] = "'" + n + "'"
			}
			fmt.Fprintf(&b, "(%d) '%s': %s for '%s'. ", section, ns, strings.Join(quoted, ", "), key)
			section++
		}
	}
	s := b.String()
	return s[:len(s)-1]
}

// Covers reports whether the ReCap grants ability a on res, by the official
// rule: the ability must be valid for the resource kind; the entry consulted
// is "<prefix>://*" if present, else the exact key; it must hold "*/*" or
// exactly the ability's "<ns>/<name>".
func (r *Recap) Covers(res resource.Resource, a resource.Ability) bool {
	if resource.CheckPair(res.Prefix, a) != nil {
		return false
	}
	want, err := a.RecapAbility()
	if err != nil {
		return false
	}
	abs, ok := r.Att[res.WildcardKey()]
	if !ok {
		if abs, ok = r.Att[res.Key()]; !ok {
			return false
		}
	}
	if _, ok := abs["*/*"]; ok {
		return true
	}
	_, ok = abs[want]
	return ok
}

// NotCoveredError names a request a ReCap does not grant.
type NotCoveredError struct{ Request resource.Request }

func (e *NotCoveredError) Error() string {
	return fmt.Sprintf("recap: does not grant %s on %s", e.Request.Ability, e.Request.Resource.Key())
}

// CoversAll returns a *NotCoveredError for the first request not covered.
func (r *Recap) CoversAll(reqs []resource.Request) error {
	for _, q := range reqs {
		if !r.Covers(q.Resource, q.Ability) {
			return &NotCoveredError{Request: q}
		}
	}
	return nil
}

// Decode parses "urn:recap:…" with the checks of siwe-recap: base64url
// (trailing padding ignored), a JSON object with an object "att" and an
// array "prf", ability keys "<ns>/<name>", nota-bene lists of objects, and
// the keys of att sorted at every level. It is stricter than siwe-recap in
// three ways, because each is an ambiguity an attacker could use: duplicate
// object keys (anywhere in the document), a resource whose abilities are an
// array rather than an object, and a non-empty proof list are refused. The
// JSON must also be valid UTF-8 without lone surrogates (see jsjson.Parse).
func Decode(urn string) (*Recap, error) {
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
	doc, err := jsjson.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("recap: invalid JSON: %v", err)
	}
	if _, ok := doc.Members(); !ok {
		return nil, fmt.Errorf("recap: invalid JSON: want an object {att, prf}, got %s", doc.Kind())
	}
	att := doc.Get("att")
	if !att.Exists() || att.IsNull() {
		return nil, errors.New("recap: invalid attenuation object: \"att\" must be an object")
	}
	resources, ok := att.Members()
	if !ok {
		return nil, fmt.Errorf("recap: invalid JSON: \"att\" must be an object, got %s", att.Kind())
	}
	r := New()
	prf, ok := doc.Get("prf").Items()
	if !ok {
		return nil, errors.New("recap: invalid proof list: \"prf\" must be an array of strings")
	}
	for _, p := range prf {
		s, ok := p.Str()
		if !ok {
			return nil, errors.New("recap: invalid proof list: \"prf\" must be an array of strings")
		}
		r.Prf = append(r.Prf, s)
	}
	if len(r.Prf) > 0 {
		return nil, errors.New("recap: proofs (prf) are not supported: Lit ReCaps carry an empty proof list")
	}
	if err := checkSorted(att); err != nil {
		return nil, err
	}
	for _, res := range resources {
		key := res.Key
		abs, ok := res.Value.Members()
		if !ok {
			return nil, fmt.Errorf("recap: invalid attenuation object for %q: want an object of abilities", key)
		}
		m := make(map[string][]NotaBene, len(abs))
		for _, ab := range abs {
			if !validAbility(ab.Key) {
				return nil, fmt.Errorf("recap: invalid ability string %q (want <namespace>/<name>)", ab.Key)
			}
			items, ok := ab.Value.Items()
			if !ok {
				return nil, fmt.Errorf("recap: invalid nota-bene list for %s: want an array of objects", ab.Key)
			}
			nbs := make([]NotaBene, len(items))
			for i, it := range items {
				if _, ok := it.Members(); !ok {
					return nil, fmt.Errorf("recap: invalid nota-bene list for %s: want an array of objects", ab.Key)
				}
				// Numbers stay jsjson.Numbers (their literal text), as
				// json.Numbers did with encoding/json's UseNumber.
				nbs[i] = it.AnyNumber().(map[string]any)
			}
			m[ab.Key] = nbs
		}
		r.Att[key] = m
	}
	return r, nil
}

// checkSorted walks the JSON and requires every object's keys, in the order
// JavaScript's Object.keys would list them, to be in sorted order. (Parse
// has already refused duplicate keys.)
func checkSorted(v jsjson.Value) error {
	if items, ok := v.Items(); ok {
		for _, it := range items {
			if err := checkSorted(it); err != nil {
				return err
			}
		}
		return nil
	}
	members, ok := v.Members()
	if !ok {
		return nil
	}
	keys := make([]string, len(members))
	for i, m := range members {
		keys[i] = m.Key
		if err := checkSorted(m.Value); err != nil {
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
	return nil
}

// jsKeyOrder returns keys in the order JavaScript lists an object's own
// keys: array-index keys ascending by value, then the rest in insertion order.
func jsKeyOrder(keys []string) []string {
	var idx []uint64
	var rest []string
	for _, k := range keys {
		if n, ok := arrayIndex(k); ok {
			idx = append(idx, n)
		} else {
			rest = append(rest, k)
		}
	}
	if len(idx) == 0 {
		return keys
	}
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && idx[j] < idx[j-1]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	out := make([]string, 0, len(keys))
	for _, n := range idx {
		out = append(out, strconv.FormatUint(n, 10))
	}
	return append(out, rest...)
}

func arrayIndex(k string) (uint64, bool) {
	if k == "" || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(k, 10, 64)
	if err != nil || n >= 1<<32-1 {
		return 0, false
	}
	return n, true
}
