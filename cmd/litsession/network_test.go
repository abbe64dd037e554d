package main

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

type readyLine struct {
	RPCURL           string   `json:"rpcUrl"`
	Nodes            []string `json:"nodes"`
	Threshold        int      `json:"threshold"`
	NetworkPublicKey string   `json:"networkPublicKey"`
}

// startDevnetBinary runs `litsession devnet` on free ports and reads its
// ready line.
func startDevnetBinary(t *testing.T, bin string, args ...string) (*exec.Cmd, readyLine) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"devnet", "--rpc-port", "0", "--base-port", "0"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		if s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	var ready readyLine
	select {
	case line := <-lines:
		if err := json.Unmarshal([]byte(line), &ready); err != nil || len(ready.Nodes) == 0 {
			t.Fatalf("ready line %q: %v", line, err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("devnet printed no ready line")
	}
	return cmd, ready
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "litsession")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func runBin(t *testing.T, bin, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatal(err)
		}
		code = ee.ExitCode()
	}
	return out.String(), errb.String(), code
}

func TestDevnetSessionSigsVerify(t *testing.T) {
	bin := buildBinary(t)
	devnet, ready := startDevnetBinary(t, bin, "--nodes", "3", "--threshold", "2")
	if len(ready.Nodes) != 3 || ready.Threshold != 2 || len(ready.NetworkPublicKey) != 96 {
		t.Fatalf("ready line %+v", ready)
	}
	store := filepath.Join(t.TempDir(), "cache")
	args := []string{"session-sigs", "--wallet-key", walletKey, "--rpc-url", ready.RPCURL,
		"--resource", "lit-pkp://*=pkp-signing", "--resource", "lit-litaction://*=lit-action-execution", "--storage", store}
	out, errs, code := runBin(t, bin, "", args...)
	if code != 0 || !strings.Contains(errs, "wallet signature: new") {
		t.Fatalf("first run: %d %s", code, errs)
	}
	var sigs map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &sigs); err != nil || len(sigs) != 3 {
		t.Fatalf("SessionSigsMap: %v %s", err, out)
	}
	// A second process reuses the cached wallet signature.
	boot := strings.Join(ready.Nodes[:2], ",")
	out, errs, code = runBin(t, bin, "", "session-sigs", "--wallet-key", walletKey, "--bootstrap", boot, "--min-nodes", "2",
		"--resource", "lit-pkp://*=pkp-signing", "--storage", store)
	if code != 0 || !strings.Contains(errs, "reused from the cache") {
		t.Fatalf("second run: %d %s", code, errs)
	}
	sigs = nil
	json.Unmarshal([]byte(out), &sigs)
	for _, u := range ready.Nodes[:2] {
		out, errs, code := runBin(t, bin, string(sigs[u]), "verify-session-sig", "--node", u, "--resource", "lit-pkp://42=pkp-signing")
		if code != 0 || !strings.Contains(out, `"walletAddress":"`+wallet+`"`) {
			t.Fatalf("verify at %s: %d %s %s", u, code, out, errs)
		}
	}
	_, errs, code = runBin(t, bin, string(sigs[ready.Nodes[0]]), "verify-session-sig", "--node", ready.Nodes[1], "--resource", "lit-pkp://*=pkp-signing")
	if code != 1 || !strings.Contains(errs, "wrong_node") {
		t.Fatalf("other node: %d %s", code, errs)
	}
	_, errs, code = runBin(t, bin, string(sigs[ready.Nodes[0]]), "verify-session-sig", "--node", ready.Nodes[0], "--resource", "lit-litaction://*=lit-action-execution")
	if code != 1 || !strings.Contains(errs, "not_requested") {
		t.Fatalf("outside the scope: %d %s", code, errs)
	}
	// Unreachable network and bad flags are clear errors.
	if _, errs, code = runBin(t, bin, "", "session-sigs", "--wallet-key", walletKey, "--bootstrap", "http://127.0.0.1:1", "--min-nodes", "1", "--resource", "lit-pkp://*=pkp-signing", "--timeout", "2s"); code != exitNetwork || !strings.Contains(errs, "Lit node") {
		t.Fatalf("unreachable: %d %s", code, errs)
	}
	if _, errs, code = runBin(t, bin, "", "session-sigs", "--wallet-key", walletKey, "--resource", "lit-pkp://*=pkp-signing"); code != 2 || !strings.Contains(errs, "--rpc-url or --bootstrap") {
		t.Fatalf("no network: %d %s", code, errs)
	}
	// SIGTERM stops the devnet cleanly.
	devnet.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- devnet.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("devnet exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("devnet did not stop on SIGTERM")
	}
}

func TestDevnetBadFlags(t *testing.T) {
	for _, args := range [][]string{{"devnet", "--nodes", "0"}, {"devnet", "--threshold", "5"}, {"devnet", "--rpc-port", "x"}} {
		if _, errs, code := runCLI(t, "", args...); code != 2 || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: %d %q", args, code, errs)
		}
	}
}
