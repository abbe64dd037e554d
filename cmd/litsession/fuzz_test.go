package main

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzParseSignRequest: the worker's POST /sign decoder never panics,
// accepts only {"id","toSign"} with a 32-byte hex digest, and on refusal
// says what the body must be.
func FuzzParseSignRequest(f *testing.F) {
	f.Add([]byte(`{"id":"ab12","toSign":"0x` + strings.Repeat("ab", 32) + `"}`))
	f.Add([]byte(`{"id":"ab12","toSign":"0x` + strings.Repeat("ab", 32) + `","x":1}`))
	f.Add([]byte(`{"id":null,"toSign":"0x00"}`))
	f.Add([]byte(`{"id":"a"}{"id":"b"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, msg := parseSignRequest(body)
		if msg != "" {
			if req != (signRequest{}) {
				t.Fatalf("a refused body left a request: %+v", req)
			}
			return
		}
		canonical, err := json.Marshal(map[string]string{"id": req.ID, "toSign": "0x" + hex.EncodeToString(req.Digest[:])})
		if err != nil {
			t.Fatal(err)
		}
		again, msg := parseSignRequest(canonical)
		if msg != "" || again != req {
			t.Fatalf("%q was accepted as %+v, but its canonical form %s reads as %+v (%s)", body, req, canonical, again, msg)
		}
	})
}
