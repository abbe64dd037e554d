package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/storage"
	"github.com/litgo/litsession/internal/httpx"
	"github.com/litgo/litsession/internal/netlimit"
)

func init() {
	register("serve", "run an HTTP worker that stores envelopes and pkpSigns with them (POST /envelopes, POST /sign)", cmdServe)
}

const (
	envelopeKeyPref = "envelope-"
	idBytes         = 16 // 128 random bits: ids are capabilities, so unguessable
)

var idPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

func cmdServe(e *env, args []string) error {
	fs := newFlags("serve")
	listen := fs.String("listen", "127.0.0.1:8787", "loopback address to listen on, HOST:PORT (port 0: any free port)")
	dir := fs.String("store", "", "directory for the envelopes (created 0700; files 0600) (required)")
	conn := addConnectFlags(fs)
	if help, err := parse(e, fs, args); help || err != nil {
		return err
	}
	if err := required(fs, "store"); err != nil {
		return err
	}
	if err := checkLoopback(*listen); err != nil {
		return err
	}
	store, err := storage.NewFile(*dir)
	if err != nil {
		return usagef("--store: %v", err)
	}
	cl, err := conn.connect(e)
	if err != nil {
		return err
	}
	w := newWorker(e.stderr, store, cl, *conn.timeout)
	kept, removed := w.sweep()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return usagef("--listen %s: %v", *listen, err)
	}
	srv := &http.Server{
		Handler:           w,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second, // a sign request waits for the nodes
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          log.New(e.stderr, "serve: http: ", 0),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(netlimit.Listener(ln, maxWorkerConns)) }()
	fmt.Fprintf(e.stdout, "%s\n", readyJSON("http://"+ln.Addr().String(), store.Dir(), kept, len(cl.ConnectedNodes()), cl.Generation().Name()))
	w.logf("listening on http://%s (%s network); %d envelope(s) in %s (%d expired ones removed)", ln.Addr(), cl.Generation().Name(), kept, store.Dir(), removed)
	select {
	case <-e.ctx.Done():
		w.logf("stopping")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
			return fmt.Errorf("stopping: %w", err)
		}
		return nil
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	}
}

// maxWorkerConns caps the worker's open connections; more callers wait in
// the kernel's backlog.
const maxWorkerConns = 256

// checkLoopback refuses listen addresses other hosts can reach: the worker
// speaks plain HTTP and holds session secrets.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("--listen %q is not HOST:PORT (e.g. 127.0.0.1:8787)", addr)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return usagef("--listen %s is not a loopback address; the worker speaks plain HTTP and holds session secrets, so listen on 127.0.0.1 and put a TLS proxy in front to serve other hosts", addr)
}

// worker is the HTTP handler of litsession serve.
type worker struct {
	store   *storage.File
	client  *node.Client
	signer  *delegation.Signer
	timeout time.Duration

	logMu sync.Mutex
	log   io.Writer

	mu      sync.Mutex
	cache   map[string]*delegation.AuthContext // validated contexts by id
	expired map[string]time.Time               // ids deleted because they expired (for 410)
}

func newWorker(log io.Writer, store *storage.File, cl *node.Client, timeout time.Duration) *worker {
	w := &worker{store: store, client: cl, timeout: timeout, log: log,
		cache: map[string]*delegation.AuthContext{}, expired: map[string]time.Time{}}
	w.signer = delegation.NewSigner(cl)
	w.signer.OnRotate = func(cause error) {
		w.logf("the nodes refused the session signatures (%s); handshaking again and retrying once", oneLine(cause.Error(), 300))
	}
	return w
}

// logf writes one line to the log. Callers never pass secrets: no bodies,
// no ids, no envelopes.
func (w *worker) logf(format string, args ...any) {
	w.logMu.Lock()
	defer w.logMu.Unlock()
	fmt.Fprintf(w.log, "serve: %s %s\n", time.Now().UTC().Format(time.RFC3339), fmt.Sprintf(format, args...))
}

// sweep deletes stored envelopes that have expired (they hold secrets and
// are of no use) and counts the rest.
func (w *worker) sweep() (kept, removed int) {
	entries, err := os.ReadDir(w.store.Dir())
	if err != nil {
		return 0, 0
	}
	for _, ent := range entries {
		id, ok := strings.CutPrefix(ent.Name(), envelopeKeyPref)
		if !ok || !idPattern.MatchString(id) {
			continue
		}
		raw, ok, err := w.store.Get(context.Background(), ent.Name())
		if err != nil || !ok {
			continue
		}
		if exp, ok := envelopeExpiry([]byte(raw)); ok && !time.Now().Before(exp) {
			if w.store.Delete(context.Background(), ent.Name()) == nil {
				removed++
			}
			continue
		}
		kept++
	}
	return kept, removed
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
}

// ServeHTTP routes a request and writes one access-log line: method, route
// (ids replaced by {id}), status, duration and error code. Never bodies.
func (w *worker) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	st := &status{StatusRecorder: httpx.StatusRecorder{ResponseWriter: rw}}
	h := rw.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	route := w.route(st, r)
	line := fmt.Sprintf("%s %s %d %dms", r.Method, route, st.Status, time.Since(start).Milliseconds())
	if st.error != "" {
		line += " " + st.error
	}
	w.logf("%s", line)
}

