package devnet

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/internal/testutil"
)

func start(t *testing.T, cfg Config) *Network {
	t.Helper()
	n, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// httpClient returns a client whose idle connections are closed at cleanup.
func httpClient(t *testing.T) *http.Client {
	c := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, c *http.Client, method, url string, header map[string]string, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

func handshakeBody(epoch uint64) []byte {
	return []byte(fmt.Sprintf(`{"clientPublicKey":"test","challenge":"%s","epoch":%d}`, strings.Repeat("ab", 32), epoch))
}

func TestCoreClientConnects(t *testing.T) {
	logs := &testutil.SyncBuffer{}
	n := start(t, Config{Logger: logs})
	if len(n.NodeURLs) != 3 || n.Threshold != 2 {
		t.Fatalf("defaults: %d nodes, threshold %d", len(n.NodeURLs), n.Threshold)
	}
	tr := httptransport.New(nil)
	defer tr.CloseIdleConnections()
	c, err := node.New(node.Config{Transport: tr, RPCURL: n.RPCURL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.ConnectedNodes(), " "); got != strings.Join(n.NodeURLs, " ") {
		t.Fatalf("ConnectedNodes = %s, want %s", got, n.NodeURLs)
	}
	if c.NetworkPublicKey() != n.NetworkPublicKey || c.SubnetPublicKey() != n.NetworkPublicKey || c.MinNodeCount() != 2 || c.Epoch() != DefaultEpoch {
		t.Fatalf("key %s min %d epoch %d", c.NetworkPublicKey(), c.MinNodeCount(), c.Epoch())
	}
	if got := strings.Join(c.HDRootPubkeys(), ","); got != strings.Join(n.HDRootPubkeys, ",") {
		t.Fatalf("HDRootPubkeys = %s", got)
	}
	for i, u := range n.NodeURLs {
		if c.ServerPublicKey(u) != n.Nodes[i].ServerPublicKey {
			t.Errorf("server key of %s", u)
		}
	}
	hash, err := c.LatestBlockhash(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !n.RecentBlockhash(hash) {
		t.Fatalf("handshake blockhash %s is not a recent devnet block", hash)
	}
	for _, want := range []string{"devnet rpc POST / 200", "devnet node0 POST /web/handshake/ 200", "devnet node2 POST /web/handshake/ 200"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs.String(), "challenge") || strings.Contains(logs.String(), "c51d020e") {
		t.Errorf("log contains request bodies:\n%s", logs)
	}
}

func TestNetworkKeyIsRealBLS(t *testing.T) {
	skBytes := make([]byte, 32)
	skBytes[31] = 7
	n := start(t, Config{NetworkSecretKey: skBytes})
	raw, err := hex.DecodeString(n.NetworkPublicKey)
	if err != nil || len(raw) != 48 {
		t.Fatalf("NetworkPublicKey %q is not 48 bytes of hex", n.NetworkPublicKey)
	}
	var pk bls12381.G1Affine
	if _, err := pk.SetBytes(raw); err != nil {
		t.Fatalf("not a G1 point: %v", err)
	}
	_, _, g1, _ := bls12381.Generators()
	var want bls12381.G1Affine
	want.ScalarMultiplication(&g1, big.NewInt(7))
	if !pk.Equal(&want) {
		t.Fatal("NetworkPublicKey is not sk·G1")
	}
	sk := n.NetworkSecretKey()
	if sk.BigInt(new(big.Int)).Int64() != 7 {
		t.Fatal("NetworkSecretKey does not return the configured key")
	}
	// A random key is a valid, different point.
	m := start(t, Config{})
	raw, _ = hex.DecodeString(m.NetworkPublicKey)
	if _, err := pk.SetBytes(raw); err != nil || m.NetworkPublicKey == n.NetworkPublicKey {
		t.Fatalf("random key: %v", err)
	}
}

func TestHandshakeResponse(t *testing.T) {
	n := start(t, Config{Nodes: 2})
	c := httpClient(t)
	a := do(t, c, "POST", n.NodeURLs[1]+"/web/handshake/", map[string]string{"X-Lit-SDK-Version": "7.4.0", "Content-Type": "application/json"}, handshakeBody(DefaultEpoch))
	if a.status != 200 || a.header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, content type %q: %s", a.status, a.header.Get("Content-Type"), a.body)
	}
	var m map[string]any
	json.Unmarshal(a.body, &m)
	for _, k := range []string{"serverPublicKey", "subnetPublicKey", "networkPublicKey", "networkPublicKeySet", "hdRootPubkeys", "latestBlockhash", "clientSdkVersion", "nodeVersion", "epoch"} {
		if _, ok := m[k]; !ok {
			t.Errorf("handshake lacks %s: %s", k, a.body)
		}
	}
	if m["clientSdkVersion"] != "7.4.0" || m["epoch"] != float64(DefaultEpoch) {
		t.Errorf("handshake: %s", a.body)
	}
	h, err := node.ParseHandshakeResponse(a.body)
	if err != nil {
		t.Fatal(err)
	}
	if h.NetworkPublicKey != n.NetworkPublicKey || !n.RecentBlockhash(h.LatestBlockhash) || len(h.HDRootPubkeys) == 0 {
		t.Fatalf("%+v", h)
	}
	// The previous epoch is accepted too (clients send it for 45 s).
	if a := do(t, c, "POST", n.NodeURLs[0]+"/web/handshake/", nil, handshakeBody(DefaultEpoch-1)); a.status != 200 {
		t.Fatalf("previous epoch: %d %s", a.status, a.body)
	}
}

func TestCORS(t *testing.T) {
	n := start(t, Config{Nodes: 1})
	c := httpClient(t)
	for _, target := range []struct{ url, headers string }{
		{n.NodeURLs[0] + "/web/handshake/", "content-type,x-lit-sdk-type,x-lit-sdk-version,x-request-id"},
		{n.RPCURL, "content-type"},
		{n.NodeURLs[0] + "/web/not/yet/registered", "content-type"},
	} {
		a := do(t, c, "OPTIONS", target.url, map[string]string{
			"Origin":                                 "http://127.0.0.1:8600",
			"Access-Control-Request-Method":          "POST",
			"Access-Control-Request-Headers":         target.headers,
			"Access-Control-Request-Private-Network": "true",
		}, nil)
		if a.status != http.StatusNoContent {
			t.Errorf("%s: preflight status %d", target.url, a.status)
		}
		for k, v := range map[string]string{
			"Access-Control-Allow-Origin":          "*",
			"Access-Control-Allow-Methods":         "GET, POST, OPTIONS",
			"Access-Control-Allow-Headers":         "content-type,x-lit-sdk-type,x-lit-sdk-version,x-request-id",
			"Access-Control-Max-Age":               "86400",
			"Access-Control-Allow-Private-Network": "true",
		} {
			if got := a.header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", target.url, k, got, v)
			}
		}
	}
	// Actual answers, including errors, carry the origin header too.
	for _, url := range []string{n.NodeURLs[0] + "/nope", n.RPCURL} {
		a := do(t, c, "POST", url, nil, []byte(`{}`))
		if a.header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s: no CORS header on a %d answer", url, a.status)
		}
	}
}

func TestBadRequestsGetLitErrors(t *testing.T) {
	n := start(t, Config{Nodes: 1})
	c := httpClient(t)
	hs := n.NodeURLs[0] + "/web/handshake/"
	for _, tc := range []struct {
		name       string
		method     string
		url        string
		body       []byte
		status     int
		kind, code string
		msg        string
	}{
		{"malformed", "POST", hs, []byte(`{"challenge":`), 400, KindParser, "NodeParserError", "not valid JSON"},
		{"not json", "POST", hs, []byte(`hello`), 400, KindParser, "NodeParserError", "not valid JSON"},
		{"empty", "POST", hs, nil, 400, KindParser, "NodeParserError", "empty"},
		{"trailing", "POST", hs, append(handshakeBody(DefaultEpoch), []byte(` {}`)...), 400, KindParser, "NodeParserError", "after the JSON"},
		{"oversized", "POST", hs, []byte(`{"challenge":"` + strings.Repeat("a", 2<<20) + `"}`), 413, KindValidation, "NodeBodyTooLarge", "larger than 1048576"},
		{"wrong type", "POST", hs, []byte(`{"challenge":5}`), 400, KindValidation, "NodeInvalidParameter", "challenge must be a string"},
		{"negative epoch", "POST", hs, []byte(`{"challenge":"` + strings.Repeat("ab", 32) + `","epoch":-1}`), 400, KindValidation, "NodeInvalidParameter", "epoch must be a non-negative integer"},
		{"array body", "POST", hs, []byte(`[]`), 400, KindValidation, "NodeInvalidParameter", "must be an object"},
		{"no challenge", "POST", hs, []byte(`{}`), 400, KindValidation, "NodeInvalidParameter", "challenge is missing"},
		{"bad challenge", "POST", hs, []byte(`{"challenge":"xyz"}`), 400, KindValidation, "NodeInvalidParameter", "64 hex digits"},
		{"wrong epoch", "POST", hs, handshakeBody(3), 400, KindValidation, "NodeInvalidEpoch", "not the current epoch 10"},
		{"unknown path", "POST", n.NodeURLs[0] + "/web/nope", []byte(`{}`), 404, KindValidation, "NodeNotFound", "/web/nope"},
		{"no slash", "POST", n.NodeURLs[0] + "/web/handshake", handshakeBody(DefaultEpoch), 404, KindValidation, "NodeNotFound", ""},
		{"wrong method", "GET", hs, nil, 405, KindValidation, "NodeMethodNotAllowed", "use POST"},
		{"rpc unknown path", "GET", n.RPCURL + "/nope", nil, 404, KindValidation, "NodeNotFound", ""},
		{"rpc wrong method", "GET", n.RPCURL, nil, 405, KindValidation, "NodeMethodNotAllowed", ""},
	} {
		a := do(t, c, tc.method, tc.url, map[string]string{"X-Request-Id": "lit_feed"}, tc.body)
		if a.status != tc.status || a.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: status %d content type %q, want %d JSON: %s", tc.name, a.status, a.header.Get("Content-Type"), tc.status, a.body)
			continue
		}
		var e Error
		if err := json.Unmarshal(a.body, &e); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if e.Kind != tc.kind || e.Code != tc.code || e.Status != tc.status || e.CorrelationID != "lit_feed" || !strings.Contains(e.Message, tc.msg) || e.Details == nil {
			t.Errorf("%s: %+v", tc.name, e)
		}
		if tc.status == 405 && a.header.Get("Allow") == "" {
			t.Errorf("%s: no Allow header", tc.name)
		}
	}
	// A fresh correlation id when the request has none or a bad one.
	a := do(t, c, "POST", n.NodeURLs[0]+"/x", map[string]string{"X-Request-Id": "bad id; drop table"}, nil)
	var e Error
	json.Unmarshal(a.body, &e)
	if !strings.HasPrefix(e.CorrelationID, "lit_") || len(e.CorrelationID) != 36 {
		t.Errorf("correlation id %q", e.CorrelationID)
	}
}

