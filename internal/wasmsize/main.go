// Command wasmsize reports what a Go WebAssembly binary is made of: the
// code bytes of each Go package (from the wasm "name" section, so build
// without -ldflags=-s), plus data and other sections. `go tool nm` does not
// read wasm files; this is its stand-in for `make size`.
//
//	GOOS=js GOARCH=wasm go build -trimpath -o /tmp/x.wasm ./wasm
//	go run ./internal/wasmsize [-n 30] /tmp/x.wasm
//	go run ./internal/wasmsize -funcs github.com/litgo/litsession/core/jsjson /tmp/x.wasm
//
// With -funcs PKG it lists the largest functions of package PKG instead.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/litgo/litsession/internal/wasmfile"
)

func main() {
	n := flag.Int("n", 30, "packages (or functions) to list")
	funcs := flag.String("funcs", "", "list the largest functions of this package")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: wasmsize [-n N] [-funcs PKG] file.wasm")
		os.Exit(2)
	}
	b, err := os.ReadFile(flag.Arg(0))
	if err == nil {
		err = report(b, *n, *funcs)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "wasmsize:", err)
		os.Exit(1)
	}
}

func report(b []byte, top int, funcsOf string) error {
	m, err := wasmfile.Parse(b)
	if err != nil {
		return err
	}
	imports, bodies, names, sections := m.Imports, m.Bodies, m.Names, m.Sections
	if len(names) == 0 {
		return errors.New("no name section: build without -ldflags=-s to see packages")
	}
	pkgs := map[string]int{}
	for i, n := range bodies {
		name := names[imports+i]
		if funcsOf != "" {
			if wasmfile.PkgOf(name) == funcsOf {
				pkgs[name] += n
			}
			continue
		}
		pkgs[wasmfile.PkgOf(name)] += n
	}
	fmt.Printf("file %d bytes: ", len(b))
	var secs []string
	for k, v := range sections {
		secs = append(secs, fmt.Sprintf("%s %d", k, v))
	}
	sort.Strings(secs)
	fmt.Println(strings.Join(secs, ", "))
	type kv struct {
		k string
		v int
	}
	var list []kv
	for k, v := range pkgs {
		list = append(list, kv{k, v})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].v > list[j].v })
	what := "package"
	if funcsOf != "" {
		what = "function"
	}
	fmt.Printf("%10s  %s\n", "code bytes", what)
	for i, e := range list {
		if i == top {
			break
		}
		fmt.Printf("%10d  %s\n", e.v, e.k)
	}
	return nil
}
