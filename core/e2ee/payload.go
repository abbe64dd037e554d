package e2ee

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/litgo/litsession/core/jsjson"
)

// Payload is one sealed message, decoded from its wire form:
//
//	{"verification_key":"<64 hex>","random":"<32 hex>",
//	 "created_at":"2026-01-02T03:04:05.678Z","ciphertext_and_tag":"<hex>"}
//
// (the member order of the official client's output).
type Payload struct {
	VerificationKey [KeySize]byte    // the sender's public key
	Random          [RandomSize]byte // the random AAD field
	CreatedAt       time.Time        // whole milliseconds, UTC
	Box             []byte           // tag ‖ ciphertext, without the zero prefix
}

// Request is the body of a naga /v2 request:
// {"version":"1","payload":{…},"epoch":N}.
type Request struct {
	Payload Payload
	Epoch   uint64
}

// FormatError says which part of an encrypted body breaks which rule.
type FormatError struct {
	Field string // e.g. "payload.random"; "" for the body itself
	Msg   string
}

func (e *FormatError) Error() string {
	if e.Field == "" {
		return "e2ee: the body " + e.Msg
	}
	return "e2ee: " + e.Field + " " + e.Msg
}

// MaxBodySize bounds the encrypted bodies ParseRequest and ParseResponse
// read.
const MaxBodySize = 8 << 20

var bodyLimits = jsjson.Limits{MaxBytes: MaxBodySize, MaxDepth: 4}

// ParseRequest reads a request body strictly: exactly the members
// version ("1"), payload and epoch (a non-negative integer), and a
// payload as ParsePayload reads it.
func ParseRequest(data []byte) (Request, error) {
	v, err := parseBody(data, "version", "payload", "epoch")
	if err != nil {
		return Request{}, err
	}
	epoch, ok := v.Get("epoch").Uint64()
	if !ok {
		return Request{}, &FormatError{Field: "epoch", Msg: "must be a non-negative whole number, got " + jsjson.Text(v.Get("epoch"))}
	}
	p, err := parsePayload(v.Get("payload"))
	if err != nil {
		return Request{}, err
	}
	return Request{Payload: p, Epoch: epoch}, nil
}

// ParseResponse reads an answer body strictly: exactly the members
// version ("1") and payload.
func ParseResponse(data []byte) (Payload, error) {
	v, err := parseBody(data, "version", "payload")
	if err != nil {
		return Payload{}, err
	}
	return parsePayload(v.Get("payload"))
}

// parseBody parses data and checks that it is an object with exactly the
// members names and version "1".
func parseBody(data []byte, names ...string) (jsjson.Value, error) {
	v, err := bodyLimits.Parse(data)
	if err != nil {
		return v, &FormatError{Msg: "is not valid JSON: " + err.Error()}
	}
	if err := exactMembers(v, "", names...); err != nil {
		return v, err
	}
	if s, ok := v.Get("version").Str(); !ok || s != Version {
		return v, &FormatError{Field: "version", Msg: `must be the string "1", got ` + jsjson.Text(v.Get("version"))}
	}
	return v, nil
}

// exactMembers checks that v is an object with exactly the members names.
func exactMembers(v jsjson.Value, where string, names ...string) error {
	members, ok := v.Members()
	if !ok {
		return &FormatError{Field: where, Msg: "must be an object, got " + v.Kind().String()}
	}
	for _, m := range members {
		known := false
		for _, n := range names {
			known = known || m.Key == n
		}
		if !known {
			return &FormatError{Field: where, Msg: fmt.Sprintf("has the unknown member %s; it must have exactly %q", jsjson.Quote(m.Key), names)}
		}
	}
	for _, n := range names {
		if !v.Get(n).Exists() {
			return &FormatError{Field: join(where, n), Msg: "is missing"}
		}
	}
	return nil
}

func join(where, name string) string {
	if where == "" {
		return name
	}
	return where + "." + name
}

// ParsePayload reads the payload object strictly: exactly its four
// members, all strings; lowercase hex of the right lengths; created_at as
// toISOString writes it; a ciphertext with the 16-zero prefix and room for
// the tag.
func ParsePayload(data []byte) (Payload, error) {
	v, err := bodyLimits.Parse(data)
	if err != nil {
		return Payload{}, &FormatError{Field: "payload", Msg: "is not valid JSON: " + err.Error()}
	}
	return parsePayload(v)
}

