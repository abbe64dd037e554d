package node

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/litgo/litsession/core/e2ee"
)

// fakeNaga is a naga network on a fakeTransport: a chain answering the
// staking and PriceFeed calls, and nodes with X25519 identities answering
// the v8 handshake and a sealed /v2 echo route.
type fakeNaga struct {
	f      *fakeTransport
	rpc    string
	urls   []string
	keys   []*e2ee.KeyPair
	mu     sync.Mutex
	refuse map[string]string // node URL → refusal message on /v2
	seen   []string          // verification keys of /v2 requests
	bodies []string          // decrypted /v2 bodies
}

const nagaEchoPath = "/web/pkp/sign/v2"

func newFakeNaga(t *testing.T, n int, signPrices []int64) *fakeNaga {
	t.Helper()
	fn := &fakeNaga{f: newFake(), rpc: "http://127.0.0.1:8545", urls: nodeURLs(n), refuse: map[string]string{}}
	var vals []Validator
	var priced []PricedValidator
	for i := range fn.urls {
		kp, err := e2ee.GenerateKeyPair()
		if err != nil {
			t.Fatal(err)
		}
		fn.keys = append(fn.keys, kp)
		v := Validator{IP: 0x7f000001, Port: uint32(7470 + i)}
		vals = append(vals, v)
		priced = append(priced, PricedValidator{Validator: v, Prices: []*big.Int{big.NewInt(1), big.NewInt(signPrices[i]), big.NewInt(3), big.NewInt(4)}})
		fn.serveNode(t, i)
	}
	staking, err := EncodeNagaValidatorSet(ValidatorSet{Epoch: Epoch{Length: 3600, Number: 7, EndTime: uint64(time.Now().Unix())}, MinNodeCount: 2, Validators: vals})
	if err != nil {
		t.Fatal(err)
	}
	prices, err := EncodeNodesForRequest(NodesForRequest{EpochID: 7, MinNodeCount: 2, Nodes: priced})
	if err != nil {
		t.Fatal(err)
	}
	fn.f.set(fn.rpc, func(_ context.Context, req Request) (Response, error) {
		var call struct {
			ID     any
			Params []json.RawMessage
		}
		json.Unmarshal(req.Body, &call)
		var tx struct{ Data, To string }
		json.Unmarshal(call.Params[0], &tx)
		result := ""
		switch {
		case tx.Data == "0x"+hex.EncodeToString(NagaValidatorsCallData()) && common.HexToAddress(tx.To) == common.HexToAddress(NagaStakingAddress):
			result = "0x" + hex.EncodeToString(staking)
		case tx.Data == "0x"+hex.EncodeToString(NodesForRequestCallData()) && common.HexToAddress(tx.To) == common.HexToAddress(NagaPriceFeedAddress):
			result = "0x" + hex.EncodeToString(prices)
		default:
			return jsonResponse(200, map[string]any{"jsonrpc": "2.0", "id": call.ID, "error": map[string]any{"code": -32000, "message": "execution reverted"}}), nil
		}
		return jsonResponse(200, map[string]any{"jsonrpc": "2.0", "id": call.ID, "result": result}), nil
	})
	return fn
}

