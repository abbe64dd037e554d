package verify

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/resource"
)

// loadV4 reads the official v7 session sigs of V4 (docs/protocol.md#v4), by
// node URL.
func loadV4(t testing.TB) map[string]authsig.AuthSig {
	t.Helper()
	b, err := os.ReadFile("testdata/v4.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string]authsig.AuthSig{}
	for k, v := range raw {
		if !strings.HasPrefix(k, "https://") {
			continue
		}
		var a authsig.AuthSig
		if err := json.Unmarshal(v, &a); err != nil {
			t.Fatal(err)
		}
		out[k] = a
	}
	if len(out) != 2 || len(out[testNode].SignedMessage) != 1244 {
		t.Fatalf("testdata/v4.json: want both nodes and the 1244-byte node-1 message")
	}
	return out
}

// v4Config verifies at 2026-01-01T00:00:01Z. The vector's session is valid
// for four years, so the lifetime bound is lifted.
func v4Config(node string) Config {
	return Config{
		NodeURL:     node,
		Now:         func() time.Time { return time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC) },
		MaxValidity: -1,
	}
}

func TestOfficialV4(t *testing.T) {
	sigs := loadV4(t)
	ops := []resource.Request{
		req(t, resource.PKP, "*", resource.PKPSigning),
		req(t, resource.PKP, "0x04abcdef", resource.PKPSigning),
		req(t, resource.PKP, strings.Repeat("9f", 32), resource.PKPSigning),
	}
	for _, node := range []string{testNode, testNode2} {
		v := New(v4Config(node))
		for _, op := range ops {
			res, err := v.Verify(sigs[node], op)
			if err != nil {
				t.Fatalf("%s, op %s: %v", node, op.Resource.Key(), err)
			}
			if res.SessionKey != "a09aa5f47a6759802ff955f8dc2d2a14a5c99d23be97f864127ff9383455a4f0" ||
				res.WalletAddress != walletAddr || res.Expiration.Year() != 2030 {
				t.Fatalf("result %+v", res)
			}
		}
	}
	// Each node's sig is only good at that node.
	_, err := New(v4Config(testNode2)).Verify(sigs[testNode], ops[0])
	wantReason(t, err, ReasonWrongNode)
	_, err = New(v4Config(testNode)).Verify(sigs[testNode2], ops[0])
	wantReason(t, err, ReasonWrongNode)
	// The vector grants only pkp-signing.
	_, err = New(v4Config(testNode)).Verify(sigs[testNode], req(t, resource.LitAction, "*", resource.LitActionExecution))
	wantReason(t, err, ReasonNotAuthorized)
	// With the default 30-day bound the four-year session is refused.
	cfg := v4Config(testNode)
	cfg.MaxValidity = 0
	_, err = New(cfg).Verify(sigs[testNode], ops[0])
	wantReason(t, err, ReasonBadValidity)
}
