//go:build !js

package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/verify"
	"github.com/litgo/litsession/devnet"
	"github.com/litgo/litsession/internal/demo/precompressed"
	"github.com/litgo/litsession/internal/static"
)

// benchRun is what run() in testdata/oracle/bench/browser-{official,ours}.mjs
// returns.
type benchRun struct {
	ReadyMs         float64                    `json:"readyMs"`
	LoadMs          float64                    `json:"loadMs"`
	ConnectMs       float64                    `json:"connectMs"`
	FirstMs         float64                    `json:"firstMs"`
	FirstCallbackMs float64                    `json:"firstCallbackMs"`
	FirstCallbacks  int                        `json:"firstCallbacks"`
	SecondMs        float64                    `json:"secondMs"`
	SecondCallbacks int                        `json:"secondCallbacks"`
	WarmMs          float64                    `json:"warmMs"`
	ConnectAtMs     float64                    `json:"connectAtMs"` // the page's age when connect starts
	ConnectedNodes  []string                   `json:"connectedNodes"`
	First           map[string]authsig.AuthSig `json:"first"`
	Second          map[string]authsig.AuthSig `json:"second"`
}

// microRep is one repetition of an in-page micro-benchmark: the mean time
// per call of Iters back-to-back calls (testdata/oracle/bench/browser-micro.mjs).
type microRep struct {
	Ms    float64 `json:"ms"`
	Iters int     `json:"iters"`
}

// micro is one micro-benchmark's repetitions, per side.
type micro struct {
	name  string
	nodes int // signatures per call (0: not a signing benchmark)
	reps  map[string][]microRep
}

// sessionSetup is what sessionSetup() in browser-*.mjs returns.
type sessionSetup struct {
	ConnectMs      float64                    `json:"connectMs"`
	ConnectedNodes []string                   `json:"connectedNodes"`
	FirstCallbacks int                        `json:"firstCallbacks"`
	First          map[string]authsig.AuthSig `json:"first"`
	Iters          int                        `json:"iters"`
}

// sessionLast is what sessionLast() in browser-*.mjs returns.
type sessionLast struct {
	Last           map[string]authsig.AuthSig `json:"last"`
	LaterCallbacks int                        `json:"laterCallbacks"`
}

// signingNodes are the network sizes of the signing micro-benchmark.
var signingNodes = []int{3, 30, 300}

// maxDevnetNodes is the most nodes one devnet runs (devnet.Config.Nodes).
const maxDevnetNodes = 100

