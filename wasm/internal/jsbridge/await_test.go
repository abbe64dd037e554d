//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"syscall/js"
	"testing"
	"time"
)

// jsEval evaluates a JS expression in the page.
func jsEval(t *testing.T, expr string) js.Value {
	t.Helper()
	return js.Global().Call("eval", expr)
}

func TestAwait(t *testing.T) {
	ctx := context.Background()
	v, err := Await(ctx, jsEval(t, `Promise.resolve(42)`))
	if err != nil || v.Int() != 42 {
		t.Fatalf("resolved promise: %v, %v", v, err)
	}
	v, err = Await(ctx, jsEval(t, `new Promise((r) => setTimeout(() => r('later'), 20))`))
	if err != nil || v.String() != "later" {
		t.Fatalf("promise resolved later: %v, %v", v, err)
	}
	_, err = Await(ctx, jsEval(t, `Promise.reject(new Error('no'))`))
	var thrown *ThrownError
	if !errors.As(err, &thrown) || thrown.V.Get("message").String() != "no" {
		t.Fatalf("rejected promise: %v", err)
	}
	v, err = Await(ctx, js.ValueOf("plain"))
	if err != nil || v.String() != "plain" {
		t.Fatalf("plain value: %v, %v", v, err)
	}
}

// TestAwaitCancel: a promise that settles after the context ends, or
// never, gives the context's error when it ends, and a late settlement
// is harmless.
func TestAwaitCancel(t *testing.T) {
	for _, expr := range []string{`new Promise(() => {})`, `new Promise((r) => setTimeout(() => r(1), 80))`, `new Promise((_, j) => setTimeout(() => j(new Error('late')), 80))`} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		start := time.Now()
		v, err := Await(ctx, jsEval(t, expr))
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || !v.IsUndefined() {
			t.Fatalf("%s: %v, %v; want undefined and context.DeadlineExceeded", expr, v, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("%s: Await returned %v after its context ended", expr, d)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Await(ctx, jsEval(t, `new Promise(() => {})`)); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled context: %v", err)
	}
	time.Sleep(150 * time.Millisecond) // the late settlements above run now
	v, err := Await(context.Background(), jsEval(t, `Promise.resolve('after')`))
	if err != nil || v.String() != "after" {
		t.Fatalf("after late settlements: %v, %v", v, err)
	}
}
