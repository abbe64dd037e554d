package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/devnet"
	"github.com/litgo/litsession/internal/testutil"
)

type workerProc struct {
	cmd    *exec.Cmd
	url    string
	ready  map[string]any
	stderr *testutil.SyncBuffer
}

// startWorker runs `litsession serve` on a free loopback port.
func startWorker(t *testing.T, bin, rpcURL, store string, args ...string) *workerProc {
	t.Helper()
	w := startServe(t, exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--rpc-url", rpcURL, "--store", store}, args...)...))
	if !strings.HasPrefix(w.url, "http://127.0.0.1:") {
		t.Fatalf("ready line %v", w.ready)
	}
	return w
}

// startServe starts a serve command and reads its ready line.
func startServe(t *testing.T, cmd *exec.Cmd) *workerProc {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	w := &workerProc{cmd: cmd, stderr: &testutil.SyncBuffer{}}
	cmd.Stderr = w.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line := readLine(t, out)
	if err := json.Unmarshal([]byte(line), &w.ready); err != nil {
		t.Fatalf("ready line %q: %v\n%s", line, err, w.stderr)
	}
	w.url, _ = w.ready["url"].(string)
	return w
}

// stop sends SIGTERM and waits for a clean exit.
func (w *workerProc) stop(t *testing.T) {
	t.Helper()
	w.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- w.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("worker exit after SIGTERM: %v\n%s", err, w.stderr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("worker did not stop on SIGTERM")
	}
	if !strings.Contains(w.stderr.String(), "stopping") {
		t.Fatalf("no stop line:\n%s", w.stderr)
	}
}

// call makes one request and returns the status, the JSON body (nil if
// empty) and the headers.
func call(t *testing.T, method, url, contentType, body string, hdr ...string) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: body is not JSON: %q", method, url, raw)
		}
		if resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s %s: Content-Type %q", method, url, resp.Header.Get("Content-Type"))
		}
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("%s %s: no CORS header", method, url)
	}
	return resp.StatusCode, m, resp.Header
}

// wantError checks a 4xx JSON error with a one-line message.
func wantError(t *testing.T, what string, status int, body map[string]any, wantStatus int, wantCode, wantMsg string) {
	t.Helper()
	msg, _ := body["message"].(string)
	if status != wantStatus || body["error"] != wantCode || !strings.Contains(msg, wantMsg) || strings.Contains(msg, "\n") || msg == "" {
		t.Errorf("%s: %d %v; want %d %s with a one-line message containing %q", what, status, body, wantStatus, wantCode, wantMsg)
	}
}

func signBody(id, digest string) string {
	return `{"id":"` + id + `","toSign":"` + digest + `"}`
}

