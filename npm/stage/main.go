// Command stage lays out the npm package of the browser modules in one
// directory, ready for `npm pack` (make package): package.json from
// npm/package.template.json with the version of internal/version, the
// modules and their JS from js/, the npm README, LICENSE, and
// THIRD_PARTY_NOTICES.md with the licence texts of every module linked into
// the .wasm files (from `go list -deps` of ./wasm and ./wasm/pkp for js/wasm
// in the workspace the modules are built in, -gowork, with the overlay.json
// beside it) and of Go itself, and the files of theirs that the overlay
// changes or adds.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/litgo/litsession/internal/version"
)

// packageFiles are copied into the package: source (repo-relative) → name.
var packageFiles = [][2]string{
	{"js/lit-session.js", "lit-session.js"},
	{"js/lit-node-client.js", "lit-node-client.js"},
	{"js/lit-session.d.ts", "lit-session.d.ts"},
	{"js/lit-session.wasm", "lit-session.wasm"},
	{"js/lit-session-pkp.wasm", "lit-session-pkp.wasm"},
	{"js/wasm_exec.js", "wasm_exec.js"},
	{"npm/README.md", "README.md"},
	{"LICENSE", "LICENSE"},
}

// licenceNames are the files at a module's root that hold its licence.
var licenceNames = []string{"LICENSE", "LICENSE.md", "LICENSE.txt", "LICENSE-MIT", "LICENSE-APACHE", "LICENCE", "COPYING", "COPYING.LESSER", "NOTICE"}

func main() {
	out := flag.String("o", "", "the directory to write the package into (emptied first; required)")
	goCmd := flag.String("go", "go", "the go command")
	goWork := flag.String("gowork", "", "the go.work the browser modules are built with (make wasm-work; required)")
	flag.Parse()
	if *out == "" || *goWork == "" {
		fail("-o DIR and -gowork FILE are required")
	}
	if err := stage(*out, *goCmd, *goWork); err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "npm/stage:", msg)
	os.Exit(2)
}

func stage(out, goCmd, goWork string) error {
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	tmpl, err := os.ReadFile("npm/package.template.json")
	if err != nil {
		return fmt.Errorf("%v (run from the repository root)", err)
	}
	pkg := bytes.Replace(tmpl, []byte("__VERSION__"), []byte(version.Version), 1)
	if !json.Valid(pkg) {
		return fmt.Errorf("npm/package.template.json is not valid JSON")
	}
	if err := os.WriteFile(filepath.Join(out, "package.json"), pkg, 0o644); err != nil {
		return err
	}
	for _, f := range packageFiles {
		b, err := os.ReadFile(f[0])
		if err != nil {
			return fmt.Errorf("%v (make package builds the modules first with make wasm)", err)
		}
		if err := os.WriteFile(filepath.Join(out, f[1]), b, 0o644); err != nil {
			return err
		}
	}
	notices, err := thirdPartyNotices(goCmd, goWork)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "THIRD_PARTY_NOTICES.md"), notices, 0o644)
}

// module is one module linked into a browser module.
type module struct {
	path, version, dir string
	usedBy             map[string]bool
}

// overlayBeside returns the overlay.json that make wasm-work writes beside
// goWork, and the files it replaces or adds.
func overlayBeside(goWork string) (string, map[string]string, error) {
	path := filepath.Join(filepath.Dir(goWork), "overlay.json")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil, fmt.Errorf("%s is missing: the browser modules are built with the overlay make wasm-work writes beside %s; run make wasm-work (make package does)", path, goWork)
	} else if err != nil {
		return "", nil, err
	}
	var ov struct{ Replace map[string]string }
	if err := json.Unmarshal(b, &ov); err != nil {
		return "", nil, fmt.Errorf("%s: %v; run make wasm-work to write it again", path, err)
	}
	return path, ov.Replace, nil
}

// overlaidFiles lists the files in dir, a module's directory, that replace
// (an overlay's Replace) changes or adds, relative to dir and marked which.
func overlaidFiles(dir string, replace map[string]string) []string {
	var files []string
	for from := range replace {
		rel, err := filepath.Rel(dir, from)
		if err != nil || !filepath.IsLocal(rel) {
			continue
		}
		how := "changed"
		if _, err := os.Stat(from); errors.Is(err, os.ErrNotExist) {
			how = "added"
		}
		files = append(files, fmt.Sprintf("%s (%s)", filepath.ToSlash(rel), how))
	}
	sort.Strings(files)
	return files
}

