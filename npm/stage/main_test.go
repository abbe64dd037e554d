package main

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
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
