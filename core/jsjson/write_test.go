package jsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"
)

// refMarshal is the encoding/json-based Marshal this package had before:
// encoding/json without HTML escaping, then \u2028 and \u2029 restored to
// the raw characters. Marshal must match it byte for byte.
func refMarshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	var res []byte
	for i := 0; i < len(out); i++ {
		if out[i] == '\\' && i+1 < len(out) {
			if out[i+1] == 'u' && i+6 <= len(out) && (string(out[i+2:i+6]) == "2028" || string(out[i+2:i+6]) == "2029") {
				res = append(res, []byte(string(rune(0x2028+int(out[i+5]-'8'))))...)
				i += 5
				continue
			}
			res = append(res, out[i], out[i+1])
			i++
			continue
		}
		res = append(res, out[i])
	}
	return res, nil
}

// refLessUTF16 is the previous LessUTF16.
func refLessUTF16(a, b string) bool {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return ua[i] < ub[i]
		}
	}
	return len(ua) < len(ub)
}

func TestAppendStringMatchesReference(t *testing.T) {
	var all strings.Builder
	for c := range 0x80 {
		all.WriteByte(byte(c))
	}
	for _, s := range []string{
		"", all.String(), "\u2028\u2029 \\u2028 \\\u2028", "<script>&amp;</script>", "é 日本 😀 \uffff \ufeff",
		"bad \xff utf8 \xc3 end\xe2\x80", "\xed\xa0\x80 encoded surrogate", "\x7f\u0080\u009f",
	} {
		want, _ := refMarshal(s)
		if got := AppendString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
	if Quote("a\"b") != `"a\"b"` {
		t.Error(Quote("a\"b"))
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("a<b>&c\u2028\u2029\x00\x1f\"\\ \xff")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := refMarshal(s)
		got := AppendString(nil, s)
		if !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
		v, err := Parse(got)
		if err != nil {
			t.Fatalf("AppendString(%q) = %s does not parse: %v", s, got, err)
		}
		// Each invalid byte is written as \ufffd.
		if back, _ := v.Str(); back != replaceInvalid(s) {
			t.Fatalf("round trip of %q gave %q", s, back)
		}
	})
}

func replaceInvalid(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r) // range yields U+FFFD for each invalid byte
	}
	return b.String()
}

func TestAppendFloat(t *testing.T) {
	// Number::toString results, from a JavaScript console.
	for f, want := range map[float64]string{
		0: "0", math.Copysign(0, -1): "0", 1: "1", -1: "-1", 100: "100", 1.5: "1.5", 0.1: "0.1",
		1e20: "100000000000000000000", 1e21: "1e+21", 1.5e300: "1.5e+300", 123456789012345680000: "123456789012345680000",
		0.000001: "0.000001", 1e-7: "1e-7", 1.5e-7: "1.5e-7", 5e-324: "5e-324", math.MaxFloat64: "1.7976931348623157e+308",
		-1e-100: "-1e-100", 9007199254740993: "9007199254740992", tenth() + 0.2: "0.30000000000000004",
	} {
		got, err := AppendFloat(nil, f)
		if err != nil || string(got) != want {
			t.Errorf("AppendFloat(%v) = %s, %v; want %s", f, got, err, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, err := AppendFloat(nil, f); err == nil {
			t.Errorf("AppendFloat(%v) succeeded", f)
		}
	}
	// Against encoding/json (which writes -0 as "-0", the one difference).
	r := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		f := math.Float64frombits(r.Uint64())
		if !isFinite(f) || f == 0 {
			continue
		}
		want, _ := json.Marshal(f)
		got, _ := AppendFloat(nil, f)
		if !bytes.Equal(got, want) {
			t.Fatalf("AppendFloat(%v) = %s, encoding/json %s", f, got, want)
		}
		f32 := math.Float32frombits(r.Uint32())
		if !isFinite(float64(f32)) || f32 == 0 {
			continue
		}
		want, _ = json.Marshal(f32)
		got, _ = Marshal(f32)
		if !bytes.Equal(got, want) {
			t.Fatalf("Marshal(float32 %v) = %s, encoding/json %s", f32, got, want)
		}
	}
}

type textMarshaler struct{ s string }

func (m textMarshaler) MarshalJSON() ([]byte, error) { return []byte(m.s), nil }

func TestMarshalMatchesReference(t *testing.T) {
	values := []any{
		nil, true, false, "s<&>\u2028", 0, -7, int8(-8), int16(16), int32(-32), int64(1 << 62), uint(1), uint8(8), uint16(16), uint32(32), uint64(1 << 63),
		1.5, 1e21, 1e-7, float32(0.1), json.Number("1.50"), json.Number(""), Number("-2e-3"), Number(""),
		[]byte("bytes\x00\xff"), []byte(nil), []byte{},
		map[string]any{"z": 1, "a": []any{"b", json.Number("2"), map[string]any{"y": nil, "x": true}}, "é": "", "\U0001F600": 1, "\uffff": 2},
		map[string]any{}, map[string]any(nil), []any{}, []any(nil), []string{"a", "b"}, []string(nil),
		textMarshaler{` { "a" : [ 1 , "x\u2028\u2029 \\u2028" ] , "b":"\u003c" } `},
		json.RawMessage(` ["raw" , 1] `),
		map[string]any{"m": textMarshaler{`"\u2029"`}},
	}
	for _, v := range values {
		want, err := refMarshal(v)
		if err != nil {
			t.Fatalf("reference Marshal(%#v): %v", v, err)
		}
		got, err := Marshal(v)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("Marshal(%#v) = %s, %v\nwant %s", v, got, err, want)
		}
	}
	for _, bad := range []any{
		struct{ A int }{1}, map[int]string{1: "a"}, []int{1}, map[string]string{"a": "b"}, []map[string]any{{"k": 1.25}}, math.NaN(), math.Inf(1), float32(math.Inf(-1)),
		json.Number("1.0x"), Number("abc"), textMarshaler{`{"a":}`}, textMarshaler{`{"a":1,"a":2}`}, textMarshaler{``},
		map[string]any{"k": struct{}{}}, []any{func() {}},
	} {
		if b, err := Marshal(bad); err == nil {
			t.Errorf("Marshal(%#v) = %s, want an error", bad, b)
		}
	}
	_, err := Marshal(struct{ A int }{1})
	if err == nil || !strings.Contains(err.Error(), "cannot write a struct { A int } as JSON") {
		t.Errorf("struct error: %v", err)
	}
}

