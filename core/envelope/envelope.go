// Package envelope is the wire format that hands a pre-generated PKP
// session to a server (docs/protocol.md#delegation-envelope, the naga "server session reuse"
// pattern): the session key pair and the PKP's delegation to it, in one
// JSON object.
//
// The format, byte for byte what naga's client sends:
//
//	{"pkpPublicKey":"0x04<128 hex>","payload":"<base64url, no padding>"}
//
// where payload is the base64url (RFC 4648 §5, no "=" padding) of the
// UTF-8 JSON
//
//	{"sessionKeyPair":{"publicKey":"<64 hex>","secretKey":"<64 hex>"},
//	 "delegationAuthSig":{"sig":"{\"ProofOfPossession\":\"<192 hex>\"}",
//	  "algo":"LIT_BLS","derivedVia":"lit.bls","signedMessage":"<SIWE>",
//	  "address":"0x<EIP-55 PKP address>"}}
//
// written compactly with the keys in this order (JSON.stringify). Lengths:
// pkpPublicKey is 132 characters (65 bytes uncompressed); publicKey is the
// 32-byte Ed25519 public key; secretKey is the 32-byte Ed25519 seed, as
// naga stores it (Encode writes 64 hex; Decode also accepts the 128-hex
// seed‖public key of v7 and Go's ed25519.PrivateKey). A whole envelope is
// typically 2–4 KB; Decode refuses more than MaxSize bytes.
//
// The payload holds the session secret key: whoever has the envelope can
// act as the PKP, within the delegation's ReCap, until the delegation
// expires. Send it only over a secure channel and never log it. Envelope's
// String, GoString and Format print no secret.
//
// This package only reads and writes the format. It checks the structure
// (exact keys, types, base64url, hex lengths, and that the secret key
// belongs to the public key) but not the delegation's signature, expiry or
// scope: core/delegation validates those against the network.
package envelope

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/jsjson/stdjson"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/sessionkey"
)

// MaxSize bounds an encoded envelope (64 KiB). A delegation over a few
// resources is 2–4 KB; the cap leaves room for large ReCaps while keeping
// hostile input cheap to refuse.
const MaxSize = 64 << 10

// Envelope is a pre-generated PKP session: what a client hands a server so
// that the server can mint session signatures as the PKP.
type Envelope struct {
	// PKPPublicKey is the PKP's uncompressed public key, "0x04" + 128
	// lowercase hex (Decode normalizes to this form).
	PKPPublicKey string
	// SessionKeyPair is the Ed25519 session key the delegation names. Its
	// secret is a bearer credential.
	SessionKeyPair *sessionkey.KeyPair
	// DelegationAuthSig is the PKP's LIT_BLS AuthSig delegating to the
	// session key (from core/delegation's GeneratePkpDelegationAuthSig).
	DelegationAuthSig authsig.AuthSig
}

// Error reports an envelope that cannot be read or written. Its message
// names the field and what is wrong, never a secret value.
type Error struct {
	Field   string // e.g. "payload.sessionKeyPair.secretKey"; "" for the whole envelope
	Problem string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return "envelope: " + e.Problem
	}
	return "envelope: " + e.Field + ": " + e.Problem
}

// ErrorCode is errcode.InvalidParams: the envelope is malformed.
func (e *Error) ErrorCode() errcode.Code { return errcode.InvalidParams }