func parsePayload(v jsjson.Value) (Payload, error) {
	const where = "payload"
	if err := exactMembers(v, where, "verification_key", "random", "created_at", "ciphertext_and_tag"); err != nil {
		return Payload{}, err
	}
	str := func(name string) (string, error) {
		s, ok := v.Get(name).Str()
		if !ok {
			return "", &FormatError{Field: join(where, name), Msg: "must be a string, got " + v.Get(name).Kind().String()}
		}
		return s, nil
	}
	var p Payload
	s, err := str("verification_key")
	if err == nil {
		err = decodeHex(s, p.VerificationKey[:], join(where, "verification_key"))
	}
	if err != nil {
		return Payload{}, err
	}
	if s, err = str("random"); err == nil {
		err = decodeHex(s, p.Random[:], join(where, "random"))
	}
	if err != nil {
		return Payload{}, err
	}
	if s, err = str("created_at"); err != nil {
		return Payload{}, err
	}
	if p.CreatedAt, err = parseCreatedAt(s); err != nil {
		return Payload{}, &FormatError{Field: join(where, "created_at"), Msg: err.Error()}
	}
	if s, err = str("ciphertext_and_tag"); err != nil {
		return Payload{}, err
	}
	field := join(where, "ciphertext_and_tag")
	if len(s)%2 != 0 || len(s) < 2*(PrefixSize+Overhead) {
		return Payload{}, &FormatError{Field: field, Msg: fmt.Sprintf("must be an even number of at least %d lowercase hex digits (16 zero bytes, the tag, the ciphertext), got %d digits", 2*(PrefixSize+Overhead), len(s))}
	}
	raw := make([]byte, len(s)/2)
	if err := decodeHex(s, raw, field); err != nil {
		return Payload{}, err
	}
	for _, b := range raw[:PrefixSize] {
		if b != 0 {
			return Payload{}, &FormatError{Field: field, Msg: "must start with 16 zero bytes (32 zero digits) before the box"}
		}
	}
	p.Box = raw[PrefixSize:]
	return p, nil
}

// decodeHex decodes exactly len(dst) bytes of lowercase hex, without 0x.
func decodeHex(s string, dst []byte, field string) error {
	if len(s) != 2*len(dst) {
		return &FormatError{Field: field, Msg: fmt.Sprintf("must be %d lowercase hex digits without 0x, got %d characters", 2*len(dst), len(s))}
	}
	for i := range dst {
		hi, lo := lowerHex[s[2*i]], lowerHex[s[2*i+1]]
		if hi|lo == 0xff {
			j := 2 * i
			if hi != 0xff {
				j++
			}
			return &FormatError{Field: field, Msg: fmt.Sprintf("must be lowercase hex digits without 0x; character %d is %q", j, s[j])}
		}
		dst[i] = hi<<4 | lo
	}
	return nil
}

// lowerHex maps '0'–'9' and 'a'–'f' to their values and every other byte
// to 0xff.
var lowerHex = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "0123456789abcdef" {
		t[c] = byte(i)
	}
	return t
}()

// object appends p as a JSON object in the official client's member
// order. Every value is hex or a timestamp: nothing to escape.
func (p Payload) object(dst []byte) []byte {
	dst = append(dst, `{"verification_key":"`...)
	dst = hex.AppendEncode(dst, p.VerificationKey[:])
	dst = append(dst, `","random":"`...)
	dst = hex.AppendEncode(dst, p.Random[:])
	dst = append(dst, `","created_at":"`...)
	dst = p.CreatedAt.UTC().AppendFormat(dst, createdAtLayout)
	dst = append(dst, `","ciphertext_and_tag":"`...)
	dst = append(dst, zeroPrefixHex...)
	dst = hex.AppendEncode(dst, p.Box)
	return append(dst, `"}`...)
}

const zeroPrefixHex = "00000000000000000000000000000000"

// jsonSize is at least the length of p's object.
func (p Payload) jsonSize() int { return 200 + 2*(PrefixSize+len(p.Box)) }

// JSON is the payload object alone.
func (p Payload) JSON() []byte { return p.object(make([]byte, 0, p.jsonSize())) }

// ResponseJSON is the answer body {"version":"1","payload":{…}}: what
// JSON.stringify writes for walletEncrypt's result.
func (p Payload) ResponseJSON() []byte {
	b := append(make([]byte, 0, 32+p.jsonSize()), `{"version":"1","payload":`...)
	return append(p.object(b), '}')
}

// JSON is the request body {"version":"1","payload":{…},"epoch":N}, as
// the official client sends it.
func (r Request) JSON() []byte {
	b := append(make([]byte, 0, 64+r.Payload.jsonSize()), `{"version":"1","payload":`...)
	b = append(r.Payload.object(b), `,"epoch":`...)
	return append(strconv.AppendUint(b, r.Epoch, 10), '}')
}