func TestBuilders(t *testing.T) {
	var empty Object
	if b, err := empty.Bytes(); err != nil || string(b) != "{}" {
		t.Fatal(string(b), err)
	}
	var emptyA Array
	if b, err := emptyA.Bytes(); err != nil || string(b) != "[]" {
		t.Fatal(string(b), err)
	}
	var inner Array
	inner.String("x<y>\u2028")
	inner.Value(1.5)
	inner.Raw([]byte(`{"r":1}`))
	ib, err := inner.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	var o Object
	o.String("z", "a\"b\\c\n")
	o.Bool("t", true)
	o.Bool("f", false)
	o.Int("i", -3)
	o.Uint("u", 1<<64-1)
	o.Float("fl", 1e21)
	o.Null("n")
	o.Raw("arr", ib)
	o.Value("v", map[string]any{"b": 1, "a": 2})
	o.String("z", "keys may repeat: the builder does not check")
	b, err := o.Bytes()
	want := `{"z":"a\"b\\c\n","t":true,"f":false,"i":-3,"u":18446744073709551615,"fl":1e+21,"n":null,` +
		"\"arr\":[\"x<y>\u2028\",1.5,{\"r\":1}],\"v\":{\"a\":2,\"b\":1},\"z\":\"keys may repeat: the builder does not check\"}"
	if err != nil || string(b) != want {
		t.Fatalf("Object = %s, %v\nwant %s", b, err, want)
	}
	var bad Object
	bad.String("a", "b")
	bad.Float("nan", math.NaN())
	bad.Value("s", struct{}{})
	if _, err := bad.Bytes(); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Fatalf("NaN member: %v", err)
	}
	var bad2 Object
	bad2.Value("s", struct{}{})
	if _, err := bad2.Bytes(); err == nil || !strings.HasPrefix(err.Error(), `"s": `) {
		t.Fatalf("struct member: %v", err)
	}
	var badA Array
	badA.Value(math.Inf(1))
	if _, err := badA.Bytes(); err == nil {
		t.Fatal("array with +Inf")
	}
}

func TestCanonical(t *testing.T) {
	doc := `{"b":[{"z":1,"a":"\u2028"}],"a":{},"\ud83d\ude00":1,"\uffff":2,"n":[1.50,-0,1e21,1E-7,100e-2]}`
	want := "{\"a\":{},\"b\":[{\"a\":\"\u2028\",\"z\":1}],\"n\":[1.5,0,1e+21,1e-7,1],\"\U0001F600\":1,\"\uffff\":2}"
	var std any
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&std); err != nil {
		t.Fatal(err)
	}
	v := mustParse(t, doc)
	for name, in := range map[string]any{"json.Number tree": std, "Value": v, "Number tree": v.AnyNumber(), "textMarshaler": textMarshaler{doc}} {
		got, err := Canonical(in)
		if err != nil || string(got) != want {
			t.Errorf("%s: Canonical = %s, %v\nwant %s", name, got, err, want)
		}
	}
	for _, bad := range []any{json.Number("1e400"), Number("x"), mustParse(t, `[1e999]`), map[string]any{"a": struct{}{}}, Value{}} {
		if _, err := Canonical(bad); err == nil {
			t.Errorf("Canonical(%#v) succeeded", bad)
		}
	}
}

