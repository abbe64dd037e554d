package httptransport

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/litgo/litsession/core/node"
)

func TestDo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Seen", r.Method+" "+r.Header.Get("X-Request-Id"))
			w.WriteHeader(201)
			w.Write(b)
		case "/big":
			w.Write([]byte(strings.Repeat("x", 100)))
		case "/redirect":
			http.Redirect(w, r, "/echo", http.StatusFound)
		}
	}))
	defer srv.Close()
	tr := New(nil)
	defer tr.CloseIdleConnections()
	ctx := context.Background()

	resp, err := tr.Do(ctx, node.Request{Method: "POST", URL: srv.URL + "/echo", Header: map[string]string{"X-Request-Id": "lit_1"}, Body: []byte(`{"a":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 201 || string(resp.Body) != `{"a":1}` || resp.Header["Content-Type"] != "application/json" || resp.Header["X-Seen"] != "POST lit_1" {
		t.Fatalf("%+v", resp)
	}

	// Redirects are not followed: a POST must not silently become a GET.
	resp, err = tr.Do(ctx, node.Request{Method: "POST", URL: srv.URL + "/redirect", Body: []byte(`{}`)})
	if err != nil || resp.Status != http.StatusFound {
		t.Fatalf("redirect: %d %v", resp.Status, err)
	}

	tr.MaxResponseBytes = 99
	if _, err := tr.Do(ctx, node.Request{Method: "GET", URL: srv.URL + "/big"}); err == nil || !strings.Contains(err.Error(), "larger than 99 bytes") {
		t.Fatalf("oversized body: %v", err)
	}
	tr.MaxResponseBytes = 100
	if _, err := tr.Do(ctx, node.Request{Method: "GET", URL: srv.URL + "/big"}); err != nil {
		t.Fatalf("body at the limit: %v", err)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := tr.Do(cctx, node.Request{Method: "GET", URL: srv.URL + "/echo"}); err == nil {
		t.Fatal("canceled context ignored")
	}
}
