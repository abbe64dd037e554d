package bls

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// popKey is the only key of the LIT_BLS AuthSig sig object.
const popKey = "ProofOfPossession"

var errMalformedPoP = errors.New(`bls: LIT_BLS sig must be exactly {"ProofOfPossession":"<192 hex>"}`)

// FormatProofOfPossession returns the sig field of a LIT_BLS AuthSig for a
// 96-byte combined signature: the JSON text
//
//	{"ProofOfPossession":"<192 lowercase hex characters>"}
//
// exactly as the JS SDK's JSON.stringify writes it. The AuthSig carries this
// text as a JSON string, so it is escaped once more there.
func FormatProofOfPossession(sig []byte) (string, error) {
	if len(sig) != SignatureSize {
		return "", fmt.Errorf("bls: signature is %d bytes, want %d; pass the combined signature, not a share", len(sig), SignatureSize)
	}
	return `{"` + popKey + `":"` + hex.EncodeToString(sig) + `"}`, nil
}

// ParseProofOfPossession extracts the 96-byte signature from the sig field
// of a LIT_BLS AuthSig (the text FormatProofOfPossession returns).
//
// It is strict: the text must be one JSON object with exactly the key
// "ProofOfPossession" (case-sensitive, once), whose value is a string of 192
// hex characters with no "0x", and nothing may follow the object. JSON
// whitespace is allowed. It does not check the point; [Verify] does.
func ParseProofOfPossession(s string) ([]byte, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	next := func() (json.Token, error) {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf(`bls: LIT_BLS sig is not valid JSON (%v); want {"ProofOfPossession":"<192 hex>"}`, err)
		}
		return tok, nil
	}

	tok, err := next()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errMalformedPoP
	}
	if tok, err = next(); err != nil {
		return nil, err
	}
	k, ok := tok.(string)
	if !ok {
		return nil, errMalformedPoP
	}
	if k != popKey {
		return nil, fmt.Errorf("bls: LIT_BLS sig has key %q, want only %q", k, popKey)
	}
	if tok, err = next(); err != nil {
		return nil, err
	}
	v, ok := tok.(string)
	if !ok {
		return nil, fmt.Errorf("bls: LIT_BLS sig %s is not a string; want 192 hex characters", popKey)
	}
	if tok, err = next(); err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '}' {
		return nil, fmt.Errorf("bls: LIT_BLS sig has more than the %s key; nothing else is allowed", popKey)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("bls: LIT_BLS sig has data after the JSON object; remove it")
	}
	if len(v) != 2*SignatureSize {
		return nil, fmt.Errorf("bls: LIT_BLS %s is %d characters, want %d hex (a 96-byte signature, no 0x)", popKey, len(v), 2*SignatureSize)
	}
	sig, err := hex.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("bls: LIT_BLS %s is not hex: %v", popKey, err)
	}
	return sig, nil
}
