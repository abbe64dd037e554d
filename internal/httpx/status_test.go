package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestStatusRecorder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(w http.ResponseWriter)
		want  int
	}{
		{"nothing written", func(http.ResponseWriter) {}, 0},
		{"body only", func(w http.ResponseWriter) { w.Write([]byte("x")) }, http.StatusOK},
		{"header then body", func(w http.ResponseWriter) { w.WriteHeader(http.StatusTeapot); w.Write([]byte("x")) }, http.StatusTeapot},
		{"first header wins", func(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent); w.WriteHeader(http.StatusNotFound) }, http.StatusNoContent},
	} {
		inner := httptest.NewRecorder()
		rec := &StatusRecorder{ResponseWriter: inner}
		tc.write(rec)
		if rec.Status != tc.want {
			t.Errorf("%s: Status %d, want %d", tc.name, rec.Status, tc.want)
		}
		if tc.want != 0 && inner.Code != tc.want {
			t.Errorf("%s: the wrapped writer got %d, want %d", tc.name, inner.Code, tc.want)
		}
	}
}