type rpcAnswer struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *rpcError       `json:"error"`
}

func rpc(t *testing.T, c *http.Client, url, method string, params ...any) rpcAnswer {
	t.Helper()
	if params == nil {
		params = []any{}
	}
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 42, "method": method, "params": params})
	a := do(t, c, "POST", url, map[string]string{"Content-Type": "application/json"}, body)
	if a.status != 200 || a.header.Get("Content-Type") != "application/json" {
		t.Fatalf("%s: HTTP %d %q", method, a.status, a.header.Get("Content-Type"))
	}
	var out rpcAnswer
	if err := json.Unmarshal(a.body, &out); err != nil {
		t.Fatal(err)
	}
	if string(out.ID) != "42" {
		t.Fatalf("%s: id %s", method, out.ID)
	}
	return out
}

func TestRPC(t *testing.T) {
	clock := testutil.NewClock(time.Unix(1_800_000_000, 0))
	n := start(t, Config{Nodes: 2, Threshold: 2, Now: clock.Now, ChainID: 175188})
	c := httpClient(t)
	str := func(a rpcAnswer) string {
		var s string
		json.Unmarshal(a.Result, &s)
		return s
	}
	if got := str(rpc(t, c, n.RPCURL, "eth_chainId")); got != "0x2ac54" {
		t.Errorf("eth_chainId = %s", got)
	}
	if got := str(rpc(t, c, n.RPCURL, "net_version")); got != "175188" {
		t.Errorf("net_version = %s", got)
	}
	if got := str(rpc(t, c, n.RPCURL, "eth_blockNumber")); got != "0x3e8" {
		t.Errorf("eth_blockNumber = %s", got)
	}
	if got := string(rpc(t, c, n.RPCURL, "eth_getLogs", map[string]any{"fromBlock": "0x1"}).Result); got != "[]" {
		t.Errorf("eth_getLogs = %s", got)
	}

	// eth_call at any address answers the staking call.
	for _, to := range []string{node.DefaultStakingAddress, "0x0000000000000000000000000000000000000001"} {
		res := str(rpc(t, c, n.RPCURL, "eth_call", map[string]string{"to": to, "data": "0xc51d020e"}, "latest"))
		data, _ := hex.DecodeString(strings.TrimPrefix(res, "0x"))
		set, err := node.DecodeValidatorSet(data)
		if err != nil {
			t.Fatal(err)
		}
		urls, err := set.URLs()
		if err != nil || strings.Join(urls, " ") != strings.Join(n.NodeURLs, " ") || set.MinNodeCount != 2 || set.Epoch.Number != DefaultEpoch {
			t.Fatalf("staking answer: %+v %v", set, err)
		}
		if start := int64(set.Epoch.EndTime - set.Epoch.Length); clock.Now().Unix()-start <= 45 {
			t.Fatalf("epoch started only %d s ago; clients would send the previous one", clock.Now().Unix()-start)
		}
		if node.EpochToSend(set.Epoch, clock.Now().Unix()) != DefaultEpoch {
			t.Fatal("clients would not send the current epoch")
		}
		if set.Validators[0].NodeAddress == set.Validators[1].NodeAddress {
			t.Fatal("validators share a nodeAddress")
		}
	}
	if e := rpc(t, c, n.RPCURL, "eth_call", map[string]string{"to": "0x01", "data": "0x12345678"}, "latest").Error; e == nil || !strings.Contains(e.Message, "reverted") {
		t.Errorf("other selector: %+v", e)
	}
	if e := rpc(t, c, n.RPCURL, "eth_call", "nope").Error; e == nil || e.Code != rpcInvalidParams {
		t.Errorf("bad params: %+v", e)
	}
	if e := rpc(t, c, n.RPCURL, "eth_sendTransaction").Error; e == nil || e.Code != rpcMethodNotFound {
		t.Errorf("unknown method: %+v", e)
	}

	// Blocks.
	var blk map[string]any
	json.Unmarshal(rpc(t, c, n.RPCURL, "eth_getBlockByNumber", "latest", false).Result, &blk)
	if blk["number"] != "0x3e8" || blk["timestamp"] != "0x6b49d200" || blk["hash"] != n.Chain.Latest().Hash.Hex() {
		t.Errorf("latest block: %v", blk)
	}
	clock.Advance(4 * time.Second)
	json.Unmarshal(rpc(t, c, n.RPCURL, "eth_getBlockByNumber", "0x3e9", false).Result, &blk)
	if blk["number"] != "0x3e9" || blk["parentHash"] != rpcGenesisHash(n) {
		t.Errorf("block 0x3e9: %v", blk)
	}
	if got := string(rpc(t, c, n.RPCURL, "eth_getBlockByNumber", "0x99999", false).Result); got != "null" {
		t.Errorf("future block = %s", got)
	}

	// Batches and malformed bodies.
	a := do(t, c, "POST", n.RPCURL, nil, []byte(`[{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]},{"jsonrpc":"2.0","id":2,"method":"eth_blockNumber"}]`))
	var batch []rpcAnswer
	if err := json.Unmarshal(a.body, &batch); err != nil || len(batch) != 2 || string(batch[1].ID) != "2" || batch[1].Error != nil {
		t.Errorf("batch: %s", a.body)
	}
	a = do(t, c, "POST", n.RPCURL, nil, []byte(`{"method":`))
	var bad rpcAnswer
	json.Unmarshal(a.body, &bad)
	if a.status != 400 || bad.Error == nil || bad.Error.Code != rpcParseError || string(bad.ID) != "null" {
		t.Errorf("malformed: %d %s", a.status, a.body)
	}
	a = do(t, c, "POST", n.RPCURL, nil, []byte(`{"method":5}`))
	json.Unmarshal(a.body, &bad)
	if bad.Error == nil || bad.Error.Code != rpcInvalidRequest {
		t.Errorf("wrong type: %s", a.body)
	}
	a = do(t, c, "POST", n.RPCURL, nil, bytes.Repeat([]byte(" "), 2<<20))
	if a.status != 413 || a.header.Get("Content-Type") != "application/json" {
		t.Errorf("oversized: %d %s", a.status, a.body)
	}
}

