package main

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/internal/demo/precompressed"
	"github.com/litgo/litsession/internal/static"
)

// demoRoot makes a root with the files the demo serves precompressed: a
// module-shaped js/lit-session.wasm (the wasm header, then compressible
// bytes) and small stand-ins for the others.
func demoRoot(t *testing.T) (root string, module []byte) {
	t.Helper()
	root = t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "js"), 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	module = []byte("\x00asm\x01\x00\x00\x00")
	for range 20000 {
		module = append(module, "abcdefgh"[rng.IntN(8)])
	}
	files := map[string][]byte{
		"js/lit-session.wasm":     module,
		"js/lit-session-pkp.wasm": []byte("\x00asm\x01\x00\x00\x00pkp"),
		"js/lit-session.js":       []byte("export async function load() {}\n"),
		"js/wasm_exec.js":         []byte("globalThis.Go = class {};\n"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(root, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root, module
}

func get(t *testing.T, url, acceptEncoding string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	// No transparent decompression: the test sees the bytes on the wire.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// TestDemoServesModulePrecompressed checks what make demo sends for the
// module: the encoding the browser accepts (brotli first), Content-Type
// application/wasm, Content-Encoding, Vary: Accept-Encoding, and bytes that
// decode to the module; uncompressed when the browser accepts neither or
// the module was rebuilt after it was compressed.
func TestDemoServesModulePrecompressed(t *testing.T) {
	root, module := demoRoot(t)
	if err := precompress(root); err != nil {
		t.Fatal(err)
	}
	_, brErr := exec.LookPath("brotli")
	haveBrotli := brErr == nil
	srv := httptest.NewServer(newHandler(root, map[string]static.File{
		"/devnet.json": {ContentType: "application/json", Body: []byte("{}\n")},
	}))
	defer srv.Close()
	url := srv.URL + "/js/lit-session.wasm"

	chromium := "gzip, deflate, br, zstd" // what Chromium sends
	wantBest := "gzip"
	if haveBrotli {
		wantBest = "br"
	} else {
		t.Log("no brotli CLI: the demo serves gzip only, and this test checks that")
	}
	for _, c := range []struct{ accept, want string }{
		{chromium, wantBest},
		{"gzip", "gzip"},
		{"br;q=0, gzip;q=0.5", "gzip"},
		{"*", wantBest},
		{"", ""},
		{"identity", ""},
		{"gzip;q=0, br;q=0", ""},
	} {
		resp, body := get(t, url, c.accept)
		what := "Accept-Encoding " + strings.TrimSpace(c.accept+" ")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %s", what, resp.Status)
		}
		if got := resp.Header.Get("Content-Type"); got != "application/wasm" {
			t.Errorf("%s: Content-Type %q, want application/wasm (streaming compilation needs it)", what, got)
		}
		if got := resp.Header.Get("Content-Encoding"); got != c.want {
			t.Errorf("%s: Content-Encoding %q, want %q", what, got, c.want)
		}
		if vary := strings.Join(resp.Header.Values("Vary"), ","); !strings.Contains(vary, "Accept-Encoding") {
			t.Errorf("%s: Vary %q, want Accept-Encoding (caches must not mix the encodings)", what, vary)
		}
		decoded, err := precompressed.Decode(resp.Header.Get("Content-Encoding"), body)
		if err != nil {
			t.Fatalf("%s: decoding the body: %v", what, err)
		}
		if !bytes.Equal(decoded, module) {
			t.Errorf("%s: the decoded body (%d bytes) is not the module (%d bytes)", what, len(decoded), len(module))
		}
		if resp.ContentLength != int64(len(body)) {
			t.Errorf("%s: Content-Length %d for a %d-byte body", what, resp.ContentLength, len(body))
		}
		if c.want != "" && len(body) >= len(module) {
			t.Errorf("%s: %d bytes on the wire for a %d-byte module", what, len(body), len(module))
		}
	}

	// The JavaScript files are precompressed too, with a JavaScript type.
	resp, body := get(t, srv.URL+"/js/lit-session.js", "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("js/lit-session.js: Content-Encoding %q, Content-Type %q; want gzip, text/javascript",
			resp.Header.Get("Content-Encoding"), resp.Header.Get("Content-Type"))
	}
	if d, err := precompressed.Decode("gzip", body); err != nil || string(d) != "export async function load() {}\n" {
		t.Errorf("js/lit-session.js: decoded %q, %v", d, err)
	}
	// Other paths are served as before.
	if resp, body := get(t, srv.URL+"/devnet.json", chromium); resp.Header.Get("Content-Encoding") != "" || string(body) != "{}\n" {
		t.Errorf("/devnet.json: Content-Encoding %q, body %q", resp.Header.Get("Content-Encoding"), body)
	}

	// A module rebuilt after it was compressed is served as it is.
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(filepath.Join(root, "js", "lit-session.wasm"), later, later); err != nil {
		t.Fatal(err)
	}
	resp, body = get(t, url, chromium)
	if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, module) {
		t.Errorf("stale siblings: Content-Encoding %q, %d bytes; want the module uncompressed", resp.Header.Get("Content-Encoding"), len(body))
	}
	// Restarting the demo compresses it again.
	if err := precompress(root); err != nil {
		t.Fatal(err)
	}
	if resp, _ = get(t, url, chromium); resp.Header.Get("Content-Encoding") != wantBest {
		t.Errorf("after precompress: Content-Encoding %q, want %q", resp.Header.Get("Content-Encoding"), wantBest)
	}
}

