//go:build !js

package main

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestNoRegexpAtStartUp fails on a package-level variable, in any non-std
// package linked into either browser module, whose initializer compiles a
// regular expression, and on an init function that does: the module runs
// every package initializer before its API can be called. The packages are
// listed and read as the browser builds see them: in a workspace made by
// internal/wasmwork, through its overlay. Ours compile a regexp on first use
// instead (sync.OnceValue(func() *regexp.Regexp { … })); third-party ones
// are rewritten to by the overlay (lazyVars in
// internal/wasmwork/lazyregexp.go). Every overlaid file must be one the
// modules build, so an overlay that no longer reaches its package fails too.
func TestNoRegexpAtStartUp(t *testing.T) {
	work := browserWorkspace(t)
	ovPath := filepath.Join(work, "overlay.json")
	b, err := os.ReadFile(ovPath)
	if err != nil {
		t.Fatal(err)
	}
	var ov struct{ Replace map[string]string }
	if err := json.Unmarshal(b, &ov); err != nil {
		t.Fatalf("%s: %v", ovPath, err)
	}

	read := map[string]bool{} // files checked
	ours, theirs, overlaid := 0, 0, 0
	for _, mod := range []string{mainWasm, pkpWasm} {
		for _, pkg := range listBrowserPkgs(t, mod, work, ovPath) {
			isOurs := pkg.ImportPath == ourModule || strings.HasPrefix(pkg.ImportPath, ourModule+"/")
			for _, name := range pkg.GoFiles {
				file := filepath.Join(pkg.Dir, name)
				if read[file] {
					continue
				}
				read[file] = true
				if isOurs {
					ours++
				} else {
					theirs++
				}
				from, shown := file, file
				if r, ok := ov.Replace[file]; ok {
					from, shown = r, file+" (overlay: "+r+")"
					overlaid++
				}
				src, err := os.ReadFile(from)
				if err != nil {
					t.Fatal(err)
				}
				for _, at := range initRegexps(t, shown, src) {
					if isOurs {
						t.Errorf("%s: compiles a regexp at start-up; wrap it in sync.OnceValue and call it where it is used", at)
					} else {
						t.Errorf("%s: %s compiles a regexp at start-up; add the variable to lazyVars in internal/wasmwork/lazyregexp.go (the overlay compiles it on first use)", at, pkg.ImportPath)
					}
				}
			}
		}
	}
	if ours == 0 || theirs == 0 {
		t.Fatalf("listed %d Go files of ours and %d of other modules; the listing is not the browser build's", ours, theirs)
	}
	t.Logf("checked %d Go files of ours and %d of other modules, %d of them through %s", ours, theirs, overlaid, ovPath)
	froms := make([]string, 0, len(ov.Replace))
	for from := range ov.Replace {
		froms = append(froms, from)
	}
	sort.Strings(froms)
	for _, from := range froms {
		if !read[from] {
			t.Errorf("%s overlays %s, which neither browser module builds: the overlay no longer reaches its package; check lazyVars in internal/wasmwork/lazyregexp.go", ovPath, from)
		}
	}
}

// TestInitRegexpsFinds checks initRegexps on a file with each kind of
// start-up regexp, with the import renamed, and lazy ones.
func TestInitRegexpsFinds(t *testing.T) {
	src := "package p\n\nimport (\n\tre \"regexp\"\n\t\"sync\"\n)\n\n" +
		"var a = re.MustCompile(`a`)\n" +
		"var (\n\tb, _ = re.Compile(`b`)\n\tc = []*re.Regexp{re.MustCompilePOSIX(`c`)}\n)\n" +
		"var lazy = sync.OnceValue(func() *re.Regexp { return re.MustCompile(`d`) })\n" +
		"var patched = lazyMustCompile(re.MustCompile, `e`)\n" +
		"func f() { _ = re.MustCompile(`f`) }\n" +
		"func init() { ok, _ := re.MatchString(`g`, \"g\"); _ = ok; _ = func() { re.MustCompile(`h`) } }\n"
	got := initRegexps(t, "p.go", []byte(src))
	want := []string{"p.go:8:9", "p.go:10:9", "p.go:11:19", "p.go:16:24"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("initRegexps found %q, want the start-up compiles at %q", got, want)
	}
	if got := initRegexps(t, "q.go", []byte("package q\n\nvar regexp = struct{ MustCompile func(string) int }{}\nvar x = regexp.MustCompile(`x`)\n")); len(got) != 0 {
		t.Errorf("initRegexps found %q in a file that does not import regexp", got)
	}
}

// listBrowserPkgs lists the non-std packages mod links for GOOS=js
// GOARCH=wasm in the workspace dir (go.work and ovPath, its overlay).
func listBrowserPkgs(t *testing.T, mod, dir, ovPath string) []depPkg {
	t.Helper()
	var pkgs []depPkg
	for _, p := range goListDeps(t, mod, []string{"GOWORK=" + filepath.Join(dir, "go.work")}, "-overlay="+ovPath) {
		if !p.Standard {
			pkgs = append(pkgs, p)
		}
	}
	return pkgs
}

// regexpCompiles are the functions of package regexp that compile a
// regular expression.
var regexpCompiles = map[string]bool{
	"Compile": true, "MustCompile": true, "CompilePOSIX": true, "MustCompilePOSIX": true,
	"Match": true, "MatchString": true, "MatchReader": true,
}

// initRegexps returns the positions of the calls of regexpCompiles that the
// source src of file makes at start-up: in package-level variable
// initializers and init functions, not inside function literals (whose
// calls happen when they are called).
func initRegexps(t *testing.T, file string, src []byte) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	name := "" // the file's name for package regexp
	for _, imp := range f.Imports {
		if path, _ := strconv.Unquote(imp.Path.Value); path == "regexp" {
			name = "regexp"
			if imp.Name != nil {
				name = imp.Name.Name
			}
		}
	}
	if name == "" || name == "_" {
		return nil
	}
	var found []string
	inspect := func(n ast.Node) {
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.CallExpr:
				var fn string
				switch fun := n.Fun.(type) {
				case *ast.SelectorExpr:
					if id, ok := fun.X.(*ast.Ident); ok && id.Name == name {
						fn = fun.Sel.Name
					}
				case *ast.Ident:
					if name == "." {
						fn = fun.Name
					}
				}
				if regexpCompiles[fn] {
					found = append(found, fset.Position(n.Pos()).String())
				}
			}
			return true
		})
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			if d.Tok != token.VAR {
				continue
			}
			for _, spec := range d.Specs {
				for _, v := range spec.(*ast.ValueSpec).Values {
					inspect(v)
				}
			}
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.Name == "init" && d.Body != nil {
				inspect(d.Body)
			}
		}
	}
	return found
}
