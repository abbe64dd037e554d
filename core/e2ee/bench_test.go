package e2ee

import (
	"strings"
	"testing"
	"time"
)

// BenchmarkRoundTrip is the E2EE work of one naga request on both sides:
// the client seals a 2 KB request, the node opens it (with the replay
// guard), seals a 300-byte answer, and the client opens that: one X25519
// operation per side.
func BenchmarkRoundTrip(b *testing.B) {
	client, node := mustKeyPair(b), mustKeyPair(b)
	req := []byte(`{"pad":"` + strings.Repeat("r", 2048) + `"}`)
	ans := []byte(`{"ok":true,"error":null,"errorObject":null,"data":"` + strings.Repeat("a", 300) + `"}`)
	g := NewReplayGuard(Freshness{}, 1<<20)
	b.SetBytes(int64(len(req) + len(ans)))
	for b.Loop() {
		c, err := NewChannel(client, node.Public) // the client's channel to the node
		if err != nil {
			b.Fatal(err)
		}
		r, _ := NewRandom()
		p, err := c.Seal(req, r, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		w, err := ParseRequest(Request{Payload: p, Epoch: 10}.JSON()) // through the wire form
		if err != nil {
			b.Fatal(err)
		}
		_, back, err := g.Open(w.Payload, node)
		if err != nil {
			b.Fatal(err)
		}
		r, _ = NewRandom()
		q, err := back.Seal(ans, r, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if q, err = ParseResponse(q.ResponseJSON()); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Open(q, Freshness{}); err != nil {
			b.Fatal(err)
		}
	}
}