func TestCompareUTF16(t *testing.T) {
	words := []string{"", "a", "b", "ab", "\uffff", "\U0001F600", "\U0001F601", "\U00010000", "\ue000", "\xff", "\ufffd", "é", "a\U0001F600", "a\uffff", "日本"}
	for _, a := range words {
		for _, b := range words {
			if got, want := LessUTF16(a, b), refLessUTF16(a, b); got != want {
				t.Errorf("LessUTF16(%q, %q) = %v, want %v", a, b, got, want)
			}
			if (CompareUTF16(a, b) == 0) != (!refLessUTF16(a, b) && !refLessUTF16(b, a)) {
				t.Errorf("CompareUTF16(%q, %q) = %d", a, b, CompareUTF16(a, b))
			}
		}
	}
	keys := []string{"\uffff", "\U0001F600", "b", "a"}
	SortUTF16(keys)
	if strings.Join(keys, ",") != "a,b,\U0001F600,\uffff" {
		t.Errorf("SortUTF16 = %q", keys)
	}
}

func FuzzCompareUTF16(f *testing.F) {
	f.Add("\uffff", "\U0001F600")
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := LessUTF16(a, b), refLessUTF16(a, b); got != want {
			t.Fatalf("LessUTF16(%q, %q) = %v, want %v", a, b, got, want)
		}
	})
}

func TestNumber(t *testing.T) {
	if f, err := Number("2.5").Float64(); err != nil || f != 2.5 {
		t.Error(f, err)
	}
	if i, err := Number("-7").Int64(); err != nil || i != -7 {
		t.Error(i, err)
	}
	if _, err := Number("7.0").Int64(); err == nil {
		t.Error("7.0 as int64")
	}
	var ne *NumberError
	if _, err := Number("1e400").Float64(); !errors.As(err, &ne) {
		t.Errorf("1e400: %v", err)
	}
	// Native users' json.Marshal writes a Number as its literal.
	b, err := json.Marshal(map[string]any{"n": Number("1.50"), "e": Number("")})
	if err != nil || string(b) != `{"e":0,"n":1.50}` {
		t.Errorf("json.Marshal = %s, %v", b, err)
	}
}

// tenth is 0.1 computed at run time, so that 0.1 + 0.2 is rounded as in
// JavaScript rather than folded exactly by the compiler.
func tenth() float64 { return 0.1 }

// refCanonical is the previous encoding/json-based Canonical.
func refCanonical(buf *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		SortUTF16(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			kb, _ := refMarshal(k)
			buf.Write(kb)
			buf.WriteByte(':')
			if err := refCanonical(buf, x[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := refCanonical(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return err
		}
		if f == 0 {
			f = 0 // -0 is 0 in Number::toString; encoding/json wrote -0
		}
		b, err := refMarshal(f)
		if err != nil {
			return err
		}
		buf.Write(b)
	default:
		b, err := refMarshal(x)
		if err != nil {
			return err
		}
		buf.Write(b)
	}
	return nil
}

// FuzzMarshal checks Marshal and Canonical against the previous
// encoding/json-based implementations on every document encoding/json
// decodes (with UseNumber, as recap.Decode did), and Canonical of the
// parsed Value against Canonical of the decoded tree. The one intended
// difference: Canonical writes -0 as 0, as Number::toString does (the
// reference is adjusted for it).
func FuzzMarshal(f *testing.F) {
	f.Add([]byte(`{"b":[{"z":1,"a":"\u2028<&>"}],"a":{},"\ud83d\ude00":1.50,"\uffff":[2e-7,1e21,-0]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil || dec.More() {
			return
		}
		want, _ := refMarshal(v)
		got, err := Marshal(v)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("Marshal = %s, %v; want %s", got, err, want)
		}
		var buf bytes.Buffer
		refErr := refCanonical(&buf, v)
		c, err := Canonical(v)
		if (err != nil) != (refErr != nil) {
			t.Fatalf("Canonical error %v, previously %v", err, refErr)
		}
		if err == nil && !bytes.Equal(c, buf.Bytes()) {
			t.Fatalf("Canonical = %s, previously %s", c, buf.Bytes())
		}
		if pv, perr := Parse(data); perr == nil {
			c2, err2 := Canonical(pv)
			if !bytes.Equal(c, c2) || (err == nil) != (err2 == nil) {
				t.Fatalf("Canonical(Value) = %s, %v; of the decoded tree %s, %v", c2, err2, c, err)
			}
		}
	})
}
