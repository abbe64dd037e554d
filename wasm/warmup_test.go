//go:build js && wasm

package main

import (
	"bytes"
	"syscall/js"
	"testing"

	"github.com/litgo/litsession/core/node"
)

// TestWarmUp: the warm-up completes on its made-up network without a
// request, a storage write or a wallet call, and runs once per page.
func TestWarmUp(t *testing.T) {
	w := reset(t)
	ls := js.Global().Get("localStorage")
	ls.Call("setItem", "page-key", "page-value")
	realFetch := js.Global().Get("fetch")
	fetches := 0
	counting := js.FuncOf(func(this js.Value, args []js.Value) any {
		fetches++
		return realFetch.Call("apply", this, js.ValueOf(toAny(args)))
	})
	defer counting.Release()
	js.Global().Set("fetch", counting)
	defer js.Global().Set("fetch", realFetch)

	p := warmUp()
	ms := mustOK(t, p, "warmUp")
	if ms.Type() != js.TypeNumber || ms.Float() <= 0 {
		t.Errorf("warmUp resolved with %s, want the milliseconds it took", ms.Type())
	}
	if !warmUp().Equal(p) {
		t.Error("a second warmUp() returned a new promise; the warm-up runs once per page")
	}
	if fetches != 0 {
		t.Errorf("the warm-up made %d fetch calls, want none", fetches)
	}
	if n := ls.Get("length").Int(); n != 1 || ls.Call("getItem", "page-key").String() != "page-value" {
		t.Errorf("localStorage has %d items after the warm-up, want only the page's own", n)
	}
	if n := w.Get("calls").Length(); n != 0 {
		t.Errorf("the warm-up made %d wallet requests, want none", n)
	}
	if n := js.Global().Get("fakeNodes").Get("requests").Length(); n != 0 {
		t.Errorf("the warm-up sent %d requests to the fake nodes, want none", n)
	}
}

func toAny(args []js.Value) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a
	}
	return out
}

// TestWarmValidatorSet: the warm-up's staking answer is what
// node.EncodeValidatorSet writes for the set it describes.
func TestWarmValidatorSet(t *testing.T) {
	s := node.ValidatorSet{
		Epoch:        node.Epoch{Length: 3600, Number: 1, EndTime: 4102444800, Timeout: 60},
		MinNodeCount: warmNodes,
	}
	for i := range warmNodes {
		s.Validators = append(s.Validators, node.Validator{IP: 0xc0000201 + uint32(i), Port: 7470})
	}
	want, err := node.EncodeValidatorSet(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := warmValidatorSet(); !bytes.Equal(got, want) {
		t.Errorf("warmValidatorSet is\n%x\nnode.EncodeValidatorSet writes\n%x", got, want)
	}
}