// TestSideBySideChromium is the browser half of make bench (BENCHMARKS.md,
// "Browser, side by side in headless Chromium"); TestSideBySideChromiumNetwork
// repeats its page runs over an emulated network. It bundles the official browser
// client with esbuild (testdata/oracle/bench/bundle.mjs), reports its size
// next to this module's js/ files (raw, gzip -9, brotli -q 11), then, in
// headless Chromium on loopback:
//
//  1. Page runs: both clients against one in-process 3-node devnet,
//     interleaved, LITSESSION_BENCH_RUNS runs each (default 20, after one
//     untimed warm-up run each; the side that goes first alternates), every
//     run in a fresh browser context (empty HTTP cache and localStorage):
//     time-to-ready (fetch + parse/eval of the bundle, or fetch +
//     compile/instantiate + start of the wasm, until the API can be called),
//     creating the client, connect, a cold getSessionSigs (new session key;
//     the wallet callback signs at once) and a cached one; the time to
//     first session sigs is the sum of the steps up to the cold call.
//  2. SIWE+ReCap creation, in-page: each side's createSiweMessageWithRecaps
//     on the same inputs. The two messages, made with the page clock pinned
//     to the same instant, must be byte-identical.
//  3. Signing for N = 3, 30, 300 nodes, in-page: each side's own
//     getSessionSigs with a cached wallet signature (one untimed call caches
//     it), connected to N devnet nodes, so that each call signs the session
//     template N times (the official client with @lit-protocol/nacl, in JS).
//     A devnet runs at most 100 nodes, so 300 nodes are three devnets that
//     share one network key; sessionSetup in browser-official.mjs and
//     browser-ours.mjs says how each client connects to all of them.
//
// Steps 2 and 3 keep one page per side open and interleave the two pages'
// repetitions, LITSESSION_BENCH_RUNS each, the side that goes first
// alternating; browser-micro.mjs has the timing loop (warm-up, then calls
// batched so that a repetition lasts ~30 ms).
//
// It prints Markdown tables of the medians, all runs and the ratios. It
// asserts no timing: only that both clients work (one wallet prompt on the
// first call, none after, a valid session signature for every node, N
// entries for N nodes), that both SIWE messages are the same bytes, and that
// no request leaves 127.0.0.1.
func TestSideBySideChromium(t *testing.T) {
	runs := benchRuns(t)
	start := time.Now()

	// 1. The sizes. Compressing takes a while (brotli -q 11 of the wasm
	// ~10 s), so it runs in the background while the rest is set up;
	// nothing is timed until it is done.
	root := repoRoot(t)
	var ourPaths []string
	for _, f := range benchOurs {
		ourPaths = append(ourPaths, filepath.Join(root, "js", f))
	}
	ourSizes := measureAll(ourPaths)
	// 2. The official bundle, the devnet, Chromium.
	h := newBenchHarness(t)
	officialSize := measureAll([]string{filepath.Join(h.bundleDir, "lit-official.js")})
	ours := benchOurs
	dn := h.dn

	// 3. One loopback origin for both pages, everything uncompressed.
	origin := h.serve(h.staticHandler())
	openPage := func(side string) (context.Context, context.CancelFunc) {
		t.Helper()
		return h.openPage(origin, side)
	}
	call := h.call
	runOnce := func(side string) benchRun {
		t.Helper()
		return h.runOnce(origin, side)
	}
	sides := benchSides
	order := benchOrder

	offSizes, err1 := officialSize()
	oursSizes, err2 := ourSizes()
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	sizeReport := sizeTable(h.esbuild, offSizes[0], ours, oursSizes)
	t.Logf("set up in %v (bundle, sizes, devnet, Chromium)", time.Since(start))

	// 4. Page runs: fresh context per run, official, ours and ours warmed
	// up interleaved.
	sectionStart := time.Now()
	results := map[string][]benchRun{}
	pageSides := append(append([]string(nil), sides...), sideOursWarm, sideOursLate)
	for _, side := range pageSides {
		r := runOnce(side) // warm-up: not counted
		if side == "official" {
			// ours-late connects when its page is as old as the official's
			// page was when it connected, rounded up to 50 ms.
			h.connectAt = math.Ceil(r.ConnectAtMs/50) * 50
		}
	}
	for i := range runs {
		for j := range pageSides {
			side := pageSides[(i+j)%len(pageSides)]
			results[side] = append(results[side], runOnce(side))
		}
	}
	t.Logf("page runs: %d in %v", len(pageSides)*(runs+1), time.Since(sectionStart))
	// Free 127.0.0.1:8545 for other tests: the micro-benchmarks run their
	// own devnets on free ports.
	dn.Close()

	// 5. Micro-benchmarks: one page per side, repetitions interleaved.
	var micros []micro
	interleave := func(m *micro, pages map[string]context.Context, fn string) {
		t.Helper()
		m.reps = map[string][]microRep{}
		for i := range runs {
			for _, side := range order(i) {
				var r microRep
				call(pages[side], side, fn, nil, &r)
				m.reps[side] = append(m.reps[side], r)
			}
		}
	}

	// 5a. SIWE+ReCap creation, the same inputs on both sides.
	sectionStart = time.Now()
	now := time.Now()
	siweInputs := map[string]any{
		// The session public key of seed 0x22…22 (as bench/cpu.mjs).
		"uri":           "lit:session:a09aa5f47a6759802ff955f8dc2d2a14a5c99d23be97f864127ff9383455a4f0",
		"expiration":    now.Add(24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z"),
		"nonce":         "0x" + strings.Repeat("cd", 32),
		"domain":        "app.example.com",
		"walletAddress": walletAddress,
		"resources": []map[string]string{
			{"prefix": "lit-pkp", "id": "*", "ability": "pkp-signing"},
			{"prefix": "lit-litaction", "id": "*", "ability": "lit-action-execution"},
		},
	}
	{
		pages := map[string]context.Context{}
		messages := map[string]string{}
		var cancels []context.CancelFunc
		for _, side := range sides {
			pctx, cancel := openPage(side)
			cancels = append(cancels, cancel)
			pages[side] = pctx
			var r struct {
				Message string `json:"message"`
			}
			call(pctx, side, "siweSetup", map[string]any{"inputs": siweInputs, "fixedNow": now.UnixMilli()}, &r)
			messages[side] = r.Message
		}
		if messages["official"] != messages["ours"] {
			t.Fatalf("createSiweMessageWithRecaps: the two SIWE messages differ on the same inputs and clock\nofficial:\n%s\nours:\n%s",
				messages["official"], messages["ours"])
		}
		t.Logf("SIWE+ReCap: both sides made the same %d-byte message", len(messages["ours"]))
		m := micro{name: "SIWE+ReCap message: `createSiweMessageWithRecaps`, 2 resources"}
		interleave(&m, pages, "siweRep")
		micros = append(micros, m)
		for _, cancel := range cancels {
			cancel()
		}
	}
	t.Logf("SIWE+ReCap: %v", time.Since(sectionStart))

	// 5b. Signing for N nodes: getSessionSigs with a cached wallet sig.
	connectNote := map[int]map[string]float64{}
	for _, n := range signingNodes {
		sectionStart = time.Now()
		groups := startDevnets(t, n)
		var nodes []string
		for _, g := range groups {
			nodes = append(nodes, g.NodeURLs...)
		}
		cfg := map[string]any{
			"rpcUrl":        groups[0].RPCURL,
			"nodes":         nodes,
			"beyondStaking": len(groups) > 1,
			"walletKey":     walletKey,
		}
		verifiers := sessionVerifiers(groups, 0)
		setupAt := time.Now()
		pages := map[string]context.Context{}
		var cancels []context.CancelFunc
		connectNote[n] = map[string]float64{}
		for _, side := range sides {
			pctx, cancel := openPage(side)
			cancels = append(cancels, cancel)
			pages[side] = pctx
			var r sessionSetup
			call(pctx, side, "sessionSetup", cfg, &r)
			what := fmt.Sprintf("%s, %d nodes", side, n)
			if !slices.Equal(slices.Sorted(slices.Values(r.ConnectedNodes)), slices.Sorted(slices.Values(nodes))) {
				t.Fatalf("%s: connected to %d nodes, want all %d", what, len(r.ConnectedNodes), n)
			}
			if r.FirstCallbacks != 1 {
				t.Fatalf("%s: the callback ran %d times on the first call; want 1", what, r.FirstCallbacks)
			}
			checkNodeSigs(t, what+", first call", r.First, nodes, verifiers)
			connectNote[n][side] = r.ConnectMs
		}
		m := micro{name: fmt.Sprintf("getSessionSigs, cached wallet sig, N = %d nodes", n), nodes: n}
		interleave(&m, pages, "sessionRep")
		micros = append(micros, m)
		// A client that signs each cached call's session to expire 24 h
		// after the call while its cached delegation keeps the first call's
		// expiry (the official one does) makes a last session that outlives
		// its delegation by about the time the repetitions took, and a node
		// allows MaxSkew (2 min). The 300-node repetitions can take longer on
		// a loaded machine, so the last calls are checked with that time
		// added to the allowance.
		lastVerifiers := sessionVerifiers(groups, time.Since(setupAt)+verify.DefaultMaxSkew)
		for _, side := range sides {
			var r sessionLast
			call(pages[side], side, "sessionLast", nil, &r)
			what := fmt.Sprintf("%s, %d nodes", side, n)
			if r.LaterCallbacks != 0 {
				t.Fatalf("%s: the callback ran %d times on cached calls; want 0", what, r.LaterCallbacks)
			}
			checkNodeSigs(t, what+", last call", r.Last, nodes, lastVerifiers)
		}
		for _, cancel := range cancels {
			cancel()
		}
		for _, g := range groups {
			g.Close()
		}
		t.Logf("signing, %d nodes: %v", n, time.Since(sectionStart))
	}

	t.Logf("browser section: %v in all", time.Since(start))
	h.checkLoopback()

	fmt.Print(sizeReport)
	fmt.Print(timingTable(results, runs, "loopback, no throttling, uncompressed"))
	fmt.Print(microTable(micros, runs, connectNote))
}

// The emulated link and device of TestSideBySideChromiumNetwork: a good
// mobile or small-office connection and a mid-range phone's CPU.
const (
	netDownBitsPerSec = 9_000_000
	netUpBitsPerSec   = 3_000_000
	netLatencyMs      = 40 // Chromium adds it to every request (request sent → response headers)
	netCPUSlowdown    = 4
)

// netEncodings are the conditions of TestSideBySideChromiumNetwork: how
// both sides' files are served, as precompressed siblings made with
// gzip -9 and brotli -q 11.
var netEncodings = []string{"gzip", "br"}

// TestSideBySideChromiumNetwork is the page runs of TestSideBySideChromium
// over an emulated network (BENCHMARKS.md, "Browser, side by side"): in
// every page, Network.emulateNetworkConditions (9 Mbit/s down, 3 Mbit/s
// up, 40 ms added to every request, the devnet's included) and
// Emulation.setCPUThrottlingRate 4, with js/ and the official bundle served
// precompressed (internal/demo/precompressed, as make demo and
// docs/deployment.md serve them), once gzip -9 and once brotli -q 11, both
// sides the same way. LITSESSION_BENCH_RUNS runs per side and condition
// (default 20, after one untimed warm-up each), every run in a fresh
// browser context; sides and conditions alternate. It prints one table per
// condition, with the time to first session sigs (load + init, connect,
// cold getSessionSigs) and the module's bytes on the wire. It asserts no
// timing: only what TestSideBySideChromium asserts of a run, that each
// module arrived with the condition's Content-Encoding, and that no request
// left 127.0.0.1.
func TestSideBySideChromiumNetwork(t *testing.T) {
	runs := benchRuns(t)
	if _, err := exec.LookPath("brotli"); err != nil {
		t.Fatal("the brotli CLI is missing (it makes the brotli -q 11 files): apt-get install -y brotli")
	}
	start := time.Now()
	h := newBenchHarness(t)

	// Both sides' files, copied beside their .gz and .br siblings.
	jsDir := t.TempDir()
	files := map[string]string{} // URL path → file
	for _, f := range benchOurs {
		data, err := os.ReadFile(filepath.Join(h.root, "js", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(jsDir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
		files["/js/"+f] = filepath.Join(jsDir, f)
	}
	for _, f := range []string{"lit-official.js", "lit-official-wallet.js"} {
		files["/official/"+f] = filepath.Join(h.bundleDir, f)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(files))
	for _, file := range files {
		wg.Go(func() {
			skipped, err := precompressed.Write(file)
			if err == nil && len(skipped) > 0 {
				err = errors.New(strings.Join(skipped, "; "))
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	origins := map[string]string{}
	for _, enc := range netEncodings {
		origins[enc] = h.serve(&precompressed.Handler{
			Locate:       func(p string) string { return files[p] },
			Next:         h.staticHandler(),
			Prefer:       []string{enc},
			CacheControl: "no-store",
		})
	}
	throttle := chromedp.Tasks{
		network.EmulateNetworkConditions(false, netLatencyMs, netDownBitsPerSec/8, netUpBitsPerSec/8),
		emulation.SetCPUThrottlingRate(netCPUSlowdown),
	}
	moduleURL := map[string]string{"ours": "/js/lit-session.wasm", "official": "/official/lit-official.js"}
	t.Logf("set up in %v (bundle, compression, devnet, Chromium)", time.Since(start))

	// run is one throttled page run of side under enc, and the bytes its
	// module took on the wire (headers included; 0 if Chromium did not say).
	run := func(enc, side string) (benchRun, float64) {
		t.Helper()
		want := origins[enc] + moduleURL[side]
		var mu sync.Mutex
		var id network.RequestID
		var encoding string
		var wire float64
		seen := false
		onEvent := func(ev any) {
			mu.Lock()
			defer mu.Unlock()
			switch ev := ev.(type) {
			case *network.EventResponseReceived:
				if ev.Response.URL == want {
					id, seen = ev.RequestID, true
					for k, v := range ev.Response.Headers {
						if strings.EqualFold(k, "Content-Encoding") {
							encoding = fmt.Sprint(v)
						}
					}
				}
			case *network.EventLoadingFinished:
				if seen && ev.RequestID == id {
					wire = ev.EncodedDataLength
				}
			}
		}
		r := h.runOnceWatched(origins[enc], side, onEvent, throttle)
		mu.Lock()
		defer mu.Unlock()
		if !seen {
			t.Fatalf("%s, %s: the page never received %s", side, enc, want)
		}
		if encoding != enc {
			t.Fatalf("%s, %s: %s arrived with Content-Encoding %q, want %q (does Chromium send %s in Accept-Encoding to this origin?)",
				side, enc, want, encoding, enc, enc)
		}
		return r, wire
	}

	results := map[string]map[string][]benchRun{}
	wires := map[string]map[string][]float64{}
	for _, enc := range netEncodings {
		results[enc] = map[string][]benchRun{}
		wires[enc] = map[string][]float64{}
		for _, side := range benchSides {
			run(enc, side) // warm-up: not counted
		}
	}
	for i := range runs {
		encs := netEncodings
		if i%2 == 1 {
			encs = []string{netEncodings[1], netEncodings[0]}
		}
		for _, enc := range encs {
			for _, side := range benchOrder(i) {
				r, wire := run(enc, side)
				results[enc][side] = append(results[enc][side], r)
				wires[enc][side] = append(wires[enc][side], wire)
			}
		}
	}
	t.Logf("page runs: %d in %v", 2*len(netEncodings)*(runs+1), time.Since(start))
	h.checkLoopback()

	served := map[string]string{"gzip": "served gzip -9", "br": "served brotli -q 11"}
	for _, enc := range netEncodings {
		cond := fmt.Sprintf("%s, emulated %g Mbit/s down, %g Mbit/s up, %d ms per request, %d× CPU slowdown",
			served[enc], float64(netDownBitsPerSec)/1e6, float64(netUpBitsPerSec)/1e6, netLatencyMs, netCPUSlowdown)
		fmt.Print(timingTable(results[enc], runs, cond))
		fmt.Printf("\nBytes on the wire for the module (%s), median: official %s (lit-official.js), ours %s (lit-session.wasm); ours/official %.2f.\n",
			served[enc], group(int(median(wires[enc]["official"]))), group(int(median(wires[enc]["ours"]))),
			median(wires[enc]["ours"])/median(wires[enc]["official"]))
	}
}

// startDevnets starts devnets with n nodes in all, at most maxDevnetNodes
// each, each with its JSON-RPC endpoint on a free port (only the page runs
// need 127.0.0.1:8545). They share one random network key, so all n nodes
// agree on the handshake's network public key, as one network's nodes do.
// Each has its own chain, so their blockhashes differ: sessionVerifiers
// accepts a nonce from any of them.
func startDevnets(t *testing.T, n int) []*devnet.Network {
	t.Helper()
	sk := make([]byte, 32)
	if _, err := rand.Read(sk); err != nil {
		t.Fatal(err)
	}
	sk[0] &= 0x3f // below the BLS12-381 group order (0x73ed…)
	sk[31] |= 1   // not zero
	var groups []*devnet.Network
	for left := n; left > 0; left -= maxDevnetNodes {
		g, err := devnet.Start(context.Background(), devnet.Config{Nodes: min(left, maxDevnetNodes), NetworkSecretKey: sk})
		if err != nil {
			for _, g := range groups {
				g.Close()
			}
			t.Fatalf("starting a devnet for %d nodes: %v", n, err)
		}
		groups = append(groups, g)
		t.Cleanup(func() { g.Close() })
	}
	return groups
}

// sessionVerifiers returns, for every node of groups, the checks a Lit
// node makes on its session signature (core/verify, as the devnet's
// VerifySessionSig), with a SIWE nonce counting as recent when it is a
// recent blockhash of any of the groups' chains, and maxSkew as
// verify.Config.MaxSkew (0: the default).
func sessionVerifiers(groups []*devnet.Network, maxSkew time.Duration) map[string]*verify.Verifier {
	cache := verify.NewWalletSigCache(0)
	recent := func(nonce string) bool {
		for _, g := range groups {
			if g.RecentBlockhash(nonce) {
				return true
			}
		}
		return false
	}
	vs := map[string]*verify.Verifier{}
	for _, g := range groups {
		for _, u := range g.NodeURLs {
			vs[u] = verify.New(verify.Config{NodeURL: u, NetworkPublicKey: g.NetworkPublicKey, RecentBlockhash: recent, Cache: cache, MaxSkew: maxSkew})
		}
	}
	return vs
}

// checkNodeSigs checks that sigs has one session signature for every
// node, that its node accepts.
func checkNodeSigs(t *testing.T, what string, sigs map[string]authsig.AuthSig, nodes []string, verifiers map[string]*verify.Verifier) {
	t.Helper()
	if len(sigs) != len(nodes) {
		t.Fatalf("%s: %d session sigs for %d nodes", what, len(sigs), len(nodes))
	}
	op, err := resource.NewRequest(resource.PKP, resource.Wildcard, resource.PKPSigning)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range nodes {
		sig, ok := sigs[u]
		if !ok {
			t.Fatalf("%s: no session sig for %s", what, u)
		}
		if _, err := verifiers[u].Verify(sig, op); err != nil {
			t.Fatalf("%s: node %s refuses its session sig: %v", what, u, err)
		}
	}
}

// checkBenchRun checks that a run did what it should: one callback on the
// first call and none on the second, and a session signature that the
// devnet node accepts for every node.
func checkBenchRun(t *testing.T, side string, r benchRun, dn *devnet.Network) {
	t.Helper()
	if r.FirstCallbacks != 1 || r.SecondCallbacks != 0 {
		t.Fatalf("%s: the callback ran %d times on the first call and %d on the second; want 1 and 0",
			side, r.FirstCallbacks, r.SecondCallbacks)
	}
	// The official client lists the nodes in the order their handshakes
	// finished.
	if !slices.Equal(slices.Sorted(slices.Values(r.ConnectedNodes)), slices.Sorted(slices.Values(dn.NodeURLs))) {
		t.Fatalf("%s: connected to %v, want %v", side, r.ConnectedNodes, dn.NodeURLs)
	}
	op, err := resource.NewRequest(resource.PKP, resource.Wildcard, resource.PKPSigning)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		call string
		sigs map[string]authsig.AuthSig
	}{{"first", r.First}, {"second", r.Second}} {
		call, sigs := c.call, c.sigs
		if len(sigs) != len(dn.Nodes) {
			t.Fatalf("%s, %s call: %d session sigs for %d nodes", side, call, len(sigs), len(dn.Nodes))
		}
		for _, nd := range dn.Nodes {
			sig, ok := sigs[nd.URL]
			if !ok {
				t.Fatalf("%s, %s call: no session sig for %s", side, call, nd.URL)
			}
			if _, err := nd.VerifySessionSig(sig, op); err != nil {
				t.Fatalf("%s, %s call: node %s refuses its session sig: %v", side, call, nd.URL, err)
			}
		}
	}
}

// compressedSize returns the size of data compressed by argv (reading
// stdin), or ok false when the tool is not installed.
func compressedSize(data []byte, argv ...string) (n int, ok bool, err error) {
	if _, err := exec.LookPath(argv[0]); err != nil {
		return 0, false, nil
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		return 0, false, fmt.Errorf("%s: %v", strings.Join(argv, " "), err)
	}
	return len(out), true, nil
}

type sizes struct{ raw, gz, br int }

func measureSizes(path string) (sizes, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return sizes{}, err
	}
	s := sizes{raw: len(data), br: -1}
	if n, ok, err := compressedSize(data, "gzip", "-9", "-c"); err != nil {
		return s, err
	} else if ok {
		s.gz = n
	} else {
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		w.Write(data)
		w.Close()
		s.gz = b.Len()
	}
	if n, ok, err := compressedSize(data, "brotli", "-q", "11", "-c"); err != nil {
		return s, err
	} else if ok {
		s.br = n
	}
	return s, nil
}

// measureAll measures the files at paths concurrently, in the background;
// the function it returns waits for the results.
func measureAll(paths []string) func() ([]sizes, error) {
	measured := make([]sizes, len(paths))
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	for i, p := range paths {
		wg.Go(func() { measured[i], errs[i] = measureSizes(p) })
	}
	return func() ([]sizes, error) {
		wg.Wait()
		return measured, errors.Join(errs...)
	}
}

// sizeTable prints the sizes of the official bundle and of our files.
func sizeTable(esbuildVersion string, off sizes, ours []string, oursSizes []sizes) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n| download (browser) | raw bytes | gzip -9 | brotli -q 11 |\n|---|---|---|---|\n")
	row := func(name string, s sizes) {
		br := "n/a (no brotli CLI)"
		if s.br >= 0 {
			br = group(s.br)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", name, group(s.raw), group(s.gz), br)
	}
	row(fmt.Sprintf("official: lit-node-client + auth-helpers 7.4.0, esbuild %s bundle (ESM, minified)", esbuildVersion), off)
	var total sizes
	for i, f := range ours {
		s := oursSizes[i]
		row("ours: js/"+f, s)
		total.raw += s.raw
		total.gz += s.gz
		if s.br < 0 || total.br < 0 {
			total.br = -1
		} else {
			total.br += s.br
		}
	}
	row("**ours: total**", total)
	ratio := func(a, b int) string {
		if a < 0 || b < 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2f×", float64(a)/float64(b))
	}
	fmt.Fprintf(&b, "| ratio ours/official (< 1: ours smaller) | %s | %s | %s |\n",
		ratio(total.raw, off.raw), ratio(total.gz, off.gz), ratio(total.br, off.br))
	return b.String()
}

// group writes n with thin-space thousands separators, as BENCHMARKS.md.
func group(n int) string {
	s := strconv.Itoa(n)
	var out []string
	for len(s) > 3 {
		out = append([]string{s[len(s)-3:]}, out...)
		s = s[:len(s)-3]
	}
	return strings.Join(append([]string{s}, out...), " ")
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// timingTable prints the medians of the page runs under condition (how
// the files were served and the network and CPU throttled).
func timingTable(results map[string][]benchRun, runs int, condition string) string {
	steps := []struct {
		name string
		get  func(benchRun) float64
	}{
		{"**time-to-ready**: fetch + parse/eval (official bundle) or fetch + compile/instantiate + start (ours), until the API can be called", func(r benchRun) float64 { return r.ReadyMs }},
		{"load + init: time-to-ready + create the client", func(r benchRun) float64 { return r.LoadMs }},
		{"connect (staking contract + 3 handshakes)", func(r benchRun) float64 { return r.ConnectMs }},
		{"cold getSessionSigs: new session key, the wallet callback signs at once", func(r benchRun) float64 { return r.FirstMs }},
		{"… of which in the callback (SIWE + wallet signature)", func(r benchRun) float64 { return r.FirstCallbackMs }},
		{"cached getSessionSigs: wallet sig and session key from localStorage", func(r benchRun) float64 { return r.SecondMs }},
		{"total: load + init, connect, cold, cached", func(r benchRun) float64 { return r.LoadMs + r.ConnectMs + r.FirstMs + r.SecondMs }},
		{"**time to first session sigs**: load + init, connect, cold getSessionSigs (a new visitor's wait)", func(r benchRun) float64 { return r.LoadMs + r.ConnectMs + r.FirstMs }},
		{"page age when connect starts (ms since the page's time origin)", func(r benchRun) float64 { return r.ConnectAtMs }},
	}
	// The columns: official, then each of our sides that ran, with its
	// ratio to official; then every side's runs.
	sides := []string{"ours"}
	names := map[string]string{"ours": "ours", sideOursWarm: "ours, warmed up", sideOursLate: "ours, connecting at the official's page age"}
	who := "official and ours"
	if len(results[sideOursWarm]) > 0 {
		sides = append(sides, sideOursWarm, sideOursLate)
		who = "official, ours, ours warmed up and ours connecting at the official's page age"
	}
	col := func(side string, get func(benchRun) float64) []float64 {
		var v []float64
		for _, r := range results[side] {
			v = append(v, get(r))
		}
		return v
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| step (headless Chromium, 3-node devnet, %s, fresh browser context per run; median of %d runs, %s interleaved) | official (ms) |", condition, runs, who)
	for _, side := range sides {
		fmt.Fprintf(&b, " %s (ms) | %s/official (< 1: faster) |", names[side], names[side])
	}
	b.WriteString(" official, all runs |")
	for _, side := range sides {
		fmt.Fprintf(&b, " %s, all runs |", names[side])
	}
	b.WriteString("\n|" + strings.Repeat("---|", 3+3*len(sides)) + "\n")
	for _, st := range steps {
		off := col("official", st.get)
		mo := median(off)
		fmt.Fprintf(&b, "| %s | %s |", st.name, msStr(mo))
		for _, side := range sides {
			m := median(col(side, st.get))
			fmt.Fprintf(&b, " %s | %.2f |", msStr(m), m/mo)
		}
		fmt.Fprintf(&b, " %s |", msList(off))
		for _, side := range sides {
			fmt.Fprintf(&b, " %s |", msList(col(side, st.get)))
		}
		b.WriteString("\n")
	}
	// The warmed-up runs' load + init leaves out the idle warm-up: its own row.
	if w := col(sideOursWarm, func(r benchRun) float64 { return r.WarmMs }); len(w) > 0 {
		cells := make([]string, 2+3*len(sides)) // official, each side and its ratio, then every side's runs
		for i, side := range sides {
			if side == sideOursWarm {
				cells[1+2*i] = msStr(median(w))
				cells[2+2*len(sides)+i] = msList(w)
			}
		}
		fmt.Fprintf(&b, "| warm-up after time-to-ready (load({warmUp: true}), at idle; not in the rows above) | %s |\n", strings.Join(cells, " | "))
	}
	return b.String()
}

// microTable prints the micro-benchmarks: per call, and per signature for
// the signing ones, then the marginal cost of a node between the two
// largest N.
func microTable(micros []micro, runs int, connect map[int]map[string]float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n| micro-benchmark (headless Chromium, in-page; median of %d repetitions per side, official and ours interleaved) | official (ms) | ours (ms) | ours/official (< 1: ours faster) | calls per repetition (official; ours) | official, all repetitions (ms per call) | ours, all repetitions (ms per call) |\n|---|---|---|---|---|---|---|\n", runs)
	perCall := map[int]map[string]float64{}
	for _, m := range micros {
		var v = map[string][]float64{}
		for side, reps := range m.reps {
			for _, r := range reps {
				v[side] = append(v[side], r.Ms)
			}
		}
		mo, mu := median(v["official"]), median(v["ours"])
		iters := fmt.Sprintf("%d; %d", m.reps["official"][0].Iters, m.reps["ours"][0].Iters)
		fmt.Fprintf(&b, "| %s, per call | %s | %s | %.2f | %s | %s | %s |\n", m.name, msStr(mo), msStr(mu), mu/mo, iters, msList(v["official"]), msList(v["ours"]))
		if m.nodes > 0 {
			n := float64(m.nodes)
			fmt.Fprintf(&b, "| … per signature (per call / %d) | %s | %s | %.2f | | | |\n", m.nodes, msStr(mo/n), msStr(mu/n), mu/mo)
			perCall[m.nodes] = map[string]float64{"official": mo, "ours": mu}
		}
	}
	if len(signingNodes) >= 2 {
		lo, hi := signingNodes[len(signingNodes)-2], signingNodes[len(signingNodes)-1]
		if perCall[lo] != nil && perCall[hi] != nil {
			d := float64(hi - lo)
			mo := (perCall[hi]["official"] - perCall[lo]["official"]) / d
			mu := (perCall[hi]["ours"] - perCall[lo]["ours"]) / d
			fmt.Fprintf(&b, "| marginal cost of one more node, N = %d → %d (difference of the medians / %d) | %s | %s | %.2f | | | |\n", lo, hi, hi-lo, msStr(mo), msStr(mu), mu/mo)
		}
	}
	var parts []string
	for _, n := range signingNodes {
		if c := connect[n]; c != nil {
			parts = append(parts, fmt.Sprintf("N = %d: official %s ms, ours %s ms", n, msStr(c["official"]), msStr(c["ours"])))
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(&b, "\nConnect before the signing benchmark (one sample each, not part of the table): %s.\n", strings.Join(parts, "; "))
	}
	return b.String()
}

// msStr formats milliseconds with three significant digits or more.
func msStr(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

func msList(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = msStr(x)
	}
	return strings.Join(s, ", ")
}

// benchOurs are the files of js/ the page runs load.
var benchOurs = []string{"lit-session.wasm", "lit-session.js", "wasm_exec.js"}

// sideOursWarm is ours with load({warmUp: true}), its page runs waiting
// for the warm-up (lit.warmUp()) before the client is created: a page
// whose user clicks once the page has been idle for a moment.
const sideOursWarm = "ours-warm"

// sideOursLate is ours without the warm-up, whose page runs wait after
// time-to-ready until the page is as old as the official side's page was
// when it connected (benchHarness.connectAt), then create the client and
// connect: connect compared at the same page age. Right after navigation a
// fresh page runs everything slower for a few hundred milliseconds
// (BENCHMARKS.md, "The cold connect"); ours is ready inside that window,
// the official's bundle after it.
const sideOursLate = "ours-late"

// benchSides are the two clients; benchOrder is their order in repetition
// i: alternating, so that neither side always runs right after the other.
var benchSides = []string{"official", "ours"}

func benchOrder(i int) []string {
	if i%2 == 0 {
		return benchSides
	}
	return []string{benchSides[1], benchSides[0]}
}

// benchRuns skips the test unless LITSESSION_BENCH=1 (make bench) and
// returns LITSESSION_BENCH_RUNS (default 20).
func benchRuns(t *testing.T) int {
	t.Helper()
	if os.Getenv("LITSESSION_BENCH") != "1" {
		t.Skip("side-by-side benchmark with the official SDK: run make bench, or set LITSESSION_BENCH=1 " +
			"(needs node with make oracle-deps, make wasm, and Chromium)")
	}
	return envRuns(t, 20)
}

// envRuns is LITSESSION_BENCH_RUNS, the page runs per side or variant, or
// def when it is unset.
func envRuns(t *testing.T, def int) int {
	t.Helper()
	s := os.Getenv("LITSESSION_BENCH_RUNS")
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("LITSESSION_BENCH_RUNS=%q: want a positive integer", s)
	}
	return n
}

// benchHarness is what the side-by-side tests share: the official bundle
// (bench/bundle.mjs) in bundleDir, a 3-node devnet with its JSON-RPC
// endpoint on 127.0.0.1:8545, where the official client looks for it, and
// headless Chromium that resolves no host but loopback.
type benchHarness struct {
	t                  *testing.T
	root, oracle       string
	bundleDir, esbuild string
	dn                 *devnet.Network
	bctx               context.Context

	// connectAt is the page age at which sideOursLate connects.
	connectAt float64

	mu          sync.Mutex
	offLoopback []string
	console     []string
}

func newBenchHarness(t *testing.T) *benchHarness {
	t.Helper()
	h := &benchHarness{t: t, root: repoRoot(t)}
	h.oracle = filepath.Join(h.root, "testdata", "oracle")
	if _, err := os.Stat(filepath.Join(h.oracle, "node_modules", "esbuild")); err != nil {
		t.Fatal("testdata/oracle/node_modules has no esbuild: run make oracle-deps")
	}
	for _, f := range benchOurs {
		if _, err := os.Stat(filepath.Join(h.root, "js", f)); err != nil {
			t.Fatalf("js/%s is missing: run make wasm", f)
		}
	}

	h.bundleDir = t.TempDir()
	cmd := exec.Command("node", filepath.Join("bench", "bundle.mjs"), h.bundleDir)
	cmd.Dir = h.oracle
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bench/bundle.mjs: %v\n%s", err, stderr.String())
	}
	var bundle struct {
		Esbuild string `json:"esbuild"`
	}
	if err := json.Unmarshal(out, &bundle); err != nil {
		t.Fatalf("bench/bundle.mjs printed %q: %v", out, err)
	}
	h.esbuild = bundle.Esbuild

	// Another test on this machine may hold the port for a few seconds
	// (conformance's official-client tests use it too): wait up to a minute.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Second) {
		h.dn, err = devnet.Start(context.Background(), devnet.Config{RPCPort: devnet.DefaultRPCPort})
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			t.Fatalf("TCP port %d on 127.0.0.1 is taken, but the official LitNodeClient (litNetwork 'custom') reads the staking "+
				"contract from http://127.0.0.1:%d, so the devnet must listen there. Stop what holds it (a running "+
				"`litsession devnet`, anvil; see `ss -ltnp 'sport = :%d'`) and run make bench again. (%v)",
				devnet.DefaultRPCPort, devnet.DefaultRPCPort, devnet.DefaultRPCPort, err)
		}
		t.Fatal(err)
	}
	dn := h.dn
	t.Cleanup(func() { dn.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	t.Cleanup(cancel)
	var opts []chromedp.ExecAllocatorOption
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		opts = append(opts, chromedp.ExecPath("/usr/bin/chromium"))
	}
	// Host names other than localhost fail to resolve, so a client that
	// tried the internet would fail instead of reaching it.
	opts = append(opts, chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"))
	bctx := newBrowser(t, ctx, opts...)
	h.bctx = bctx
	return h
}

// staticHandler serves the repository root (/js/…), the bench pages
// (/bench/…) and the official bundle (/official/…) as they are.
func (h *benchHarness) staticHandler() *static.Handler {
	return &static.Handler{
		Root: h.root,
		Files: map[string]static.File{
			"/bench.html": {ContentType: "text/html; charset=utf-8", Body: []byte("<!doctype html><meta charset=utf-8><title>bench</title>")},
		},
		Mounts: map[string]string{
			"/bench/":    filepath.Join(h.oracle, "bench"),
			"/official/": h.bundleDir,
		},
	}
}

// serve serves handler on a new loopback origin until the test ends.
func (h *benchHarness) serve(handler http.Handler) string {
	h.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	srv := &http.Server{Handler: handler}
	go srv.Serve(ln)
	h.t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// openPage opens origin/bench.html in a new browser context (empty HTTP
// cache and localStorage), watching its requests and errors, then runs
// setup on it (e.g. network and CPU throttling).
func (h *benchHarness) openPage(origin, side string, setup ...chromedp.Action) (context.Context, context.CancelFunc) {
	return h.openPageWatched(origin, side, nil, setup...)
}

// openPageWatched is openPage with onEvent, if not nil, called with every
// event of the page.
func (h *benchHarness) openPageWatched(origin, side string, onEvent func(any), setup ...chromedp.Action) (context.Context, context.CancelFunc) {
	t := h.t
	t.Helper()
	pctx, cancel := chromedp.NewContext(h.bctx, chromedp.WithNewBrowserContext())
	chromedp.ListenTarget(pctx, func(ev any) {
		if onEvent != nil {
			onEvent(ev)
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			if u := ev.Request.URL; !strings.HasPrefix(u, "http://127.0.0.1:") && !strings.HasPrefix(u, "data:") {
				h.offLoopback = append(h.offLoopback, side+": "+u)
			}
		case *cdpruntime.EventExceptionThrown:
			h.console = append(h.console, side+" exception: "+ev.ExceptionDetails.Error())
		case *cdpruntime.EventConsoleAPICalled:
			if ev.Type == cdpruntime.APITypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				h.console = append(h.console, side+" console.error: "+strings.Join(parts, " "))
			}
		}
	})
	if err := chromedp.Run(pctx, chromedp.Navigate(origin+"/bench.html")); err != nil {
		cancel()
		t.Fatalf("%s: opening the page: %v", side, err)
	}
	if len(setup) > 0 {
		if err := chromedp.Run(pctx, setup...); err != nil {
			cancel()
			t.Fatalf("%s: setting up the page: %v", side, err)
		}
	}
	return pctx, cancel
}

// call runs fn(arg) of /bench/browser-<side>.mjs in the page and decodes
// its result into out.
func (h *benchHarness) call(pctx context.Context, side, fn string, arg any, out any) {
	t := h.t
	t.Helper()
	a, err := json.Marshal(arg)
	if err != nil {
		t.Fatal(err)
	}
	expr := fmt.Sprintf(`import('/bench/browser-%s.mjs').then((m) => m.%s(%s)).then((r) => JSON.stringify(r ?? null))`, side, fn, a)
	var res string
	err = chromedp.Run(pctx, chromedp.Evaluate(expr, &res, func(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
	if err != nil {
		h.mu.Lock()
		logged := strings.Join(h.console, "\n")
		h.mu.Unlock()
		t.Fatalf("%s %s: %v\nbrowser console:\n%s", side, fn, err, logged)
	}
	if err := json.Unmarshal([]byte(res), out); err != nil {
		t.Fatalf("%s %s returned %.300q: %v", side, fn, res, err)
	}
}

// runOnce is one page run of side in a fresh browser context, checked.
func (h *benchHarness) runOnce(origin, side string, setup ...chromedp.Action) benchRun {
	return h.runOnceWatched(origin, side, nil, setup...)
}

func (h *benchHarness) runOnceWatched(origin, side string, onEvent func(any), setup ...chromedp.Action) benchRun {
	h.t.Helper()
	page, warm := side, side == sideOursWarm
	args := map[string]any{"rpcUrl": h.dn.RPCURL, "walletKey": walletKey, "warm": warm}
	switch side {
	case sideOursWarm:
		page = "ours"
	case sideOursLate:
		page = "ours"
		args["connectAt"] = h.connectAt
	}
	pctx, cancel := h.openPageWatched(origin, side, onEvent, setup...)
	defer cancel()
	var r benchRun
	h.call(pctx, page, "run", args, &r)
	checkBenchRun(h.t, side, r, h.dn)
	return r
}

// checkLoopback fails the test if any page request left 127.0.0.1.
func (h *benchHarness) checkLoopback() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.offLoopback) > 0 {
		h.t.Errorf("requests left 127.0.0.1:\n%s", strings.Join(h.offLoopback, "\n"))
	}
}
