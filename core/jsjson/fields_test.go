package jsjson

import (
	"errors"
	"strings"
	"testing"

	"github.com/litgo/litsession/core/errcode"
)

func TestFields(t *testing.T) {
	v, err := Parse([]byte(`{"s":"x","b":true,"n":7,"u":3,"nul":null,"a":[1,2],"o":{"k":"v","bad":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	f := NewFields(v, "call")
	if f.String("s") != "x" || !f.Bool("b") || f.Int("n") != 7 || f.Uint("u") != 3 {
		t.Fatal("getters")
	}
	if f.String("nul") != "" || f.OptString("nul") != nil || f.OptString("missing") != nil || *f.OptString("s") != "x" {
		t.Fatal("absent and null members must be zero")
	}
	if len(f.Array("a", "numbers")) != 2 {
		t.Fatal("array")
	}
	o := f.Object("o", "{k}")
	if o.String("k") != "v" || f.Err() != nil {
		t.Fatal("object", f.Err())
	}
	_ = o.String("bad")
	_ = f.Int("s") // a second error is not kept
	var fe *FieldError
	if !errors.As(f.Err(), &fe) || f.Err().Error() != "call: o: bad must be a string, got number" {
		t.Fatalf("nested error: %v", f.Err())
	}
	if f.String("s") != "" {
		t.Fatal("after an error the getters return zero values")
	}
}

func TestFieldsErrors(t *testing.T) {
	for doc, want := range map[string]string{
		`[]`:           "w: the params must be an object, got array",
		`{"n":1.5}`:    "w: n must be a whole number, got 1.5",
		`{"u":-1}`:     "w: u must be a non-negative whole number, got -1",
		`{"b":"true"}`: "w: b must be true or false, got string",
		`{"a":{}}`:     "w: a must be an array of things, got object",
		`{"o":"x"}`:    "w: o must be an object {k}, got string",
		`{"s":["x"]}`:  "w: s must be a string, got array",
	} {
		v, err := Parse([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		f := NewFields(v, "w")
		f.Int("n")
		f.Uint("u")
		f.Bool("b")
		f.Array("a", "things")
		f.Object("o", "{k}")
		f.String("s")
		if f.Err() == nil || f.Err().Error() != want {
			t.Errorf("%s: got %v, want %s", doc, f.Err(), want)
		}
	}
}

func TestParseParams(t *testing.T) {
	_, err := ParseParams([]byte(`{"a":1,}`), "f")
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Where != "f" || !strings.HasPrefix(err.Error(), "f: the params are not valid JSON: ") || fe.Err == nil {
		t.Errorf("broken JSON: %v", err)
	}
	if errcode.Of(err) != errcode.InvalidParams {
		t.Errorf("code %s", errcode.Of(err))
	}
	v, err := ParseParams([]byte(`{"a":1}`), "f")
	if err != nil || NewFields(v, "f").Int("a") != 1 {
		t.Errorf("valid JSON: %v", err)
	}
}
