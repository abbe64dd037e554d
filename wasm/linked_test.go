//go:build !js

package main

import (
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoRegexpLinked builds the main module as make wasm does, keeping its
// name section, and fails if it links any function of regexp or
// regexp/syntax but their package initializers: SIWE is parsed by
// core/siwe's scanner, and siwe-go's expression is compiled only by a
// ParseMessage the module never calls (the overlay's lazy wrapper). The
// compiler and matcher are about 130 KB of gzip the page would download.
func TestNoRegexpLinked(t *testing.T) {
	work := t.TempDir()
	run := func(dir string, env []string, args ...string) {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("..", nil, "run", "./internal/wasmwork", "-o", work)
	out := filepath.Join(work, "lit-session-names.wasm")
	run(".", []string{"GOOS=js", "GOARCH=wasm", "GOWORK=" + filepath.Join(work, "go.work")},
		"build", "-overlay="+filepath.Join(work, "overlay.json"), "-trimpath", "-o", out, ".")
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	names, err := wasmFuncNames(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 1000 {
		t.Fatalf("the name section lists %d functions; it is not the module's", len(names))
	}
	var linked []string
	for _, n := range names {
		pkg, _, _ := strings.Cut(n, ".")
		if (pkg == "regexp" || pkg == "regexp_syntax") && !strings.HasPrefix(n, pkg+".init") {
			linked = append(linked, n)
		}
	}
	if len(linked) > 0 {
		t.Errorf("js/lit-session.wasm links %d functions of regexp (%s, …): something reaches a regular expression; parse with a scanner instead",
			len(linked), strings.Join(linked[:min(5, len(linked))], ", "))
	}
}

// wasmFuncNames returns the function names of a wasm module's name section.
func wasmFuncNames(b []byte) ([]string, error) {
	if len(b) < 8 || string(b[:4]) != "\x00asm" {
		return nil, errors.New("not a wasm module")
	}
	r := b[8:]
	uleb := func() uint64 {
		v, n := binary.Uvarint(r)
		if n <= 0 {
			r = nil
			return 0
		}
		r = r[n:]
		return v
	}
	for len(r) > 0 {
		id := r[0]
		r = r[1:]
		size := uleb()
		if size > uint64(len(r)) {
			return nil, errors.New("truncated section")
		}
		sec, rest := r[:size], r[size:]
		if id == 0 {
			r = sec
			if n := uleb(); n == 4 && len(r) >= 4 && string(r[:4]) == "name" {
				r = r[4:]
				for len(r) > 0 {
					sub := r[0]
					r = r[1:]
					n := uleb()
					if n > uint64(len(r)) {
						return nil, errors.New("truncated name subsection")
					}
					body, after := r[:n], r[n:]
					if sub == 1 { // function names
						r = body
						var names []string
						for count := uleb(); count > 0 && len(r) > 0; count-- {
							uleb() // function index
							l := uleb()
							if l > uint64(len(r)) {
								return nil, errors.New("truncated name")
							}
							names = append(names, string(r[:l]))
							r = r[l:]
						}
						return names, nil
					}
					r = after
				}
			}
		}
		r = rest
	}
	return nil, errors.New("no name section: build without -ldflags=-s")
}
