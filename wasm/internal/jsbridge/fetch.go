//go:build js && wasm

package jsbridge

import (
	"context"
	"fmt"
	"strconv"
	"syscall/js"

	"github.com/litgo/litsession/core/node"
)

// maxResponseBytes caps response bodies, as httptransport does natively.
const maxResponseBytes = 8 << 20

// FetchTransport is a node.Transport over the browser's fetch. The wasm
// build links no net/http: every request is a fetch call through
// syscall/js, so CORS, proxies and certificates are the browser's.
type FetchTransport struct{}

var _ node.Transport = FetchTransport{}

// Do implements node.Transport: a non-2xx status is a Response; only a
// request that got no response (network error, CORS block, abort) is an
// error.
func (FetchTransport) Do(ctx context.Context, req node.Request) (node.Response, error) {
	fetch := js.Global().Get("fetch")
	if fetch.Type() != js.TypeFunction {
		return node.Response{}, errorf("fetch is not available in this JavaScript environment")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ac := js.Global().Get("AbortController").New()
	stop := context.AfterFunc(ctx, func() { ac.Call("abort") })
	defer stop()

	headers := map[string]any{}
	for k, v := range req.Header {
		headers[k] = v
	}
	init := map[string]any{
		"method":      req.Method,
		"headers":     headers,
		"signal":      ac.Get("signal"),
		"mode":        "cors",
		"credentials": "omit",
		"redirect":    "error", // nodes never redirect; following one would turn a POST into a GET
	}
	// GETs (the block indexer) must not come from the HTTP cache. POSTs
	// never do, and Chromium skips its CORS preflight cache for a no-store
	// request: with it, every POST to a node was preflighted again (16
	// OPTIONS for 4 connects to 3 nodes, against 4 without it).
	if req.Method != "POST" {
		init["cache"] = "no-store"
	}
	if req.Body != nil {
		b := js.Global().Get("Uint8Array").New(len(req.Body))
		js.CopyBytesToJS(b, req.Body)
		init["body"] = b
	}
	p, err := Invoke(fetch, req.URL, init)
	if err != nil {
		return node.Response{}, fetchErr(req.URL, err)
	}
	resp, err := Await(ctx, p)
	if err != nil {
		if ctx.Err() != nil {
			return node.Response{}, ctx.Err()
		}
		return node.Response{}, fetchErr(req.URL, err)
	}
	out := node.Response{Status: resp.Get("status").Int(), Header: map[string]string{}}
	var each js.Func
	each = js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) >= 2 {
			k := canonicalHeader(args[1].String())
			if _, dup := out.Header[k]; !dup {
				out.Header[k] = args[0].String()
			}
		}
		return nil
	})
	_, err = Call(resp.Get("headers"), "forEach", each)
	each.Release()
	if err != nil {
		return node.Response{}, errorf("reading the headers from %s: %w", req.URL, err)
	}
	if n, err := strconv.ParseInt(out.Header["Content-Length"], 10, 64); err == nil && n > maxResponseBytes {
		Call(ac, "abort")
		return node.Response{}, errorf("response from %s is %d bytes, more than %d; refusing it", req.URL, n, maxResponseBytes)
	}
	p, err = Call(resp, "arrayBuffer")
	if err != nil {
		return node.Response{}, errorf("reading the response from %s: %w", req.URL, err)
	}
	buf, err := Await(ctx, p)
	if err != nil {
		return node.Response{}, errorf("reading the response from %s: %w", req.URL, err)
	}
	arr := js.Global().Get("Uint8Array").New(buf)
	n := arr.Get("length").Int()
	if n > maxResponseBytes {
		return node.Response{}, errorf("response from %s is %d bytes, more than %d; refusing it", req.URL, n, maxResponseBytes)
	}
	out.Body = make([]byte, n)
	js.CopyBytesToGo(out.Body, arr)
	return out, nil
}

func fetchErr(url string, err error) error {
	return errorf("fetch %s failed: %w (the server is down, the URL is wrong, or it does not allow this page's origin by CORS)", url, err)
}

// canonicalHeader is textproto.CanonicalMIMEHeaderKey for the ASCII names
// fetch reports in lower case ("content-type" → "Content-Type"), without
// linking package net.
func canonicalHeader(k string) string {
	b := []byte(k)
	upper := true
	for i, c := range b {
		switch {
		case upper && 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case !upper && 'A' <= c && c <= 'Z':
			b[i] = c - 'A' + 'a'
		}
		upper = c == '-'
	}
	return string(b)
}

// errorf is fmt.Errorf kept out of line: in wasm every inlined copy of
// fmt.Errorf repeats its errors.New fallback and the call's resume points.
//
//go:noinline
func errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }
