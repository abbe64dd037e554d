package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/internal/redistest"
	"github.com/litgo/litsession/internal/testutil"
)

// writeKeys writes a key ring file (0600) from store-keygen lines.
func writeKeys(t *testing.T, bin, path string, ids ...string) {
	t.Helper()
	var text string
	for _, id := range ids {
		line, errs, code := runBin(t, bin, "", "store-keygen", "--id", id)
		if code != 0 {
			t.Fatalf("store-keygen: %s", errs)
		}
		text += line
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestServeRotateKeys: a new key on top, --rotate-keys re-seals every
// record (and encrypts one stored in clear before encryption existed), and
// then the old key can go.
func TestServeRotateKeys(t *testing.T) {
	bin := buildBinary(t)
	d := startPKPDevnet(t, bin)
	rds := redistest.Start(t)
	env, errs, code := runBin(t, bin, "", delegateArgs(d, time.Now().Add(time.Hour))...)
	if code != 0 {
		t.Fatalf("delegate: %s", errs)
	}
	for _, store := range []string{filepath.Join(t.TempDir(), "envelopes"), rds.URL()} {
		keys := filepath.Join(t.TempDir(), "keys")
		writeKeys(t, bin, keys, "old")
		w := startWorker(t, bin, d.RPCURL, store, "--key-file", keys)
		status, body, _ := call(t, "POST", w.url+"/envelopes", "application/json", env)
		if status != 201 {
			t.Fatalf("POST: %d %v", status, body)
		}
		id := body["id"].(string)
		w.stop(t)
		ids := []string{id}
		if !strings.HasPrefix(store, "redis://") {
			legacy := strings.Repeat("5", 32)
			if err := os.WriteFile(filepath.Join(store, "envelope-"+legacy), []byte(env), 0o600); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, legacy)
		}
		old, _ := os.ReadFile(keys)
		writeKeys(t, bin, keys, "new")
		cur, _ := os.ReadFile(keys)
		os.WriteFile(keys, append(cur, old...), 0o600)

		out, errs, code := runBin(t, bin, "", "serve", "--store", store, "--key-file", keys, "--rotate-keys")
		var sum struct{ Resealed, Unchanged, Failed int }
		if code != 0 || json.Unmarshal([]byte(out), &sum) != nil || sum.Resealed != len(ids) || sum.Failed != 0 || !strings.Contains(out, `"keyId":"new"`) {
			t.Fatalf("%s --rotate-keys: %d %q %s", store, code, out, errs)
		}
		out, _, _ = runBin(t, bin, "", "serve", "--store", store, "--key-file", keys, "--rotate-keys")
		if !strings.Contains(out, `"resealed":0,"unchanged":`+strconv.Itoa(len(ids))) {
			t.Fatalf("second rotation: %s", out)
		}
		// Only the new key now.
		os.WriteFile(keys, cur, 0o600)
		w = startWorker(t, bin, d.RPCURL, store, "--key-file", keys)
		for _, id := range ids {
			status, body, _ := call(t, "GET", w.url+"/envelopes/"+id, "", "")
			if status != 200 {
				t.Fatalf("%s: GET after rotation with the new key only: %d %v", store, status, body)
			}
		}
		if !strings.HasPrefix(store, "redis://") {
			rec, _ := os.ReadFile(filepath.Join(store, "envelope-"+ids[1]))
			if !strings.HasPrefix(string(rec), "lsenc1.new.") {
				t.Fatalf("the record stored in clear was not sealed: %.30q", rec)
			}
		}
		w.stop(t)
	}
	// A Redis store without keys, and a readable key file, are refused.
	_, errs, code = runBin(t, bin, "", "serve", "--store", rds.URL(), "--rpc-url", d.RPCURL)
	oneLineErr(t, "redis without keys", errs, code, "store-keygen")
	open := filepath.Join(t.TempDir(), "k")
	writeKeys(t, bin, open, "k")
	os.Chmod(open, 0o644)
	_, errs, code = runBin(t, bin, "", "serve", "--store", rds.URL(), "--rpc-url", d.RPCURL, "--key-file", open)
	oneLineErr(t, "readable key file", errs, code, "chmod 600")
}

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "worker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestServeOffLoopback: off loopback the worker needs TLS and a token;
// with both it serves HTTPS, answers 401 without the right token, and
// allows only the listed CORS origins.
func TestServeOffLoopback(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	tokenFile := filepath.Join(dir, "token")
	token := "t0ken-" + strings.Repeat("9f", 16)
	os.WriteFile(tokenFile, []byte(token+"\n"), 0o600)
	base := []string{"serve", "--store", filepath.Join(dir, "s"), "--listen", "0.0.0.0:0", "--rpc-url", "http://127.0.0.1:1"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "needs TLS"},
		{[]string{"--tls-cert", certFile, "--tls-key", keyFile}, "--token-file"},
		{[]string{"--tls-cert", certFile}, "both --tls-cert and --tls-key"},
		{[]string{"--tls-cert", certFile, "--tls-key", keyFile, "--token-file", tokenFile, "--cors-origins", "*"}, "list the origins"},
		{[]string{"--tls-cert", certFile, "--tls-key", keyFile, "--token-file", tokenFile, "--cors-origins", "app.example"}, "not an origin"},
	} {
		_, errs, code := runBin(t, bin, "", append(base, c.args...)...)
		oneLineErr(t, strings.Join(c.args, " "), errs, code, c.want)
	}

	d := startPKPDevnet(t, bin)
	env, errs, code := runBin(t, bin, "", delegateArgs(d, time.Now().Add(time.Hour))...)
	if code != 0 {
		t.Fatalf("delegate: %s", errs)
	}
	cmd := exec.Command(bin, "serve", "--store", filepath.Join(dir, "s"), "--listen", "0.0.0.0:0", "--rpc-url", d.RPCURL,
		"--tls-cert", certFile, "--tls-key", keyFile, "--cors-origins", "https://app.example", "--token-file", tokenFile)
	w := startServe(t, cmd)
	if !strings.HasPrefix(w.url, "https://") {
		t.Fatalf("ready line %v", w.ready)
	}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(w.url, "https://"))
	url := "https://127.0.0.1:" + port
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 20 * time.Second}
	do := func(method, path, body string, hdr ...string) (int, http.Header, string) {
		req, _ := http.NewRequest(method, url+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(raw)
	}
	for _, auth := range []string{"", "Bearer ", "Bearer wrong", "Bearer " + token + "x", "Bearer " + token[:len(token)-1], "Basic " + token, token} {
		status, hdr, body := do("POST", "/envelopes", env, "Authorization", auth)
		if status != 401 || !strings.Contains(body, `"unauthorized"`) || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") {
			t.Fatalf("Authorization %q: %d %s", auth, status, body)
		}
	}
	status, hdr, body := do("POST", "/envelopes", env, "Authorization", "Bearer "+token, "Origin", "https://app.example")
	if status != 201 || hdr.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Fatalf("POST with the token: %d %v %s", status, hdr, body)
	}
	var info struct{ ID string }
	json.Unmarshal([]byte(body), &info)
	status, hdr, body = do("POST", "/sign", signBody(info.ID, "0x"+strings.Repeat("d1", 32)), "Authorization", "Bearer "+token, "Origin", "https://evil.example")
	if status != 200 || hdr.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("sign from another origin: %d %v %s", status, hdr, body)
	}
	checkRecovers(t, body, d.pkpKey(), "0x"+strings.Repeat("d1", 32))
	// Probes and metrics need no token.
	for _, p := range []string{"/healthz", "/readyz"} {
		if status, _, body := do("GET", p, ""); status != 200 {
			t.Fatalf("GET %s: %d %s", p, status, body)
		}
	}
	w.stop(t)
	if strings.Contains(w.stderr.String(), token) {
		t.Fatal("the log contains the API token")
	}
}

