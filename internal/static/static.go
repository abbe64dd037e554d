// Package static serves the demo page and the browser module from a
// directory on loopback: the small file server `make demo` and the browser
// tests use, so neither needs python or another tool.
package static

import (
	"net/http"
	"path"
	"strings"
)

// Handler serves files under Root, with Files (exact URL path → content,
// e.g. "/devnet.json") and Mounts (URL prefix → directory, e.g.
// "/oracle/" → "testdata/oracle/node_modules") taking precedence. Nothing
// is cached, so a rebuilt wasm is picked up on reload; dot files and
// directories (.git) are never served.
type Handler struct {
	Root   string
	Files  map[string]File
	Mounts map[string]string
}

// File is an in-memory file.
type File struct {
	ContentType string
	Body        []byte
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := path.Clean("/" + r.URL.Path)
	for _, seg := range strings.Split(p, "/") {
		if strings.HasPrefix(seg, ".") {
			http.NotFound(w, r)
			return
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if f, ok := h.Files[p]; ok {
		w.Header().Set("Content-Type", f.ContentType)
		w.Write(f.Body)
		return
	}
	root, rest := h.Root, p
	for prefix, dir := range h.Mounts {
		if strings.HasPrefix(p+"/", prefix) {
			root, rest = dir, "/"+strings.TrimPrefix(p, strings.TrimSuffix(prefix, "/"))
			break
		}
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = rest
	http.FileServer(http.Dir(root)).ServeHTTP(w, r2)
}
