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
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
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

type reader struct {
	b   []byte
	off int
}

func (r *reader) uleb() uint64 {
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		panic(errors.New("bad LEB128"))
	}
	r.off += n
	return v
}

func (r *reader) bytes(n int) []byte {
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}

func report(b []byte, top int, funcsOf string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed wasm: %v", r)
		}
	}()
	if !bytes.HasPrefix(b, []byte("\x00asm")) {
		return errors.New("not a wasm file")
	}
	r := &reader{b: b, off: 8}
	var imports int
	var bodies []int
	names := map[int]string{}
	sections := map[string]int{}
	for r.off < len(b) {
		id := r.b[r.off]
		r.off++
		size := int(r.uleb())
		sec := &reader{b: r.bytes(size)}
		switch id {
		case 2: // imports
			sections["import"] += size
			cnt := int(sec.uleb())
			for range cnt {
				sec.bytes(int(sec.uleb()))
				sec.bytes(int(sec.uleb()))
				kind := sec.b[sec.off]
				sec.off++
				switch kind {
				case 0:
					sec.uleb()
					imports++
				case 1:
					sec.off++
					if sec.b[sec.off] == 0 {
						sec.off++
						sec.uleb()
					} else {
						sec.off++
						sec.uleb()
						sec.uleb()
					}
				case 2:
					if sec.b[sec.off] == 0 {
						sec.off++
						sec.uleb()
					} else {
						sec.off++
						sec.uleb()
						sec.uleb()
					}
				case 3:
					sec.off += 2
				}
			}
		case 10: // code
			sections["code"] += size
			cnt := int(sec.uleb())
			for range cnt {
				n := int(sec.uleb())
				sec.bytes(n)
				bodies = append(bodies, n)
			}
		case 11:
			sections["data"] += size
		case 0:
			name := string(sec.bytes(int(sec.uleb())))
			sections["custom:"+name] += size
			if name == "name" {
				for sec.off < len(sec.b) {
					sub := sec.b[sec.off]
					sec.off++
					ss := &reader{b: sec.bytes(int(sec.uleb()))}
					if sub != 1 {
						continue
					}
					cnt := int(ss.uleb())
					for range cnt {
						idx := int(ss.uleb())
						names[idx] = string(ss.bytes(int(ss.uleb())))
					}
				}
			}
		default:
			sections[fmt.Sprintf("section %d", id)] += size
		}
	}
	if len(names) == 0 {
		return errors.New("no name section: build without -ldflags=-s to see packages")
	}
	pkgs := map[string]int{}
	for i, n := range bodies {
		name := names[imports+i]
		if funcsOf != "" {
			if pkgOf(name) == funcsOf {
				pkgs[name] += n
			}
			continue
		}
		pkgs[pkgOf(name)] += n
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

// pkgOf returns the package of a symbol in the wasm name section, where
// Go writes "/" as "_": "github.com_x_y.(*T).M" is github.com/x/y and
// "encoding_json.Marshal" is encoding/json.
func pkgOf(sym string) string {
	sym = strings.TrimPrefix(sym, "go:")
	start := 0
	if i, j := strings.Index(sym, "."), strings.Index(sym, "_"); i >= 0 && j > i+1 && !strings.Contains(sym[:i], "_") {
		start = j // a domain: github.com_…, golang.org_…
	}
	dot := strings.Index(sym[start:], ".")
	if dot < 0 {
		return sym
	}
	// "-" is written as "_" too; undo it for the one module path that has one.
	return strings.ReplaceAll(strings.ReplaceAll(sym[:start+dot], "_", "/"), "go/ethereum", "go-ethereum")
}
