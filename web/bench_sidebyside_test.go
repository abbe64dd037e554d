//go:build !js

package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

	"github.com/chromedp/cdproto/network"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/devnet"
	"github.com/litgo/litsession/internal/static"
)

// benchRun is what testdata/oracle/bench/browser-{official,ours}.mjs return.
type benchRun struct {
	LoadMs          float64                    `json:"loadMs"`
	ConnectMs       float64                    `json:"connectMs"`
	FirstMs         float64                    `json:"firstMs"`
	FirstCallbackMs float64                    `json:"firstCallbackMs"`
	FirstCallbacks  int                        `json:"firstCallbacks"`
	SecondMs        float64                    `json:"secondMs"`
	SecondCallbacks int                        `json:"secondCallbacks"`
	ConnectedNodes  []string                   `json:"connectedNodes"`
	First           map[string]authsig.AuthSig `json:"first"`
	Second          map[string]authsig.AuthSig `json:"second"`
}

// TestSideBySideChromium is the browser half of make bench (BENCHMARKS.md,
// "Side by side with the official SDK"). It bundles the official browser
// client with esbuild (testdata/oracle/bench/bundle.mjs), reports its size
// next to this module's js/ files (raw, gzip -9, brotli -q 11), then times
// both in headless Chromium against one in-process devnet, alternating
// official and ours for LITSESSION_BENCH_RUNS runs each (default 5, after
// one untimed warm-up run each), every run in a fresh browser context (empty
// HTTP cache and localStorage). It prints Markdown tables of the medians.
//
// It asserts no timing: only that both clients work (one wallet prompt on
// the first call, none on the second, a valid session signature for every
// devnet node) and that no request leaves 127.0.0.1.
func TestSideBySideChromium(t *testing.T) {
	if os.Getenv("LITSESSION_BENCH") != "1" {
		t.Skip("side-by-side benchmark with the official SDK: run make bench, or set LITSESSION_BENCH=1 " +
			"(needs node with make oracle-deps, make wasm, and Chromium)")
	}
	runs := 5
	if s := os.Getenv("LITSESSION_BENCH_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("LITSESSION_BENCH_RUNS=%q: want a positive integer", s)
		}
		runs = n
	}
	root := repoRoot(t)
	oracle := filepath.Join(root, "testdata", "oracle")
	if _, err := os.Stat(filepath.Join(oracle, "node_modules", "esbuild")); err != nil {
		t.Fatal("testdata/oracle/node_modules has no esbuild: run make oracle-deps")
	}
	ours := []string{"lit-session.wasm", "lit-session.js", "wasm_exec.js"}
	for _, f := range ours {
		if _, err := os.Stat(filepath.Join(root, "js", f)); err != nil {
			t.Fatalf("js/%s is missing: run make wasm", f)
		}
	}

	start := time.Now()

	// 1. The official bundle, and the sizes.
	bundleDir := t.TempDir()
	cmd := exec.Command("node", filepath.Join("bench", "bundle.mjs"), bundleDir)
	cmd.Dir = oracle
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
	sizeReport := sizeTable(t, bundle.Esbuild, filepath.Join(bundleDir, "lit-official.js"), filepath.Join(root, "js"), ours)

	// 2. The devnet, with its JSON-RPC endpoint where the official client
	// looks for it.
	// Another test on this machine may hold the port for a few seconds
	// (conformance's official-client tests use it too): wait up to a minute.
	var dn *devnet.Network
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Second) {
		dn, err = devnet.Start(context.Background(), devnet.Config{RPCPort: devnet.DefaultRPCPort})
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
	t.Cleanup(func() { dn.Close() })

	// 3. One loopback origin for both pages.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: &static.Handler{
		Root: root, // /js/…
		Files: map[string]static.File{
			"/bench.html": {ContentType: "text/html; charset=utf-8", Body: []byte("<!doctype html><meta charset=utf-8><title>bench</title>")},
		},
		Mounts: map[string]string{
			"/bench/":    filepath.Join(oracle, "bench"),
			"/official/": bundleDir,
		},
	}}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	origin := "http://" + ln.Addr().String()

	// 4. Chromium.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	chrome := "/usr/bin/chromium"
	if _, err := os.Stat(chrome); err != nil {
		chrome = chromiumPath(t)
	}
	actx, cancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chrome),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Host names other than localhost fail to resolve, so a client
		// that tried the internet would fail instead of reaching it.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"),
	)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx, chromedp.WithErrorf(func(format string, args ...any) {
		if msg := fmt.Sprintf(format, args...); !strings.Contains(msg, "unmarshal event") {
			t.Logf("chromedp: %s", msg)
		}
	}))
	defer cancel()
	if err := chromedp.Run(bctx); err != nil {
		t.Fatalf("starting %s: %v", chrome, err)
	}

	var mu sync.Mutex
	var offLoopback []string
	var console []string
	runOnce := func(side string) benchRun {
		t.Helper()
		rctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
		defer cancel()
		chromedp.ListenTarget(rctx, func(ev any) {
			mu.Lock()
			defer mu.Unlock()
			switch ev := ev.(type) {
			case *network.EventRequestWillBeSent:
				if u := ev.Request.URL; !strings.HasPrefix(u, "http://127.0.0.1:") && !strings.HasPrefix(u, "data:") {
					offLoopback = append(offLoopback, side+": "+u)
				}
			case *cdpruntime.EventExceptionThrown:
				console = append(console, side+" exception: "+ev.ExceptionDetails.Error())
			case *cdpruntime.EventConsoleAPICalled:
				if ev.Type == cdpruntime.APITypeError {
					var parts []string
					for _, a := range ev.Args {
						parts = append(parts, string(a.Value)+a.Description)
					}
					console = append(console, side+" console.error: "+strings.Join(parts, " "))
				}
			}
		})
		cfg, _ := json.Marshal(map[string]string{"rpcUrl": dn.RPCURL, "walletKey": walletKey})
		expr := fmt.Sprintf(`import('/bench/browser-%s.mjs').then((m) => m.run(%s)).then((r) => JSON.stringify(r))`, side, cfg)
		var res string
		err := chromedp.Run(rctx,
			chromedp.Navigate(origin+"/bench.html"),
			chromedp.Evaluate(expr, &res, func(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams {
				return p.WithAwaitPromise(true)
			}),
		)
		if err != nil {
			mu.Lock()
			logged := strings.Join(console, "\n")
			mu.Unlock()
			t.Fatalf("%s run: %v\nbrowser console:\n%s", side, err, logged)
		}
		var r benchRun
		if err := json.Unmarshal([]byte(res), &r); err != nil {
			t.Fatalf("%s run returned %q: %v", side, res, err)
		}
		checkBenchRun(t, side, r, dn)
		return r
	}

	t.Logf("set up in %v (bundle, sizes, devnet, Chromium)", time.Since(start))
	results := map[string][]benchRun{}
	sides := []string{"official", "ours"}
	for _, side := range sides {
		runOnce(side) // warm-up: not counted
	}
	for range runs {
		for _, side := range sides {
			results[side] = append(results[side], runOnce(side))
		}
	}
	t.Logf("%d runs in %v", 2*(runs+1), time.Since(start))
	mu.Lock()
	if len(offLoopback) > 0 {
		t.Errorf("requests left 127.0.0.1:\n%s", strings.Join(offLoopback, "\n"))
	}
	mu.Unlock()

	fmt.Print(sizeReport)
	fmt.Print(timingTable(results, runs))
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
func compressedSize(t *testing.T, data []byte, argv ...string) (int, bool) {
	t.Helper()
	if _, err := exec.LookPath(argv[0]); err != nil {
		return 0, false
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", strings.Join(argv, " "), err)
	}
	return len(out), true
}

type sizes struct{ raw, gz, br int }

func measureSizes(t *testing.T, path string) sizes {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sizes{raw: len(data), br: -1}
	if n, ok := compressedSize(t, data, "gzip", "-9", "-c"); ok {
		s.gz = n
	} else {
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		w.Write(data)
		w.Close()
		s.gz = b.Len()
	}
	if n, ok := compressedSize(t, data, "brotli", "-q", "11", "-c"); ok {
		s.br = n
	}
	return s
}

func sizeTable(t *testing.T, esbuildVersion, official, jsDir string, ours []string) string {
	t.Helper()
	off := measureSizes(t, official)
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
	for _, f := range ours {
		s := measureSizes(t, filepath.Join(jsDir, f))
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

func timingTable(results map[string][]benchRun, runs int) string {
	steps := []struct {
		name string
		get  func(benchRun) float64
	}{
		{"load + init (fetch, compile, start; create the client)", func(r benchRun) float64 { return r.LoadMs }},
		{"connect (staking contract + 3 handshakes)", func(r benchRun) float64 { return r.ConnectMs }},
		{"first getSessionSigs (callback asked)", func(r benchRun) float64 { return r.FirstMs }},
		{"… of which in the callback (SIWE + wallet signature)", func(r benchRun) float64 { return r.FirstCallbackMs }},
		{"second getSessionSigs (cached in localStorage)", func(r benchRun) float64 { return r.SecondMs }},
		{"total", func(r benchRun) float64 { return r.LoadMs + r.ConnectMs + r.FirstMs + r.SecondMs }},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| step (headless Chromium, median of %d runs) | official (ms) | ours (ms) | ours/official (< 1: ours faster) | official, all runs | ours, all runs |\n|---|---|---|---|---|---|\n", runs)
	all := func(rs []benchRun, get func(benchRun) float64) ([]float64, string) {
		var v []float64
		var s []string
		for _, r := range rs {
			v = append(v, get(r))
			s = append(s, fmt.Sprintf("%.1f", get(r)))
		}
		return v, strings.Join(s, ", ")
	}
	for _, st := range steps {
		off, offAll := all(results["official"], st.get)
		our, ourAll := all(results["ours"], st.get)
		mo, mu := median(off), median(our)
		fmt.Fprintf(&b, "| %s | %.1f | %.1f | %.2f | %s | %s |\n", st.name, mo, mu, mu/mo, offAll, ourAll)
	}
	return b.String()
}
