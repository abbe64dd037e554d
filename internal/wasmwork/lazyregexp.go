package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// lazyVar is a package-level variable of a third-party package whose
// initializer compiles a regular expression; the browser modules compile it
// on first use instead (wasm/_lazyregexp/lazyregexp.go).
type lazyVar struct {
	module  string // the module holding pkg
	version string // the version of module this entry is written for; go.mod must require exactly this one
	pkg     string // the package declaring the variable
	file    string // the file of pkg that declares it
	name    string // the variable
}

// lazyVars are the third-party package-level regexps linked into either
// browser module (wasm/init_test.go TestNoRegexpAtStartUp finds them). Each
// is declared as `var name = regexp.MustCompile(…)` and used only through
// the methods of wasm/_lazyregexp/lazyregexp.go's lazyRegexp.
var lazyVars = []lazyVar{
	// siwe.go calls FindStringSubmatch and SubexpNames.
	{module: "github.com/spruceid/siwe-go", version: "v0.2.1", pkg: "github.com/spruceid/siwe-go", file: "regex.go", name: "_SIWE_MESSAGE"},
	// format.go (PrettyDuration.String) calls FindString.
	{module: "github.com/ethereum/go-ethereum", version: "v1.17.10", pkg: "github.com/ethereum/go-ethereum/common", file: "format.go", name: "prettyDurationRe"},
}

const (
	// lazyTemplate is the wrapper's source in the repository, and
	// lazyTemplatePackage its package clause, which takes each patched
	// package's name.
	lazyTemplate        = "wasm/_lazyregexp/lazyregexp.go"
	lazyTemplatePackage = "\npackage lazyregexp\n"
	// lazyFile is the name the overlay adds the wrapper under to each
	// patched package.
	lazyFile = "litsession_lazyregexp.go"
	// modDir holds, by module path, a symbolic link to each patched
	// module's directory in the module cache; go.work replaces the module
	// with it. The go command refuses overlays of files beneath GOMODCACHE
	// (go help build), and reads a replacement directory outside it as
	// local files, through the overlay.
	modDir = "mod"
	// overlayDir holds the patched and added files, by import path;
	// overlayJSON maps the files of the packages in modDir to them, for
	// go build -overlay. Its leading underscore keeps the go command's
	// ./... patterns out of it: the workspace is inside the repository.
	overlayDir  = "_overlay"
	overlayJSON = "overlay.json"
)

// lazySource is where a lazyVar's package is: its name, and its module's
// directory in the module cache.
type lazySource struct {
	lazyVar
	pkgName, cacheDir string
}

// lazySources checks that go.mod requires the version each of vars is
// written for and returns where they are, downloading them if needed.
func lazySources(vars []lazyVar) ([]lazySource, error) {
	var srcs []lazySource
	for _, v := range vars {
		ver, err := goOutput("list", "-m", "-f", "{{.Version}}", v.module)
		if err != nil {
			return nil, err
		}
		if err := checkLazyVersion(v, ver); err != nil {
			return nil, err
		}
		var m struct{ Version, Dir, Error string }
		if err := goJSON(&m, "mod", "download", "-json", v.module); err != nil {
			return nil, err
		}
		if m.Error != "" {
			return nil, fmt.Errorf("go mod download %s: %s", v.module, m.Error)
		}
		if m.Version != v.version || m.Dir == "" {
			return nil, fmt.Errorf("go mod download %s gave version %q in %q, want %s: run go mod download", v.module, m.Version, m.Dir, v.version)
		}
		name, err := goOutput("list", "-f", "{{.Name}}", v.pkg)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, lazySource{lazyVar: v, pkgName: name, cacheDir: m.Dir})
	}
	return srcs, nil
}

// checkLazyVersion fails unless ver, go.mod's version of v.module, is the
// one v is written for.
func checkLazyVersion(v lazyVar, ver string) error {
	if ver == v.version {
		return nil
	}
	return fmt.Errorf("go.mod has %s %s, but internal/wasmwork/lazyregexp.go rewrites %s in %s of %s:\n"+
		"\tcompare %s of %s with %s's (the declaration of %s, and every use of it with the methods of %s), "+
		"then set its version in lazyVars in internal/wasmwork/lazyregexp.go",
		v.module, ver, v.name, v.file, v.version, v.file, ver, v.version, v.name, lazyTemplate)
}

