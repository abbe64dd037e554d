// Package precompressed serves files that have precompressed siblings
// (name.br made with brotli -q 11, name.gz with gzip -9) the way a
// production host should serve the browser module (docs/deployment.md):
// the sibling the client accepts, with the file's own Content-Type (so
// application/wasm for .wasm, which streaming compilation needs), its
// Content-Encoding, and Vary: Accept-Encoding. make demo (internal/demo)
// and the network side-by-side benchmark (web/bench_sidebyside_test.go)
// use it, so both serve what nginx gzip_static/brotli_static or Caddy's
// precompressed file_server would.
package precompressed

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Encodings are the content codings this package writes and serves, in the
// order they are preferred, with the suffix of their sibling files.
var Encodings = []Encoding{
	{Name: "br", Suffix: ".br"},
	{Name: "gzip", Suffix: ".gz"},
}

// Encoding is one content coding and the suffix of its sibling files.
type Encoding struct{ Name, Suffix string }

// ContentTypes are the types of the files Handler serves precompressed, by
// extension; others go to Next as they are.
var ContentTypes = map[string]string{
	".wasm": "application/wasm",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
}

// Handler serves a GET or HEAD of a file whose extension is in ContentTypes
// from its precompressed sibling: the first of Prefer (default: br, then
// gzip) that the request's Accept-Encoding allows and that exists and is
// not older than the file (to the second). Anything else, and a file with no usable
// sibling, goes to Next. Every response for such a file carries Vary:
// Accept-Encoding, since its body depends on that header.
type Handler struct {
	// Locate returns the file a URL path names, or "" for paths that are
	// not served from files (those go to Next).
	Locate func(urlPath string) string
	// Next serves everything Handler does not.
	Next http.Handler
	// Prefer lists the encodings to serve, by Name, in order; nil means
	// all of Encodings. The benchmark serves one encoding only.
	Prefer []string
	// CacheControl, if set, is the Cache-Control of precompressed
	// responses.
	CacheControl string
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Next.ServeHTTP(w, r)
		return
	}
	p := path.Clean("/" + r.URL.Path)
	ctype, ok := ContentTypes[path.Ext(p)]
	if !ok {
		h.Next.ServeHTTP(w, r)
		return
	}
	w.Header().Add("Vary", "Accept-Encoding")
	file := h.Locate(p)
	if file == "" {
		h.Next.ServeHTTP(w, r)
		return
	}
	fi, err := os.Stat(file)
	if err != nil || !fi.Mode().IsRegular() {
		h.Next.ServeHTTP(w, r)
		return
	}
	for _, enc := range h.encodings() {
		if !Accepts(r.Header.Get("Accept-Encoding"), enc.Name) {
			continue
		}
		f, err := os.Open(file + enc.Suffix)
		if err != nil {
			continue
		}
		ci, err := f.Stat()
		if err != nil || stale(ci, fi) {
			f.Close()
			continue // the file was rebuilt after it was compressed
		}
		defer f.Close()
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Encoding", enc.Name)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if h.CacheControl != "" {
			w.Header().Set("Cache-Control", h.CacheControl)
		}
		// Whole responses only: a range of the compressed bytes is of no
		// use to a browser, and http.ServeContent leaves out
		// Content-Length when Content-Encoding is set.
		r = r.Clone(r.Context())
		r.Header.Del("Range")
		w.Header().Set("Content-Length", strconv.FormatInt(ci.Size(), 10))
		http.ServeContent(w, r, path.Base(p), ci.ModTime(), f)
		return
	}
	h.Next.ServeHTTP(w, r)
}

// stale reports whether sibling is older than file, to the second: the
// brotli CLI gives its output the input's modification time truncated to
// whole seconds.
func stale(sibling, file os.FileInfo) bool {
	return sibling.ModTime().Before(file.ModTime().Truncate(time.Second))
}

func (h *Handler) encodings() []Encoding {
	if h.Prefer == nil {
		return Encodings
	}
	var out []Encoding
	for _, name := range h.Prefer {
		for _, e := range Encodings {
			if e.Name == name {
				out = append(out, e)
			}
		}
	}
	return out
}

// Accepts reports whether an Accept-Encoding header value allows coding
// (RFC 9110 section 12.5.3): listed, or covered by "*", with a q-value
// above 0.
func Accepts(header, coding string) bool {
	q, star := -1.0, -1.0
	for _, item := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(item, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		v := 1.0
		for _, p := range strings.Split(params, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
					v = f
				}
			}
		}
		switch name {
		case coding:
			q = v
		case "*":
			star = v
		}
	}
	if q >= 0 {
		return q > 0
	}
	return star > 0
}

// NeedsWrite reports whether Write(file) would write a sibling: one is
// missing or older than file.
func NeedsWrite(file string) bool {
	fi, err := os.Stat(file)
	if err != nil {
		return false
	}
	for _, enc := range Encodings {
		if ci, err := os.Stat(file + enc.Suffix); err != nil || stale(ci, fi) {
			return true
		}
	}
	return false
}

// Write makes the siblings of file that are missing or older than it:
// file.br with the brotli CLI at -q 11 (skipped, and reported in skipped,
// when brotli is not installed) and file.gz with gzip -9 (the gzip CLI, or
// compress/gzip at level 9 without it). Each is written to a temporary
// file and renamed, so a server never sees half of one, and gets file's
// modification time, as brotli -k and gzip -k give it.
func Write(file string) (skipped []string, err error) {
	fi, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	for _, enc := range Encodings {
		out := file + enc.Suffix
		if ci, err := os.Stat(out); err == nil && !stale(ci, fi) {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return skipped, err
		}
		var packed []byte
		switch enc.Name {
		case "br":
			if _, err := exec.LookPath("brotli"); err != nil {
				skipped = append(skipped, fmt.Sprintf("%s: no brotli CLI (apt-get install -y brotli), served without brotli", out))
				continue
			}
			packed, err = run(data, "brotli", "-q", "11", "-c")
		case "gzip":
			if _, lerr := exec.LookPath("gzip"); lerr == nil {
				packed, err = run(data, "gzip", "-9", "-n", "-c")
			} else {
				var b bytes.Buffer
				zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
				zw.Write(data)
				err = zw.Close()
				packed = b.Bytes()
			}
		}
		if err != nil {
			return skipped, err
		}
		tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(out)+".*")
		if err != nil {
			return skipped, err
		}
		_, werr := tmp.Write(packed)
		if cerr := tmp.Close(); werr == nil {
			werr = cerr
		}
		if werr == nil {
			werr = os.Chtimes(tmp.Name(), fi.ModTime(), fi.ModTime())
		}
		if werr == nil {
			werr = os.Rename(tmp.Name(), out)
		}
		if werr != nil {
			os.Remove(tmp.Name())
			return skipped, fmt.Errorf("writing %s: %w", out, werr)
		}
	}
	return skipped, nil
}

func run(stdin []byte, argv ...string) ([]byte, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}

// Decode undoes a Content-Encoding this package serves (brotli with the
// brotli CLI, which must be installed), for tests.
func Decode(coding string, body []byte) ([]byte, error) {
	switch coding {
	case "", "identity":
		return body, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	case "br":
		return run(body, "brotli", "-d", "-c")
	}
	return nil, fmt.Errorf("unknown Content-Encoding %q", coding)
}
