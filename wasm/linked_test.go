//go:build !js

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litgo/litsession/internal/wasmfile"
)

// TestNoRegexpLinked builds the main module as make wasm does, keeping its
// name section, and fails if it links any function of regexp or
// regexp/syntax but their package initializers: SIWE is parsed by
// core/siwe's scanner, and siwe-go's expression is compiled only by a
// ParseMessage the module never calls (the overlay's lazy wrapper). The
// compiler and matcher are about 130 KB of gzip the page would download.
func TestNoRegexpLinked(t *testing.T) {
	work := browserWorkspace(t)
	out := filepath.Join(t.TempDir(), "lit-session-names.wasm")
	cmd := exec.Command("go", "build", "-overlay="+filepath.Join(work, "overlay.json"), "-trimpath", "-o", out, ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "GOWORK="+filepath.Join(work, "go.work"))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the module in %s: %v\n%s", work, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	m, err := wasmfile.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Names) < 1000 {
		t.Fatalf("the name section lists %d functions; it is not the module's", len(m.Names))
	}
	var linked []string
	for _, n := range m.Names {
		pkg := wasmfile.PkgOf(n)
		if (pkg == "regexp" || pkg == "regexp/syntax") && !strings.HasPrefix(n, strings.ReplaceAll(pkg, "/", "_")+".init") {
			linked = append(linked, n)
		}
	}
	if len(linked) > 0 {
		t.Errorf("js/lit-session.wasm links %d functions of regexp (%s, …): something reaches a regular expression; parse with a scanner instead",
			len(linked), strings.Join(linked[:min(5, len(linked))], ", "))
	}
}

// browserWorkspace makes the Go workspace the browser modules build in
// (go run ./internal/wasmwork, as make wasm-work makes bin/wasmwork) in a
// directory of the test's, and returns it.
func browserWorkspace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "run", "./internal/wasmwork", "-o", dir)
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./internal/wasmwork -o %s: %v\n%s", dir, err, out)
	}
	return dir
}
