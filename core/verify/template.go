package verify

import (
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/internal/ascii"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/siwe"
)

// template is a parsed session signedMessage
// (docs/protocol.md#session-signature-template).
type template struct {
	sessionKey   string
	requests     []resource.Request
	capabilities []capability
	issuedAt     time.Time
	expiration   time.Time
	nodeAddress  string
	maxPrice     *big.Int // naga only; nil when absent
}

// templateFields are the fields every session template has.
var templateFields = [...]string{"sessionKey", "resourceAbilityRequests", "capabilities", "issuedAt", "expiration", "nodeAddress"}

// maxPriceField is the one optional field: naga's maximum price per node.
const maxPriceField = "maxPrice"

// parseTemplate decodes signedMessage strictly, as parseTemplateJSON
// does: with scanTemplate when it can (the templates SDKs write), else with
// parseTemplateJSON, which also explains every rejection.
func parseTemplate(s string) (*template, error) {
	if t, ok := scanTemplate(s); ok {
		return t, nil
	}
	return parseTemplateJSON(s)
}

// parseTemplateJSON decodes signedMessage strictly, in one pass of
// jsjson.Parse:
//   - one JSON object and nothing after it;
//   - no duplicate keys at any level (JSON parsers disagree on which
//     duplicate wins, so a duplicate could mean different things to the
//     signer and the verifier), valid UTF-8, no lone UTF-16 surrogates;
//   - keys matched exactly (encoding/json would also accept "SessionKey");
//   - exactly the six template fields plus the optional naga maxPrice; any
//     other field is refused, because a signer may have meant it as a
//     restriction this verifier would silently ignore;
//   - JSON whitespace and key order are not checked: the Ed25519 signature
//     already pins the exact bytes, and neither changes the meaning (the
//     SDK's JSON.stringify output is compact and in template order).
//
// Inside resourceAbilityRequests and capabilities entries, unknown keys are
// ignored: the v7 SDK serializes the caller's objects as they are.
func parseTemplateJSON(s string) (*template, error) {
	doc, err := jsjson.Parse([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("signedMessage is not valid JSON: %v", err)
	}
	members, ok := doc.Members()
	if !ok {
		return nil, errors.New("signedMessage must be a JSON object")
	}
	var t template
	var seen [len(templateFields)]bool
	for _, m := range members {
		i := templateField(m.Key)
		switch {
		case i < 0:
			return nil, fmt.Errorf("unknown field %q; the session template has only sessionKey, resourceAbilityRequests, capabilities, issuedAt, expiration, nodeAddress and (naga) maxPrice", m.Key)
		case i == len(templateFields):
			if t.maxPrice, err = parseMaxPrice(m.Value); err != nil {
				return nil, err
			}
			continue
		}
		seen[i] = true
		if err := t.set(m.Key, m.Value); err != nil {
			return nil, err
		}
	}
	for i, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("field %q is missing", templateFields[i])
		}
	}
	return &t, nil
}

// templateField returns k's index in templateFields,
// len(templateFields) for maxPrice, and -1 for any other key.
func templateField(k string) int {
	for i, f := range templateFields {
		if f == k {
			return i
		}
	}
	if k == maxPriceField {
		return len(templateFields)
	}
	return -1
}

// set decodes template field k.
func (t *template) set(k string, v jsjson.Value) error {
	var err error
	switch k {
	case "sessionKey":
		t.sessionKey, err = jsonString(k, v)
	case "nodeAddress":
		t.nodeAddress, err = jsonString(k, v)
	case "issuedAt":
		t.issuedAt, err = jsonTime(k, v)
	case "expiration":
		t.expiration, err = jsonTime(k, v)
	case "resourceAbilityRequests":
		reqs, ok := v.Items()
		if !ok {
			return fmt.Errorf("%q must be an array", k)
		}
		t.requests = make([]resource.Request, len(reqs))
		for i, raw := range reqs {
			if t.requests[i], err = parseRequest(raw); err != nil {
				return fmt.Errorf("resourceAbilityRequests[%d]: %w", i, err)
			}
		}
	case "capabilities":
		caps, ok := v.Items()
		if !ok {
			return fmt.Errorf("%q must be an array", k)
		}
		t.capabilities = make([]capability, len(caps))
		for i, raw := range caps {
			a, err := parseAuthSig(raw)
			if err != nil {
				return fmt.Errorf("capabilities[%d]: %w", i, err)
			}
			t.capabilities[i] = capability{sig: a.Sig, derivedVia: a.DerivedVia, address: a.Address, algo: a.Algo, msg: jsonText{raw: a.SignedMessage}}
		}
	}
	return err
}

