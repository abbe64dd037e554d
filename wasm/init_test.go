//go:build !js

package main

import (
	"bufio"
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoRegexpAtStartUp fails on a package-level variable of ours, in
// either browser module, whose initializer compiles a regular expression:
// the module runs every package initializer before its API can be called,
// so a regexp is compiled on first use instead
// (sync.OnceValue(func() *regexp.Regexp { … })).
func TestNoRegexpAtStartUp(t *testing.T) {
	seen := map[string]bool{}
	for _, mod := range []string{mainWasm, pkpWasm} {
		for _, pkg := range listOurFiles(t, mod) {
			for _, file := range pkg.files {
				if seen[file] {
					continue
				}
				seen[file] = true
				for _, at := range initRegexps(t, file) {
					t.Errorf("%s: a package-level variable compiles a regexp at start-up; wrap it in sync.OnceValue and call it where it is used", at)
				}
			}
		}
	}
	if len(seen) == 0 {
		t.Fatal("no Go files of ours listed; the listing is not the browser build's")
	}
}

// TestInitRegexpsFinds checks initRegexps on a file with each kind of
// package-level regexp and a lazy one.
func TestInitRegexpsFinds(t *testing.T) {
	src := "package p\n\nimport (\n\t\"regexp\"\n\t\"sync\"\n)\n\n" +
		"var a = regexp.MustCompile(`a`)\n" +
		"var (\n\tb, _ = regexp.Compile(`b`)\n\tc = []*regexp.Regexp{regexp.MustCompile(`c`)}\n)\n" +
		"var lazy = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`d`) })\n" +
		"func f() { _ = regexp.MustCompile(`e`) }\n"
	file := filepath.Join(t.TempDir(), "p.go")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got := initRegexps(t, file)
	if len(got) != 3 || !strings.HasSuffix(got[0], ":8:9") || !strings.HasSuffix(got[1], ":10:9") || !strings.HasSuffix(got[2], ":11:23") {
		t.Errorf("initRegexps found %q, want the three package-level compiles at 8:9, 10:9 and 11:23", got)
	}
}

type ourPkg struct {
	path  string
	files []string
}

// listOurFiles lists the non-test Go files of this module's packages that
// mod links for GOOS=js GOARCH=wasm.
func listOurFiles(t *testing.T, mod string) []ourPkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}{{range .GoFiles}} {{$.Dir}}/{{.}}{{end}}`, mod)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("GOOS=js GOARCH=wasm go list -deps %s: %v\n%s", mod, err, stderr.Bytes())
	}
	var pkgs []ourPkg
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || (f[0] != ourModule && !strings.HasPrefix(f[0], ourModule+"/")) {
			continue
		}
		pkgs = append(pkgs, ourPkg{path: f[0], files: f[1:]})
	}
	return pkgs
}

// initRegexps returns the positions of the regexp.Compile and
// regexp.MustCompile calls that file's package-level variable initializers
// make at start-up (not those inside function literals).
func initRegexps(t *testing.T, file string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, spec := range gd.Specs {
			for _, v := range spec.(*ast.ValueSpec).Values {
				ast.Inspect(v, func(n ast.Node) bool {
					switch n := n.(type) {
					case *ast.FuncLit:
						return false
					case *ast.CallExpr:
						if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
							if id, ok := sel.X.(*ast.Ident); ok && id.Name == "regexp" && (sel.Sel.Name == "MustCompile" || sel.Sel.Name == "Compile") {
								found = append(found, fset.Position(n.Pos()).String())
							}
						}
					}
					return true
				})
			}
		}
	}
	return found
}
