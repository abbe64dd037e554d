package devnet

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/core/e2ee"
)

// benchBody is a request of the size of a pkp/sign body with its session
// signature (about 2 KB).
var benchBody = []byte(`{"toSign":[1,2,3],"epoch":10,"authSig":"` + strings.Repeat("s", 2048) + `"}`)

func benchPost(b *testing.B, c *http.Client, url string, body []byte) []byte {
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("%d %s %v", resp.StatusCode, out, err)
	}
	return out
}

// BenchmarkNagaVsDatilRequest compares one request to one node over
// loopback HTTP, one at a time: "datil" is a v7 plain JSON request and
// answer; "naga" is the same request sealed by a fresh client key pair (as
// the official client makes per operation), opened by the node's E2EE
// layer, answered sealed and opened by the client. Both run the same
// echo handler.
func BenchmarkNagaVsDatilRequest(b *testing.B) {
	nw, err := Start(context.Background(), Config{Network: NetworkNaga})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { nw.Close() })
	nw.HandleNaga(echoPath, echoHandler)
	const plainPath = "/web/echo/v1"
	nw.HandleAll(http.MethodPost, plainPath, func(nd *Node) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var body json.RawMessage
			if !ReadJSON(w, r, &body) {
				return
			}
			data, _ := echoHandler(nd, r, body)
			WriteJSON(w, http.StatusOK, nagaOK(data))
		})
	})
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	b.Cleanup(tr.CloseIdleConnections)
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	nodeKey, _ := hex.DecodeString(nw.Nodes[0].IdentityKey)

	b.Run("datil", func(b *testing.B) {
		for b.Loop() {
			var env nagaAnswer
			if err := json.Unmarshal(benchPost(b, c, nw.NodeURLs[0]+plainPath, benchBody), &env); err != nil || !env.OK {
				b.Fatal(err)
			}
		}
	})
	naga := func(b *testing.B, freshKey bool) {
		var ch *e2ee.Channel
		for b.Loop() {
			if ch == nil || freshKey {
				kp, err := e2ee.GenerateKeyPair()
				if err != nil {
					b.Fatal(err)
				}
				if ch, err = e2ee.NewChannel(kp, [e2ee.KeySize]byte(nodeKey)); err != nil {
					b.Fatal(err)
				}
			}
			r, _ := e2ee.NewRandom()
			p, err := ch.Seal(benchBody, r, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			out := benchPost(b, c, nw.NodeURLs[0]+echoPath, e2ee.Request{Payload: p, Epoch: DefaultEpoch}.JSON())
			q, err := e2ee.ParseResponse(out)
			if err != nil {
				b.Fatal(err)
			}
			plain, err := ch.Open(q, e2ee.Freshness{})
			if err != nil {
				b.Fatal(err)
			}
			var env nagaAnswer
			if err := json.Unmarshal(plain, &env); err != nil || !env.OK {
				b.Fatal(err)
			}
		}
	}
	b.Run("naga", func(b *testing.B) { naga(b, true) })
	// A client that keeps its key pair per node (the official one does
	// not): no X25519 operation on either side after the first request.
	b.Run("naga-kept-key", func(b *testing.B) { naga(b, false) })
}
