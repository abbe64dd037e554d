package jsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func mustParse(t *testing.T, s string) Value {
	t.Helper()
	v, err := Parse([]byte(s))
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return v
}

func TestParseValues(t *testing.T) {
	v := mustParse(t, " \t\r\n{\"b\" : [1, -0.5e+3, true, false, null, \"x\"], \"a\":{}, \"\":[]} \n")
	ms, ok := v.Members()
	if !ok || len(ms) != 3 || ms[0].Key != "b" || ms[1].Key != "a" || ms[2].Key != "" {
		t.Fatalf("members %+v", ms)
	}
	items, ok := v.Get("b").Items()
	if !ok || len(items) != 6 {
		t.Fatalf("items %+v", items)
	}
	if n, ok := items[1].Num(); !ok || n != "-0.5e+3" {
		t.Errorf("number literal %q", n)
	}
	if f, err := items[1].Float64(); err != nil || f != -500 {
		t.Errorf("Float64 = %v, %v", f, err)
	}
	if b, ok := items[2].Boolean(); !ok || !b {
		t.Error("true")
	}
	if b, ok := items[3].Boolean(); !ok || b {
		t.Error("false")
	}
	if !items[4].IsNull() || !items[4].Exists() {
		t.Error("null")
	}
	if s, ok := items[5].Str(); !ok || s != "x" {
		t.Error("string")
	}
	if items[5].Offset() != strings.Index(" \t\r\n{\"b\" : [1, -0.5e+3, true, false, null, \"x\"]", `"x"`) {
		t.Errorf("offset %d", items[5].Offset())
	}
	if v.Get("missing").Exists() || items[0].Get("b").Exists() {
		t.Error("Get of a missing member")
	}
	if ms, ok := v.Get("a").Members(); !ok || ms == nil || len(ms) != 0 {
		t.Error("empty object")
	}
	if it, ok := v.Get("").Items(); !ok || it == nil || len(it) != 0 {
		t.Error("empty array")
	}
	if _, ok := v.Get("b").Str(); ok {
		t.Error("array read as a string")
	}
	if n, ok := mustParse(t, "18446744073709551615").Uint64(); !ok || n != 1<<64-1 {
		t.Error("Uint64")
	}
	for _, s := range []string{"1.0", "1e1", "-1", "18446744073709551616"} {
		if _, ok := mustParse(t, s).Uint64(); ok {
			t.Errorf("Uint64 accepted %s", s)
		}
	}
	if n, ok := mustParse(t, "-9223372036854775808").Int64(); !ok || n != -1<<63 {
		t.Error("Int64")
	}
	if _, err := mustParse(t, "1e400").Float64(); err == nil {
		t.Error("1e400 fits a float64")
	}
}

