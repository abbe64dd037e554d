package verify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/siwe"
)

// template is a parsed session signedMessage
// (docs/protocol.md#session-signature-template).
type template struct {
	sessionKey   string
	requests     []resource.Request
	capabilities []authsig.AuthSig
	issuedAt     time.Time
	expiration   time.Time
	nodeAddress  string
	maxPrice     *big.Int // naga only; nil when absent
}

// templateFields are the fields every session template has.
var templateFields = []string{"sessionKey", "resourceAbilityRequests", "capabilities", "issuedAt", "expiration", "nodeAddress"}

// maxPriceField is the one optional field: naga's maximum price per node.
const maxPriceField = "maxPrice"

var maxPriceRe = regexp.MustCompile(`^0x[0-9a-fA-F]+$`)

// parseTemplate decodes signedMessage strictly:
//   - one JSON object and nothing after it;
//   - no duplicate keys, at any level this package reads (JSON parsers
//     disagree on which duplicate wins, so a duplicate could mean different
//     things to the signer and the verifier);
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
func parseTemplate(s string) (*template, error) {
	fields, err := objectFields("signedMessage", []byte(s))
	if err != nil {
		return nil, err
	}
	for k := range fields {
		if !isTemplateField(k) {
			return nil, fmt.Errorf("unknown field %q; the session template has only sessionKey, resourceAbilityRequests, capabilities, issuedAt, expiration, nodeAddress and (naga) maxPrice", k)
		}
	}
	for _, k := range templateFields {
		if _, ok := fields[k]; !ok {
			return nil, fmt.Errorf("field %q is missing", k)
		}
	}
	var t template
	if t.sessionKey, err = jsonString("sessionKey", fields["sessionKey"]); err != nil {
		return nil, err
	}
	if t.nodeAddress, err = jsonString("nodeAddress", fields["nodeAddress"]); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"issuedAt", &t.issuedAt}, {"expiration", &t.expiration}} {
		s, err := jsonString(f.name, fields[f.name])
		if err != nil {
			return nil, err
		}
		if *f.dst, err = siwe.ParseTime(f.name, s); err != nil {
			return nil, err
		}
	}
	reqs, err := jsonArray("resourceAbilityRequests", fields["resourceAbilityRequests"])
	if err != nil {
		return nil, err
	}
	t.requests = make([]resource.Request, len(reqs))
	for i, raw := range reqs {
		if t.requests[i], err = parseRequest(raw); err != nil {
			return nil, fmt.Errorf("resourceAbilityRequests[%d]: %w", i, err)
		}
	}
	caps, err := jsonArray("capabilities", fields["capabilities"])
	if err != nil {
		return nil, err
	}
	t.capabilities = make([]authsig.AuthSig, len(caps))
	for i, raw := range caps {
		if t.capabilities[i], err = parseAuthSig(raw); err != nil {
			return nil, fmt.Errorf("capabilities[%d]: %w", i, err)
		}
	}
	if raw, ok := fields[maxPriceField]; ok {
		s, err := jsonString(maxPriceField, raw)
		if err != nil {
			return nil, err
		}
		if !maxPriceRe.MatchString(s) {
			return nil, fmt.Errorf("maxPrice %q must be 0x followed by hex digits (wei)", s)
		}
		t.maxPrice, _ = new(big.Int).SetString(s[2:], 16)
	}
	return &t, nil
}

func isTemplateField(k string) bool {
	if k == maxPriceField {
		return true
	}
	for _, f := range templateFields {
		if f == k {
			return true
		}
	}
	return false
}

// parseRequest reads {"resource":{"resource":id,"resourcePrefix":p},
// "ability":a[,"data":{…}]}; the PKP id is normalized as the SDK does.
func parseRequest(raw json.RawMessage) (resource.Request, error) {
	fields, err := objectFields("request", raw)
	if err != nil {
		return resource.Request{}, err
	}
	resRaw, ok := fields["resource"]
	if !ok {
		return resource.Request{}, errors.New(`"resource" is missing`)
	}
	res, err := objectFields("resource", resRaw)
	if err != nil {
		return resource.Request{}, err
	}
	id, err := requiredString(res, "resource", "resource.resource")
	if err != nil {
		return resource.Request{}, err
	}
	prefix, err := requiredString(res, "resourcePrefix", "resource.resourcePrefix")
	if err != nil {
		return resource.Request{}, err
	}
	ability, err := requiredString(fields, "ability", "ability")
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
	if data, ok := fields["data"]; ok {
		if err := json.Unmarshal(data, &q.Data); err != nil || q.Data == nil {
			return resource.Request{}, errors.New(`"data" must be an object`)
		}
	}
	return q, nil
}

// parseAuthSig reads a capability: sig, derivedVia, signedMessage and
// address strings, and an optional algo string.
func parseAuthSig(raw json.RawMessage) (authsig.AuthSig, error) {
	fields, err := objectFields("AuthSig", raw)
	if err != nil {
		return authsig.AuthSig{}, err
	}
	var a authsig.AuthSig
	for _, f := range []struct {
		name string
		dst  *string
	}{{"sig", &a.Sig}, {"derivedVia", &a.DerivedVia}, {"signedMessage", &a.SignedMessage}, {"address", &a.Address}} {
		if *f.dst, err = requiredString(fields, f.name, f.name); err != nil {
			return authsig.AuthSig{}, err
		}
	}
	if algo, ok := fields["algo"]; ok {
		if a.Algo, err = jsonString("algo", algo); err != nil {
			return authsig.AuthSig{}, err
		}
	}
	return a, nil
}

// objectFields splits a JSON object into its members, refusing anything
// but exactly one object, duplicate keys, and trailing data.
func objectFields(what string, raw []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %v", what, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("%s must be a JSON object", what)
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%s is not valid JSON: %v", what, err)
		}
		k, ok := kt.(string)
		if !ok {
			return nil, fmt.Errorf("%s is not valid JSON: key is not a string", what)
		}
		if _, dup := fields[k]; dup {
			return nil, fmt.Errorf("%s has the key %q twice", what, k)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s is not valid JSON: %v", what, err)
		}
		fields[k] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %v", what, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s has data after the JSON object", what)
	}
	return fields, nil
}

func requiredString(fields map[string]json.RawMessage, key, name string) (string, error) {
	raw, ok := fields[key]
	if !ok {
		return "", fmt.Errorf("%q is missing", name)
	}
	return jsonString(name, raw)
}

// jsonString decodes a JSON string; null and other types are errors.
func jsonString(name string, raw json.RawMessage) (string, error) {
	// Fast path: raw is already a validated JSON value, so a quoted value
	// without escapes is its own content.
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s *string
	if err := json.Unmarshal(raw, &s); err != nil || s == nil {
		return "", fmt.Errorf("%q must be a string", name)
	}
	return *s, nil
}

// jsonArray decodes a JSON array into its elements; null is an error.
func jsonArray(name string, raw json.RawMessage) ([]json.RawMessage, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || items == nil {
		return nil, fmt.Errorf("%q must be an array", name)
	}
	return items, nil
}
