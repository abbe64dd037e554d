package bls

import (
	"bytes"
	"strings"
	"testing"
)

func TestProofOfPossessionErrors(t *testing.T) {
	h := strings.Repeat("ab", SignatureSize)
	for _, tc := range []struct{ name, in, want string }{
		{"empty", ``, "not valid JSON"},
		{"not an object", `"` + h + `"`, "must be exactly"},
		{"array", `["` + h + `"]`, "must be exactly"},
		{"empty object", `{}`, "must be exactly"},
		{"wrong key", `{"proofOfPossession":"` + h + `"}`, `has key "proofOfPossession"`},
		{"number value", `{"ProofOfPossession":1}`, "is not a string"},
		{"object value", `{"ProofOfPossession":{"identifier":1,"value":"` + h + `"}}`, "is not a string"},
		{"extra key", `{"ProofOfPossession":"` + h + `","x":1}`, "more than the ProofOfPossession key"},
		{"duplicate key", `{"ProofOfPossession":"` + h + `","ProofOfPossession":"` + h + `"}`, "more than the ProofOfPossession key"},
		{"unterminated", `{"ProofOfPossession":"` + h + `"`, "not valid JSON"},
		{"trailing object", `{"ProofOfPossession":"` + h + `"}{}`, "data after the JSON object"},
		{"trailing garbage", `{"ProofOfPossession":"` + h + `"}x`, "data after the JSON object"},
		{"0x prefix", `{"ProofOfPossession":"0x` + h[2:] + `"}`, "not hex"},
		{"short", `{"ProofOfPossession":"` + h[2:] + `"}`, "190 characters, want 192"},
		{"share not combined", `{"ProofOfPossession":"01` + h + `"}`, "194 characters, want 192"},
		{"not hex", `{"ProofOfPossession":"` + h[2:] + `zz"}`, "not hex"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseProofOfPossession(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}

	// JSON whitespace and upper-case hex are accepted.
	sig, err := ParseProofOfPossession(" {\n\"ProofOfPossession\" : \"" + strings.ToUpper(h) + "\" }\n")
	if err != nil || !bytes.Equal(sig, bytes.Repeat([]byte{0xab}, SignatureSize)) {
		t.Errorf("whitespace and upper case: %x, %v", sig, err)
	}
	if _, err := FormatProofOfPossession(make([]byte, 97)); err == nil || !strings.Contains(err.Error(), "97 bytes, want 96") {
		t.Errorf("FormatProofOfPossession(97 bytes): %v", err)
	}
}
