//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"syscall/js"
	"testing"
	"time"

	"github.com/litgo/litsession/core/node"
)

// withFetch runs f with globalThis.fetch replaced by the JS function expr.
func withFetch(t *testing.T, expr string, f func()) {
	t.Helper()
	g := js.Global()
	real := g.Get("fetch")
	g.Set("fetch", jsEval(t, expr))
	defer g.Set("fetch", real)
	f()
}

// A fake fetch that, like the real one, rejects with an AbortError when
// its signal aborts; stalled says where it stalls until then.
const stallingFetch = `(stalled) => (url, init) => {
  const aborted = () => new Promise((_, reject) => {
    const fail = () => reject(new DOMException('aborted', 'AbortError'));
    if (init.signal.aborted) fail(); else init.signal.addEventListener('abort', fail);
  });
  if (stalled === 'response') return aborted();
  return Promise.resolve({ status: 200, headers: new Headers({ 'content-type': 'application/json' }), arrayBuffer: aborted });
}`

// TestFetchTimeout: a request that gets no response, or whose body never
// ends, fails with its context's error when the context ends: the fetch
// is aborted.
func TestFetchTimeout(t *testing.T) {
	for _, stalled := range []string{"response", "body"} {
		withFetch(t, "("+stallingFetch+")('"+stalled+"')", func() {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := FetchTransport{}.Do(ctx, node.Request{Method: "POST", URL: "http://node.invalid/x", Header: map[string]string{"Content-Type": "application/json"}, Body: []byte("{}")})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("stalled %s: %v, want context.DeadlineExceeded", stalled, err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("stalled %s: returned after %v", stalled, d)
			}
		})
	}
}

// TestFetchRequest: what Do passes to fetch and reads back.
func TestFetchRequest(t *testing.T) {
	withFetch(t, `async (url, init) => {
  globalThis.__seen = { url, method: init.method, headers: init.headers, mode: init.mode, credentials: init.credentials,
    redirect: init.redirect, cache: init.cache, body: init.body && new TextDecoder().decode(init.body), signal: init.signal instanceof AbortSignal };
  return new Response('{"ok":true}', { status: 201, headers: { 'content-type': 'application/json', 'content-length': '11', 'x-other': '1' } });
}`, func() {
		resp, err := FetchTransport{}.Do(context.Background(), node.Request{Method: "POST", URL: "http://node.invalid/x",
			Header: map[string]string{"Content-Type": "application/json", "X-Request-Id": "lit_\"1\""}, Body: []byte(`{"a":1}`)})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != 201 || string(resp.Body) != `{"ok":true}` || resp.Header["Content-Type"] != "application/json" || resp.Header["Content-Length"] != "11" || len(resp.Header) != 2 {
			t.Errorf("response %d %q %v", resp.Status, resp.Body, resp.Header)
		}
		s, _ := JSONStringify(js.Global().Get("__seen"))
		want := `{"url":"http://node.invalid/x","method":"POST","headers":{"Content-Type":"application/json","X-Request-Id":"lit_\"1\""},"mode":"cors","credentials":"omit","redirect":"error","body":"{\"a\":1}","signal":true}`
		if s != want && s != `{"url":"http://node.invalid/x","method":"POST","headers":{"X-Request-Id":"lit_\"1\"","Content-Type":"application/json"},"mode":"cors","credentials":"omit","redirect":"error","body":"{\"a\":1}","signal":true}` {
			t.Errorf("fetch saw %s\nwant %s", s, want)
		}
	})
}