func TestServeWorker(t *testing.T) {
	bin := buildBinary(t)
	d := startPKPDevnet(t, bin)
	store := filepath.Join(t.TempDir(), "envelopes")
	env, errs, code := runBin(t, bin, "", delegateArgs(d, time.Now().Add(time.Hour))...)
	if code != 0 {
		t.Fatalf("delegate: %d %s", code, errs)
	}
	short, errs, code := runBin(t, bin, "", delegateArgs(d, time.Now().Add(3*time.Second))...)
	if code != 0 {
		t.Fatalf("delegate: %d %s", code, errs)
	}
	w := startWorker(t, bin, d.RPCURL, store)
	if w.ready["envelopes"] != 0.0 || w.ready["nodes"] != 3.0 {
		t.Fatalf("ready %v", w.ready)
	}
	const jsonType = "application/json"

	// Store and sign.
	status, body, _ := call(t, "POST", w.url+"/envelopes", jsonType, env)
	id, _ := body["id"].(string)
	if status != 201 || len(id) != 32 || body["pkpPublicKey"] != d.pkpKey() || body["ethAddress"] != d.PKPs[0].EthAddress {
		t.Fatalf("POST /envelopes: %d %v", status, body)
	}
	if res, _ := body["resources"].([]any); len(res) != 1 || res[0] != d.pkpResource() {
		t.Fatalf("resources %v", body["resources"])
	}
	fi, err := os.Stat(filepath.Join(store, "envelope-"+id))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("stored file: %v %v", fi, err)
	}
	rec, _ := os.ReadFile(filepath.Join(store, "envelope-"+id))
	for _, s := range secrets(t, env) {
		if strings.Contains(string(rec), s) {
			t.Fatal("the stored record holds the session secret or payload in clear")
		}
	}
	if !strings.HasPrefix(string(rec), "lsenc1.k1.") {
		t.Fatalf("stored record %.40q… is not sealed with the created key k1", rec)
	}
	if ki, err := os.Stat(store + ".key"); err != nil || ki.Mode().Perm() != 0o600 {
		t.Fatalf("the created store key: %v %v", ki, err)
	}
	if di, _ := os.Stat(store); di.Mode().Perm() != 0o700 {
		t.Fatalf("store directory mode %v", di.Mode())
	}
	digest := "0x" + strings.Repeat("c3", 32)
	sign := func(id, digest string) (int, map[string]any) {
		req, err := http.NewRequest("POST", w.url+"/sign", strings.NewReader(signBody(id, digest)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", jsonType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == 200 {
			checkRecovers(t, string(raw), d.pkpKey(), digest)
		}
		var m map[string]any
		json.Unmarshal(raw, &m)
		return resp.StatusCode, m
	}
	for range 3 {
		if status, body := sign(id, digest); status != 200 {
			t.Fatalf("POST /sign: %d %v", status, body)
		}
	}
	status, body, _ = call(t, "GET", w.url+"/envelopes/"+id, "", "")
	if status != 200 || body["id"] != id || !strings.HasPrefix(body["sessionKey"].(string), "lit:session:") {
		t.Fatalf("GET: %d %v", status, body)
	}

	// CORS preflight from the demo page on another loopback port.
	status, _, hdr := call(t, "OPTIONS", w.url+"/sign", "", "", "Origin", "http://127.0.0.1:5173",
		"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type")
	if status != 204 || !strings.Contains(hdr.Get("Access-Control-Allow-Methods"), "POST") || !strings.Contains(strings.ToLower(hdr.Get("Access-Control-Allow-Headers")), "content-type") {
		t.Fatalf("preflight: %d %v", status, hdr)
	}

	// Bad input: 4xx with a clear one-line JSON error.
	e, err := envelope.Decode([]byte(env))
	if err != nil {
		t.Fatal(err)
	}
	e.DelegationAuthSig.SignedMessage = strings.Replace(e.DelegationAuthSig.SignedMessage, "Expiration Time: 20", "Expiration Time: 21", 1)
	tampered, _ := envelope.Encode(*e)
	for _, c := range []struct {
		name, method, path, ctype, body string
		status                          int
		code, msg                       string
	}{
		{"garbage envelope", "POST", "/envelopes", jsonType, `{"pkpPublicKey":1}`, 400, "bad_envelope", "pkpPublicKey"},
		{"not JSON", "POST", "/envelopes", jsonType, `hello`, 400, "bad_envelope", "JSON object"},
		{"empty", "POST", "/envelopes", jsonType, ``, 400, "bad_request", "empty"},
		{"tampered", "POST", "/envelopes", jsonType, string(tampered), 422, "delegation_refused", "bad_signature"},
		{"no content type", "POST", "/envelopes", "", env, 415, "unsupported_media_type", "application/json"},
		{"form", "POST", "/sign", "application/x-www-form-urlencoded", signBody(id, digest), 415, "unsupported_media_type", "application/json"},
		{"too large", "POST", "/envelopes", jsonType, `{"x":"` + strings.Repeat("a", 70<<10) + `"}`, 413, "too_large", "larger than"},
		{"sign too large", "POST", "/sign", jsonType, `{"id":"` + strings.Repeat("a", 5<<10) + `"}`, 413, "too_large", "larger than"},
		{"unknown id", "POST", "/sign", jsonType, signBody(strings.Repeat("0", 32), digest), 404, "not_found", "no envelope"},
		{"bad id", "POST", "/sign", jsonType, signBody("../../etc/passwd", digest), 400, "bad_request", "32 lowercase hex"},
		{"bad digest", "POST", "/sign", jsonType, signBody(id, "0x12"), 400, "bad_request", "64 hex"},
		{"extra field", "POST", "/sign", jsonType, `{"id":"` + id + `","toSign":"` + digest + `","x":1}`, 400, "bad_request", "nothing else"},
		{"missing field", "POST", "/sign", jsonType, `{"id":"` + id + `"}`, 400, "bad_request", "required"},
		{"two objects", "POST", "/sign", jsonType, signBody(id, digest) + "{}", 400, "bad_request", "nothing else"},
		{"unknown path", "GET", "/admin", "", "", 404, "not_found", "POST /envelopes"},
		{"wrong method", "PUT", "/sign", jsonType, "{}", 405, "method_not_allowed", "use POST"},
		{"GET unknown id", "GET", "/envelopes/" + strings.Repeat("1", 32), "", "", 404, "not_found", "no envelope"},
		{"DELETE bad id", "DELETE", "/envelopes/xyz", "", "", 400, "bad_request", "32 lowercase hex"},
	} {
		status, body, _ := call(t, c.method, w.url+c.path, c.ctype, c.body)
		wantError(t, c.name, status, body, c.status, c.code, c.msg)
	}

	// An expired envelope: accepted while valid, 410 and deleted after.
	status, body, _ = call(t, "POST", w.url+"/envelopes", jsonType, short)
	shortID, _ := body["id"].(string)
	if status != 201 {
		t.Fatalf("POST short: %d %v", status, body)
	}
	time.Sleep(3 * time.Second)
	status, body = sign(shortID, digest)
	wantError(t, "expired", status, body, 410, "delegation_expired", "new delegation")
	if _, err := os.Stat(filepath.Join(store, "envelope-"+shortID)); !os.IsNotExist(err) {
		t.Fatalf("the expired envelope is still stored: %v", err)
	}
	status, body = sign(shortID, digest)
	wantError(t, "expired again", status, body, 410, "delegation_expired", "expired at")
	status, body, _ = call(t, "POST", w.url+"/envelopes", jsonType, short)
	wantError(t, "POST expired", status, body, 410, "delegation_expired", "new delegation")

	// Restart with the same store: the envelope survives.
	w.stop(t)
	logs := w.stderr.String()
	w2 := startWorker(t, bin, d.RPCURL, store)
	if w2.ready["envelopes"] != 1.0 {
		t.Fatalf("after restart: %v", w2.ready)
	}
	w = w2
	if status, body := sign(id, "0x"+strings.Repeat("7e", 32)); status != 200 {
		t.Fatalf("sign after restart: %d %v", status, body)
	}

	// Delete.
	status, body, _ = call(t, "DELETE", w.url+"/envelopes/"+id, "", "")
	if status != 204 || body != nil {
		t.Fatalf("DELETE: %d %v", status, body)
	}
	if _, err := os.Stat(filepath.Join(store, "envelope-"+id)); !os.IsNotExist(err) {
		t.Fatalf("deleted envelope still stored: %v", err)
	}
	status, body = sign(id, digest)
	wantError(t, "sign deleted", status, body, 404, "not_found", "no envelope")
	status, body, _ = call(t, "DELETE", w.url+"/envelopes/"+id, "", "")
	wantError(t, "DELETE twice", status, body, 404, "not_found", "no envelope")
	w.stop(t)

	// The logs: one line per request, no secret, no id.
	logs += w.stderr.String()
	for _, s := range append(secrets(t, env), secrets(t, short)...) {
		if strings.Contains(logs, s) {
			t.Fatal("the worker's log contains a session secret or payload")
		}
	}
	if strings.Contains(logs, id) || strings.Contains(logs, shortID) {
		t.Fatal("the worker's log contains an envelope id (a capability)")
	}
	checkJSONLog(t, logs)
	if n := strings.Count(logs, `"method":"POST","route":"/sign"`); n < 10 || !strings.Contains(logs, accessLine("DELETE", "/envelopes/{id}", 204)) || !strings.Contains(logs, accessLine("POST", "/sign", 410)) {
		t.Fatalf("access log:\n%s", logs)
	}
}