func rpcGenesisHash(n *Network) string {
	b, _ := n.Chain.BlockByNumber(genesisNumber)
	return b.Hash.Hex()
}

func TestBlockhashAdvances(t *testing.T) {
	clock := testutil.NewClock(time.Unix(1_800_000_000, 0))
	n := start(t, Config{Nodes: 1, Now: clock.Now, BlockHistory: 50})
	c := httpClient(t)
	latest := func() (string, int64, float64) {
		a := do(t, c, "GET", n.RPCURL+"/get_most_recent_valid_block", nil, nil)
		var out struct {
			Blockhash   string  `json:"blockhash"`
			Timestamp   string  `json:"timestamp"`
			BlockNumber float64 `json:"blockNumber"`
		}
		if err := json.Unmarshal(a.body, &out); err != nil || a.status != 200 || a.header.Get("Content-Type") != "application/json" {
			t.Fatalf("get_most_recent_valid_block: %d %s", a.status, a.body)
		}
		ts, err := strconv.ParseInt(out.Timestamp, 10, 64)
		if err != nil {
			t.Fatalf("timestamp %q is not a decimal string", out.Timestamp)
		}
		return out.Blockhash, ts, out.BlockNumber
	}
	h0, ts0, n0 := latest()
	if !node.ValidBlockhash(h0) || ts0 != clock.Now().Unix() || n0 != genesisNumber {
		t.Fatalf("genesis: %s %d %v", h0, ts0, n0)
	}
	clock.Advance(1999 * time.Millisecond)
	if h, _, _ := latest(); h != h0 {
		t.Fatal("block advanced before the interval")
	}
	clock.Advance(time.Millisecond)
	h1, ts1, n1 := latest()
	if h1 == h0 || n1 != n0+1 || ts1 != ts0+2 {
		t.Fatalf("no new block after 2 s: %s %d %v", h1, ts1, n1)
	}
	b1 := n.Chain.Latest()
	if b1.ParentHash.Hex() != h0 || b1.Hash != nextHash(b1.ParentHash, b1.Number) {
		t.Fatal("hash is not keccak(parent || number)")
	}
	// Handshakes report the current block.
	h, err := node.ParseHandshakeResponse(do(t, c, "POST", n.NodeURLs[0]+"/web/handshake/", nil, handshakeBody(DefaultEpoch)).body)
	if err != nil || h.LatestBlockhash != h1 {
		t.Fatalf("handshake blockhash %s, want %s (%v)", h.LatestBlockhash, h1, err)
	}

	// Recency: known hashes are recent, others not; old ones fall out of
	// the history.
	if !n.RecentBlockhash(h0) || !n.RecentBlockhash("0x"+strings.ToUpper(h1[2:])) {
		t.Fatal("recent hashes not recognized")
	}
	for _, bad := range []string{"", "0x", h1[2:], "0x" + strings.Repeat("00", 32), h1 + "00", "0x" + strings.Repeat("zz", 32)} {
		if n.RecentBlockhash(bad) {
			t.Errorf("RecentBlockhash(%q) = true", bad)
		}
	}
	clock.Advance(100 * time.Second) // 50 blocks later
	if n.RecentBlockhash(h0) || n.RecentBlockhash(h1) {
		t.Fatal("hashes beyond the history still recent")
	}
	if !n.RecentBlockhash(n.Chain.Latest().Hash.Hex()) {
		t.Fatal("head not recent")
	}
	if _, ok := n.Chain.BlockByNumber(n.Chain.Latest().Number - 49); !ok {
		t.Fatal("history shorter than configured")
	}
	// A long pause keeps hashing through the gap but only remembers the
	// last blocks.
	head := n.Chain.Latest()
	clock.Advance(time.Hour)
	if got := n.Chain.Latest().Number; got != head.Number+1800 {
		t.Fatalf("after an hour head is %d, want %d", got, head.Number+1800)
	}
	if n.RecentBlockhash(head.Hash.Hex()) {
		t.Fatal("old head still recent")
	}
}

