// Command wasmwork makes the Go workspace the browser modules are built in
// (make wasm-work; bin/wasmwork by default):
//
//	bin/wasmwork/go.work       use the repository; replace decred's secp256k1
//	                           with ./secp256k1
//	bin/wasmwork/secp256k1/    the go.mod version of that module from the
//	                           module cache, writable, with
//	                           wasm/_secp256k1/loadprecomputed.go in place of
//	                           upstream's, compressedbytepoints.go renamed to
//	                           compressedbytepoints_test.go, upstream's
//	                           ScalarBaseMultNonConst in curve.go renamed to
//	                           scalarBaseMultTable (ours takes its place),
//	                           and wasm/_secp256k1/table_test.go added as
//	                           litsession_table_test.go
//
// The computed table then replaces the 698 KB compressed one in the browser
// modules only, and scalar base multiplication goes without any table for
// a page's first calls; go.mod and native builds are untouched. Run it from the
// repository:
//
//	go run ./internal/wasmwork [-o DIR]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	out := flag.String("o", "", "the workspace directory to (re)create (default: bin/wasmwork in the repository)")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: wasmwork [-o DIR]")
		os.Exit(2)
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
	src, err := secpSource()
	if err != nil {
		return err
	}
	return writeWorkspace(out, repo, src)
}
