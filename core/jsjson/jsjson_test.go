package jsjson

import (
	"encoding/json"
	"testing"
)

func TestMarshalMatchesJSONStringify(t *testing.T) {
	// Expected values are what JSON.stringify prints for the same input.
	cases := []struct {
		in   any
		want string
	}{
		{"a<b>&c", `"a<b>&c"`},
		{"line\u2028sep\u2029para", "\"line\u2028sep\u2029para\""},
		{"tab\tnl\ncr\rbs\bff\f", `"tab\tnl\ncr\rbs\bff\f"`},
		{"ctl\x01\x1f", `"ctl\u0001\u001f"`},
		{`quote" back\ slash\u2028`, `"quote\" back\\ slash\\u2028"`},
		{"é ü 日本", `"é ü 日本"`},
		{func() Value {
			var o Object
			o.String("b", "x")
			o.Int("a", 1)
			b, _ := o.Bytes()
			v, _ := Parse(b)
			return v
		}(), `{"b":"x","a":1}`},
		{1e21, `1e+21`},
		{100.0, `100`},
		{0.000001, `0.000001`},
		{1e-7, `1e-7`},
	}
	for _, c := range cases {
		got, err := Marshal(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != c.want {
			t.Errorf("Marshal(%#v) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestCanonicalSortsKeys(t *testing.T) {
	var v any
	if err := json.Unmarshal([]byte(`{"b":[{"z":1,"a":"\u2028"}],"a":{},"\ud83d\ude00":1,"\uffff":2}`), &v); err != nil {
		t.Fatal(err)
	}
	got, err := Canonical(v)
	if err != nil {
		t.Fatal(err)
	}
	// U+FFFF sorts after the surrogate pair of U+1F600 in UTF-16 order.
	want := "{\"a\":{},\"b\":[{\"a\":\"\u2028\",\"z\":1}],\"\U0001F600\":1,\"\uffff\":2}"
	if string(got) != want {
		t.Errorf("Canonical = %s, want %s", got, want)
	}
}
