//go:build js && wasm

// Package devnetfetch routes a test page's fetch to a devnet running in
// the same wasm test binary, on Go's in-process network for js/wasm, so
// the modules' own fetch transport runs unchanged against a real devnet in
// headless Chromium. Tests only.
package devnetfetch

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall/js"
	"time"

	"github.com/litgo/litsession/devnet"
	"github.com/litgo/litsession/wasm/internal/jsbridge"
)

// Client reaches the devnets over Go's in-process network (a Dial
// function keeps net/http off the browser's fetch): the page's requests
// to them, and a test's own, as a server's.
var Client = &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{}).DialContext}, Timeout: 30 * time.Second}

// Start starts a devnet with cfg and routes the page's requests to its RPC
// server and nodes through Client.
func Start(cfg devnet.Config) (*devnet.Network, error) {
	n, err := devnet.Start(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	Install(append([]string{n.RPCURL}, n.NodeURLs...)...)
	return n, nil
}

var requests = struct {
	sync.Mutex
	paths map[string]int
}{paths: map[string]int{}}

// Install replaces globalThis.fetch: requests to the given origins (and
// paths under them) go through Client, the rest to the fetch installed
// before. Install can be called again for another devnet's origins.
func Install(origins ...string) {
	real := js.Global().Get("fetch")
	js.Global().Set("fetch", js.FuncOf(func(_ js.Value, args []js.Value) any {
		url := jsbridge.JSString(jsbridge.Arg0(args))
		ours := false
		for _, o := range origins {
			if url == o || strings.HasPrefix(url, o+"/") {
				ours = true
			}
		}
		if !ours {
			in := make([]any, len(args))
			for i, a := range args {
				in[i] = a
			}
			return real.Invoke(in...)
		}
		var init js.Value
		if len(args) > 1 {
			init = args[1]
		}
		return jsbridge.Promise(func() (any, error) { return do(url, init) })
	}))
}

// Count returns how many requests for path went to a devnet.
func Count(path string) int {
	requests.Lock()
	defer requests.Unlock()
	return requests.paths[path]
}

// do performs one fetch(url, init) through Client and returns a Response,
// as the browser would.
func do(url string, init js.Value) (any, error) {
	method := "GET"
	var body []byte
	header := http.Header{}
	if init.Type() == js.TypeObject {
		if m := init.Get("method"); m.Type() == js.TypeString {
			method = m.String()
		}
		if b := init.Get("body"); b.Type() == js.TypeObject {
			body = make([]byte, b.Length())
			js.CopyBytesToGo(body, b)
		}
		if h := init.Get("headers"); h.Type() == js.TypeObject {
			keys := js.Global().Get("Object").Call("keys", h)
			for i := range keys.Length() {
				k := keys.Index(i).String()
				header.Set(k, h.Get(k).String())
			}
		}
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = header
	resp, err := Client.Do(req)
	if err != nil {
		return nil, err // fetch rejects: no response
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	requests.Lock()
	requests.paths[req.URL.Path]++
	requests.Unlock()
	hdrs := map[string]any{}
	for k := range resp.Header {
		hdrs[k] = resp.Header.Get(k)
	}
	arr := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(arr, b)
	return js.Global().Get("Response").New(arr, map[string]any{"status": resp.StatusCode, "headers": hdrs}), nil
}
