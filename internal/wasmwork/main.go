// Command wasmwork makes the Go workspace the browser modules are built in
// (make wasm-work; bin/wasmwork by default):
//
//	bin/wasmwork/go.work       use the repository; replace decred's secp256k1
//	                           with ./secp256k1, and each module of lazyVars
//	                           (lazyregexp.go) with its link in ./mod
//	bin/wasmwork/secp256k1/    the go.mod version of that module from the
//	                           module cache, writable, with
//	                           wasm/_secp256k1/loadprecomputed.go in place of
//	                           upstream's, compressedbytepoints.go renamed to
//	                           compressedbytepoints_test.go, upstream's
//	                           ScalarBaseMultNonConst in curve.go renamed to
//	                           scalarBaseMultTable (ours takes its place),
//	                           and wasm/_secp256k1/table_test.go added as
//	                           litsession_table_test.go
//	bin/wasmwork/mod/          by module path, a symbolic link to the module
//	                           cache directory of each module of lazyVars
//	                           (nothing copied): the go command refuses
//	                           overlays of files beneath GOMODCACHE, not of
//	                           a replacement directory outside it
//	bin/wasmwork/overlay.json  for go build -overlay: in each package of
//	                           lazyVars (through its link), the file that
//	                           compiles a regexp in a package-level variable,
//	                           and litsession_lazyregexp.go, a file the
//	                           overlay adds, to their copies in _overlay/
//	bin/wasmwork/_overlay/     by import path: that file with the variable's
//	                           regexp.MustCompile(pattern) made
//	                           lazyMustCompile(regexp.MustCompile, pattern),
//	                           and wasm/_lazyregexp/lazyregexp.go (which
//	                           declares it, compiling on first use) with the
//	                           package's name
//
// The computed table then replaces the 698 KB compressed one in the browser
// modules only, and scalar base multiplication goes without any table for
// a page's first calls; the overlaid regexps are compiled on first use, not
// by the package initializers every page runs before its first call. Every
// browser build uses both (make: WASM_ENV; npm/stage: the overlay.json beside
// -gowork); go.mod and native builds are untouched. Run it from the
// repository:
//
//	go run ./internal/wasmwork [-o DIR]
//
// With -lazypkgs it only prints the import paths of the packages the overlay
// patches, one a line (make lazyregexp-test runs their tests).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	out := flag.String("o", "", "the workspace directory to (re)create (default: bin/wasmwork in the repository)")
	lazyPkgs := flag.Bool("lazypkgs", false, "print the import paths of the packages the overlay patches, one a line, and nothing else")
	flag.Parse()
	if flag.NArg() != 0 || (*lazyPkgs && *out != "") {
		fmt.Fprintln(os.Stderr, "usage: wasmwork [-o DIR] | wasmwork -lazypkgs")
		os.Exit(2)
	}
	if *lazyPkgs {
		seen := map[string]bool{}
		for _, v := range lazyVars {
			if !seen[v.pkg] {
				seen[v.pkg] = true
				fmt.Println(v.pkg)
			}
		}
		return
	}
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "wasmwork:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	repo, err := mainModule()
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join(repo.Dir, "bin", "wasmwork")
	}
	// overlay.json names its files by absolute path, as the go command
	// resolves relative ones against its own working directory.
	if out, err = filepath.Abs(out); err != nil {
		return err
	}
	src, err := secpSource()
	if err != nil {
		return err
	}
	lazy, err := lazySources(lazyVars)
	if err != nil {
		return err
	}
	return writeWorkspace(out, repo, src, lazy)
}
