package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/internal/envstore"
	"github.com/litgo/litsession/internal/httpx"
)

const idBytes = 16 // 128 random bits: ids are capabilities, so unguessable

// maxCached bounds the validated contexts a worker keeps; past it the
// cache starts again empty.
const maxCached = 10000

// worker is the HTTP handler of litsession serve.
//
// Revocation: the store is the only source of truth. Every request that
// uses an envelope reads its record from the store (one Redis MGET or one
// file read), so a DELETE on any worker is seen by every worker on its
// next request, and a record Redis expired is gone for all. The in-process
// cache only saves the decryption and the signature checks: it maps
// (id, SHA-256 of the record just read) to the validated context, so it
// can never answer for a record the store no longer holds. When the store
// is unreachable the worker refuses (503) rather than trust the cache.
type worker struct {
	store   envstore.Store
	keys    *envstore.Keyring
	client  *node.Client
	signer  *delegation.Signer
	timeout time.Duration
	log     *slog.Logger
	metrics *metrics
	access  accessPolicy

	mu    sync.Mutex
	cache map[cacheKey]*delegation.AuthContext

	draining atomic.Bool
	health   *health
}

type cacheKey struct {
	id     string
	digest [32]byte
}

func newWorker(log *slog.Logger, store envstore.Store, keys *envstore.Keyring, cl *node.Client, timeout time.Duration) *worker {
	w := &worker{store: store, keys: keys, client: cl, timeout: timeout, log: log,
		cache: map[cacheKey]*delegation.AuthContext{}, metrics: newMetrics(), access: loopbackPolicy()}
	w.health = newHealth(store, cl)
	w.metrics.register(w)
	w.signer = delegation.NewSigner(cl)
	w.signer.OnRotate = func(cause error) {
		w.metrics.rotations.Inc()
		w.log.Warn("the nodes refused the session signatures; handshaking again and retrying once", "cause", oneLine(cause.Error(), 300))
	}
	return w
}

// sweep deletes stored envelopes that have expired (they hold secrets and
// are of no use) and counts the rest.
func (w *worker) sweep(ctx context.Context) (kept, removed int) {
	ids, err := w.store.IDs(ctx)
	if err != nil {
		w.log.Error("listing the stored envelopes failed", "error", err.Error())
		return 0, 0
	}
	for _, id := range ids {
		rec, err := w.store.Get(ctx, id)
		if err != nil {
			continue
		}
		plain, err := w.keys.Open(id, rec)
		if err != nil {
			w.log.Warn("a stored envelope does not open", "envelope", shortID(id), "error", err.Error())
			kept++
			continue
		}
		if exp, ok := envelopeExpiry(plain); ok && !time.Now().Before(exp) {
			if w.store.Expire(ctx, id, exp) == nil {
				removed++
			}
			continue
		}
		kept++
	}
	if f, ok := w.store.(*envstore.File); ok {
		f.SweepTombstones(ctx)
	}
	return kept, removed
}

// shortID names an envelope in logs by a hash prefix: the id itself is a
// capability and never logged.
func shortID(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:4])
}

// envelopeExpiry reads an envelope's delegation expiry without the
// network.
func envelopeExpiry(raw []byte) (time.Time, bool) {
	env, err := envelope.Decode(raw)
	if err != nil {
		return time.Time{}, false
	}
	return delegation.EnvelopeExpiration(*env)
}

// status records the answer for the access log: its status code and its
// error code.
type status struct {
	httpx.StatusRecorder
	error string
	rid   string
}

