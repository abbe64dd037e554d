package wasmfile

import "testing"

// TestParse reads a hand-made module: an imported function, memory and
// table, one function body of 4 bytes, and a name section naming both
// functions.
func TestParse(t *testing.T) {
	mod := []byte("\x00asm\x01\x00\x00\x00")
	section := func(id byte, body []byte) { mod = append(append(mod, id, byte(len(body))), body...) }
	section(2, []byte("\x03"+ // three imports:
		"\x03env\x01f\x00\x00"+ // env.f, a function of type 0;
		"\x03env\x01m\x02\x01\x01\x02"+ // env.m, memory of 1 to 2 pages;
		"\x03env\x01t\x01\x70\x00\x04")) // env.t, a funcref table of at least 4
	section(10, []byte("\x01\x04\x00\x41\x00\x0b"))       // one body: no locals, i32.const 0, end
	names := []byte("\x02\x00\x05go.fn\x01\x09main.main") // two names: 0 "go.fn", 1 "main.main"
	section(0, append(append([]byte("\x04name\x01"), byte(len(names))), names...))
	m, err := Parse(mod)
	if err != nil {
		t.Fatal(err)
	}
	if m.Imports != 1 || len(m.Bodies) != 1 || m.Bodies[0] != 4 || m.Names[1] != "main.main" || m.Names[0] != "go.fn" {
		t.Errorf("Parse = imports %d, bodies %v, names %v", m.Imports, m.Bodies, m.Names)
	}
	if m.Sections["code"] != 6 || m.Sections["custom:name"] == 0 {
		t.Errorf("sections %v", m.Sections)
	}
	for _, bad := range [][]byte{nil, []byte("\x00asm"), []byte("\x7fELF\x02\x01\x01\x00"), mod[:len(mod)-3]} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted it", bad)
		}
	}
}

func TestPkgOf(t *testing.T) {
	for sym, want := range map[string]string{
		"github.com_litgo_litsession_core_jsjson.__parser_.str": "github.com/litgo/litsession/core/jsjson",
		"regexp_syntax.__compiler_.compile":                     "regexp/syntax",
		"runtime.mallocgc":                                      "runtime",
		"github.com_ethereum_go_ethereum_common.Address.Hex":    "github.com/ethereum/go-ethereum/common",
	} {
		if got := PkgOf(sym); got != want {
			t.Errorf("PkgOf(%q) = %q, want %q", sym, got, want)
		}
	}
}
