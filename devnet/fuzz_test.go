package devnet

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/pkp"
)

// fuzzPaths are the request bodies every devnet server decodes.
var fuzzPaths = []string{node.HandshakePath, pkp.SignSessionKeyPath, pkp.PKPSignPath, SessionVerifyPath, "/" /* JSON-RPC */, MintPath}

// FuzzRequestDecoding posts arbitrary bodies to every endpoint of a
// running devnet, in process and without the panic-recovering middleware:
// a panic fails the target. Every answer must be a JSON document with a
// status below 500, and an error answer must be a Lit JSON error (nodes)
// or a JSON-RPC error object (the RPC server).
func FuzzRequestDecoding(f *testing.F) {
	n, err := Start(context.Background(), Config{Nodes: 3, Threshold: 2})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { n.Close() })
	for i := range fuzzPaths {
		f.Add(uint8(i), []byte(`{}`))
	}
	f.Add(uint8(0), []byte(`{"clientPublicKey":"test","challenge":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","epoch":10}`))
	f.Add(uint8(1), []byte(`{"sessionKey":"lit:session:ab","authMethods":[{"authMethodType":1,"accessToken":"{}"}],"pkpPublicKey":"0x04","siweMessage":"x","curveType":"BLS","epoch":10}`))
	f.Add(uint8(2), []byte(`{"toSign":[1,2,3],"pubkey":"0x04","authSig":{"sig":"","derivedVia":"","signedMessage":"","address":""},"epoch":10}`))
	f.Add(uint8(4), []byte(`[{"jsonrpc":"2.0","id":1,"method":"eth_call","params":[{"to":"0x0","data":"0x"},"latest"]}]`))
	f.Add(uint8(4), []byte(`{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":["latest",false]}`))
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		path := fuzzPaths[int(which)%len(fuzzPaths)]
		var h http.Handler = &n.Nodes[0].router
		if path == "/" || path == MintPath {
			h = &n.rpc
		}
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Request-Id", "lit_0123456789abcdef")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s: HTTP %d for %q: %s", path, rec.Code, body, rec.Body.Bytes())
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s: HTTP %d answer is not JSON: %q", path, rec.Code, rec.Body.Bytes())
		}
		if rec.Code >= 400 && path != "/" {
			var e struct {
				ErrorKind, ErrorCode, Message string
			}
			if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.ErrorKind == "" || e.ErrorCode == "" || e.Message == "" {
				t.Fatalf("%s: HTTP %d is not a Lit JSON error: %s", path, rec.Code, rec.Body.Bytes())
			}
		}
	})
}
