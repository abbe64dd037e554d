package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/devnet"
)

// TestReadmeCLI runs the shell block of README.md's CLI section as written,
// with the litsession under test first on PATH.
func TestReadmeCLI(t *testing.T) {
	for _, tool := range []string{"bash", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the README's commands need %s", tool)
		}
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(doc), "\n## CLI\n")
	sec, _, _ = strings.Cut(sec, "\n## ")
	block := regexp.MustCompile("(?s)```sh\n(.*?)```").FindStringSubmatch(sec)
	if !ok || block == nil {
		t.Fatal("README.md: no shell block in the CLI section")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	out, err := runDocShell(t, bin, dir, "set -eo pipefail\n"+block[1], 2*time.Minute, "LITSESSION_WALLET_KEY=")
	if err != nil {
		t.Fatalf("the README's commands failed: %v\n%s", err, out)
	}
	// verify-authsig, capacity-delegation and verify-session-sig each wrote their JSON.
	for _, want := range []string{`{"address":"0x`, `"expiration":"2030-01-01T00:00:00.000Z"}`, `"derivedVia":"web3.eth.personal.sign"`, `{"sessionKey":"`, `"delegatedVia":"web3.eth.personal.sign"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the README's output lacks %s:\n%s", want, out)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "wallet.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("wallet.key: %v %v; umask 077 should make it 0600", fi, err)
	}
}

// TestReadmeGo builds the Go program of README.md's Go section in this
// module and runs it twice against a devnet: the first run asks the wallet,
// the second reuses the cache it wrote.
func TestReadmeGo(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(doc), "\n## Go\n")
	sec, _, _ = strings.Cut(sec, "\n## ")
	block := regexp.MustCompile("(?s)```go\n(.*?)```").FindStringSubmatch(sec)
	if !ok || block == nil {
		t.Fatal("README.md: no Go block in the Go section")
	}
	// Inside the module (bin/ is ignored by git), so its imports resolve.
	src, err := filepath.Abs(filepath.Join("..", "..", "bin", "readme-go-"+strings.ReplaceAll(t.Name(), "/", "_")))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(src) })
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(block[1]), 0o644); err != nil {
		t.Fatal(err)
	}
	prog := filepath.Join(t.TempDir(), "readme")
	if out, err := exec.Command("go", "build", "-o", prog, src).CombinedOutput(); err != nil {
		t.Fatalf("the README's Go program does not build: %v\n%s", err, out)
	}
	dn, err := devnet.Start(context.Background(), devnet.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dn.Close() })
	dir := t.TempDir()
	for i, want := range []string{"wallet asked: true", "wallet asked: false"} {
		cmd := exec.Command(prog)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "LIT_RPC_URL="+dn.RPCURL, "WALLET_KEY="+walletKey)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), want+"\n") || !strings.Contains(string(out), "delegated by "+wallet) {
			t.Errorf("run %d: %v\n%s\nwant %q and delegated by %s", i+1, err, out, want, wallet)
		}
	}
}
