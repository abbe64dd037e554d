package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/internal/redistest"
)

// runBinEnv is runBin with extra environment variables.
func runBinEnv(t *testing.T, bin string, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	code := 0
	if err := cmd.Run(); err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatal(err)
		}
		code = ee.ExitCode()
	}
	return out.String(), errb.String(), code
}

// TestServeRediss: workers on a TLS-only redis-server, one trusting its CA
// with --store-ca-file and one through the system pool (SSL_CERT_FILE),
// share envelopes and sign; a wrong CA, no CA, and a CA file without TLS
// are refused at start with one line saying what to do.
func TestServeRediss(t *testing.T) {
	bin := buildBinary(t)
	d := startPKPDevnet(t, bin)
	rds := redistest.StartTLS(t)
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	writeKeys(t, bin, keys, "k1")
	env, errs, code := runBin(t, bin, "", delegateArgs(d, time.Now().Add(time.Hour))...)
	if code != 0 {
		t.Fatalf("delegate: %s", errs)
	}

	w1 := startWorker(t, bin, d.RPCURL, rds.URL(), "--key-file", keys, "--store-ca-file", rds.CAFile())
	if w1.ready["store"] != rds.URL() {
		t.Errorf("ready line names store %v, want %s", w1.ready["store"], rds.URL())
	}
	status, body, _ := call(t, "POST", w1.url+"/envelopes", "application/json", env)
	if status != 201 {
		t.Fatalf("POST over rediss: %d %v", status, body)
	}
	id := body["id"].(string)

	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--rpc-url", d.RPCURL, "--store", rds.URL(), "--key-file", keys)
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+rds.CAFile(), "SSL_CERT_DIR="+dir)
	w2 := startServe(t, cmd)
	digest := "0x" + strings.Repeat("d4", 32)
	resp, err := http.Post(w2.url+"/sign", "application/json", strings.NewReader(signBody(id, digest)))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("sign on the SSL_CERT_FILE worker: %d %s", resp.StatusCode, raw)
	}
	checkRecovers(t, string(raw), d.pkpKey(), digest)
	if status, body := getJSON(t, w2.url+"/readyz"); status != 200 {
		t.Fatalf("readyz: %d %v", status, body)
	}
	if status, _, _ := call(t, "DELETE", w2.url+"/envelopes/"+id, "", ""); status != 204 {
		t.Fatalf("DELETE: %d", status)
	}
	if status, _, _ := call(t, "GET", w1.url+"/envelopes/"+id, "", ""); status != 404 {
		t.Fatalf("GET on worker 1 after DELETE on worker 2: %d, want 404", status)
	}
	w1.stop(t)
	w2.stop(t)

	out, errs, code := runBin(t, bin, "", "serve", "--store", rds.URL(), "--store-ca-file", rds.CAFile(), "--key-file", keys, "--rotate-keys")
	var sum struct{ Failed int }
	if code != 0 || json.Unmarshal([]byte(out), &sum) != nil || sum.Failed != 0 {
		t.Fatalf("--rotate-keys over rediss: %d %q %s", code, out, errs)
	}

	wrongCA := redistest.NewCA(t, "not the server's CA").WriteFile(t, dir, "wrong.crt")
	noSystemCA := []string{"SSL_CERT_FILE=" + wrongCA, "SSL_CERT_DIR=" + dir}
	serveArgs := []string{"serve", "--rpc-url", d.RPCURL, "--key-file", keys, "--store", rds.URL()}
	for name, args := range map[string][]string{
		"wrong CA":                append(serveArgs, "--store-ca-file", wrongCA),
		"no CA":                   serveArgs,
		"wrong CA, --rotate-keys": append(serveArgs, "--store-ca-file", wrongCA, "--rotate-keys"),
	} {
		_, errs, code := runBinEnv(t, bin, noSystemCA, args...)
		errs = lastLine(t, errs)
		oneLineErr(t, name, errs, code, "certificate is not trusted")
		if !strings.Contains(errs, "unknown authority") || !strings.Contains(errs, "--store-ca-file") {
			t.Errorf("%s: %q does not say why or what to do", name, errs)
		}
	}

	plain := strings.Replace(rds.URL(), "rediss://", "redis://", 1)
	_, errs, code = runBin(t, bin, "", append(serveArgs[:len(serveArgs)-1], plain, "--store-ca-file", rds.CAFile())...)
	oneLineErr(t, "CA file with redis://", errs, code, "in clear")
	_, errs, code = runBin(t, bin, "", "serve", "--rpc-url", d.RPCURL, "--store", dir, "--store-ca-file", rds.CAFile())
	oneLineErr(t, "CA file with a directory", errs, code, "rediss://")
	_, errs, code = runBin(t, bin, "", append(serveArgs[:len(serveArgs)-1], rds.URL()+"?skip_verify=true")...)
	oneLineErr(t, "skip_verify", errs, code, "skip_verify")
}

// getJSON GETs url and decodes a JSON object.
func getJSON(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// lastLine returns the last line of stderr and checks that the lines
// before it are JSON log lines.
func lastLine(t *testing.T, stderr string) string {
	t.Helper()
	lines := strings.SplitAfter(strings.TrimSuffix(stderr, "\n"), "\n")
	for _, l := range lines[:len(lines)-1] {
		if !json.Valid([]byte(l)) {
			t.Errorf("stderr line is not JSON: %q", l)
		}
	}
	return lines[len(lines)-1] + "\n"
}
