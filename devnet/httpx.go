package devnet

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/litgo/litsession/internal/httpx"
)

// MaxBodyBytes caps request bodies on every devnet server; larger bodies get
// 413 with errorCode NodeBodyTooLarge.
const MaxBodyBytes = 1 << 20

// Lit error kinds (the errorKind values of the Lit node and SDK).
const (
	KindValidation = "Validation"
	KindParser     = "Parser"
	KindUnexpected = "Unexpected"
	KindGeneric    = "Generic"
)

// Error is the Lit JSON error body the devnet sends for every failure:
//
//	{"errorKind":"Validation","errorCode":"NodeInvalidParameter","status":400,
//	 "message":"…","correlationId":"lit_…","details":["…"]}
//
// correlationId is the request's X-Request-Id when it looks like one, else
// a fresh "lit_<hex>" id.
type Error struct {
	Kind          string   `json:"errorKind"`
	Code          string   `json:"errorCode"`
	Status        int      `json:"status"`
	Message       string   `json:"message"`
	CorrelationID string   `json:"correlationId"`
	Details       []string `json:"details"`
}

// WriteJSON writes v as JSON with the given status and
// Content-Type: application/json.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"errorKind":"Unexpected","errorCode":"NodeUnknownError","status":500,"message":"devnet: cannot encode the response","correlationId":"","details":[]}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// WriteError writes a Lit JSON error. Use it from extension handlers so all
// devnet errors look like node errors.
func WriteError(w http.ResponseWriter, r *http.Request, status int, kind, code, message string) {
	WriteJSON(w, status, Error{
		Kind:          kind,
		Code:          code,
		Status:        status,
		Message:       message,
		CorrelationID: CorrelationID(r),
		Details:       []string{},
	})
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// CorrelationID returns the request's X-Request-Id if it is 1–128
// characters of [A-Za-z0-9_-], else a new "lit_<32 hex>" id.
func CorrelationID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); requestIDPattern.MatchString(id) {
		return id
	}
	var b [16]byte
	rand.Read(b[:])
	return "lit_" + hex.EncodeToString(b[:])
}

// bodyError is why a request body could not be read, as a Lit error.
type bodyError struct {
	status     int
	kind, code string
	msg        string
}

func (e *bodyError) write(w http.ResponseWriter, r *http.Request) {
	WriteError(w, r, e.status, e.kind, e.code, e.msg)
}

// readBody reads the whole request body; the middleware caps it at
// MaxBodyBytes, and a larger body is a 413.
func readBody(r *http.Request) ([]byte, *bodyError) {
	body, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, &bodyError{http.StatusRequestEntityTooLarge, KindValidation, "NodeBodyTooLarge", fmt.Sprintf("request body is larger than %d bytes", tooBig.Limit)}
	case err != nil:
		return nil, &bodyError{http.StatusBadRequest, KindParser, "NodeParserError", "cannot read the request body"}
	}
	return body, nil
}

// ReadJSON decodes the request body, which must be exactly one JSON value,
// into v. On failure it writes the Lit error (400 malformed JSON or wrong
// field type, 413 body over MaxBodyBytes) and returns false.
func ReadJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	body, berr := readBody(r)
	switch {
	case berr != nil:
		berr.write(w, r)
		return false
	case len(bytes.TrimSpace(body)) == 0:
		WriteError(w, r, http.StatusBadRequest, KindParser, "NodeParserError", "request body is empty; send a JSON object")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	err := dec.Decode(v)
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "the body"
		}
		WriteError(w, r, http.StatusBadRequest, KindValidation, "NodeInvalidParameter",
			fmt.Sprintf("%s must be %s, not %s", field, jsonKind(typeErr.Type.String()), typeErr.Value))
		return false
	case err != nil:
		WriteError(w, r, http.StatusBadRequest, KindParser, "NodeParserError", "request body is not valid JSON: "+err.Error())
		return false
	case dec.More() || dec.InputOffset() < int64(len(bytes.TrimRight(body, " \t\r\n"))):
		WriteError(w, r, http.StatusBadRequest, KindParser, "NodeParserError", "request body has data after the JSON value")
		return false
	}
	return true
}

func jsonKind(goType string) string {
	goType = strings.TrimPrefix(goType, "*")
	switch {
	case strings.HasPrefix(goType, "uint"), strings.HasPrefix(goType, "int"):
		return "a non-negative integer"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "a boolean"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map"), strings.HasPrefix(goType, "struct"):
		return "an object"
	}
	return goType
}

// router dispatches on exact path, then method; it answers unknown paths
// with 404 and known paths with the wrong method with 405, as Lit JSON.
type router struct {
	mu     sync.RWMutex
	routes map[string]map[string]http.Handler // path → method → handler
}

