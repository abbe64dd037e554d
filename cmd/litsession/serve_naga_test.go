package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/devnet"
	"github.com/litgo/litsession/internal/testutil"
)

// refuseOnce answers the first naga pkp/sign request it sees with a node's
// refusal of the session signature (as a node that cannot use it does),
// and passes every other request through.
type refuseOnce struct {
	inner   node.Transport
	armed   atomic.Bool
	refused atomic.Int32
}

func (f *refuseOnce) Do(ctx context.Context, req node.Request) (node.Response, error) {
	if strings.HasSuffix(req.URL, devnet.NagaPKPSignPath) && f.armed.CompareAndSwap(true, false) {
		f.refused.Add(1)
		return node.Response{Status: 401, Header: map[string]string{"Content-Type": "application/json"},
			Body: []byte(`{"errorKind":"Validation","errorCode":"NodeInvalidAuthSig","status":401,"message":"session signature rejected (wrong_node): signed for another node","correlationId":"x","details":[]}`)}, nil
	}
	return f.inner.Do(ctx, req)
}

// TestNagaServerReuseCLI runs server reuse on a four-node naga devnet whose
// third node is the most expensive signer: `delegate --network naga`,
// `server-sign --network naga`, the worker (in process, with a naga
// client) signing 16 digests at once and rotating once when a node refuses
// its session signatures, and `verify-session-sig --network naga` on the
// session signatures the worker's code mints.
func TestNagaServerReuseCLI(t *testing.T) {
	prices, err := devnet.ParsePrices("sign=2000,2001,2999,2002")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	net, err := devnet.Start(ctx, devnet.Config{Network: devnet.NetworkNaga, Nodes: 4, Prices: prices})
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	p, err := net.MintPKP(wallet)
	if err != nil {
		t.Fatal(err)
	}
	res := p.Resource().Key() + "=pkp-signing"

	env, errs, code := runCLI(t, "", "delegate", "--network", "naga", "--wallet-key", walletKey, "--pkp-public-key", p.PublicKey,
		"--rpc-url", net.RPCURL, "--resource", res, "--expiration", siwe.FormatTime(time.Now().Add(time.Hour)))
	if code != 0 {
		t.Fatalf("delegate --network naga: %d %s", code, errs)
	}
	// The session secret is the 32-byte seed (64 hex), the form v8 code
	// signs with.
	var outer struct{ Payload string }
	json.Unmarshal([]byte(env), &outer)
	payload, _ := base64.RawURLEncoding.DecodeString(outer.Payload)
	if !regexp.MustCompile(`"secretKey":"[0-9a-f]{64}"`).Match(payload) {
		t.Fatal("the envelope's secretKey is not 64 lowercase hex")
	}
	digest := "0x" + strings.Repeat("5a", 32)
	out, errs, code := runCLI(t, env, "server-sign", "--network", "naga", "--envelope", "-", "--to-sign", digest, "--rpc-url", net.RPCURL)
	if code != 0 {
		t.Fatalf("server-sign --network naga: %d %s", code, errs)
	}
	checkRecovers(t, out, p.PublicKey, digest)
	// A datil client cannot read a naga chain and says which flag to use.
	_, errs, code = runCLI(t, env, "server-sign", "--envelope", "-", "--to-sign", digest, "--rpc-url", net.RPCURL)
	if code != exitUsage || !strings.Contains(errs, "--network naga") || strings.Count(errs, "\n") != 1 {
		t.Errorf("server-sign on naga without --network: %d %q", code, errs)
	}

	// The worker, in process so that -race sees it.
	ft := &refuseOnce{inner: httptransport.New(nil)}
	cl, err := node.New(node.Config{Transport: ft, RPCURL: net.RPCURL, Generation: node.Naga, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	var log testutil.SyncBuffer
	srv := httptest.NewServer(testWorker(t, &log, cl, 10*time.Second))
	defer srv.Close()
	status, body, _ := call(t, "POST", srv.URL+"/envelopes", "application/json", env)
	if status != 201 || body["ethAddress"] != p.EthAddress {
		t.Fatalf("POST /envelopes: %d %v", status, body)
	}
	id := body["id"].(string)
	sign := func(digest string) (int, string) {
		resp, err := http.Post(srv.URL+"/sign", "application/json", strings.NewReader(signBody(id, digest)))
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	var wg sync.WaitGroup
	type result struct {
		digest, out string
		status      int
	}
	results := make(chan result, 16)
	for i := range 16 {
		wg.Go(func() {
			d := fmt.Sprintf("0x%064x", 0xa000+i)
			status, out := sign(d)
			results <- result{d, out, status}
		})
	}
	wg.Wait()
	close(results)
	for r := range results {
		if r.status != 200 {
			t.Fatalf("POST /sign: %d %s", r.status, r.out)
		}
		checkRecovers(t, r.out, p.PublicKey, r.digest)
	}

	// A node refuses the session signatures: the worker handshakes again,
	// mints new ones and signs, once.
	ft.armed.Store(true)
	d := "0x" + strings.Repeat("e1", 32)
	status, out = sign(d)
	if status != 200 || ft.refused.Load() != 1 {
		t.Fatalf("sign after a refusal: %d %s (%d refusals)", status, out, ft.refused.Load())
	}
	checkRecovers(t, out, p.PublicKey, d)
	if n := strings.Count(log.String(), "handshaking again"); n != 1 {
		t.Fatalf("%d rotations logged, want 1:\n%s", n, log.String())
	}
	if n := strings.Count(log.String(), accessLine("POST", "/sign", 200)); n != 17 {
		t.Fatalf("%d signs logged, want 17:\n%s", n, log.String())
	}

	// verify-session-sig --network naga checks our naga session sigs as a
	// naga node does, maxPrice against --price.
	e, err := envelope.Decode([]byte(env))
	if err != nil {
		t.Fatal(err)
	}
	ac, err := delegation.CreatePkpAuthContextFromPreGenerated(*e, cl.NetworkPublicKey(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	sigs, err := delegation.CreatePkpSessionSigs(ctx, cl, ac, delegation.SessionSigsParams{Operation: string(node.EndpointPKPSign)})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sigs.Get(net.NodeURLs[2]); ok || sigs.Len() != 3 {
		t.Fatalf("session sigs for %v; want the three cheapest signers", sigs.Nodes())
	}
	url := net.NodeURLs[1]
	one, _ := sigs.Get(url)
	sigJSON, _ := json.Marshal(one)
	verify := func(args ...string) (string, string, int) {
		return runCLI(t, string(sigJSON), append([]string{"verify-session-sig", "--node", url, "--resource", res,
			"--network-public-key", net.NetworkPublicKey}, args...)...)
	}
	price := net.Nodes[1].Price(devnet.ProductSign).String()
	out, errs, code = verify("--network", "naga", "--price", price)
	var got struct{ MaxPrice, DelegatedVia string }
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.MaxPrice == "" || got.DelegatedVia == "" {
		t.Fatalf("verify-session-sig --network naga: %d %s %s", code, out, errs)
	}
	above, _ := new(big.Int).SetString(got.MaxPrice, 10)
	if _, errs, code = verify("--network", "naga", "--price", above.Add(above, big.NewInt(1)).String()); code != exitRejected || !strings.Contains(errs, "price_too_low") {
		t.Errorf("a price above maxPrice: %d %q", code, errs)
	}
	if _, errs, code = verify("--network", "naga", "--price", price, "--node", net.NodeURLs[0]); code != exitRejected || !strings.Contains(errs, "wrong_node") {
		t.Errorf("another node: %d %q", code, errs)
	}
}

// TestNetworkFlag: every command that talks to a network, and
// verify-session-sig, refuses an unknown --network, and --price belongs to
// naga.
func TestNetworkFlag(t *testing.T) {
	for _, args := range [][]string{
		{"session-sigs", "--wallet-key", walletKey, "--resource", "lit-pkp://*=pkp-signing", "--rpc-url", "http://127.0.0.1:1"},
		{"delegate", "--wallet-key", walletKey, "--pkp-public-key", "0x04" + strings.Repeat("11", 64), "--rpc-url", "http://127.0.0.1:1",
			"--resource", "lit-pkp://*=pkp-signing", "--expiration", siwe.FormatTime(time.Now().Add(time.Hour))},
		{"server-sign", "--envelope", "-", "--to-sign", "0x" + strings.Repeat("00", 32), "--rpc-url", "http://127.0.0.1:1"},
		{"serve", "--store", t.TempDir() + "/s", "--listen", "127.0.0.1:0", "--rpc-url", "http://127.0.0.1:1"},
		{"verify-session-sig", "--node", "http://127.0.0.1:1", "--resource", "lit-pkp://*=pkp-signing"},
	} {
		stdin := ""
		if args[0] == "server-sign" {
			stdin = "{}"
		}
		_, errs, code := runCLI(t, stdin, append(args, "--network", "v9")...)
		oneLineErr(t, args[0]+" --network v9", errs, code, `invalid value "v9" for flag -network: use datil`)
	}
	base := []string{"verify-session-sig", "--node", "http://127.0.0.1:1", "--resource", "lit-pkp://*=pkp-signing"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--price", "5"}, "--price is for --network naga"},
		{[]string{"--network", "naga", "--price", "0x5"}, "not a price in wei"},
		{[]string{"--network", "naga", "--price", "-1"}, "not a price in wei"},
		{[]string{"--network", "naga", "--price", "1" + strings.Repeat("0", 78)}, "not a price in wei"},
	} {
		_, errs, code := runCLI(t, "{}", append(base, c.args...)...)
		oneLineErr(t, strings.Join(c.args, " "), errs, code, c.want)
	}
}
