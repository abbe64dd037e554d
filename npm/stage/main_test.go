package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/litgo/litsession/internal/version"
)

// The package.json make package writes: the fields npm and bundlers read,
// the version of internal/version, and every shipped file listed.
func TestPackageJSON(t *testing.T) {
	tmpl, err := os.ReadFile("../package.template.json")
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Name        string                     `json:"name"`
		Version     string                     `json:"version"`
		Type        string                     `json:"type"`
		License     string                     `json:"license"`
		Exports     map[string]json.RawMessage `json:"exports"`
		Files       []string                   `json:"files"`
		SideEffects []string                   `json:"sideEffects"`
		Engines     map[string]string          `json:"engines"`
	}
	if err := json.Unmarshal(bytes.Replace(tmpl, []byte("__VERSION__"), []byte(version.Version), 1), &p); err != nil {
		t.Fatalf("package.template.json: %v", err)
	}
	if p.Name != "@litgo/litsession" || p.Version != version.Version || p.Type != "module" || p.License != "MIT AND LGPL-3.0-or-later" {
		t.Errorf("name %q version %q type %q license %q", p.Name, p.Version, p.Type, p.License)
	}
	for _, sub := range []string{".", "./lit-session.wasm", "./lit-session-pkp.wasm"} {
		if _, ok := p.Exports[sub]; !ok {
			t.Errorf("exports has no %q", sub)
		}
	}
	for _, f := range packageFiles {
		if !slices.Contains(p.Files, f[1]) {
			t.Errorf("files does not list %s, which make package ships", f[1])
		}
	}
	if !slices.Contains(p.Files, "THIRD_PARTY_NOTICES.md") {
		t.Error("files does not list THIRD_PARTY_NOTICES.md")
	}
	if !slices.Equal(p.SideEffects, []string{"./wasm_exec.js"}) || p.Engines["node"] != ">=20" {
		t.Errorf("sideEffects %v engines %v: wasm_exec.js defines globalThis.Go on import; Node.js 20 is the oldest tested", p.SideEffects, p.Engines)
	}
}

// The overlay is read from beside the go.work; a missing one is an error
// that says to run make wasm-work.
func TestOverlayBeside(t *testing.T) {
	dir := t.TempDir()
	goWork := filepath.Join(dir, "go.work")
	if _, _, err := overlayBeside(goWork); err == nil || !strings.Contains(err.Error(), "run make wasm-work") {
		t.Errorf("overlayBeside without overlay.json gave %v, want an error saying to run make wasm-work", err)
	}
	ov := `{"Replace": {"/m/a.go": "/o/a.go"}}`
	if err := os.WriteFile(filepath.Join(dir, "overlay.json"), []byte(ov), 0o644); err != nil {
		t.Fatal(err)
	}
	path, replace, err := overlayBeside(goWork)
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, "overlay.json") || len(replace) != 1 || replace["/m/a.go"] != "/o/a.go" {
		t.Errorf("overlayBeside gave %q %v", path, replace)
	}
}

// overlaidFiles lists a module's files the overlay replaces as changed and
// those it adds as added, and nothing of other directories.
func TestOverlaidFiles(t *testing.T) {
	mod := t.TempDir()
	if err := os.MkdirAll(filepath.Join(mod, "common"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, "common", "format.go"), []byte("package common\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	replace := map[string]string{
		filepath.Join(mod, "common", "format.go"): "/o/format.go",
		filepath.Join(mod, "common", "added.go"):  "/o/added.go",
		filepath.Join(mod+"-other", "x.go"):       "/o/x.go",
	}
	got := overlaidFiles(mod, replace)
	if want := []string{"common/added.go (added)", "common/format.go (changed)"}; !slices.Equal(got, want) {
		t.Errorf("overlaidFiles gave %q, want %q", got, want)
	}
}