var methodPattern = regexp.MustCompile(`^[A-Z]+$`)

func (rt *router) handle(method, path string, h http.Handler) {
	if !methodPattern.MatchString(method) || method == http.MethodOptions {
		panic(fmt.Sprintf("devnet: Handle: method %q must be an upper-case HTTP method other than OPTIONS (CORS preflights are answered for you)", method))
	}
	if !strings.HasPrefix(path, "/") {
		panic(fmt.Sprintf("devnet: Handle: path %q must start with /", path))
	}
	if h == nil {
		panic("devnet: Handle: nil handler for " + method + " " + path)
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.routes == nil {
		rt.routes = map[string]map[string]http.Handler{}
	}
	if rt.routes[path] == nil {
		rt.routes[path] = map[string]http.Handler{}
	}
	rt.routes[path][method] = h
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt.mu.RLock()
	methods := rt.routes[r.URL.Path]
	h := methods[r.Method]
	var allowed []string
	if h == nil {
		for m := range methods {
			allowed = append(allowed, m)
		}
	}
	rt.mu.RUnlock()
	switch {
	case h != nil:
		h.ServeHTTP(w, r)
	case methods == nil:
		WriteError(w, r, http.StatusNotFound, KindValidation, "NodeNotFound",
			fmt.Sprintf("no such endpoint %s on this devnet server", strconv.Quote(r.URL.Path)))
	default:
		slices.Sort(allowed)
		allowed = append(allowed, http.MethodOptions)
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		WriteError(w, r, http.StatusMethodNotAllowed, KindValidation, "NodeMethodNotAllowed",
			fmt.Sprintf("%s does not accept %s; use %s", r.URL.Path, r.Method, strings.Join(allowed[:len(allowed)-1], " or ")))
	}
}

// logPath renders a request path for the log: as is when it is plain
// printable ASCII, quoted otherwise, and truncated to 200 bytes.
func logPath(p string) string {
	if len(p) > 200 {
		p = p[:200] + "…"
	}
	for _, c := range []byte(p) {
		if c <= ' ' || c >= 0x7f || c == '"' {
			return strconv.Quote(p)
		}
	}
	return p
}

// CORS headers sent on every answer. Node preflights ask for these four
// request headers; the JSON-RPC preflight asks for content-type.
const (
	corsAllowMethods = "GET, POST, OPTIONS"
	corsAllowHeaders = "content-type,x-lit-sdk-type,x-lit-sdk-version,x-request-id"
	corsMaxAge       = "86400"
)

// syncWriter serializes log lines from concurrent requests.
type syncWriter struct {
	mu   sync.Mutex
	w    io.Writer
	json bool
}

func (s *syncWriter) printf(format string, args ...any) {
	if s == nil || s.w == nil {
		return
	}
	line := fmt.Sprintf(format, args...)
	if s.json {
		line = jsonLine("WARN", strings.TrimSpace(line), nil)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	io.WriteString(s.w, line)
}

// middleware wraps h with, from the outside in: one access-log line per
// request (server name, method, path, status, duration; never bodies or
// query strings), panic recovery (500 Lit JSON), CORS (including OPTIONS
// preflights, answered 204), and the MaxBodyBytes body cap.
func middleware(name string, log *syncWriter, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &httpx.StatusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.printf("devnet %s: panic serving %s %s: %v\n", name, r.Method, logPath(r.URL.Path), p)
				if rec.Status == 0 {
					WriteError(rec, r, http.StatusInternalServerError, KindUnexpected, "NodeUnknownError", "internal devnet error; see the devnet log")
				}
			}
			log.access(name, r.Method, logPath(r.URL.Path), rec.Status, time.Since(start))
		}()

		hdr := rec.Header()
		hdr.Set("Access-Control-Allow-Origin", "*")
		hdr.Set("Access-Control-Allow-Methods", corsAllowMethods)
		hdr.Set("Access-Control-Allow-Headers", corsAllowHeaders)
		hdr.Set("Access-Control-Max-Age", corsMaxAge)
		if r.Method == http.MethodOptions {
			// Chrome's Private Network Access preflight, for pages served
			// from a less private address than the devnet.
			if r.Header.Get("Access-Control-Request-Private-Network") == "true" {
				hdr.Set("Access-Control-Allow-Private-Network", "true")
			}
			rec.WriteHeader(http.StatusNoContent)
			return
		}
		r.Body = http.MaxBytesReader(rec, r.Body, MaxBodyBytes)
		h.ServeHTTP(rec, r)
		if rec.Status == 0 {
			rec.Status = http.StatusOK
		}
	})
}