// TestServeStartRetries: a worker started before its chain RPC retries
// with back-off and becomes ready when the network comes up; /readyz turns
// false, naming the RPC, when it goes away.
func TestServeStartRetries(t *testing.T) {
	bin := buildBinary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rpcPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	rpcURL := "http://127.0.0.1:" + strconv.Itoa(rpcPort)
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--rpc-url", rpcURL, "--store", filepath.Join(t.TempDir(), "s"))
	stderr := &testutil.SyncBuffer{}
	cmd.Stderr = stderr
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for !strings.Contains(stderr.String(), `"attempt":2`) {
		if cmd.ProcessState != nil {
			t.Fatalf("the worker exited: %s", stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	devnet, _ := startDevnetBinary(t, bin, "--rpc-port", strconv.Itoa(rpcPort))
	var ready map[string]any
	if err := json.Unmarshal([]byte(readLine(t, out)), &ready); err != nil || ready["nodes"] != 3.0 {
		t.Fatalf("ready line %v %v\n%s", ready, err, stderr)
	}
	url := ready["url"].(string)
	checkJSONLog(t, stderr.String())
	if !strings.Contains(stderr.String(), "connecting to the Lit network failed; retrying") {
		t.Fatalf("no retry logged:\n%s", stderr)
	}
	status, body, _ := call(t, "GET", url+"/readyz", "", "")
	if status != 200 || body["ready"] != true {
		t.Fatalf("readyz: %d %v", status, body)
	}
	devnet.Process.Kill()
	devnet.Wait()
	status, body, _ = call(t, "GET", url+"/readyz", "", "")
	if status != 503 || !strings.Contains(strings.Join(anyStrings(body["reasons"]), " "), "chain RPC") {
		t.Fatalf("readyz with the RPC down: %d %v", status, body)
	}
	if status, body, _ := call(t, "GET", url+"/healthz", "", ""); status != 200 || body["status"] != "alive" {
		t.Fatalf("healthz: %d %v", status, body)
	}
	if m := checkMetrics(t, url); m["litsession_ready"] != 0 {
		t.Fatalf("litsession_ready %v with the RPC down", m["litsession_ready"])
	}
}

func anyStrings(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}