func TestBlockhashMaxAge(t *testing.T) {
	clock := testutil.NewClock(time.Unix(1_800_000_000, 0))
	n := start(t, Config{Nodes: 1, Now: clock.Now, BlockInterval: 24 * time.Hour})
	h0 := n.Chain.Latest().Hash.Hex()
	clock.Advance(30 * 24 * time.Hour)
	if !n.RecentBlockhash(h0) {
		t.Fatal("30-day-old hash rejected")
	}
	clock.Advance(time.Second)
	if n.RecentBlockhash(h0) {
		t.Fatal("hash older than 30 days accepted")
	}
}

func TestBlocksAdvanceInRealTime(t *testing.T) {
	n := start(t, Config{Nodes: 1, BlockInterval: 10 * time.Millisecond})
	h0 := n.Chain.Latest().Hash
	time.Sleep(30 * time.Millisecond)
	if n.Chain.Latest().Hash == h0 {
		t.Fatal("blockhash did not advance")
	}
}

func TestExtensionRoutes(t *testing.T) {
	n := start(t, Config{Nodes: 3, Threshold: 2})
	n.HandleAll("POST", "/web/pkp/sign/v1", func(nd *Node) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var req struct {
				ToSign []int  `json:"toSign"`
				Epoch  uint64 `json:"epoch"`
			}
			if !ReadJSON(w, r, &req) {
				return
			}
			if nd.Index == 2 {
				WriteError(w, r, http.StatusUnauthorized, KindValidation, "NodeInvalidAuthSig", "no")
				return
			}
			WriteJSON(w, 200, map[string]any{"url": nd.URL, "epoch": req.Epoch, "net": nd.Network().NetworkPublicKey, "requestId": r.Header.Get("X-Request-Id")})
		})
	})
	n.Nodes[0].HandleFunc("GET", "/panic", func(http.ResponseWriter, *http.Request) { panic("boom") })

	tr := httptransport.New(nil)
	defer tr.CloseIdleConnections()
	c, err := node.New(node.Config{Transport: tr, RPCURL: n.RPCURL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	bodies := map[string][]byte{}
	for _, u := range c.ConnectedNodes() {
		bodies[u] = []byte(`{"toSign":[1,2,3]}`)
	}
	replies, err := c.SendToNodes(ctx, "/web/pkp/sign/v1", bodies)
	if err != nil {
		t.Fatal(err)
	}
	if err := node.CheckQuorum("pkp sign", replies, 2); err != nil {
		t.Fatal(err)
	}
	var ne *node.NotEnoughNodesError
	if err := node.CheckQuorum("pkp sign", replies, 3); !errors.As(err, &ne) || !strings.Contains(err.Error(), "NodeInvalidAuthSig") {
		t.Fatalf("CheckQuorum(3) = %v", err)
	}
	for i, r := range replies[:2] {
		var out map[string]any
		json.Unmarshal(r.Body, &out)
		if out["url"] != n.NodeURLs[i] || out["epoch"] != float64(DefaultEpoch) || out["net"] != n.NetworkPublicKey || out["requestId"] != r.RequestID {
			t.Errorf("reply %d: %s", i, r.Body)
		}
	}

	// A panicking handler answers 500 JSON and the server keeps going.
	hc := httpClient(t)
	a := do(t, hc, "GET", n.NodeURLs[0]+"/panic", nil, nil)
	var e Error
	if json.Unmarshal(a.body, &e) != nil || a.status != 500 || e.Code != "NodeUnknownError" {
		t.Fatalf("panic: %d %s", a.status, a.body)
	}
	if a := do(t, hc, "POST", n.NodeURLs[0]+"/web/handshake/", nil, handshakeBody(DefaultEpoch)); a.status != 200 {
		t.Fatalf("server dead after panic: %d", a.status)
	}
}

func TestHandleRejectsBadRoutes(t *testing.T) {
	n := start(t, Config{Nodes: 1})
	for _, tc := range [][2]string{{"post", "/x"}, {"OPTIONS", "/x"}, {"POST", "x"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Handle(%q, %q) did not panic", tc[0], tc[1])
				}
			}()
			n.Nodes[0].HandleFunc(tc[0], tc[1], func(http.ResponseWriter, *http.Request) {})
		}()
	}
}

