package node

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/litgo/litsession/internal/testutil"
)

// fakeTransport routes requests by exact URL to handlers and records them.
type fakeTransport struct {
	mu       sync.Mutex
	handlers map[string]func(ctx context.Context, req Request) (Response, error)
	reqs     []Request
}

func newFake() *fakeTransport {
	return &fakeTransport{handlers: map[string]func(context.Context, Request) (Response, error){}}
}

func (f *fakeTransport) Do(ctx context.Context, req Request) (Response, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	h := f.handlers[req.URL]
	f.mu.Unlock()
	if h == nil {
		return Response{}, errors.New("connection refused")
	}
	return h(ctx, req)
}

func (f *fakeTransport) set(url string, h func(context.Context, Request) (Response, error)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[url] = h
}

func (f *fakeTransport) requests(urlSuffix string) []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Request
	for _, r := range f.reqs {
		if strings.HasSuffix(r.URL, urlSuffix) {
			out = append(out, r)
		}
	}
	return out
}

func jsonResponse(status int, v any) Response {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return Response{Status: status, Header: map[string]string{"Content-Type": "application/json"}, Body: b}
}

var (
	netKey = strings.Repeat("a1", 48)
	hash1  = "0x" + strings.Repeat("11", 32)
	hash2  = "0x" + strings.Repeat("22", 32)
	hash3  = "0x" + strings.Repeat("33", 32)
)

func handshakeAnswer(blockhash string) HandshakeResponse {
	return HandshakeResponse{
		ServerPublicKey:     strings.Repeat("5e", 32),
		SubnetPublicKey:     netKey,
		NetworkPublicKey:    netKey,
		NetworkPublicKeySet: netKey,
		HDRootPubkeys:       []string{"02" + strings.Repeat("77", 32)},
		LatestBlockhash:     blockhash,
		Epoch:               10,
	}
}

// serveHandshake makes url answer the handshake with h.
func (f *fakeTransport) serveHandshake(url string, h HandshakeResponse) {
	f.set(url+HandshakePath, func(context.Context, Request) (Response, error) {
		return jsonResponse(200, h), nil
	})
}

func nodeURLs(n int) []string {
	urls := make([]string, n)
	for i := range urls {
		urls[i] = fmt.Sprintf("http://127.0.0.1:%d", 7470+i)
	}
	return urls
}