// route dispatches and returns the route name for the log and metrics.
func (w *worker) route(rw *status, r *http.Request) string {
	path := r.URL.Path
	route, id := path, ""
	switch {
	case path == "/envelopes" || path == "/sign" || path == "/healthz" || path == "/readyz" || path == "/metrics":
	case strings.HasPrefix(path, "/envelopes/"):
		route, id = "/envelopes/{id}", strings.TrimPrefix(path, "/envelopes/")
	default:
		route = "(unknown)"
		w.fail(rw, http.StatusNotFound, "not_found", "no such endpoint; the worker serves POST /envelopes, GET and DELETE /envelopes/{id}, POST /sign, GET /healthz, /readyz and /metrics")
		return route
	}
	allowed := map[string]string{"/envelopes": "POST", "/sign": "POST", "/envelopes/{id}": "GET, DELETE",
		"/healthz": "GET", "/readyz": "GET", "/metrics": "GET"}[route]
	if r.Method == http.MethodOptions {
		rw.Header().Set("Access-Control-Allow-Methods", allowed+", OPTIONS")
		rw.Header().Set("Access-Control-Allow-Headers", "Content-Type, Authorization, X-Request-Id")
		rw.Header().Set("Access-Control-Max-Age", "600")
		rw.WriteHeader(http.StatusNoContent)
		return route
	}
	switch route {
	case "/healthz", "/readyz", "/metrics":
	default:
		if !w.access.authorized(r) {
			rw.Header().Set("WWW-Authenticate", `Bearer realm="litsession"`)
			w.fail(rw, http.StatusUnauthorized, "unauthorized", "send the worker's API token as Authorization: Bearer <token>")
			return route
		}
	}
	switch {
	case route == "/envelopes" && r.Method == http.MethodPost:
		w.storeEnvelope(rw, r)
	case route == "/sign" && r.Method == http.MethodPost:
		w.sign(rw, r)
	case route == "/envelopes/{id}" && r.Method == http.MethodGet:
		w.describe(rw, r, id)
	case route == "/envelopes/{id}" && r.Method == http.MethodDelete:
		w.delete(rw, r, id)
	case route == "/healthz" && r.Method == http.MethodGet:
		w.reply(rw, http.StatusOK, map[string]string{"status": "alive"})
	case route == "/readyz" && r.Method == http.MethodGet:
		w.readyz(rw)
	case route == "/metrics" && r.Method == http.MethodGet:
		w.metrics.handler.ServeHTTP(rw, r)
	default:
		rw.Header().Set("Allow", allowed+", OPTIONS")
		w.fail(rw, http.StatusMethodNotAllowed, "method_not_allowed", fmt.Sprintf("%s %s is not supported; use %s", r.Method, route, allowed))
	}
	return route
}

// readBody reads a JSON body of at most limit bytes; it answers and
// returns false on failure.
func (w *worker) readBody(rw *status, r *http.Request, limit int64) ([]byte, bool) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		w.fail(rw, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as JSON with Content-Type: application/json")
		return nil, false
	}
	b, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		w.fail(rw, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the body is larger than %d bytes", limit))
		return nil, false
	case err != nil:
		w.fail(rw, http.StatusBadRequest, "bad_request", "reading the body failed")
		return nil, false
	case len(bytes.TrimSpace(b)) == 0:
		w.fail(rw, http.StatusBadRequest, "bad_request", "the body is empty")
		return nil, false
	}
	return b, true
}

// storeFailed answers 503 for a store that failed, counting it.
func (w *worker) storeFailed(rw *status, op string, err error) {
	w.metrics.storeErrors.WithLabelValues(op).Inc()
	w.fail(rw, http.StatusServiceUnavailable, "store_unavailable", fmt.Sprintf("the envelope store (%s) failed to %s: %s; retry, and check the store if this persists", w.store, op, oneLine(err.Error(), 200)))
}

// storeEnvelope: POST /envelopes.
func (w *worker) storeEnvelope(rw *status, r *http.Request) {
	b, ok := w.readBody(rw, r, envelope.MaxSize)
	if !ok {
		return
	}
	env, err := envelope.Decode(b)
	if err != nil {
		w.fail(rw, http.StatusBadRequest, "bad_envelope", err.Error())
		return
	}
	ac, err := delegation.CreatePkpAuthContextFromPreGenerated(*env, w.client.NetworkPublicKey(), time.Time{})
	if err != nil {
		w.failErr(rw, err)
		return
	}
	canonical, err := envelope.Encode(*env)
	if err != nil {
		w.fail(rw, http.StatusBadRequest, "bad_envelope", err.Error())
		return
	}
	var raw [idBytes]byte
	if _, err := rand.Read(raw[:]); err != nil {
		w.fail(rw, http.StatusInternalServerError, "internal", "no randomness for an id")
		return
	}
	id := hex.EncodeToString(raw[:])
	rec, err := w.keys.Seal(id, canonical)
	if err != nil {
		w.fail(rw, http.StatusInternalServerError, "internal", "sealing the envelope failed")
		return
	}
	if err := w.store.Create(r.Context(), id, rec, ac.Expiration()); err != nil {
		w.storeFailed(rw, "store the envelope", err)
		return
	}
	w.remember(id, rec, ac)
	w.reply(rw, http.StatusCreated, info(id, ac))
}

func (w *worker) remember(id string, rec []byte, ac *delegation.AuthContext) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.cache) >= maxCached {
		clear(w.cache)
	}
	w.cache[cacheKey{id, sha256.Sum256(rec)}] = ac
}

