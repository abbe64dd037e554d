package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServerReuseDocNaga runs the shell blocks of docs/server-reuse.md's
// "On naga" section, as written, with the litsession under test first on
// PATH; only the worker's port 8787 is swapped for a free one.
func TestServerReuseDocNaga(t *testing.T) {
	for _, tool := range []string{"bash", "jq", "curl", "date"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the guide needs %s", tool)
		}
	}
	if out, err := exec.Command("date", "-u", "-d", "+1 hour", "+%FT%TZ").Output(); err != nil || len(out) == 0 {
		t.Skip("the guide's date -d needs GNU date")
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "server-reuse.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(doc), "\n## On naga\n")
	sec, _, _ = strings.Cut(sec, "\n## ")
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(sec, -1)
	if !ok || len(blocks) < 4 {
		t.Fatalf("docs/server-reuse.md: no \"On naga\" section with shell blocks (%d)", len(blocks))
	}
	var script strings.Builder
	script.WriteString("set -e\n")
	for _, b := range blocks {
		script.WriteString(b[1])
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	text := strings.ReplaceAll(script.String(), "127.0.0.1:8787", fmt.Sprintf("127.0.0.1:%d", port))

	bin := buildBinary(t)
	dir := t.TempDir()
	out, err := runDocShell(t, bin, dir, text, 2*time.Minute)
	if err != nil {
		t.Fatalf("the guide's commands failed: %v\n%s", err, out)
	}
	// server-sign, POST /sign and verify-session-sig each wrote their JSON.
	for _, want := range []string{
		`"dataSigned":"0101010101010101010101010101010101010101010101010101010101010101"`,
		`"dataSigned":"0202020202020202020202020202020202020202020202020202020202020202"`,
		`"delegatedVia":"web3.eth.personal.sign"`,
		`"maxPrice":"`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the guide's output lacks %s:\n%s", want, out)
		}
	}
	if ready, _ := os.ReadFile(filepath.Join(dir, "worker.json")); !strings.Contains(string(ready), `"network":"naga"`) {
		t.Errorf("worker ready line %s", ready)
	}
}
