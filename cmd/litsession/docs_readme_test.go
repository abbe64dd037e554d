package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
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
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", "set -eo pipefail\n"+block[1])
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"), "LITSESSION_WALLET_KEY=")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	defer func() {
		if cmd.Process != nil {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	}()
	out, err := cmd.CombinedOutput()
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