func thirdPartyNotices(goCmd, goWork string) ([]byte, error) {
	overlayPath, replace, err := overlayBeside(goWork)
	if err != nil {
		return nil, err
	}
	mods := map[string]*module{}
	for _, pkg := range []string{"./wasm", "./wasm/pkp"} {
		cmd := exec.Command(goCmd, "list", "-deps", "-overlay="+overlayPath, "-f",
			`{{with .Module}}{{if not .Main}}{{.Path}}|{{.Version}}|{{if .Replace}}{{.Replace.Dir}}{{else}}{{.Dir}}{{end}}{{end}}{{end}}`, pkg)
		cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "GOWORK="+goWork)
		cmd.Stderr = os.Stderr
		b, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go list -deps %s: %v", pkg, err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			p := strings.Split(line, "|")
			if len(p) != 3 {
				continue
			}
			m := mods[p[0]]
			if m == nil {
				m = &module{path: p[0], version: p[1], dir: p[2], usedBy: map[string]bool{}}
				mods[p[0]] = m
			}
			m.usedBy[moduleFile(pkg)] = true
		}
	}
	goroot, err := exec.Command(goCmd, "env", "GOROOT").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOROOT: %v", err)
	}
	goVersion, err := exec.Command(goCmd, "env", "GOVERSION").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOVERSION: %v", err)
	}
	var buf bytes.Buffer
	buf.WriteString("# Third-party notices\n\n")
	buf.WriteString("lit-session.wasm and lit-session-pkp.wasm are Go programs: they contain the Go runtime and\n")
	buf.WriteString("standard library and the modules below; wasm_exec.js is Go's. Each licence follows in full.\n\n")
	buf.WriteString("go-ethereum is under the GNU LGPL 3.0 (or later). As that licence asks, the complete source of\n")
	buf.WriteString("these modules and the instructions to rebuild them with a modified go-ethereum are public:\n")
	buf.WriteString("https://github.com/litgo/litsession (`make wasm`, see its README); the GNU GPL 3.0 text the\n")
	buf.WriteString("LGPL refers to is go-ethereum's COPYING below.\n\n")
	buf.WriteString("github.com/decred/dcrd/dcrec/secp256k1/v4 is linked as a copy of the listed version in which\n")
	buf.WriteString("one file computes the precomputed table on first use (wasm/_secp256k1 in the repository).\n\n")
	var changed []string
	for _, p := range slices.Sorted(maps.Keys(mods)) {
		if files := overlaidFiles(mods[p].dir, replace); len(files) > 0 {
			changed = append(changed, fmt.Sprintf("- %s: %s\n", p, strings.Join(files, ", ")))
		}
	}
	if len(changed) > 0 {
		buf.WriteString("These files of the listed versions are linked changed or added, so that a package-level regular\n")
		buf.WriteString("expression is compiled on its first use rather than at start-up (internal/wasmwork and\n")
		buf.WriteString("wasm/_lazyregexp in the repository):\n\n")
		buf.WriteString(strings.Join(changed, ""))
		buf.WriteString("\n")
	}
	buf.WriteString("| module | version | in |\n|---|---|---|\n")
	fmt.Fprintf(&buf, "| Go (runtime, standard library, wasm_exec.js) | %s | both |\n", strings.TrimSpace(string(goVersion)))
	paths := slices.Sorted(maps.Keys(mods))
	for _, p := range paths {
		m := mods[p]
		in := make([]string, 0, 2)
		for f := range m.usedBy {
			in = append(in, f)
		}
		sort.Strings(in)
		fmt.Fprintf(&buf, "| %s | %s | %s |\n", m.path, m.version, strings.Join(in, ", "))
	}
	if err := appendLicences(&buf, "Go "+strings.TrimSpace(string(goVersion)), strings.TrimSpace(string(goroot))); err != nil {
		return nil, err
	}
	for _, p := range paths {
		m := mods[p]
		if err := appendLicences(&buf, m.path+" "+m.version, m.dir); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

func moduleFile(pkg string) string {
	if pkg == "./wasm/pkp" {
		return "lit-session-pkp.wasm"
	}
	return "lit-session.wasm"
}

// appendLicences writes every licence file at dir's root; a module without
// one is an error, as the package could not be shipped with its terms.
func appendLicences(buf *bytes.Buffer, title, dir string) error {
	found := 0
	for _, name := range licenceNames {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		found++
		fmt.Fprintf(buf, "\n## %s: %s\n\n```text\n%s\n```\n", title, name, strings.TrimRight(string(b), "\n"))
	}
	if found == 0 {
		return fmt.Errorf("%s: no licence file (%s) in %s; add its licence text by hand before shipping", title, strings.Join(licenceNames, ", "), dir)
	}
	return nil
}