func jsonTime(name string, v jsjson.Value) (time.Time, error) {
	s, err := jsonString(name, v)
	if err != nil {
		return time.Time{}, err
	}
	return siwe.ParseTime(name, s)
}

// parseMaxPrice reads naga's maxPrice: "0x" followed by hex digits.
func parseMaxPrice(v jsjson.Value) (*big.Int, error) {
	s, err := jsonString(maxPriceField, v)
	if err != nil {
		return nil, err
	}
	return maxPrice(s)
}

func maxPrice(s string) (*big.Int, error) {
	if len(s) < 3 || s[:2] != "0x" || !ascii.IsHex(s[2:]) {
		return nil, fmt.Errorf("maxPrice %q must be 0x followed by hex digits (wei)", s)
	}
	p, _ := new(big.Int).SetString(s[2:], 16)
	return p, nil
}

// parseRequest reads {"resource":{"resource":id,"resourcePrefix":p},
// "ability":a[,"data":{…}]}; the PKP id is normalized as the SDK does.
func parseRequest(v jsjson.Value) (resource.Request, error) {
	if v.Kind() != jsjson.KindObject {
		return resource.Request{}, errors.New("request must be a JSON object")
	}
	res := v.Get("resource")
	if !res.Exists() {
		return resource.Request{}, errors.New(`"resource" is missing`)
	}
	if res.Kind() != jsjson.KindObject {
		return resource.Request{}, errors.New("resource must be a JSON object")
	}
	id, err := requiredString(res, "resource", "resource.resource")
	if err != nil {
		return resource.Request{}, err
	}
	prefix, err := requiredString(res, "resourcePrefix", "resource.resourcePrefix")
	if err != nil {
		return resource.Request{}, err
	}
	ability, err := requiredString(v, "ability", "ability")
	if err != nil {
		return resource.Request{}, err
	}
	r, err := resource.New(resource.Prefix(prefix), id)
	if err != nil {
		return resource.Request{}, err
	}
	q := resource.Request{Resource: r, Ability: resource.Ability(ability)}
	if err := q.Check(); err != nil {
		return resource.Request{}, err
	}
	if data := v.Get("data"); data.Exists() {
		x, err := data.Any()
		m, ok := x.(map[string]any)
		if err != nil || !ok {
			return resource.Request{}, errors.New(`"data" must be an object`)
		}
		q.Data = m
	}
	return q, nil
}

// parseAuthSig reads a capability: sig, derivedVia, signedMessage and
// address strings, and an optional algo string.
func parseAuthSig(v jsjson.Value) (authsig.AuthSig, error) {
	if v.Kind() != jsjson.KindObject {
		return authsig.AuthSig{}, errors.New("AuthSig must be a JSON object")
	}
	var a authsig.AuthSig
	var err error
	if a.Sig, err = requiredString(v, "sig", "sig"); err != nil {
		return authsig.AuthSig{}, err
	}
	if a.DerivedVia, err = requiredString(v, "derivedVia", "derivedVia"); err != nil {
		return authsig.AuthSig{}, err
	}
	if a.SignedMessage, err = requiredString(v, "signedMessage", "signedMessage"); err != nil {
		return authsig.AuthSig{}, err
	}
	if a.Address, err = requiredString(v, "address", "address"); err != nil {
		return authsig.AuthSig{}, err
	}
	if algo := v.Get("algo"); algo.Exists() {
		if a.Algo, err = jsonString("algo", algo); err != nil {
			return authsig.AuthSig{}, err
		}
	}
	return a, nil
}

func requiredString(obj jsjson.Value, key, name string) (string, error) {
	v := obj.Get(key)
	if !v.Exists() {
		return "", fmt.Errorf("%q is missing", name)
	}
	return jsonString(name, v)
}

// jsonString reads a JSON string; null and other types are errors.
func jsonString(name string, v jsjson.Value) (string, error) {
	s, ok := v.Str()
	if !ok {
		return "", fmt.Errorf("%q must be a string", name)
	}
	return s, nil
}
