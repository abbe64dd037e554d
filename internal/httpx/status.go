// Package httpx holds the HTTP helpers that the devnet servers and the
// litsession worker share.
package httpx

import "net/http"

// StatusRecorder is an http.ResponseWriter that remembers the status code
// of the answer, for an access log. Status is 0 until the handler writes a
// header or a body; a body written without a header counts as 200.
type StatusRecorder struct {
	http.ResponseWriter
	Status int
}

// WriteHeader records the first status code and passes every call on.
func (s *StatusRecorder) WriteHeader(code int) {
	if s.Status == 0 {
		s.Status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Write records 200 when no status was written before.
func (s *StatusRecorder) Write(b []byte) (int, error) {
	if s.Status == 0 {
		s.Status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}
