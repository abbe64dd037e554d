package node

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/litgo/litsession/core/errcode"
)

// Reply is one node's answer to [Client.SendToNodes].
type Reply struct {
	URL       string // the node
	RequestID string // the X-Request-Id sent to every node of the call
	Status    int    // HTTP status; 0 when no response arrived
	// Body is the answer's payload as the generation's Opener read it
	// (for Datil the response body); valid JSON when Err is nil.
	Body []byte
	// Err is nil for a successful answer. Otherwise it is the transport
	// error or the generation's reason: for Datil a *NodeError for a
	// non-2xx status, or an error saying the body is not JSON.
	Err error
}

// SendToNodes POSTs a JSON body to path (e.g. "/web/pkp/sign/v1") on each
// node in bodies, concurrently, with the Lit headers and one X-Request-Id
// shared by all. Each body must be a JSON object without an "epoch" member;
// the generation seals it for its node with the current epoch
// ([Generation.Seal]): Datil appends `"epoch":N` after its other members.
// Every key of bodies must be a connected node URL.
//
// The replies come back in validator order, one per node in bodies. The
// error is only for misuse (not connected, unknown node, bad body); judge the
// replies with [CheckQuorum] or by inspecting Reply.Err.
func (c *Client) SendToNodes(ctx context.Context, path string, bodies map[string][]byte) ([]Reply, error) {
	return c.send(ctx, path, bodies)
}

// Send is SendToNodes to the generation's path for op, e.g.
// EndpointPKPSign. Pick the nodes in bodies with [Client.SelectNodes].
func (c *Client) Send(ctx context.Context, op Endpoint, bodies map[string][]byte) ([]Reply, error) {
	if _, err := c.state(); err != nil {
		return nil, err
	}
	path := c.gen.Path(op)
	if path == "" {
		return nil, &errcode.Error{Code: errcode.InvalidParams, Msg: fmt.Sprintf("node: the %s protocol has no %q endpoint", c.gen.Name(), op)}
	}
	return c.send(ctx, path, bodies)
}

func (c *Client) send(ctx context.Context, path string, bodies map[string][]byte) ([]Reply, error) {
	st, err := c.state()
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(path, "/") {
		return nil, &errcode.Error{Code: errcode.InvalidParams, Msg: fmt.Sprintf("node: path %q must start with /", path)}
	}
	for u := range bodies {
		if !slices.Contains(st.connected, u) {
			return nil, &errcode.Error{Code: errcode.InvalidParams, Msg: fmt.Sprintf("node: %s is not a connected node; use the URLs from ConnectedNodes", u)}
		}
	}
	epoch := st.epochNumber(c.gen, c.cfg.Now())
	var (
		urls     []string
		payloads [][]byte
		openers  []Opener
	)
	for _, p := range st.peers {
		b, ok := bodies[p.URL]
		if !ok {
			continue
		}
		wire, open, err := c.gen.Seal(p, b, epoch)
		if err != nil {
			return nil, &errcode.Error{Code: errcode.InvalidParams, Msg: fmt.Sprintf("node: body for %s: %v", p.URL, err), Err: err}
		}
		urls = append(urls, p.URL)
		payloads = append(payloads, wire)
		openers = append(openers, open)
	}
	id := newRequestID()
	results := c.round(ctx, path, urls, payloads, id)
	replies := make([]Reply, len(urls))
	for i, r := range results {
		rep := Reply{URL: urls[i], RequestID: id, Err: r.err}
		if r.err == nil {
			rep.Status = r.resp.Status
			rep.Body, rep.Err = openers[i](r.resp)
		}
		replies[i] = rep
	}
	return replies, nil
}

// CheckQuorum returns nil when at least need replies succeeded, else a
// *NodesUnreachableError (none succeeded) or *NotEnoughNodesError naming the
// failed nodes. operation names the request in the error, e.g. "pkp sign".
func CheckQuorum(operation string, replies []Reply, need int) error {
	failed := map[string]error{}
	ok := 0
	for _, r := range replies {
		if r.Err != nil {
			failed[r.URL] = r.Err
		} else {
			ok++
		}
	}
	return quorumError(operation, len(replies), ok, need, failed)
}

// quorumError is nil when got of total nodes reached need; otherwise it
// says how many answered and why each of the failed ones did not count.
func quorumError(op string, total, got, need int, failed map[string]error) error {
	switch {
	case got >= need:
		return nil
	case got == 0:
		return &NodesUnreachableError{Operation: op, Needed: need, Failed: failed}
	default:
		return &NotEnoughNodesError{Operation: op, Needed: need, Got: got, Total: total, Failed: failed}
	}
}

// result is one node's outcome in a round.
type result struct {
	resp Response
	err  error
}

// round POSTs bodies[i] to urls[i]+path concurrently, with one X-Request-Id,
// and waits at most the configured timeout.
func (c *Client) round(ctx context.Context, path string, urls []string, bodies [][]byte, requestID string) []result {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	type indexed struct {
		i int
		result
	}
	// Room for every answer and the timeout's marker (i = -1), so no
	// sender waits; the wait is a plain receive.
	ch := make(chan indexed, len(urls)+1)
	for i := range urls {
		req := Request{Method: "POST", URL: urls[i] + path, Header: c.headers(requestID), Body: bodies[i]}
		go func() {
			resp, err := c.cfg.Transport.Do(ctx, req)
			ch <- indexed{i, result{resp, err}}
		}()
	}
	results := make([]result, len(urls))
	done := make([]bool, len(urls))
	timeoutErr := func() error {
		if parent.Err() != nil {
			return parent.Err()
		}
		return &errcode.Error{Code: errcode.Timeout, Msg: fmt.Sprintf("no answer within %v", c.cfg.Timeout)}
	}
	stop := context.AfterFunc(ctx, func() { ch <- indexed{i: -1} })
	defer stop()
	for range urls {
		r := <-ch
		if r.i < 0 {
			break
		}
		results[r.i], done[r.i] = r.result, true
		if r.err != nil && ctx.Err() != nil {
			results[r.i].err = errorf("%w (%v)", timeoutErr(), r.err)
		}
	}
	for i := range done {
		if !done[i] {
			results[i].err = timeoutErr()
		}
	}
	return results
}

func (c *Client) headers(requestID string) map[string]string {
	return map[string]string{
		"Content-Type":      "application/json",
		"Accept":            "application/json",
		"X-Lit-SDK-Version": c.cfg.SDKVersion,
		"X-Lit-SDK-Type":    c.cfg.SDKType,
		"X-Request-Id":      requestID,
	}
}

// newRequestID returns "lit_" followed by 32 random hex digits.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	return "lit_" + hex.EncodeToString(b[:])
}
