//go:build !js

package web_test

import (
	"net"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/litgo/litsession/internal/static"
)

// firstUsePage loads js/lit-session.js with load({warmUp: true}) and
// records how the module was compiled (the Content-Type of the Response
// instantiateStreaming got, or none if it was not called), then what the
// warm-up did: its result, and the fetches and localStorage keys from the
// moment load resolved until it finished. ?nostreaming removes
// WebAssembly.instantiateStreaming first, as in browsers without it.
const firstUsePage = `<!doctype html>
<script src="/js/wasm_exec.js"></script>
<script type="module">
const streamed = [];
if (location.search.includes('nostreaming')) {
  WebAssembly.instantiateStreaming = undefined;
} else {
  const real = WebAssembly.instantiateStreaming;
  WebAssembly.instantiateStreaming = async (source, imports) => {
    const resp = await source;
    streamed.push(resp.headers.get('content-type'));
    return real.call(WebAssembly, resp, imports);
  };
}
try {
  localStorage.clear();
  const { load } = await import('/js/lit-session.js');
  const lit = await load({ warmUp: true });
  const fetches = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (url, init) => { fetches.push(String(url)); return realFetch(url, init); };
  const warm = lit.warmUp();
  const warmMs = await warm;
  window.__result = {
    version: lit.version, streamed, warmMs, sameWarmUp: lit.warmUp() === warm,
    fetches, storage: Object.keys(localStorage),
  };
} catch (e) {
  window.__result = { error: String(e && e.stack || e) };
}
</script>`

type firstUseResult struct {
	Version    string   `json:"version"`
	Streamed   []string `json:"streamed"`
	WarmMs     float64  `json:"warmMs"`
	SameWarmUp bool     `json:"sameWarmUp"`
	Fetches    []string `json:"fetches"`
	Storage    []string `json:"storage"`
	Error      string   `json:"error"`
}

// TestBrowserLoadAndWarmUp: load() compiles with streaming when the server
// sends the module as application/octet-stream (the body handed to
// instantiateStreaming as application/wasm), and without
// instantiateStreaming through arrayBuffer; load({warmUp: true}) and
// lit.warmUp() run one warm-up, which makes no request and stores nothing.
func TestBrowserLoadAndWarmUp(t *testing.T) {
	if os.Getenv("LITSESSION_BROWSER") == "" {
		t.Skip("needs Chromium; set LITSESSION_BROWSER=1 or run make browser-test")
	}
	root := repoRoot(t)
	dir := t.TempDir()
	wasm := buildModule(t, root, dir, "./wasm")
	wasmExec := wasmExecJS(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: &static.Handler{
		Root: root,
		Files: map[string]static.File{
			"/firstuse.html":       {ContentType: "text/html; charset=utf-8", Body: []byte(firstUsePage)},
			"/js/lit-session.wasm": {ContentType: "application/octet-stream", Body: wasm},
			"/js/wasm_exec.js":     {ContentType: "text/javascript; charset=utf-8", Body: wasmExec},
		},
	}}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	base := "http://" + ln.Addr().String() + "/firstuse.html"
	bctx := startBrowser(t)

	for _, tc := range []struct {
		query    string
		streamed []string
	}{
		{"", []string{"application/wasm"}},
		{"?nostreaming", nil},
	} {
		t.Run("page"+tc.query, func(t *testing.T) {
			r := runPage[firstUseResult](t, bctx, base+tc.query, time.Minute)
			if r.Error != "" {
				t.Fatalf("the page failed: %s", r.Error)
			}
			t.Logf("warm-up: %.1f ms", r.WarmMs)
			if r.Version == "" {
				t.Error("the loaded module reports no version")
			}
			if !slices.Equal(r.Streamed, tc.streamed) {
				t.Errorf("instantiateStreaming got Responses of type %q, want %q", r.Streamed, tc.streamed)
			}
			if r.WarmMs <= 0 || !r.SameWarmUp {
				t.Errorf("warmUp resolved with %v ms, same promise on a second call %v: want one warm-up per page, resolving with its duration", r.WarmMs, r.SameWarmUp)
			}
			if len(r.Fetches) != 0 || len(r.Storage) != 0 {
				t.Errorf("the warm-up fetched %q and left localStorage keys %q; it must do neither", r.Fetches, r.Storage)
			}
		})
	}
}