func fail(field, format string, args ...any) error {
	return &Error{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// wire is the outer object, keys in naga's order.
type wire struct {
	PKPPublicKey string `json:"pkpPublicKey"`
	Payload      string `json:"payload"`
}

type wireKeyPair struct {
	PublicKey string `json:"publicKey"`
	SecretKey string `json:"secretKey"`
}

type wirePayload struct {
	SessionKeyPair    wireKeyPair     `json:"sessionKeyPair"`
	DelegationAuthSig authsig.AuthSig `json:"delegationAuthSig"`
}

// Encode returns the envelope's JSON (no trailing newline). The secret key
// is written as the 64-hex seed, as naga writes it.
func Encode(e Envelope) ([]byte, error) {
	k, err := pkp.Parse(e.PKPPublicKey)
	if err != nil {
		return nil, fail("pkpPublicKey", "%v", err)
	}
	if e.SessionKeyPair == nil {
		return nil, fail("sessionKeyPair", "missing; generate one with sessionkey.Generate")
	}
	a := e.DelegationAuthSig
	if a.Sig == "" || a.DerivedVia == "" || a.SignedMessage == "" || a.Address == "" {
		return nil, fail("delegationAuthSig", "incomplete (sig, derivedVia, signedMessage and address are required); pass the AuthSig GeneratePkpDelegationAuthSig returned")
	}
	payload, err := stdjson.Marshal(wirePayload{
		SessionKeyPair: wireKeyPair{
			PublicKey: e.SessionKeyPair.PublicKeyHex(),
			SecretKey: e.SessionKeyPair.SecretKeyHex()[:2*seedSize],
		},
		DelegationAuthSig: a,
	})
	if err != nil {
		return nil, fail("payload", "encoding: %v", err)
	}
	out, err := stdjson.Marshal(wire{PKPPublicKey: k.PublicKey, Payload: base64.RawURLEncoding.EncodeToString(payload)})
	if err != nil {
		return nil, fail("", "encoding: %v", err)
	}
	if len(out) > MaxSize {
		return nil, fail("", "encoded envelope is %d bytes, more than MaxSize (%d); ask for fewer resources", len(out), MaxSize)
	}
	return out, nil
}

const seedSize = 32

// Decode parses an envelope strictly:
//
//   - at most MaxSize bytes of valid UTF-8 JSON, nothing after the object;
//   - every object has exactly its keys (delegationAuthSig: sig,
//     derivedVia, signedMessage, address and optionally algo), each once,
//     with string values;
//   - pkpPublicKey is "0x04" + 128 hex digits, an uncompressed secp256k1
//     public key (a compressed key is refused, as docs/server-reuse.md
//     states the format);
//   - payload is base64url without padding, of valid UTF-8 JSON;
//   - publicKey is 64 hex, secretKey 64 or 128 hex (no 0x), and the secret
//     key's public key is publicKey.
//
// Errors are *Error values; none of them quotes the payload.
func Decode(data []byte) (*Envelope, error) {
	if len(data) > MaxSize {
		return nil, fail("", "%d bytes is more than the %d an envelope may have", len(data), MaxSize)
	}
	if !utf8.Valid(data) {
		return nil, fail("", "not valid UTF-8")
	}
	top, err := readObject(data, "", []string{"pkpPublicKey", "payload"}, nil)
	if err != nil {
		return nil, err
	}
	pkpKey, err := stringField(top, "", "pkpPublicKey")
	if err != nil {
		return nil, err
	}
	if len(pkpKey) != 132 || !strings.HasPrefix(pkpKey, "0x04") {
		return nil, fail("pkpPublicKey", "must be the uncompressed key, 0x04 followed by 128 hex digits (132 characters), as the official client writes it; got %d characters", len(pkpKey))
	}
	k, err := pkp.Parse(pkpKey)
	if err != nil {
		return nil, fail("pkpPublicKey", "%v", err)
	}
	enc, err := stringField(top, "", "payload")
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(enc, "=") {
		return nil, fail("payload", "has base64 padding; the payload is base64url without padding (RFC 4648 §5)")
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(enc)
	if err != nil {
		return nil, fail("payload", "is not base64url without padding (RFC 4648 §5: A–Z a–z 0–9 - _)")
	}
	if !utf8.Valid(payload) {
		return nil, fail("payload", "does not decode to UTF-8 text")
	}
	p, err := readObject(payload, "payload", []string{"sessionKeyPair", "delegationAuthSig"}, nil)
	if err != nil {
		return nil, err
	}
	kp, err := decodeKeyPair(p["sessionKeyPair"])
	if err != nil {
		return nil, err
	}
	a, err := decodeAuthSig(p["delegationAuthSig"])
	if err != nil {
		return nil, err
	}
	return &Envelope{PKPPublicKey: k.PublicKey, SessionKeyPair: kp, DelegationAuthSig: a}, nil
}

func decodeKeyPair(raw json.RawMessage) (*sessionkey.KeyPair, error) {
	const f = "payload.sessionKeyPair"
	m, err := readObject(raw, f, []string{"publicKey", "secretKey"}, nil)
	if err != nil {
		return nil, err
	}
	pub, err := stringField(m, f, "publicKey")
	if err != nil {
		return nil, err
	}
	sec, err := stringField(m, f, "secretKey")
	if err != nil {
		return nil, err
	}
	if b, err := hex.DecodeString(pub); err != nil || len(b) != 32 {
		return nil, fail(f+".publicKey", "must be 64 hex characters without 0x (a 32-byte Ed25519 public key), got %d characters", len(pub))
	}
	// Check the secret's shape here, so that no lower-level message can
	// quote any of it.
	if b, err := hex.DecodeString(sec); err != nil || (len(b) != 32 && len(b) != 64) {
		return nil, fail(f+".secretKey", "must be 64 hex characters (the Ed25519 seed, as naga writes it) or 128 (seed and public key), without 0x; got %d characters", len(sec))
	}
	kp, err := sessionkey.FromHex(pub, sec)
	if err != nil {
		return nil, fail(f, "the secret key does not belong to the public key: the key pair is corrupt or mixed up; ask for a new envelope")
	}
	return kp, nil
}

func decodeAuthSig(raw json.RawMessage) (authsig.AuthSig, error) {
	const f = "payload.delegationAuthSig"
	m, err := readObject(raw, f, []string{"sig", "derivedVia", "signedMessage", "address"}, []string{"algo"})
	if err != nil {
		return authsig.AuthSig{}, err
	}
	var a authsig.AuthSig
	for _, x := range []struct {
		name string
		dst  *string
	}{{"sig", &a.Sig}, {"derivedVia", &a.DerivedVia}, {"signedMessage", &a.SignedMessage}, {"address", &a.Address}, {"algo", &a.Algo}} {
		if _, ok := m[x.name]; !ok {
			continue // only algo is optional; readObject checked the rest
		}
		if *x.dst, err = stringField(m, f, x.name); err != nil {
			return authsig.AuthSig{}, err
		}
	}
	return a, nil
}

// readObject reads one JSON object whose keys are exactly required plus
// any of optional, each at most once, with nothing after it.
func readObject(data []byte, field string, required, optional []string) (map[string]json.RawMessage, error) {
	where := field
	if where == "" {
		where = "the envelope"
	}
	want := "{" + strings.Join(required, ", ") + "}"
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, fail(field, "%s must be a JSON object %s", where, want)
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fail(field, "%s is not valid JSON", where)
		}
		key := tok.(string) // object keys are always strings
		known := false
		for _, k := range append(required[:len(required):len(required)], optional...) {
			known = known || k == key
		}
		if !known {
			return nil, fail(field, "unknown key %s; %s has exactly %s", shortKey(key), where, want)
		}
		if _, dup := out[key]; dup {
			return nil, fail(field, "key %q appears twice", key)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fail(field, "%s is not valid JSON", where)
		}
		out[key] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, fail(field, "%s is not valid JSON", where)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fail(field, "unexpected data after %s", where)
	}
	for _, k := range required {
		if _, ok := out[k]; !ok {
			return nil, fail(field, "key %q is missing; %s has exactly %s", k, where, want)
		}
	}
	return out, nil
}

// stringField returns m[name] as a string, refusing other JSON types.
func stringField(m map[string]json.RawMessage, field, name string) (string, error) {
	raw := m[name]
	full := name
	if field != "" {
		full = field + "." + name
	}
	if len(raw) == 0 || raw[0] != '"' {
		return "", fail(full, "must be a string")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fail(full, "must be a string")
	}
	return s, nil
}

// shortKey quotes an unknown key for an error, truncated.
func shortKey(k string) string {
	if len(k) > 40 {
		k = k[:40] + "…"
	}
	return fmt.Sprintf("%q", k)
}

// MarshalJSON writes the envelope format (Encode).
func (e Envelope) MarshalJSON() ([]byte, error) { return Encode(e) }

// UnmarshalJSON reads the envelope format (Decode).
func (e *Envelope) UnmarshalJSON(data []byte) error {
	d, err := Decode(data)
	if err != nil {
		return err
	}
	*e = *d
	return nil
}

// SessionKeyURI returns "lit:session:" + the session public key, or "" if
// there is no key pair.
func (e Envelope) SessionKeyURI() string {
	if e.SessionKeyPair == nil {
		return ""
	}
	return e.SessionKeyPair.URI()
}

// String describes the envelope without its secret: the PKP and the
// session key URI.
func (e Envelope) String() string {
	return "envelope(pkp " + e.PKPPublicKey + ", " + e.SessionKeyURI() + ")"
}

// GoString keeps %#v from printing the secret.
func (e Envelope) GoString() string { return e.String() }

// Format keeps every fmt verb from printing the secret.
func (e Envelope) Format(f fmt.State, _ rune) { io.WriteString(f, e.String()) }
