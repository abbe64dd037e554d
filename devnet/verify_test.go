package devnet

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/jsjson/stdjson"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/storage"
)

// sessionSigs connects our engine to the devnet and returns fresh sigs.
func sessionSigs(t *testing.T, n *Network, reqs ...resource.Request) *session.SessionSigs {
	t.Helper()
	c, err := node.New(node.Config{Transport: httptransport.New(nil), RPCURL: n.RPCURL})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	wallet, _ := authsig.NewKeySigner("0x" + strings.Repeat("11", 32))
	eng := &session.Engine{Storage: storage.NewMemory(), Network: c, Wallet: wallet}
	sigs, _, err := eng.GetSessionSigs(context.Background(), session.Params{ResourceAbilityRequests: reqs})
	if err != nil {
		t.Fatal(err)
	}
	return sigs
}

func postVerify(t *testing.T, url string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := stdjson.Marshal(body)
	resp, err := http.Post(url+SessionVerifyPath, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("answer is not JSON: %s", raw)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	return resp.StatusCode, out
}

func TestSessionVerifyEndpoint(t *testing.T) {
	n := start(t, Config{})
	q, _ := resource.NewRequest(resource.PKP, "*", resource.PKPSigning)
	sigs := sessionSigs(t, n, q)
	for i, u := range n.NodeURLs {
		sig, ok := sigs.Get(u)
		if !ok {
			t.Fatalf("no sig for %s", u)
		}
		code, out := postVerify(t, u, map[string]any{"authSig": sig, "resource": "lit-pkp://1234", "ability": "pkp-signing"})
		if code != 200 || out["ok"] != true || out["walletAddress"] != "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A" || out["nodeAddress"] != u {
			t.Fatalf("node %d: %d %v", i, code, out)
		}
		// The same sig at another node is bound to the wrong nodeAddress.
		other := n.NodeURLs[(i+1)%len(n.NodeURLs)]
		code, out = postVerify(t, other, map[string]any{"sessionSig": sig, "resource": "lit-pkp://*", "ability": "pkp-signing"})
		if code != 401 || out["ok"] != false || out["reason"] != "wrong_node" || out["errorCode"] != "NodeInvalidSessionSig" {
			t.Fatalf("replayed at another node: %d %v", code, out)
		}
	}
	sig, _ := sigs.Get(n.NodeURLs[0])
	code, out := postVerify(t, n.NodeURLs[0], map[string]any{"authSig": sig, "resource": "lit-litaction://*", "ability": "lit-action-execution"})
	if code != 401 || out["reason"] != "not_authorized" {
		t.Fatalf("operation outside the ReCap: %d %v", code, out)
	}
	tampered := sig
	tampered.SignedMessage = strings.Replace(sig.SignedMessage, `"issuedAt":"`, `"issuedAt":"1`, 1)
	if code, out = postVerify(t, n.NodeURLs[0], map[string]any{"authSig": tampered, "resource": "lit-pkp://*", "ability": "pkp-signing"}); code != 401 || out["reason"] != "bad_signature" {
		t.Fatalf("tampered: %d %v", code, out)
	}
	for name, body := range map[string]any{
		"no sig":       map[string]any{"resource": "lit-pkp://*", "ability": "pkp-signing"},
		"no resource":  map[string]any{"authSig": sig},
		"bad resource": map[string]any{"authSig": sig, "resource": "pkp", "ability": "pkp-signing"},
		"bad pair":     map[string]any{"authSig": sig, "resource": "lit-pkp://*", "ability": "lit-action-execution"},
		"sig not obj":  map[string]any{"authSig": "x", "resource": "lit-pkp://*", "ability": "pkp-signing"},
	} {
		if code, out := postVerify(t, n.NodeURLs[0], body); code != 400 || out["errorKind"] == nil {
			t.Errorf("%s: %d %v", name, code, out)
		}
	}
}