func TestServeBadFlags(t *testing.T) {
	open := t.TempDir()
	os.Chmod(open, 0o755)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--rpc-url", "http://127.0.0.1:1"}, "--store is required"},
		{[]string{"serve", "--store", t.TempDir() + "/s", "--listen", "0.0.0.0:0", "--rpc-url", "http://127.0.0.1:1"}, "not a loopback address"},
		{[]string{"serve", "--store", t.TempDir() + "/s", "--listen", "example.com:80", "--rpc-url", "http://127.0.0.1:1"}, "not a loopback address"},
		{[]string{"serve", "--store", t.TempDir() + "/s", "--listen", "nonsense", "--rpc-url", "http://127.0.0.1:1"}, "HOST:PORT"},
		{[]string{"serve", "--store", open, "--rpc-url", "http://127.0.0.1:1"}, "chmod 700"},
		{[]string{"serve", "--store", t.TempDir() + "/s"}, "--rpc-url or --bootstrap"},
	} {
		_, errs, code := runCLI(t, "", c.args...)
		oneLineErr(t, strings.Join(c.args, " "), errs, code, c.want)
	}
}

// TestWorkerConcurrent runs the worker in process (so that -race sees it)
// and signs from many goroutines at once.
func TestWorkerConcurrent(t *testing.T) {
	ctx := context.Background()
	net, err := devnet.Start(ctx, devnet.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	p, err := net.MintPKP(wallet)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := node.New(node.Config{Transport: httptransport.New(nil), RPCURL: net.RPCURL})
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	var log testutil.SyncBuffer
	out, errs, code := runCLI(t, "", "delegate", "--wallet-key", walletKey, "--pkp-public-key", p.PublicKey, "--rpc-url", net.RPCURL,
		"--resource", p.Resource().Key()+"=pkp-signing", "--expiration", siwe.FormatTime(time.Now().Add(time.Hour)))
	if code != 0 {
		t.Fatalf("delegate: %s", errs)
	}
	srv := httptest.NewServer(testWorker(t, &log, cl, 5*time.Second))
	defer srv.Close()
	status, body, _ := call(t, "POST", srv.URL+"/envelopes", "application/json", out)
	if status != 201 {
		t.Fatalf("POST /envelopes: %d %v", status, body)
	}
	id := body["id"].(string)
	var wg sync.WaitGroup
	fails := make(chan string, 16)
	for i := range 16 {
		wg.Go(func() {
			digest := fmt.Sprintf("0x%064x", i+1)
			resp, err := http.Post(srv.URL+"/sign", "application/json", strings.NewReader(signBody(id, digest)))
			if err != nil {
				fails <- err.Error()
				return
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !strings.Contains(string(raw), `"dataSigned":"`+digest[2:]+`"`) {
				fails <- fmt.Sprintf("%d %s", resp.StatusCode, raw)
			}
		})
	}
	wg.Wait()
	close(fails)
	for f := range fails {
		t.Error(f)
	}
	if n := strings.Count(log.String(), accessLine("POST", "/sign", 200)); n != 16 {
		t.Fatalf("%d sign lines in the log:\n%s", n, log.String())
	}
}