// route dispatches and returns the route name for the log.
func (w *worker) route(rw *status, r *http.Request) string {
	path := r.URL.Path
	route, id := path, ""
	switch {
	case path == "/envelopes" || path == "/sign":
	case strings.HasPrefix(path, "/envelopes/"):
		route, id = "/envelopes/{id}", strings.TrimPrefix(path, "/envelopes/")
	default:
		route = "(unknown)"
		w.fail(rw, http.StatusNotFound, "not_found", "no such endpoint; the worker serves POST /envelopes, GET and DELETE /envelopes/{id}, and POST /sign")
		return route
	}
	allowed := map[string]string{"/envelopes": "POST", "/sign": "POST", "/envelopes/{id}": "GET, DELETE"}[route]
	if r.Method == http.MethodOptions {
		rw.Header().Set("Access-Control-Allow-Methods", allowed+", OPTIONS")
		rw.Header().Set("Access-Control-Allow-Headers", "Content-Type")
		rw.Header().Set("Access-Control-Max-Age", "600")
		rw.WriteHeader(http.StatusNoContent)
		return route
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
	if err := w.store.Set(r.Context(), envelopeKeyPref+id, string(canonical)); err != nil {
		w.fail(rw, http.StatusInternalServerError, "storage", "storing the envelope failed; check the --store directory")
		return
	}
	w.mu.Lock()
	w.cache[id] = ac
	w.mu.Unlock()
	w.reply(rw, http.StatusCreated, info(id, ac))
}

// load returns the validated context of id, from the cache or the store.
// It answers and returns nil on failure; an expired envelope is deleted.
func (w *worker) load(rw *status, r *http.Request, id string) *delegation.AuthContext {
	if !idPattern.MatchString(id) {
		w.fail(rw, http.StatusBadRequest, "bad_request", "id must be the 32 lowercase hex characters POST /envelopes returned")
		return nil
	}
	w.mu.Lock()
	ac, cached := w.cache[id]
	exp, gone := w.expired[id]
	w.mu.Unlock()
	if gone {
		w.fail410(rw, exp)
		return nil
	}
	if !cached {
		raw, ok, err := w.store.Get(r.Context(), envelopeKeyPref+id)
		switch {
		case err != nil:
			w.fail(rw, http.StatusInternalServerError, "storage", "reading the envelope failed; check the --store directory")
			return nil
		case !ok:
			w.fail(rw, http.StatusNotFound, "not_found", "no envelope with this id; POST it to /envelopes first (expired envelopes are removed)")
			return nil
		}
		env, err := envelope.Decode([]byte(raw))
		if err != nil {
			w.fail(rw, http.StatusInternalServerError, "storage", "the stored envelope is corrupt; DELETE it and POST it again")
			return nil
		}
		if ac, err = delegation.CreatePkpAuthContextFromPreGenerated(*env, w.client.NetworkPublicKey(), time.Time{}); err != nil {
			if errors.Is(err, delegation.ErrDelegationExpired) {
				exp, _ := envelopeExpiry([]byte(raw))
				w.forget(r.Context(), id, exp)
			}
			w.failErr(rw, err)
			return nil
		}
		w.mu.Lock()
		w.cache[id] = ac
		w.mu.Unlock()
	}
	if err := ac.Usable(time.Time{}); err != nil {
		if errors.Is(err, delegation.ErrDelegationExpired) {
			w.forget(r.Context(), id, ac.Expiration())
			w.fail410(rw, ac.Expiration())
		} else {
			w.failErr(rw, err)
		}
		return nil
	}
	return ac
}

// forget deletes an expired envelope, keeping a tombstone for 410s.
func (w *worker) forget(ctx context.Context, id string, exp time.Time) {
	w.store.Delete(ctx, envelopeKeyPref+id)
	w.mu.Lock()
	delete(w.cache, id)
	w.expired[id] = exp
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
	if !idPattern.MatchString(id) {
		w.fail(rw, http.StatusBadRequest, "bad_request", "id must be the 32 lowercase hex characters POST /envelopes returned")
		return
	}
	_, found, err := w.store.Get(r.Context(), envelopeKeyPref+id)
	if err == nil && found {
		err = w.store.Delete(r.Context(), envelopeKeyPref+id)
	}
	if err != nil {
		w.fail(rw, http.StatusInternalServerError, "storage", "deleting the envelope failed; check the --store directory")
		return
	}
	w.mu.Lock()
	_, cached := w.cache[id]
	_, gone := w.expired[id]
	delete(w.cache, id)
	delete(w.expired, id)
	w.mu.Unlock()
	if !found && !cached && !gone {
		w.fail(rw, http.StatusNotFound, "not_found", "no envelope with this id")
		return
	}
	rw.WriteHeader(http.StatusNoContent)
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
	sig, err := w.signer.PkpSign(ctx, ac, req.Digest)
	if err != nil {
		if errors.Is(err, delegation.ErrDelegationExpired) {
			w.forget(r.Context(), req.ID, ac.Expiration())
		}
		w.failErr(rw, err)
		return
	}
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