func (fn *fakeNaga) serveNode(t *testing.T, i int) {
	url, kp := fn.urls[i], fn.keys[i]
	fn.f.set(url+HandshakePath, func(context.Context, Request) (Response, error) {
		h := handshakeAnswer(hash1)
		return jsonResponse(200, map[string]any{"ok": true, "error": nil, "errorObject": nil, "data": map[string]any{
			"serverPublicKey": h.ServerPublicKey, "subnetPublicKey": netKey, "networkPublicKey": netKey, "networkPublicKeySet": netKey,
			"clientSdkVersion": "8.0.0-custom", "hdRootPubkeys": h.HDRootPubkeys, "attestation": nil, "latestBlockhash": hash1,
			"nodeIdentityKey": kp.PublicHex(), "nodeVersion": "9.9.9", "epoch": 7}}), nil
	})
	fn.f.set(url+nagaEchoPath, func(_ context.Context, req Request) (Response, error) {
		r, err := e2ee.ParseRequest(req.Body)
		if err != nil {
			return jsonResponse(400, map[string]any{"errorCode": "NodeInvalidE2EEPayload", "message": err.Error()}), nil
		}
		msg, ch, err := e2ee.NewReplayGuard(e2ee.Freshness{}, 0).Open(r.Payload, kp)
		if err != nil {
			return jsonResponse(400, map[string]any{"errorCode": "NodeE2EEDecryptionFailed", "message": err.Error()}), nil
		}
		fn.mu.Lock()
		fn.seen = append(fn.seen, hex.EncodeToString(r.Payload.VerificationKey[:]))
		fn.bodies = append(fn.bodies, string(msg))
		refusal := fn.refuse[url]
		fn.mu.Unlock()
		env, status := map[string]any{"ok": true, "error": nil, "errorObject": nil, "data": map[string]any{"echo": json.RawMessage(msg), "node": url}}, 200
		if refusal != "" {
			env, status = map[string]any{"ok": false, "error": refusal, "errorObject": "NodeRefused", "data": nil}, 403
		}
		b, _ := json.Marshal(env)
		rnd, _ := e2ee.NewRandom()
		p, err := ch.Seal(b, rnd, time.Now())
		if err != nil {
			t.Error(err)
		}
		return Response{Status: status, Body: p.ResponseJSON()}, nil
	})
}