// load returns the validated context of id, reading its record from the
// store. It answers and returns nil on failure; an expired envelope is
// deleted.
func (w *worker) load(rw *status, r *http.Request, id string) *delegation.AuthContext {
	if !envstore.IDPattern.MatchString(id) {
		w.fail(rw, http.StatusBadRequest, "bad_request", "id must be the 32 lowercase hex characters POST /envelopes returned")
		return nil
	}
	rec, err := w.store.Get(r.Context(), id)
	var expired *envstore.ExpiredError
	switch {
	case errors.As(err, &expired):
		w.fail410(rw, expired.At)
		return nil
	case errors.Is(err, envstore.ErrNotFound):
		w.fail(rw, http.StatusNotFound, "not_found", "no envelope with this id; POST it to /envelopes first (expired envelopes are removed)")
		return nil
	case err != nil:
		w.storeFailed(rw, "read the envelope", err)
		return nil
	}
	key := cacheKey{id, sha256.Sum256(rec)}
	w.mu.Lock()
	ac := w.cache[key]
	w.mu.Unlock()
	if ac == nil {
		plain, err := w.keys.Open(id, rec)
		if err != nil {
			w.metrics.storeErrors.WithLabelValues("open").Inc()
			w.fail(rw, http.StatusInternalServerError, "storage", "the stored envelope does not open: "+err.Error())
			return nil
		}
		env, err := envelope.Decode(plain)
		if err != nil {
			w.fail(rw, http.StatusInternalServerError, "storage", "the stored envelope is corrupt; DELETE it and POST it again")
			return nil
		}
		if ac, err = delegation.CreatePkpAuthContextFromPreGenerated(*env, w.client.NetworkPublicKey(), time.Time{}); err != nil {
			if errors.Is(err, delegation.ErrDelegationExpired) {
				exp, _ := envelopeExpiry(plain)
				w.store.Expire(r.Context(), id, exp)
			}
			w.failErr(rw, err)
			return nil
		}
		w.remember(id, rec, ac)
	}
	if err := ac.Usable(time.Time{}); err != nil {
		if errors.Is(err, delegation.ErrDelegationExpired) {
			w.forget(r.Context(), id, key, ac.Expiration())
			w.fail410(rw, ac.Expiration())
		} else {
			w.failErr(rw, err)
		}
		return nil
	}
	return ac
}

// forget deletes an expired envelope, keeping a tombstone for 410s.
func (w *worker) forget(ctx context.Context, id string, key cacheKey, exp time.Time) {
	w.store.Expire(ctx, id, exp)
	w.mu.Lock()
	delete(w.cache, key)
	w.mu.Unlock()
}

// describe: GET /envelopes/{id}.
func (w *worker) describe(rw *status, r *http.Request, id string) {
	if ac := w.load(rw, r, id); ac != nil {
		w.reply(rw, http.StatusOK, info(id, ac))
	}
}

// delete: DELETE /envelopes/{id}.
func (w *worker) delete(rw *status, r *http.Request, id string) {
	if !envstore.IDPattern.MatchString(id) {
		w.fail(rw, http.StatusBadRequest, "bad_request", "id must be the 32 lowercase hex characters POST /envelopes returned")
		return
	}
	err := w.store.Delete(r.Context(), id)
	switch {
	case errors.Is(err, envstore.ErrNotFound):
		w.fail(rw, http.StatusNotFound, "not_found", "no envelope with this id")
	case err != nil:
		w.storeFailed(rw, "delete the envelope", err)
	default:
		rw.WriteHeader(http.StatusNoContent)
	}
}

// sign: POST /sign {"id","toSign"}.
func (w *worker) sign(rw *status, r *http.Request) {
	b, ok := w.readBody(rw, r, maxSignBody)
	if !ok {
		return
	}
	req, msg := parseSignRequest(b)
	if msg != "" {
		w.fail(rw, http.StatusBadRequest, "bad_request", msg)
		return
	}
	ac := w.load(rw, r, req.ID)
	if ac == nil {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 3*w.timeout)
	defer cancel()
	start := time.Now()
	sig, err := w.signer.PkpSign(ctx, ac, req.Digest)
	if err != nil {
		w.metrics.countNodeErrors(err)
		if errors.Is(err, delegation.ErrDelegationExpired) {
			w.store.Expire(r.Context(), req.ID, ac.Expiration())
		}
		w.failErr(rw, err)
		return
	}
	w.metrics.signSeconds.Observe(time.Since(start).Seconds())
	w.reply(rw, http.StatusOK, sig)
}

// oneLine flattens and truncates a message for a JSON error or log line.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