// TestDeploymentPrecompress runs the precompress command of
// docs/deployment.md on a build output, then checks that the siblings it
// writes, served as nginx's brotli_static and gzip_static or Caddy's
// precompressed would, decode to the files.
func TestDeploymentPrecompress(t *testing.T) {
	for _, tool := range []string{"bash", "find", "brotli", "gzip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install -y %s)", tool, tool)
		}
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "deployment.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- docs-test: run by TestDeploymentPrecompress -->\n```sh\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/deployment.md has no sh block marked run by TestDeploymentPrecompress")
	}
	_, module := demoRoot(t)
	dir := t.TempDir()
	files := map[string][]byte{
		"dist/assets/lit-session-0a1b2c3d.wasm": module,
		"dist/assets/index-9f8e7d6c.js":         bytes.Repeat([]byte("console.log('lit');\n"), 100),
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("bash", "-eo", "pipefail", "-c", string(m[1]))
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the documented command failed: %v\n%s", err, out)
	}
	srv := httptest.NewServer(&precompressed.Handler{
		Locate: func(p string) string { return filepath.Join(dir, "dist", filepath.FromSlash(p)) },
		Next:   http.FileServer(http.Dir(filepath.Join(dir, "dist"))),
	})
	defer srv.Close()
	for name, data := range files {
		for _, enc := range []string{"br", "gzip", ""} {
			resp, body := get(t, srv.URL+strings.TrimPrefix(name, "dist"), enc)
			if got := resp.Header.Get("Content-Encoding"); got != enc {
				t.Errorf("%s, Accept-Encoding %q: Content-Encoding %q (did the command write %s%s?)", name, enc, got, name, map[string]string{"br": ".br", "gzip": ".gz"}[enc])
				continue
			}
			decoded, err := precompressed.Decode(enc, body)
			if err != nil {
				t.Fatalf("%s, %s: %v", name, enc, err)
			}
			if !bytes.Equal(decoded, data) {
				t.Errorf("%s, %s: decodes to %d bytes, not the file's %d", name, enc, len(decoded), len(data))
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "dist", "assets", "lit-session-0a1b2c3d.wasm")); err != nil {
		t.Errorf("the command removed the original: %v", err)
	}
}