func newBootstrapClient(t *testing.T, f *fakeTransport, urls []string, min int, extra ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{Transport: f, BootstrapURLs: urls, MinNodeCount: min}
	for _, e := range extra {
		e(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// serveStaking makes rpcURL answer eth_call with set.
func (f *fakeTransport) serveStaking(t *testing.T, rpcURL string, set ValidatorSet) {
	data, err := EncodeValidatorSet(set)
	if err != nil {
		t.Fatal(err)
	}
	f.set(rpcURL, func(_ context.Context, req Request) (Response, error) {
		var call struct {
			Method string            `json:"method"`
			Params []json.RawMessage `json:"params"`
			ID     any               `json:"id"`
		}
		if err := json.Unmarshal(req.Body, &call); err != nil {
			return jsonResponse(400, map[string]any{"error": map[string]any{"code": -32700, "message": "parse error"}}), nil
		}
		if call.Method != "eth_call" {
			return jsonResponse(200, map[string]any{"jsonrpc": "2.0", "id": call.ID, "error": map[string]any{"code": -32601, "message": "no such method"}}), nil
		}
		return jsonResponse(200, map[string]any{"jsonrpc": "2.0", "id": call.ID, "result": "0x" + hex.EncodeToString(data)}), nil
	})
}

func TestConnectViaStaking(t *testing.T) {
	const rpcURL = "http://127.0.0.1:8545"
	f := newFake()
	clock := testutil.NewClock(time.Unix(1_700_000_000, 0))
	urls := nodeURLs(3)
	set := ValidatorSet{
		// Started 120 s ago, so the client sends Number itself.
		Epoch:        Epoch{Length: 3600, Number: 10, EndTime: 1_700_000_000 - 120 + 3600, Timeout: 60},
		MinNodeCount: 2,
	}
	for i, u := range urls {
		set.Validators = append(set.Validators, Validator{IP: 0x7f000001, Port: uint32(7470 + i)})
		f.serveHandshake(u, handshakeAnswer(hash1))
	}
	f.serveStaking(t, rpcURL, set)
	c, err := New(Config{Transport: f, RPCURL: rpcURL, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if c.Connected() || c.ConnectedNodes() != nil {
		t.Fatal("connected before Connect")
	}
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}

	calls := f.requests(":8545")
	if len(calls) != 1 {
		t.Fatalf("%d RPC calls, want 1", len(calls))
	}
	var call struct {
		Method string `json:"method"`
		Params []any  `json:"params"`
	}
	json.Unmarshal(calls[0].Body, &call)
	wantParams := []any{map[string]any{"to": strings.ToLower(DefaultStakingAddress), "data": "0xc51d020e"}, "latest"}
	if call.Method != "eth_call" || !reflect.DeepEqual(call.Params, wantParams) {
		t.Fatalf("RPC call = %s", calls[0].Body)
	}

	if got := c.ConnectedNodes(); !reflect.DeepEqual(got, urls) {
		t.Fatalf("ConnectedNodes = %v, want %v", got, urls)
	}
	if c.MinNodeCount() != 2 || c.Epoch() != 10 || c.NetworkPublicKey() != netKey || c.SubnetPublicKey() != netKey || c.NetworkPublicKeySet() != netKey {
		t.Fatalf("state: min %d epoch %d key %q", c.MinNodeCount(), c.Epoch(), c.NetworkPublicKey())
	}
	if got := c.HDRootPubkeys(); len(got) != 1 || got[0] != "02"+strings.Repeat("77", 32) {
		t.Fatalf("HDRootPubkeys = %v", got)
	}
	if c.ServerPublicKey(urls[1]) != strings.Repeat("5e", 32) {
		t.Fatalf("ServerPublicKey = %q", c.ServerPublicKey(urls[1]))
	}
	if h, err := c.LatestBlockhash(context.Background()); err != nil || h != hash1 {
		t.Fatalf("LatestBlockhash = %q, %v", h, err)
	}

	// The handshake requests: headers, one request id, body.
	reqs := f.requests(HandshakePath)
	if len(reqs) != 3 {
		t.Fatalf("%d handshakes, want 3", len(reqs))
	}
	id := reqs[0].Header["X-Request-Id"]
	if !strings.HasPrefix(id, "lit_") || len(id) != 4+32 {
		t.Fatalf("X-Request-Id = %q", id)
	}
	challenges := map[string]bool{}
	for _, r := range reqs {
		if r.Method != "POST" {
			t.Errorf("method %s", r.Method)
		}
		for k, v := range map[string]string{
			"Content-Type": "application/json", "Accept": "application/json",
			"X-Lit-SDK-Version": "7.4.0", "X-Lit-SDK-Type": "Typescript", "X-Request-Id": id,
		} {
			if r.Header[k] != v {
				t.Errorf("header %s = %q, want %q", k, r.Header[k], v)
			}
		}
		var body map[string]any
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		ch, _ := body["challenge"].(string)
		if _, err := hex.DecodeString(ch); err != nil || len(ch) != 64 || len(body) != 3 || body["clientPublicKey"] != "test" || body["epoch"] != 10.0 {
			t.Errorf("handshake body = %s", r.Body)
		}
		challenges[ch] = true
	}
	if len(challenges) != 3 {
		t.Errorf("challenges are not fresh per node: %v", challenges)
	}
}

func TestConnectSendsPreviousEpochRightAfterChange(t *testing.T) {
	const rpcURL = "http://127.0.0.1:8545"
	f := newFake()
	clock := testutil.NewClock(time.Unix(1_700_000_000, 0))
	set := ValidatorSet{
		Epoch:        Epoch{Length: 3600, Number: 10, EndTime: 1_700_000_000 - 10 + 3600}, // started 10 s ago
		MinNodeCount: 1,
		Validators:   []Validator{{IP: 0x7f000001, Port: 7470}},
	}
	f.serveStaking(t, rpcURL, set)
	f.serveHandshake(nodeURLs(1)[0], handshakeAnswer(hash1))
	c, _ := New(Config{Transport: f, RPCURL: rpcURL, Now: clock.Now})
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	var body HandshakeRequest
	json.Unmarshal(f.requests(HandshakePath)[0].Body, &body)
	if body.Epoch != 9 || c.Epoch() != 9 {
		t.Fatalf("sent epoch %d, Epoch() %d; want 9 in the first 45 s", body.Epoch, c.Epoch())
	}
	clock.Advance(40 * time.Second)
	if c.Epoch() != 10 {
		t.Fatalf("Epoch() = %d after 50 s, want 10", c.Epoch())
	}
}

func TestMostCommon(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"a", "b", "a"}, "a"},
		{[]string{"a", "b"}, "b"},           // tie: last listed
		{[]string{"a", "b", "b", "a"}, "a"}, // tie: last listed
		{[]string{"b", "a", "a", "b", "c"}, "b"},
		{[]string{"", "", "a"}, "a"}, // missing values do not vote
		{nil, ""},
	} {
		if got := mostCommon(tc.in); got != tc.want {
			t.Errorf("mostCommon(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDisagreeingBlockhashes(t *testing.T) {
	for _, tc := range []struct {
		hashes []string
		want   string
	}{
		{[]string{hash1, hash2, hash1}, hash1},
		{[]string{hash1, hash2, hash3}, hash3},
		{[]string{hash2, hash1, hash1, hash2}, hash2},
		{[]string{hash1, "", ""}, hash1},
	} {
		f := newFake()
		urls := nodeURLs(len(tc.hashes))
		for i, u := range urls {
			f.serveHandshake(u, handshakeAnswer(tc.hashes[i]))
		}
		c := newBootstrapClient(t, f, urls, 1)
		if err := c.Connect(context.Background()); err != nil {
			t.Fatal(err)
		}
		if h, _ := c.LatestBlockhash(context.Background()); h != tc.want {
			t.Errorf("hashes %v: got %s, want %s", tc.hashes, h, tc.want)
		}
	}
}

func TestMostCommonKeysAndERR(t *testing.T) {
	f := newFake()
	urls := nodeURLs(3)
	other := strings.Repeat("b2", 48)
	a, b, c3 := handshakeAnswer(hash1), handshakeAnswer(hash1), handshakeAnswer(hash1)
	a.NetworkPublicKey = other
	b.NetworkPublicKey = other
	c3.HDRootPubkeys = []string{}
	f.serveHandshake(urls[0], a)
	f.serveHandshake(urls[1], b)
	f.set(urls[2]+HandshakePath, func(context.Context, Request) (Response, error) {
		// "ERR" values are treated as missing and do not vote.
		return Response{Status: 200, Body: []byte(`{"networkPublicKey":"ERR","subnetPublicKey":"ERR","latestBlockhash":"` + hash2 + `"}`)}, nil
	})
	c := newBootstrapClient(t, f, urls, 3)
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.NetworkPublicKey() != other || c.SubnetPublicKey() != netKey {
		t.Fatalf("network %s subnet %s", c.NetworkPublicKey(), c.SubnetPublicKey())
	}
	if h, _ := c.LatestBlockhash(context.Background()); h != hash1 {
		t.Fatalf("blockhash %s", h)
	}
}

func TestConnectToleratesNodeDown(t *testing.T) {
	f := newFake()
	urls := nodeURLs(3)
	f.serveHandshake(urls[0], handshakeAnswer(hash1))
	f.serveHandshake(urls[2], handshakeAnswer(hash1)) // urls[1] is down
	c := newBootstrapClient(t, f, urls, 2)
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := c.ConnectedNodes(), []string{urls[0], urls[2]}; !reflect.DeepEqual(got, want) {
		t.Fatalf("ConnectedNodes = %v, want %v", got, want)
	}
	if got := c.ValidatorURLs(); !reflect.DeepEqual(got, urls) {
		t.Fatalf("ValidatorURLs = %v", got)
	}
}

func TestBadNodeAnswersDoNotVote(t *testing.T) {
	bad := map[string]string{
		"not json":         `<html>oops</html>`,
		"truncated":        `{"latestBlockhash":"0x`,
		"array":            `[1,2,3]`,
		"short blockhash":  `{"latestBlockhash":"0x1234"}`,
		"nonhex blockhash": `{"latestBlockhash":"0x` + strings.Repeat("zz", 32) + `"}`,
		"nonce injection":  `{"latestBlockhash":"0x` + strings.Repeat("11", 31) + `\nx"}`,
		"nonhex key":       `{"latestBlockhash":"` + hash2 + `","networkPublicKey":"xyz"}`,
		"short key":        `{"latestBlockhash":"` + hash2 + `","networkPublicKey":"abcd"}`,
		"wrong type":       `{"latestBlockhash":12}`,
		"bad hd key":       `{"latestBlockhash":"` + hash2 + `","hdRootPubkeys":["05` + strings.Repeat("00", 32) + `"]}`,
	}
	for name, body := range bad {
		f := newFake()
		urls := nodeURLs(3)
		f.serveHandshake(urls[0], handshakeAnswer(hash1))
		f.serveHandshake(urls[1], handshakeAnswer(hash1))
		f.set(urls[2]+HandshakePath, func(context.Context, Request) (Response, error) {
			return Response{Status: 200, Body: []byte(body)}, nil
		})
		c := newBootstrapClient(t, f, urls, 2)
		if err := c.Connect(context.Background()); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := c.ConnectedNodes(); len(got) != 2 {
			t.Errorf("%s: bad node connected: %v", name, got)
		}
		// With all three required, the bad node makes Connect fail.
		c = newBootstrapClient(t, f, urls, 3)
		err := c.Connect(context.Background())
		var ne *NotEnoughNodesError
		if !errors.As(err, &ne) || ne.Got != 2 || ne.Needed != 3 || ne.Failed[urls[2]] == nil {
			t.Fatalf("%s: err = %v, want NotEnoughNodesError naming %s", name, err, urls[2])
		}
		if strings.ContainsAny(err.Error(), "\r\x00") || strings.Contains(err.Error(), "\nx") {
			t.Errorf("%s: unsanitized error: %q", name, err)
		}
	}
}

func TestNotEnoughNodes(t *testing.T) {
	f := newFake()
	urls := nodeURLs(3)
	f.serveHandshake(urls[0], handshakeAnswer(hash1))
	f.set(urls[1]+HandshakePath, func(context.Context, Request) (Response, error) {
		return jsonResponse(503, map[string]any{
			"errorKind": "Unexpected", "errorCode": "NodeNotReady", "status": 503,
			"message": "node is\x1b[31m syncing", "correlationId": "lit_abc",
		}), nil
	})
	c := newBootstrapClient(t, f, urls, 2)
	err := c.Connect(context.Background())
	var ne *NotEnoughNodesError
	if !errors.As(err, &ne) {
		t.Fatalf("err = %v (%T), want *NotEnoughNodesError", err, err)
	}
	if ne.Needed != 2 || ne.Got != 1 || ne.Total != 3 || len(ne.Failed) != 2 {
		t.Fatalf("%+v", ne)
	}
	var nodeErr *NodeError
	if !errors.As(ne.Failed[urls[1]], &nodeErr) || nodeErr.Code != "NodeNotReady" || nodeErr.Kind != "Unexpected" ||
		nodeErr.Status != 503 || nodeErr.HTTPStatus != 503 || nodeErr.CorrelationID != "lit_abc" || nodeErr.Message != "node is[31m syncing" {
		t.Fatalf("node error = %#v", ne.Failed[urls[1]])
	}
	msg := err.Error()
	for _, want := range []string{"only 1 of 3", "at least 2", urls[1], urls[2], "NodeNotReady", "connection refused", "Check"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error message lacks %q:\n%s", want, msg)
		}
	}
	if c.Connected() {
		t.Fatal("connected after failure")
	}
}

func TestNodesUnreachable(t *testing.T) {
	f := newFake()
	c := newBootstrapClient(t, f, nodeURLs(2), 1)
	err := c.Connect(context.Background())
	var ue *NodesUnreachableError
	if !errors.As(err, &ue) || len(ue.Failed) != 2 {
		t.Fatalf("err = %v, want *NodesUnreachableError", err)
	}
	var ne *NotEnoughNodesError
	if errors.As(err, &ne) {
		t.Fatal("unreachable is also NotEnoughNodes")
	}
}

func TestHandshakeTimeout(t *testing.T) {
	f := newFake()
	urls := nodeURLs(2)
	f.serveHandshake(urls[0], handshakeAnswer(hash1))
	release := make(chan struct{})
	defer close(release)
	// A node that ignores ctx entirely must not hold up Connect.
	f.set(urls[1]+HandshakePath, func(ctx context.Context, _ Request) (Response, error) {
		<-release
		return Response{}, errors.New("late")
	})
	c := newBootstrapClient(t, f, urls, 2, func(c *Config) { c.Timeout = 50 * time.Millisecond })
	start := time.Now()
	err := c.Connect(context.Background())
	var ne *NotEnoughNodesError
	if !errors.As(err, &ne) || !strings.Contains(ne.Failed[urls[1]].Error(), "no answer within 50ms") {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("timeout not enforced")
	}
}

func TestNoBlockhashAnywhere(t *testing.T) {
	f := newFake()
	urls := nodeURLs(2)
	for _, u := range urls {
		f.serveHandshake(u, handshakeAnswer(""))
	}
	c := newBootstrapClient(t, f, urls, 1)
	if err := c.Connect(context.Background()); err == nil || !strings.Contains(err.Error(), "latestBlockhash is not available") {
		t.Fatalf("err = %v", err)
	}
}

func TestBootstrapEpochFromHandshake(t *testing.T) {
	f := newFake()
	urls := nodeURLs(1)
	f.serveHandshake(urls[0], handshakeAnswer(hash1))
	c := newBootstrapClient(t, f, urls, 1)
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.Epoch() != 10 {
		t.Fatalf("Epoch = %d, want 10 from the handshake", c.Epoch())
	}
	c = newBootstrapClient(t, f, urls, 1, func(c *Config) { c.Epoch = 7 })
	c.Connect(context.Background())
	if c.Epoch() != 7 {
		t.Fatalf("Epoch = %d, want configured 7", c.Epoch())
	}
}

func TestBlockhashRefresh(t *testing.T) {
	const rpcURL = "http://127.0.0.1:8545"
	f := newFake()
	clock := testutil.NewClock(time.Unix(1_700_000_000, 0))
	urls := nodeURLs(2)
	for _, u := range urls {
		f.serveHandshake(u, handshakeAnswer(hash1))
	}
	indexer := rpcURL + BlockIndexerPath
	c := newBootstrapClient(t, f, urls, 2, func(c *Config) {
		c.RPCURL = rpcURL
		c.Now = clock.Now
	})
	ctx := context.Background()
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	get := func() string {
		t.Helper()
		h, err := c.LatestBlockhash(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}

	// Within 30 s: cached, no request.
	clock.Advance(29 * time.Second)
	if get() != hash1 || len(f.requests(BlockIndexerPath)) != 0 {
		t.Fatal("refreshed within 30 s")
	}

	// After 30 s: the indexer answers.
	f.set(indexer, func(_ context.Context, req Request) (Response, error) {
		if req.Method != "GET" {
			t.Errorf("indexer method %s", req.Method)
		}
		return jsonResponse(200, map[string]any{"blockhash": hash2, "timestamp": fmt.Sprint(clock.Now().Unix()), "blockNumber": 5}), nil
	})
	clock.Advance(2 * time.Second)
	if get() != hash2 || len(f.requests(BlockIndexerPath)) != 1 {
		t.Fatal("not refreshed from the indexer after 30 s")
	}
	clock.Advance(10 * time.Second)
	if get() != hash2 || len(f.requests(BlockIndexerPath)) != 1 {
		t.Fatal("indexer answer not cached")
	}

	// Indexer broken (bad hash): fall back to a new handshake.
	f.set(indexer, func(context.Context, Request) (Response, error) {
		return jsonResponse(200, map[string]any{"blockhash": "0xnope"}), nil
	})
	for _, u := range urls {
		f.serveHandshake(u, handshakeAnswer(hash3))
	}
	clock.Advance(31 * time.Second)
	if get() != hash3 {
		t.Fatal("not refreshed by handshake")
	}

	// Everything down: the stale hash is still served for a while...
	f.set(indexer, nil)
	for _, u := range urls {
		f.set(u+HandshakePath, nil)
	}
	clock.Advance(time.Hour)
	if get() != hash3 {
		t.Fatal("stale hash not served")
	}
	// ...but not forever.
	clock.Advance(MaxStaleBlockhash)
	if _, err := c.LatestBlockhash(ctx); err == nil || !strings.Contains(err.Error(), "cannot refresh") {
		t.Fatalf("err = %v", err)
	}
}

func TestLatestBlockhashNotConnected(t *testing.T) {
	c := newBootstrapClient(t, newFake(), nodeURLs(1), 1)
	if _, err := c.LatestBlockhash(context.Background()); err == nil || !strings.Contains(err.Error(), "Connect") {
		t.Fatalf("err = %v", err)
	}
	if _, err := c.SendToNodes(context.Background(), "/x", nil); err == nil {
		t.Fatal("SendToNodes before Connect")
	}
}

func TestSendToNodes(t *testing.T) {
	f := newFake()
	urls := nodeURLs(3)
	for _, u := range urls {
		f.serveHandshake(u, handshakeAnswer(hash1))
	}
	c := newBootstrapClient(t, f, urls, 2, func(c *Config) { c.Epoch = 12 })
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	const path = "/web/pkp/sign/v1"
	f.set(urls[0]+path, func(_ context.Context, req Request) (Response, error) {
		return Response{Status: 200, Body: req.Body}, nil // echo
	})
	f.set(urls[1]+path, func(context.Context, Request) (Response, error) {
		return jsonResponse(400, map[string]any{"errorKind": "Validation", "errorCode": "NodeInvalidAuthSig", "status": 400, "message": "bad sig"}), nil
	})
	f.set(urls[2]+path, func(context.Context, Request) (Response, error) {
		return Response{Status: 200, Body: []byte("not json")}, nil
	})
	replies, err := c.SendToNodes(context.Background(), path, map[string][]byte{
		urls[2]: []byte(`{"n":2}`),
		urls[0]: []byte(` { "toSign" : [1,2], "pubkey":"0x04" } `),
		urls[1]: []byte(`{}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(replies) != 3 || replies[0].URL != urls[0] || replies[1].URL != urls[1] || replies[2].URL != urls[2] {
		t.Fatalf("replies not in validator order: %+v", replies)
	}
	if replies[0].Err != nil || string(replies[0].Body) != `{ "toSign" : [1,2], "pubkey":"0x04","epoch":12}` {
		t.Fatalf("reply 0: %s %v", replies[0].Body, replies[0].Err)
	}
	var nodeErr *NodeError
	if !errors.As(replies[1].Err, &nodeErr) || nodeErr.Code != "NodeInvalidAuthSig" || replies[1].Status != 400 {
		t.Fatalf("reply 1: %v", replies[1].Err)
	}
	if replies[2].Err == nil {
		t.Fatal("non-JSON reply accepted")
	}
	reqs := f.requests(path)
	ids := map[string]bool{}
	for _, r := range reqs {
		ids[r.Header["X-Request-Id"]] = true
		if r.Header["X-Lit-SDK-Version"] != "7.4.0" {
			t.Errorf("missing SDK header")
		}
	}
	if len(ids) != 1 || !ids[replies[0].RequestID] {
		t.Fatalf("request ids %v", ids)
	}
	for _, r := range reqs {
		if strings.HasPrefix(r.URL, urls[1]) && string(r.Body) != `{"epoch":12}` {
			t.Errorf("empty body became %s", r.Body)
		}
	}

	if err := CheckQuorum("pkp sign", replies, 1); err != nil {
		t.Fatal(err)
	}
	err = CheckQuorum("pkp sign", replies, 3)
	var ne *NotEnoughNodesError
	if !errors.As(err, &ne) || ne.Got != 1 || !strings.HasPrefix(err.Error(), "pkp sign:") {
		t.Fatalf("CheckQuorum = %v", err)
	}

	// Misuse.
	for name, bodies := range map[string]map[string][]byte{
		"unknown node": {"http://10.0.0.1:1": []byte(`{}`)},
		"not object":   {urls[0]: []byte(`[1]`)},
		"has epoch":    {urls[0]: []byte(`{"epoch":1}`)},
		"invalid":      {urls[0]: []byte(`{`)},
	} {
		if _, err := c.SendToNodes(context.Background(), path, bodies); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	f := newFake()
	for name, cfg := range map[string]Config{
		"no transport":      {RPCURL: "http://127.0.0.1:8545"},
		"nothing":           {Transport: f},
		"bad rpc":           {Transport: f, RPCURL: "127.0.0.1:8545"},
		"bad staking":       {Transport: f, RPCURL: "http://x", StakingAddress: "0x12"},
		"min too high":      {Transport: f, BootstrapURLs: nodeURLs(2), MinNodeCount: 3},
		"min zero":          {Transport: f, BootstrapURLs: nodeURLs(2)},
		"bootstrap path":    {Transport: f, BootstrapURLs: []string{"http://127.0.0.1:1/web"}, MinNodeCount: 1},
		"bootstrap scheme":  {Transport: f, BootstrapURLs: []string{"ftp://127.0.0.1:1"}, MinNodeCount: 1},
		"bootstrap dup":     {Transport: f, BootstrapURLs: []string{"http://a:1", "http://a:1/"}, MinNodeCount: 1},
		"negative timeout":  {Transport: f, RPCURL: "http://x", Timeout: -1},
		"bad blockhash url": {Transport: f, RPCURL: "http://x", BlockhashURL: "x"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	c, err := New(Config{Transport: f, BootstrapURLs: []string{"http://127.0.0.1:7470/"}, MinNodeCount: 1})
	if err != nil || c.bootstrap[0] != "http://127.0.0.1:7470" {
		t.Fatalf("trailing slash not removed: %v", err)
	}
}

func TestDiscoveryErrors(t *testing.T) {
	const rpcURL = "http://127.0.0.1:8545"
	for name, tc := range map[string]struct {
		resp Response
		want string
	}{
		"rpc error":   {jsonResponse(200, map[string]any{"jsonrpc": "2.0", "id": 1, "error": map[string]any{"code": -32000, "message": "execution reverted"}}), "execution reverted"},
		"no contract": {jsonResponse(200, map[string]any{"jsonrpc": "2.0", "id": 1, "result": "0x"}), "no staking contract"},
		"garbage":     {Response{Status: 502, Body: []byte("bad gateway")}, "no JSON-RPC response"},
		"bad abi":     {jsonResponse(200, map[string]any{"jsonrpc": "2.0", "id": 1, "result": "0x1234"}), "malformed validator set"},
		"not hex":     {jsonResponse(200, map[string]any{"jsonrpc": "2.0", "id": 1, "result": "0xzz"}), "not hex"},
		"zero count": {func() Response {
			d, _ := EncodeValidatorSet(ValidatorSet{Validators: []Validator{{IP: 1, Port: 1}}})
			return jsonResponse(200, map[string]any{"jsonrpc": "2.0", "id": 1, "result": "0x" + hex.EncodeToString(d)})
		}(), "does not meet the threshold"},
	} {
		f := newFake()
		f.set(rpcURL, func(context.Context, Request) (Response, error) { return tc.resp, nil })
		c, _ := New(Config{Transport: f, RPCURL: rpcURL})
		err := c.Connect(context.Background())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
	}
	c, _ := New(Config{Transport: newFake(), RPCURL: rpcURL})
	if err := c.Connect(context.Background()); err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("unreachable rpc: %v", err)
	}
}

func TestParseHandshakeNormalizes(t *testing.T) {
	h, err := ParseHandshakeResponse([]byte(`{"networkPublicKey":"0x` + strings.ToUpper(netKey) + `","latestBlockhash":"0x` + strings.Repeat("AB", 32) + `","hdRootPubkeys":null,"epoch":"x","nodeVersion":"1.2\u0000"}`))
	if err != nil {
		t.Fatal(err)
	}
	if h.NetworkPublicKey != netKey || h.LatestBlockhash != "0x"+strings.Repeat("ab", 32) || h.HDRootPubkeys != nil || h.Epoch != 0 || h.NodeVersion != "1.2" {
		t.Fatalf("%+v", h)
	}
}

func FuzzParseHandshakeResponse(f *testing.F) {
	good, _ := json.Marshal(handshakeAnswer(hash1))
	f.Add(good)
	f.Add([]byte(`{"latestBlockhash":"ERR","hdRootPubkeys":"ERR"}`))
	f.Add([]byte(`{"latestBlockhash":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		h, err := ParseHandshakeResponse(body)
		if err != nil {
			return
		}
		if h.LatestBlockhash != "" && !ValidBlockhash(h.LatestBlockhash) {
			t.Fatalf("invalid blockhash accepted: %q", h.LatestBlockhash)
		}
		for _, k := range append([]string{h.ServerPublicKey, h.SubnetPublicKey, h.NetworkPublicKey, h.NetworkPublicKeySet}, h.HDRootPubkeys...) {
			if _, err := hex.DecodeString(k); err != nil {
				t.Fatalf("non-hex key accepted: %q", k)
			}
		}
		// What a node sent must survive a round trip through the wire form.
		b, err := json.Marshal(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseHandshakeResponse(b); err != nil {
			t.Fatalf("re-parse: %v", err)
		}
	})
}
