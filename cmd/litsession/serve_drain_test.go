package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/internal/testutil"
)

// TestServeDrain: a request in flight when SIGTERM arrives is answered
// before the worker exits.
func TestServeDrain(t *testing.T) {
	bin := buildBinary(t)
	d := startPKPDevnet(t, bin)
	env, errs, code := runBin(t, bin, "", delegateArgs(d, time.Now().Add(time.Hour))...)
	if code != 0 {
		t.Fatalf("delegate: %s", errs)
	}
	w := startWorker(t, bin, d.RPCURL, filepath.Join(t.TempDir(), "s"))
	conn, err := net.Dial("tcp", strings.TrimPrefix(w.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	half := len(env) / 2
	fmt.Fprintf(conn, "POST /envelopes HTTP/1.1\r\nHost: worker\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(env), env[:half])
	time.Sleep(300 * time.Millisecond) // the handler is reading the body
	w.cmd.Process.Signal(syscall.SIGTERM)
	for !strings.Contains(w.stderr.String(), "draining in-flight requests") {
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := http.Get(w.url + "/healthz"); err == nil {
		t.Fatal("the worker still accepts connections while draining")
	}
	conn.Write([]byte(env[half:]))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v\n%s", err, w.stderr)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("the request in flight: %d", resp.StatusCode)
	}
	if err := w.cmd.Wait(); err != nil || !strings.Contains(w.stderr.String(), `"msg":"stopped"`) {
		t.Fatalf("exit %v\n%s", err, w.stderr)
	}
}

// TestReadyzDraining: a draining worker is not ready, and says why.
func TestReadyzDraining(t *testing.T) {
	cl, err := node.New(node.Config{Transport: httptransport.New(nil), RPCURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	var log testutil.SyncBuffer
	w := testWorker(t, &log, cl, time.Second)
	w.draining.Store(true)
	srv := httptest.NewServer(w)
	defer srv.Close()
	status, body, hdr := call(t, "GET", srv.URL+"/readyz", "", "", "X-Request-Id", "probe-1")
	reasons := strings.Join(anyStrings(body["reasons"]), "; ")
	if status != 503 || body["ready"] != false || !strings.Contains(reasons, "draining") || !strings.Contains(reasons, "no Lit node") {
		t.Fatalf("readyz: %d %v", status, body)
	}
	if hdr.Get("X-Request-Id") != "probe-1" {
		t.Fatalf("X-Request-Id %q", hdr.Get("X-Request-Id"))
	}
	_, _, hdr = call(t, "GET", srv.URL+"/healthz", "", "", "X-Request-Id", "bad id with spaces")
	if rid := hdr.Get("X-Request-Id"); len(rid) != 16 {
		t.Fatalf("a malformed request id was not replaced: %q", rid)
	}
}