// lazyDecl is v's declaration as published, and lazyDeclPatched what
// patchLazyDecl makes of it: the same pattern, compiled on first use.
func lazyDecl(v lazyVar) string { return "var " + v.name + " = regexp.MustCompile(" }

func lazyDeclPatched(v lazyVar) string {
	return "var " + v.name + " = lazyMustCompile(regexp.MustCompile, "
}

// patchLazyDecl rewrites v's declaration in src, the text of v.file; it
// must occur exactly once.
func patchLazyDecl(v lazyVar, src []byte) ([]byte, error) {
	out, n := replaceOnce(src, lazyDecl(v), lazyDeclPatched(v))
	if n != 1 {
		return nil, fmt.Errorf("%s/%s has %q %d times, want once: internal/wasmwork/lazyregexp.go no longer fits %s %s; compare them",
			v.pkg, v.file, lazyDecl(v), n, v.module, v.version)
	}
	return out, nil
}

// lazyWrapper returns tmpl, the text of lazyTemplate, as a file of package
// pkgName; its package clause must occur exactly once.
func lazyWrapper(tmpl []byte, pkgName string) ([]byte, error) {
	out, n := replaceOnce(tmpl, lazyTemplatePackage, "\npackage "+pkgName+"\n")
	if n != 1 {
		return nil, fmt.Errorf("%s has %q %d times, want once: keep its package clause as it is", lazyTemplate, lazyTemplatePackage, n)
	}
	return out, nil
}

// overlay is the file go build -overlay reads: each file path a build
// reads, to the file it reads instead.
type overlay struct {
	Replace map[string]string
}

// writeLazy makes, in the workspace dir, the link to each module of srcs
// under modDir, each patched file and the wrapper under overlayDir, and
// overlayJSON, which maps the files in the linked package directories to
// them (the wrapper's path there does not exist, so the overlay adds it).
// tmpl is the text of lazyTemplate. It returns the go.work replace
// directives that make builds read the links.
func writeLazy(dir string, tmpl []byte, srcs []lazySource) ([]string, error) {
	ov := overlay{Replace: map[string]string{}}
	var replaces []string
	links := map[string]string{} // module → its link
	for _, s := range srcs {
		link, ok := links[s.module]
		if !ok {
			link = filepath.Join(dir, modDir, filepath.FromSlash(s.module))
			if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
				return nil, err
			}
			if err := os.Symlink(s.cacheDir, link); err != nil {
				return nil, err
			}
			links[s.module] = link
			replaces = append(replaces, fmt.Sprintf("replace %s %s => ./%s", s.module, s.version, path.Join(modDir, s.module)))
		}
		rel, ok := strings.CutPrefix(s.pkg, s.module)
		if !ok || (rel != "" && rel[0] != '/') {
			return nil, fmt.Errorf("lazyVars in internal/wasmwork/lazyregexp.go: package %s is not in module %s", s.pkg, s.module)
		}
		pkgDir := filepath.Join(link, filepath.FromSlash(rel))
		outDir := filepath.Join(dir, overlayDir, filepath.FromSlash(s.pkg))
		if err := os.MkdirAll(outDir, 0o755); err != nil {
			return nil, err
		}

		orig := filepath.Join(pkgDir, s.file)
		from := orig
		if patched, ok := ov.Replace[orig]; ok {
			from = patched // another variable of the same file
		}
		b, err := os.ReadFile(from)
		if err != nil {
			return nil, err
		}
		if b, err = patchLazyDecl(s.lazyVar, b); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(outDir, s.file), b, 0o644); err != nil {
			return nil, err
		}
		ov.Replace[orig] = filepath.Join(outDir, s.file)

		added := filepath.Join(pkgDir, lazyFile)
		if _, ok := ov.Replace[added]; ok {
			continue // another variable of the same package
		}
		if _, err := os.Stat(added); err == nil {
			return nil, fmt.Errorf("%s %s has a file %s/%s: the overlay would replace it instead of adding the wrapper; rename lazyFile in internal/wasmwork/lazyregexp.go",
				s.module, s.version, s.pkg, lazyFile)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		if b, err = lazyWrapper(tmpl, s.pkgName); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(outDir, lazyFile), b, 0o644); err != nil {
			return nil, err
		}
		ov.Replace[added] = filepath.Join(outDir, lazyFile)
	}
	b, err := json.MarshalIndent(ov, "", "\t")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, overlayJSON), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	return replaces, nil
}
