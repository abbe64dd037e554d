package main

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/litgo/litsession/internal/httpx"
)

// requestIDPattern is what the worker accepts from a caller's
// X-Request-Id; other values are replaced by a random id.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ServeHTTP routes a request and writes one JSON access-log line: request
// id, method, route (ids replaced by {id}), status, duration and error
// code. Never bodies, ids or tokens.
func (w *worker) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rid := r.Header.Get("X-Request-Id")
	if !requestIDPattern.MatchString(rid) {
		rid = newRequestID()
	}
	st := &status{StatusRecorder: httpx.StatusRecorder{ResponseWriter: rw}, rid: rid}
	h := rw.Header()
	w.access.cors(h, r)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Request-Id", rid)
	route := w.route(st, r)
	w.metrics.requests.WithLabelValues(route, r.Method, strconv.Itoa(st.Status)).Inc()
	attrs := []slog.Attr{slog.String("request_id", rid), slog.String("method", r.Method), slog.String("route", route),
		slog.Int("status", st.Status), slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000)}
	if st.error != "" {
		attrs = append(attrs, slog.String("error", st.error))
	}
	if route == "/healthz" || route == "/readyz" || route == "/metrics" {
		w.log.LogAttrs(r.Context(), slog.LevelDebug, "request", attrs...)
		return
	}
	w.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}
