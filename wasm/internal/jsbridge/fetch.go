//go:build js && wasm

package jsbridge

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"syscall/js"

	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/node"
)

// maxResponseBytes caps response bodies, as httptransport does natively.
const maxResponseBytes = 8 << 20

// FetchTransport is a node.Transport over the browser's fetch. The wasm
// build links no net/http: every request is a fetch call through
// syscall/js, so CORS, proxies and certificates are the browser's.
type FetchTransport struct{}

var _ node.Transport = FetchTransport{}

// webAPI holds the constructors the transport uses, read once. fetch
// itself is read on each call: a page (or a test) may replace it.
var webAPI = sync.OnceValue(func() webConstructors {
	g := js.Global()
	return webConstructors{uint8Array: g.Get("Uint8Array"), abortController: g.Get("AbortController"), json: g.Get("JSON")}
})

type webConstructors struct{ uint8Array, abortController, json js.Value }

// Do implements node.Transport: a non-2xx status is a Response; only a
// request that got no response (network error, CORS block, abort) is an
// error. Every crossing into JS costs a page's first calls, so the fetch
// options are one JSON text, and of the response headers only
// Content-Type and Content-Length are read (the client reads none).
func (FetchTransport) Do(ctx context.Context, req node.Request) (node.Response, error) {
	fetch := js.Global().Get("fetch")
	if fetch.Type() != js.TypeFunction {
		return node.Response{}, errorf("fetch is not available in this JavaScript environment")
	}
	api := webAPI()
	// When ctx ends, the fetch is aborted, which settles the promises
	// awaited below (AwaitSettled).
	ac := api.abortController.New()
	stop := context.AfterFunc(ctx, func() { ac.Call("abort") })
	defer stop()

	opts, err := fetchInit(req)
	if err != nil {
		return node.Response{}, errorf("fetch %s: the request options: %w", req.URL, err)
	}
	init, err := Call(api.json, "parse", string(opts))
	if err != nil {
		return node.Response{}, errorf("fetch %s: the request options: %w", req.URL, err)
	}
	init.Set("signal", ac.Get("signal"))
	if req.Body != nil {
		b := api.uint8Array.New(len(req.Body))
		js.CopyBytesToJS(b, req.Body)
		init.Set("body", b)
	}
	p, err := Invoke(fetch, req.URL, init)
	if err != nil {
		return node.Response{}, fetchErr(req.URL, err)
	}
	resp, err := AwaitSettled(p)
	if err != nil {
		if ctx.Err() != nil {
			return node.Response{}, ctx.Err()
		}
		return node.Response{}, fetchErr(req.URL, err)
	}
	out := node.Response{Status: resp.Get("status").Int(), Header: map[string]string{}}
	headers := resp.Get("headers")
	for _, k := range [...]string{"Content-Type", "Content-Length"} {
		v, err := Call(headers, "get", k)
		if err != nil {
			return node.Response{}, errorf("reading the headers from %s: %w", req.URL, err)
		}
		if v.Type() == js.TypeString {
			out.Header[k] = v.String()
		}
	}
	if n, err := strconv.ParseInt(out.Header["Content-Length"], 10, 64); err == nil && n > maxResponseBytes {
		Call(ac, "abort")
		return node.Response{}, errorf("response from %s is %d bytes, more than %d; refusing it", req.URL, n, maxResponseBytes)
	}
	p, err = Call(resp, "arrayBuffer")
	if err != nil {
		return node.Response{}, errorf("reading the response from %s: %w", req.URL, err)
	}
	buf, err := AwaitSettled(p)
	if err != nil {
		if ctx.Err() != nil {
			return node.Response{}, ctx.Err()
		}
		return node.Response{}, errorf("reading the response from %s: %w", req.URL, err)
	}
	arr := api.uint8Array.New(buf)
	n := arr.Length()
	if n > maxResponseBytes {
		return node.Response{}, errorf("response from %s is %d bytes, more than %d; refusing it", req.URL, n, maxResponseBytes)
	}
	out.Body = make([]byte, n)
	js.CopyBytesToGo(out.Body, arr)
	return out, nil
}

// fetchInit is fetch's options for req, but for signal and body, as JSON:
// CORS without credentials; no redirects (nodes never redirect, and
// following one would turn a POST into a GET); and for GETs (the block
// indexer) not from the HTTP cache. POSTs never come from it, and
// Chromium skips its CORS preflight cache for a no-store request, which
// would preflight every POST to a node again.
func fetchInit(req node.Request) ([]byte, error) {
	var headers jsjson.Object
	for k, v := range req.Header {
		headers.String(k, v)
	}
	h, err := headers.Bytes()
	if err != nil {
		return nil, err
	}
	var o jsjson.Object
	o.String("method", req.Method)
	o.String("mode", "cors")
	o.String("credentials", "omit")
	o.String("redirect", "error")
	if req.Method != "POST" {
		o.String("cache", "no-store")
	}
	o.Raw("headers", h)
	return o.Bytes()
}

func fetchErr(url string, err error) error {
	return errorf("fetch %s failed: %w (the server is down, the URL is wrong, or it does not allow this page's origin by CORS)", url, err)
}

// errorf is fmt.Errorf kept out of line: in wasm every inlined copy of
// fmt.Errorf repeats its errors.New fallback and the call's resume points.
//
//go:noinline
func errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }
