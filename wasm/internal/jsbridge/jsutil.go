//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"fmt"
	"syscall/js"
)

// Promise runs fn on a new goroutine and returns a JS Promise settled with
// its result: resolved with the value, or rejected with the JS Error that
// JSError builds (every rejection carries a string code). JS callbacks must
// not block, so all work happens off the event loop (the pattern of
// tailscale's cmd/tsconnect).
func Promise(fn func() (any, error)) js.Value {
	var executor js.Func
	executor = js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			defer executor.Release()
			var (
				v   any
				err error
			)
			func() {
				defer func() {
					if r := recover(); r != nil {
						err = panicErr(r)
					}
				}()
				v, err = fn()
			}()
			if err != nil {
				reject.Invoke(JSError(err))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	return js.Global().Get("Promise").New(executor)
}

// panicErr turns a recovered panic (a js.Error from a throwing JS call, or a
// Go bug) into an error.
func panicErr(r any) error {
	if je, ok := r.(js.Error); ok {
		return &ThrownError{V: je.Value}
	}
	return errorf("internal error: %v; please report this bug", r)
}

// ThrownError is a JS exception or promise rejection reason.
type ThrownError struct{ V js.Value }

func (e *ThrownError) Error() string { return JSString(e.V) }

// Code returns the reason's code property as a string ("" if none): EIP-1193
// errors carry a number (4001), ours and ethers' a string.
func (e *ThrownError) Code() string {
	if e.V.Type() != js.TypeObject {
		return ""
	}
	c := e.V.Get("code")
	switch c.Type() {
	case js.TypeNumber:
		return fmt.Sprint(c.Int())
	case js.TypeString:
		return c.String()
	}
	return ""
}

// JSString describes any JS value: an Error's message, a string, or
// String(v).
func JSString(v js.Value) string {
	switch v.Type() {
	case js.TypeString:
		return v.String()
	case js.TypeObject:
		if m := v.Get("message"); m.Type() == js.TypeString && m.String() != "" {
			return m.String()
		}
	case js.TypeUndefined:
		return "undefined"
	}
	return js.Global().Get("String").Invoke(v).String()
}

// Call invokes a JS method, turning a thrown exception into an error.
func Call(v js.Value, method string, args ...any) (out js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = js.Undefined(), panicErr(r)
		}
	}()
	return v.Call(method, args...), nil
}

// Invoke calls a JS function, turning a thrown exception into an error.
func Invoke(f js.Value, args ...any) (out js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = js.Undefined(), panicErr(r)
		}
	}()
	return f.Invoke(args...), nil
}

// Await waits for a JS value: a thenable is awaited, anything else is
// returned as is. It must not be called on the JS event loop (i.e. directly
// from a js.Func); Promise runs its work on a goroutine for that reason.
// When ctx ends first, Await returns ctx's error and the promise is left
// to settle on its own.
func Await(ctx context.Context, v js.Value) (js.Value, error) {
	if v.Type() != js.TypeObject && v.Type() != js.TypeFunction {
		return v, nil
	}
	if v.Get("then").Type() != js.TypeFunction {
		return v, nil
	}
	// Room for the promise's result and a cancellation: neither sender
	// waits for the other or for a receiver.
	type awaited struct {
		v   js.Value
		err error
	}
	ch := make(chan awaited, 2)
	var onOK, onErr js.Func
	onOK = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- awaited{v: Arg0(args)}
		onOK.Release()
		onErr.Release()
		return nil
	})
	onErr = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- awaited{err: &ThrownError{V: Arg0(args)}}
		onOK.Release()
		onErr.Release()
		return nil
	})
	if _, err := Call(v, "then", onOK, onErr); err != nil {
		onOK.Release()
		onErr.Release()
		return js.Undefined(), err
	}
	// A cancellation is one more result, so the wait is a plain receive
	// (a two-way select costs the page a large runtime function to
	// compile). The callbacks release themselves when the promise settles.
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { ch <- awaited{v: js.Undefined(), err: ctx.Err()} })
		defer stop()
	}
	r := <-ch
	return r.v, r.err
}

// AwaitSettled waits for a thenable to settle, for a caller that makes
// sure it does (FetchTransport aborts its fetch when its context ends).
func AwaitSettled(v js.Value) (js.Value, error) { return Await(context.Background(), v) }

func Arg0(args []js.Value) js.Value {
	if len(args) == 0 {
		return js.Undefined()
	}
	return args[0]
}

// JSONParse and JSONStringify use the page's JSON object.
func JSONParse(s string) (js.Value, error) {
	return Call(js.Global().Get("JSON"), "parse", s)
}

func JSONStringify(v js.Value) (string, error) {
	s, err := Call(js.Global().Get("JSON"), "stringify", v)
	if err != nil {
		return "", err
	}
	if s.Type() != js.TypeString {
		return "", errors.New("the value cannot be written as JSON")
	}
	return s.String(), nil
}

// IsNullish reports whether v is undefined or null.
func IsNullish(v js.Value) bool { return v.IsUndefined() || v.IsNull() }
