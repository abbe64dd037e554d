package stdjson

import (
	"testing"

	"github.com/litgo/litsession/core/jsjson"
)

func TestMarshalMatchesJSONStringify(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{"a<b>&c", `"a<b>&c"`},
		{"line\u2028sep\u2029para", "\"line\u2028sep\u2029para\""},
		{`quote" back\ slash\u2028`, `"quote\" back\\ slash\\u2028"`},
		{struct {
			B string `json:"b"`
			A int    `json:"a"`
			C string `json:"c,omitempty"`
		}{"x<\u2028", 1, ""}, "{\"b\":\"x<\u2028\",\"a\":1}"},
		{1e21, `1e+21`},
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
		// Where jsjson can write the value, both agree.
		if js, err := jsjson.Marshal(c.in); err == nil && string(js) != c.want {
			t.Errorf("jsjson.Marshal(%#v) = %s, want %s", c.in, js, c.want)
		}
	}
}