func TestReadyLine(t *testing.T) {
	n := start(t, Config{Nodes: 2})
	line := n.ReadyLine()
	if strings.Contains(line, "\n") {
		t.Fatal("ReadyLine has a newline")
	}
	var out struct {
		RPCURL           string   `json:"rpcUrl"`
		Nodes            []string `json:"nodes"`
		Threshold        int      `json:"threshold"`
		NetworkPublicKey string   `json:"networkPublicKey"`
	}
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out.RPCURL != n.RPCURL || len(out.Nodes) != 2 || out.Nodes[1] != n.NodeURLs[1] || out.Threshold != 2 || out.NetworkPublicKey != n.NetworkPublicKey {
		t.Fatalf("%s", line)
	}
}

func TestStartErrors(t *testing.T) {
	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	for name, tc := range map[string]struct {
		cfg  Config
		want string
	}{
		"rpc port busy":  {Config{RPCPort: busyPort}, "pick another port"},
		"node port busy": {Config{BasePort: busyPort, Nodes: 1}, "node 0"},
		"hostname":       {Config{Host: "localhost"}, "IPv4"},
		"ipv6":           {Config{Host: "::1"}, "IPv4"},
		"unspecified":    {Config{Host: "0.0.0.0"}, "IPv4"},
		"threshold":      {Config{Nodes: 2, Threshold: 3}, "Threshold"},
		"port range":     {Config{BasePort: 65535, Nodes: 2}, "BasePort"},
		"collision":      {Config{BasePort: 7470, RPCPort: 7471}, "collides"},
		"short key":      {Config{NetworkSecretKey: []byte{1}}, "32"},
		"zero key":       {Config{NetworkSecretKey: make([]byte, 32)}, "zero"},
		"key too big":    {Config{NetworkSecretKey: bytes.Repeat([]byte{0xff}, 32)}, "group order"},
	} {
		n, err := Start(context.Background(), tc.cfg)
		if err == nil {
			n.Close()
			t.Errorf("%s: started", name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
	}
}

func TestCloseStopsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	n, err := Start(context.Background(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	tr := httptransport.New(nil)
	c, _ := node.New(node.Config{Transport: tr, RPCURL: n.RPCURL})
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	tr.CloseIdleConnections()
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if err := n.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	select {
	case <-n.Done():
	default:
		t.Fatal("Done not closed")
	}
	for _, u := range append([]string{n.RPCURL}, n.NodeURLs...) {
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(u, "http://"), time.Second)
		if err == nil {
			conn.Close()
			t.Errorf("%s still accepts connections", u)
		}
	}
	waitGoroutines(t, before)
}

func TestContextCancelStops(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	n, err := Start(ctx, Config{Nodes: 1})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-n.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("network still running after cancel")
	}
	n.Close()
	waitGoroutines(t, before)
}

func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines leaked: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A client given bootstrap URLs does not know the epoch; it handshakes with
// epoch 0 and learns it from the answers.
func TestCoreClientBootstrapLearnsEpoch(t *testing.T) {
	n := start(t, Config{})
	tr := httptransport.New(nil)
	defer tr.CloseIdleConnections()
	c, err := node.New(node.Config{Transport: tr, BootstrapURLs: n.NodeURLs[:2], MinNodeCount: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.Epoch() != DefaultEpoch || len(c.ConnectedNodes()) != 2 || c.NetworkPublicKey() != n.NetworkPublicKey {
		t.Fatalf("epoch %d, nodes %v", c.Epoch(), c.ConnectedNodes())
	}
}