func TestParseStrings(t *testing.T) {
	for in, want := range map[string]string{
		`"plain"`:                     "plain",
		`"\"\\\/\b\f\n\r\t"`:          "\"\\/\b\f\n\r\t",
		`"\u0041\u00e9\u00E9\u2028"`:  "Aéé\u2028",
		`"\ud83d\ude00 \uD83D\uDE00"`: "\U0001F600 \U0001F600",
		`"é 日本 😀"`:                    "é 日本 😀",
		`"a\u0000b"`:                  "a\x00b",
		"\"raw \u2028 and \x7f\"":     "raw \u2028 and \x7f",
		`"\uffff\ufffd"`:              "\uffff\ufffd",
		`"mixed é\n\u00e9 " `:         "mixed é\n\u00e9 ",
		`"\udbff\udfff"`:              "\U0010FFFF",
		`"esc first \\ then é and 😀"`: "esc first \\ then é and 😀",
	} {
		s, ok := mustParse(t, in).Str()
		if !ok || s != want {
			t.Errorf("Parse(%s) = %q, want %q", in, s, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		in     string
		msg    string
		offset int
	}{
		{``, "unexpected end of input looking for the beginning of a value", 0},
		{`   `, "unexpected end of input", 3},
		{`{"a":1}x`, "invalid character 'x' after the top-level value", 7},
		{`{"a":1,}`, "invalid character '}' looking for an object key", 7},
		{`{"a" 1}`, "invalid character '1' after object key", 5},
		{`{"a":1 "b":2}`, "invalid character '\"' after object member", 7},
		{`[1,]`, "invalid character ']' looking for the beginning of a value", 3},
		{`[1 2]`, "invalid character '2' after array element", 3},
		{`[1`, "unexpected end of input in array", 2},
		{`{"a":1`, "unexpected end of input in object", 6},
		{`{`, "unexpected end of input looking for an object key", 1},
		{`{1:2}`, "invalid character '1' looking for an object key", 1},
		{`{'a':1}`, `invalid character '\'' looking for an object key`, 1},
		{`{"a":1,"b":2,"a":3}`, `duplicate key "a" in object`, 13},
		{`[{"x":{"k":1,"k":1}}]`, `duplicate key "k" in object`, 13},
		{`tru`, "unexpected end of input in literal true", 3},
		{`nul1`, "invalid character '1' in literal null", 3},
		{`True`, "invalid character 'T' looking for the beginning of a value", 0},
		{`01`, "invalid character '1' after the top-level value", 1},
		{`-`, "unexpected end of input in numeric literal", 1},
		{`-a`, "invalid character 'a' in numeric literal", 1},
		{`1.`, "unexpected end of input in the fraction of a number", 2},
		{`1.e5`, "invalid character 'e' in the fraction of a number", 2},
		{`1e`, "unexpected end of input in the exponent of a number", 2},
		{`1e+`, "unexpected end of input in the exponent of a number", 3},
		{`.5`, "invalid character '.' looking for the beginning of a value", 0},
		{`+1`, "invalid character '+' looking for the beginning of a value", 0},
		{`NaN`, "invalid character 'N' looking for the beginning of a value", 0},
		{`"abc`, "unexpected end of input in string", 4},
		{`"a\`, "unexpected end of input in string escape", 3},
		{"\"a\tb\"", "invalid control character byte 0x9 in string (escape it)", 2},
		{"\"a\nb\"", "invalid control character byte 0xa in string", 2},
		{`"\x"`, "invalid character 'x' in string escape", 2},
		{`"\u12"`, `invalid character '"' in \u escape`, 5},
		{`"\u12g4"`, `invalid character 'g' in \u escape`, 5},
		{`"\u12`, `unexpected end of input in \u escape`, 5},
		{"\"ok \xff\"", "invalid UTF-8 in string", 4},
		{"\"\\n \xc3\"", "invalid UTF-8 in string", 4},
		{"\"\xed\xa0\x80\"", "invalid UTF-8 in string", 1}, // an encoded surrogate
		{`"x\ud800"`, `lone UTF-16 surrogate \ud800 in string (a high surrogate without a low one)`, 2},
		{`"\ud800\u0041"`, `lone UTF-16 surrogate \ud800`, 1},
		{`"\ud800\ud800"`, `lone UTF-16 surrogate \ud800`, 1},
		{`"\udc00"`, `lone UTF-16 surrogate \udc00 in string (a low surrogate without a high one)`, 1},
		{`"\ud800\u12"`, `invalid character '"' in \u escape`, 11},
		{"\x00", "invalid character byte 0x0 looking for the beginning of a value", 0},
		{"\xef\xbb\xbf{}", "invalid character byte 0xef looking for the beginning of a value", 0},
		{"{}\x00", "invalid character byte 0x0 after the top-level value", 2},
	} {
		_, err := Parse([]byte(tc.in))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a *SyntaxError", tc.in, err)
			continue
		}
		if !strings.Contains(se.Msg, tc.msg) || se.Offset != tc.offset {
			t.Errorf("Parse(%q): %q at %d, want %q at %d", tc.in, se.Msg, se.Offset, tc.msg, tc.offset)
		}
		if err.Error() != se.Msg+" at byte offset "+itoa(tc.offset) {
			t.Errorf("Parse(%q): error text %q", tc.in, err)
		}
		if Valid([]byte(tc.in)) {
			t.Errorf("Valid(%q)", tc.in)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestParseDuplicateKeysInLargeObjects(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 40 {
		b.WriteString(`"k` + itoa(i) + `":0,`)
	}
	doc := b.String()
	if _, err := Parse([]byte(doc + `"k0":1}`)); err == nil || !strings.Contains(err.Error(), `duplicate key "k0"`) {
		t.Errorf("early key repeated at the end: %v", err)
	}
	if _, err := Parse([]byte(doc + `"k39":1}`)); err == nil || !strings.Contains(err.Error(), `duplicate key "k39"`) {
		t.Errorf("late key repeated: %v", err)
	}
	if _, err := Parse([]byte(doc + `"k40":1}`)); err != nil {
		t.Errorf("distinct keys: %v", err)
	}
	// Around the size where the check switches from scanning to a map.
	for n := scanKeys - 2; n <= scanKeys+2; n++ {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			b.WriteString(`"k` + itoa(i) + `":0,`)
		}
		for _, dup := range []int{0, n / 2, n - 1} {
			if _, err := Parse([]byte(b.String() + `"k` + itoa(dup) + `":1}`)); err == nil || !strings.Contains(err.Error(), `duplicate key "k`+itoa(dup)+`"`) {
				t.Errorf("%d keys, then k%d again: %v", n, dup, err)
			}
		}
		if _, err := Parse([]byte(b.String() + `"x":1}`)); err != nil {
			t.Errorf("%d distinct keys and one more: %v", n+1, err)
		}
	}
	// Keys that differ only in case, or that are equal once escapes are
	// decoded, are distinct and equal respectively.
	if _, err := Parse([]byte(`{"a":1,"A":2}`)); err != nil {
		t.Error(err)
	}
	if _, err := Parse([]byte(`{"a":1,"\u0061":2}`)); err == nil {
		t.Error(`"a" and "\u0061" not seen as the same key`)
	}
}

func TestParseLimits(t *testing.T) {
	deep := strings.Repeat("[", 128) + strings.Repeat("]", 128)
	if _, err := Parse([]byte(deep)); err != nil {
		t.Fatalf("128 levels: %v", err)
	}
	_, err := Parse([]byte("[" + deep + "]"))
	var se *SyntaxError
	if !errors.As(err, &se) || !strings.Contains(se.Msg, "nested deeper than the limit of 128") || se.Offset != 128 {
		t.Fatalf("129 levels: %v", err)
	}
	if _, err := Parse([]byte(strings.Repeat(`{"a":`, 129) + "1" + strings.Repeat("}", 129))); err == nil {
		t.Fatal("129 nested objects accepted")
	}
	l := Limits{MaxBytes: 10, MaxDepth: 2}
	if _, err := l.Parse([]byte(`[[1]]`)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Parse([]byte(`[[[1]]]`)); err == nil {
		t.Fatal("depth 3 accepted with MaxDepth 2")
	}
	if _, err := l.Parse([]byte(`"0123456789"`)); err == nil || !strings.Contains(err.Error(), "12 bytes is longer than the limit of 10") {
		t.Fatalf("size: %v", err)
	}
	big := make([]byte, DefaultLimits.MaxBytes+1)
	if _, err := Parse(big); err == nil {
		t.Fatal("document over MaxBytes accepted")
	}
}

func TestAny(t *testing.T) {
	doc := `{"a":[1,2.5,"x",true,null,{"b":{}}],"n":-0,"big":123456789012345678901234567890}`
	var want any
	if err := json.Unmarshal([]byte(doc), &want); err != nil {
		t.Fatal(err)
	}
	got, err := mustParse(t, doc).Any()
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Any = %#v, %v\nwant %#v", got, err, want)
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var wantN any
	if err := dec.Decode(&wantN); err != nil {
		t.Fatal(err)
	}
	gotN := mustParse(t, doc).AnyNumber()
	if norm(gotN) != norm(wantN) {
		t.Fatalf("AnyNumber = %#v, want %#v", gotN, wantN)
	}
	if _, err := mustParse(t, `[1e400]`).Any(); err == nil {
		t.Fatal("1e400 converted to float64")
	}
}

// norm prints a decoded value with json.Number and Number alike.
func norm(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "error: " + err.Error()
	}
	return string(b)
}

func TestValueMarshalJSON(t *testing.T) {
	in := " { \"k\\u0041\" : [ 1.50 , \"<\\u2028\\/>\" , {} , [ ] , null , false ] } "
	b, err := json.Marshal(mustParse(t, in))
	if err != nil {
		t.Fatal(err)
	}
	// encoding/json re-escapes HTML and U+2028 in a Marshaler's output.
	if string(b) != `{"kA":[1.50,"\u003c\u2028/\u003e",{},[],null,false]}` {
		t.Fatalf("json.Marshal = %s", b)
	}
	b, err = Marshal(mustParse(t, in))
	if err != nil || string(b) != "{\"kA\":[1.50,\"<\u2028/>\",{},[],null,false]}" {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
}

// FuzzParse checks Parse against encoding/json: a document that Parse
// accepts, encoding/json accepts and decodes to the same value (with and
// without UseNumber); a document that encoding/json accepts, Parse accepts
// too, unless it repeats a key, holds invalid UTF-8 or an escaped lone
// surrogate, or nests deeper than the limit. Every error names a byte
// offset inside the document. What Parse accepts is also written back by
// Value.MarshalJSON to a document that parses to the same tree.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,2.5e-3,"x\u00e9\ud83d\ude00",true,false,null,{}],"b":{"c":[]}}`,
		`"\"\\\/\b\f\n\r\t"`, `-0.0E+00`, `[1,{"a":1,"a":2}]`, "\"\xff\"", `"\ud800"`,
		`  [ 1 , 2 ] `, `{"":""}`, `123456789012345678901234567890`, `1e400`, "\"\u2028<&>\"",
		strings.Repeat("[", 130) + strings.Repeat("]", 130),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		stdOK := json.Valid(data)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(data) {
				t.Fatalf("error %v is not a *SyntaxError with an offset in 0..%d", err, len(data))
			}
			if stdOK && !expectedDeviation(data, se) {
				t.Fatalf("encoding/json accepts %q, Parse refuses: %v", data, err)
			}
			return
		}
		if !stdOK {
			t.Fatalf("Parse accepts %q, encoding/json refuses it", data)
		}
		var want any
		if err := json.Unmarshal(data, &want); err == nil {
			got, err := v.Any()
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("Any(%q) = %#v, %v; encoding/json decodes %#v", data, got, err, want)
			}
		} else if _, err := v.Any(); err == nil {
			t.Fatalf("encoding/json cannot decode %q into any (%v), Any can", data, err)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var wantN any
		if err := dec.Decode(&wantN); err != nil {
			t.Fatal(err)
		}
		if norm(v.AnyNumber()) != norm(wantN) {
			t.Fatalf("AnyNumber(%q) = %#v; encoding/json decodes %#v", data, v.AnyNumber(), wantN)
		}
		out, err := v.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("MarshalJSON wrote %q, which does not parse: %v", out, err)
		}
		if again, _ := back.MarshalJSON(); !bytes.Equal(again, out) {
			t.Fatalf("MarshalJSON not stable: %q then %q", out, again)
		}
	})
}

// expectedDeviation reports whether data, which encoding/json accepts, is
// refused by Parse for one of its documented reasons.
func expectedDeviation(data []byte, se *SyntaxError) bool {
	switch {
	case strings.HasPrefix(se.Msg, "duplicate key"):
		return true
	case strings.HasPrefix(se.Msg, "arrays and objects nested deeper"):
		return true
	case strings.HasPrefix(se.Msg, "invalid UTF-8"):
		return !utf8.Valid(data)
	case strings.HasPrefix(se.Msg, "lone UTF-16 surrogate"):
		return bytes.Contains(bytes.ToLower(data), []byte(`\ud`))
	}
	return false
}