func (fn *fakeNaga) client(t *testing.T) *Client {
	t.Helper()
	gen, err := GenerationByName("naga")
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{Transport: fn.f, Generation: gen, RPCURL: fn.rpc, BlockhashURL: "http://127.0.0.1:1/none"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNagaConnectSelectSend(t *testing.T) {
	fn := newFakeNaga(t, 5, []int64{2002, 2000, 2003, 2001, 2000})
	c := fn.client(t)
	// max(3, floor(2·5/3)) = 3, not the staking minNodeCount 2.
	if got := c.MinNodeCount(); got != 3 {
		t.Fatalf("threshold %d, want 3", got)
	}
	if got := c.Epoch(); got != 7 {
		t.Fatalf("epoch %d, want the staking number 7", got)
	}
	var hs struct{ Epoch uint64 }
	json.Unmarshal(fn.f.requests(HandshakePath)[0].Body, &hs)
	if hs.Epoch != 7 {
		t.Errorf("handshake epoch %d", hs.Epoch)
	}
	if got := fn.f.requests(HandshakePath)[0].Header["X-Lit-SDK-Version"]; got != NagaSDKVersion {
		t.Errorf("SDK version %q", got)
	}
	choices, err := c.SelectNodes(context.Background(), EndpointPKPSign)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ch := range choices {
		got = append(got, ch.URL+"="+ch.Price.String())
	}
	want := []string{fn.urls[1] + "=2000", fn.urls[4] + "=2000", fn.urls[3] + "=2001"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("chosen %v, want %v", got, want)
	}
	urls, prices, err := c.SessionNodes(context.Background(), string(EndpointPKPSign), nil)
	if err != nil || len(urls) != 3 {
		t.Fatal(urls, err)
	}
	// (2^128−1 − 6001)/3 + price.
	excess := new(big.Int).Quo(new(big.Int).Sub(DefaultMaxPrice(), big.NewInt(6001)), big.NewInt(3))
	if p := prices[fn.urls[3]]; p.Cmp(new(big.Int).Add(excess, big.NewInt(2001))) != 0 {
		t.Fatalf("maxPrice %x", p)
	}
	if _, _, err := c.SessionNodes(context.Background(), string(EndpointPKPSign), big.NewInt(6000)); err == nil {
		t.Fatal("a budget below the prices was accepted")
	}

	bodies := map[string][]byte{}
	for _, u := range urls {
		bodies[u] = []byte(`{"toSign":[1,2,3],"keySetId":"naga-keyset1","padding":"` + strings.Repeat("x", 40) + `"}`)
	}
	fn.refuse[urls[2]] = "the session signature's maxPrice is below this node's price"
	replies, err := c.Send(context.Background(), EndpointPKPSign, bodies)
	if err != nil {
		t.Fatal(err)
	}
	var refused Reply
	for _, r := range replies {
		if r.URL == urls[2] {
			refused = r
			continue
		}
		if r.Err != nil {
			t.Fatalf("%s: %v", r.URL, r.Err)
		}
		var data struct {
			Echo struct{ Epoch uint64 }
			Node string
		}
		if err := json.Unmarshal(r.Body, &data); err != nil || data.Node != r.URL || data.Echo.Epoch != 7 {
			t.Fatalf("%s: data %s", r.URL, r.Body)
		}
	}
	var ne *NodeError
	if !errors.As(refused.Err, &ne) || ne.HTTPStatus != 403 || !strings.Contains(ne.Message, "maxPrice is below") || ne.Code != "NodeRefused" {
		t.Fatalf("refusal read as %v", refused.Err)
	}
	// A fresh client key per request: three different verification keys.
	if len(fn.seen) != 3 || fn.seen[0] == fn.seen[1] || fn.seen[1] == fn.seen[2] || fn.seen[0] == fn.seen[2] {
		t.Fatalf("verification keys %v", fn.seen)
	}
}

func TestNagaConnectNeedsThreeNodes(t *testing.T) {
	fn := newFakeNaga(t, 3, []int64{1, 2, 3})
	fn.f.set(fn.urls[2]+HandshakePath, func(context.Context, Request) (Response, error) {
		return jsonResponse(400, map[string]any{"ok": false, "error": "epoch 6 is not the current epoch", "errorObject": nil, "data": nil}), nil
	})
	gen, _ := GenerationByName("naga")
	c, _ := New(Config{Transport: fn.f, Generation: gen, RPCURL: fn.rpc})
	err := c.Connect(context.Background())
	var nen *NotEnoughNodesError
	if !errors.As(err, &nen) || nen.Needed != 3 || !strings.Contains(err.Error(), "epoch 6 is not the current epoch") {
		t.Fatalf("err %v", err)
	}
}

func TestNagaParseHandshakeRequiresV8Fields(t *testing.T) {
	full := `{"serverPublicKey":"aa","subnetPublicKey":"` + netKey + `","networkPublicKey":"` + netKey + `","networkPublicKeySet":"` + netKey +
		`","clientSdkVersion":"","hdRootPubkeys":[],"attestation":null,"latestBlockhash":"` + hash1 + `","nodeIdentityKey":"` + strings.Repeat("ab", 32) + `","nodeVersion":"1","epoch":3}`
	h, err := Naga.ParseHandshake("n", Response{Status: 200, Body: []byte(`{"ok":true,"error":null,"errorObject":null,"data":` + full + `}`)})
	if err != nil || h.NodeIdentityKey != strings.Repeat("ab", 32) || h.Epoch != 3 {
		t.Fatalf("%+v %v", h, err)
	}
	for name, body := range map[string]string{
		"flat v7":        full,
		"no identity":    `{"ok":true,"data":` + strings.Replace(full, `"nodeIdentityKey"`, `"x"`, 1) + `}`,
		"no sdk version": `{"ok":true,"data":` + strings.Replace(full, `"clientSdkVersion"`, `"x"`, 1) + `}`,
		"short identity": `{"ok":true,"data":` + strings.Replace(full, strings.Repeat("ab", 32), "abab", 1) + `}`,
		"ok false":       `{"ok":false,"error":"no","errorObject":null,"data":null}`,
	} {
		if _, err := Naga.ParseHandshake("n", Response{Status: 200, Body: []byte(body)}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParseWei(t *testing.T) {
	max78 := strings.Repeat("9", 78)
	for _, s := range []string{"0", "1", "6003", max78} {
		v, ok := ParseWei(s)
		if !ok || v.String() != s {
			t.Errorf("ParseWei(%q) = %v, %v", s, v, ok)
		}
	}
	for _, s := range []string{"", "00", "0100", "-1", "+1", "1e3", "0x10", " 1", "1_000", max78 + "9"} {
		if v, ok := ParseWei(s); ok {
			t.Errorf("ParseWei(%q) = %v, want refused", s, v)
		}
	}
}

// countingChain answers the PriceFeed with fixed prices and counts the
// reads; the first fail reads fail.
type countingChain struct {
	prices []byte
	reads  int
	fail   int
}

func (c *countingChain) Call(_ context.Context, _ common.Address, _ []byte) ([]byte, error) {
	c.reads++
	if c.reads <= c.fail {
		return nil, errors.New("chain down")
	}
	return c.prices, nil
}

// TestSharePrices: under one SharePrices context the PriceFeed is read
// once, for every product, and a failed read is not kept; without it
// every selection reads it.
func TestSharePrices(t *testing.T) {
	var peers []Peer
	var priced []PricedValidator
	for i := range 3 {
		v := Validator{IP: 0x7f000001, Port: uint32(7470 + i)}
		u, _ := NodeURL(v.IP, v.Port)
		peers = append(peers, Peer{URL: u})
		priced = append(priced, PricedValidator{Validator: v, Prices: []*big.Int{big.NewInt(1), big.NewInt(int64(3 - i)), big.NewInt(3), big.NewInt(4)}})
	}
	prices, err := EncodeNodesForRequest(NodesForRequest{EpochID: 7, MinNodeCount: 2, Nodes: priced})
	if err != nil {
		t.Fatal(err)
	}
	sel := func(ctx context.Context, ch Chain, op Endpoint) []Choice {
		t.Helper()
		c, err := Naga.Select(ctx, ch, op, peers, 2)
		if err != nil {
			t.Fatalf("Select %s: %v", op, err)
		}
		return c
	}

	ch := &countingChain{prices: prices}
	sel(context.Background(), ch, EndpointPKPSign)
	sel(context.Background(), ch, EndpointPKPSign)
	if ch.reads != 2 {
		t.Errorf("without SharePrices: %d PriceFeed reads for 2 selections, want 2", ch.reads)
	}

	ch = &countingChain{prices: prices}
	ctx := SharePrices(context.Background())
	a := sel(ctx, ch, EndpointPKPSign)
	b := sel(ctx, ch, EndpointPKPSign)
	sel(ctx, ch, EndpointSignSessionKey)
	if ch.reads != 1 {
		t.Errorf("with SharePrices: %d PriceFeed reads for 3 selections, want 1", ch.reads)
	}
	if a[0].URL != peers[2].URL || a[0].URL != b[0].URL || a[0].Price.Cmp(b[0].Price) != 0 {
		t.Errorf("the shared read chose %v then %v", a, b)
	}
	a[0].Price.SetInt64(1000) // a caller's change stays its own
	if c := sel(ctx, ch, EndpointPKPSign); c[0].Price.Int64() != 1 {
		t.Errorf("a shared price was changed through a Choice: %v", c[0].Price)
	}

	ch = &countingChain{prices: prices, fail: 1}
	ctx = SharePrices(context.Background())
	if _, err := Naga.Select(ctx, ch, EndpointPKPSign, peers, 2); err == nil {
		t.Fatal("the failing read did not fail the selection")
	}
	sel(ctx, ch, EndpointPKPSign)
	if ch.reads != 2 {
		t.Errorf("after a failed read: %d reads, want 2 (a failure is not shared)", ch.reads)
	}
}
