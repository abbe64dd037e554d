// Package httptransport implements node.Transport with net/http for native
// programs. It lives apart from package node so that the browser (js/wasm)
// build, which uses fetch, does not link net/http.
package httptransport

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/litgo/litsession/core/node"
)

// DefaultMaxResponseBytes caps response bodies (8 MiB).
const DefaultMaxResponseBytes = 8 << 20

// Transport is a node.Transport backed by an *http.Client.
type Transport struct {
	// Client sends the requests. It should not follow redirects: nodes
	// never redirect, and following one would turn a POST into a GET.
	Client *http.Client
	// MaxResponseBytes caps response bodies; larger bodies are an error.
	MaxResponseBytes int64
}

// New returns a Transport using c, or, when c is nil, a client with
// http.DefaultTransport that does not follow redirects. Timeouts come from
// the request context (node.Config.Timeout).
func New(c *http.Client) *Transport {
	if c == nil {
		c = &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return &Transport{Client: c, MaxResponseBytes: DefaultMaxResponseBytes}
}

// Do implements node.Transport.
func (t *Transport) Do(ctx context.Context, req node.Request) (node.Response, error) {
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, req.URL, body)
	if err != nil {
		return node.Response{}, err
	}
	for k, v := range req.Header {
		hreq.Header.Set(k, v)
	}
	resp, err := t.Client.Do(hreq)
	if err != nil {
		return node.Response{}, err
	}
	defer resp.Body.Close()
	max := t.MaxResponseBytes
	if max <= 0 {
		max = DefaultMaxResponseBytes
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return node.Response{}, fmt.Errorf("reading response from %s: %w", req.URL, err)
	}
	if int64(len(b)) > max {
		return node.Response{}, fmt.Errorf("response from %s is larger than %d bytes; refusing it", req.URL, max)
	}
	header := make(map[string]string, len(resp.Header))
	for k, v := range resp.Header {
		if len(v) > 0 {
			header[k] = v[0]
		}
	}
	return node.Response{Status: resp.StatusCode, Header: header, Body: b}, nil
}

// CloseIdleConnections closes idle keep-alive connections of the client.
func (t *Transport) CloseIdleConnections() {
	t.Client.CloseIdleConnections()
}
