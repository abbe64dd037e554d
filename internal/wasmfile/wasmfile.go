// Package wasmfile reads what the size tools need from a WebAssembly
// module: its sections' sizes, the number of imported functions, the size
// of each function body and the function names of the "name" section (Go
// writes one unless the module is built with -ldflags=-s).
package wasmfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Module is a parsed WebAssembly module.
type Module struct {
	// Sections holds the bytes of each kind of section: "import", "code",
	// "data", "custom:<name>" and "section <id>" for the others.
	Sections map[string]int
	// Imports is the number of imported functions; the module's own
	// functions are numbered from it.
	Imports int
	// Bodies holds the size of each of the module's own functions' code,
	// in order: function Imports+i has Bodies[i] bytes.
	Bodies []int
	// Names maps function indices to their names; empty without a name
	// section.
	Names map[int]string
}

// Parse reads b, a WebAssembly module.
func Parse(b []byte) (m *Module, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("malformed wasm: %v", r)
		}
	}()
	if !bytes.HasPrefix(b, []byte("\x00asm")) || len(b) < 8 {
		return nil, errors.New("not a wasm file")
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
				case 1: // table: element type, limits
					sec.off++
					sec.limits()
				case 2: // memory: limits
					sec.limits()
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
	return &Module{Sections: sections, Imports: imports, Bodies: bodies, Names: names}, nil
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

// limits skips a limits field: a flag, the minimum, and the maximum when
// the flag is not 0.
func (r *reader) limits() {
	flag := r.b[r.off]
	r.off++
	r.uleb()
	if flag != 0 {
		r.uleb()
	}
}

func (r *reader) bytes(n int) []byte {
	if n < 0 || n > len(r.b)-r.off {
		panic(errors.New("truncated"))
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}

// PkgOf returns the package of a symbol in the wasm name section, where
// Go writes "/" as "_": "github.com_x_y.(*T).M" is github.com/x/y and
// "encoding_json.Marshal" is encoding/json.
func PkgOf(sym string) string {
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
