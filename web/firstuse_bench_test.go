//go:build !js

package web_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdpprofiler "github.com/chromedp/cdproto/profiler"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	cdptracing "github.com/chromedp/cdproto/tracing"
	"github.com/chromedp/chromedp"

	"github.com/litgo/litsession/devnet"
	"github.com/litgo/litsession/internal/static"
)

// firstUseBenchJS is the page module of TestFirstUseChromium: one timed run
// in a fresh page of js/lit-session.js with the module at wasmUrl.
//
//	compile  import lit-session.js + fetch, compile and instantiate the
//	         module (until Go's run starts)
//	start    Go start-up: package initializers and main, until the API is ready
//	ready    time-to-ready, compile + start
//	warm     lit.warmUp() (warm variants; it runs while the page idles)
//	connect  client.connect() on the devnet (staking contract + handshakes)
//	first    createDevWallet + getSessionSigs with a callback that builds
//	         the SIWE message and has the dev wallet sign it
//	devWallet … of which createDevWallet (its address: the first k·G)
//	callback … of which in the callback
//	second   getSessionSigs again, from the cache
const firstUseBenchJS = `
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function utf8Hex(s) {
  return '0x' + Array.from(new TextEncoder().encode(s), (b) => b.toString(16).padStart(2, '0')).join('');
}
export async function run({ rpcUrl, walletKey, wasmUrl, warm, idleMs, preMs, profile, godebug }) {
  // profile: console.profile around start-up, connect and the first
  // getSessionSigs (TestFirstUseChromium's LITSESSION_FIRSTUSE_PROFILE).
  const P = profile ? (n) => console.profile(n) : () => {};
  const PE = profile ? (n) => console.profileEnd(n) : () => {};
  localStorage.clear();
  await sleep(preMs);
  const t0 = performance.now();
  const mod = await import('/js/lit-session.js'); // runs its own wasm_exec.js import: Go is defined now
  let tRun = 0;
  const realRun = globalThis.Go.prototype.run;
  globalThis.Go.prototype.run = function (inst) { if (godebug) this.env = { GODEBUG: godebug }; P('start'); tRun = performance.now(); return realRun.call(this, inst); };
  const lit = await mod.load({ wasmUrl, warmUp: warm });
  const tReady = performance.now();
  PE('start');
  console.timeStamp('litsession:ready');
  await sleep(idleMs);
  const warmMs = warm ? await lit.warmUp() : 0;
  const client = lit.createClient({ rpcUrl });
  if (godebug) console.log('--- connect');
  console.timeStamp('litsession:connect');
  P('connect');
  const t1 = performance.now();
  await client.connect();
  const t2 = performance.now();
  PE('connect');
  console.timeStamp('litsession:connected');
  if (godebug) console.log('--- first getSessionSigs');
  P('first');
  const wallet = lit.createDevWallet({ privateKey: walletKey });
  const tWallet = performance.now();
  let callbacks = 0, callbackMs = 0;
  const params = {
    chain: 'ethereum',
    resourceAbilityRequests: [
      { resource: new mod.LitPKPResource('*'), ability: mod.LIT_ABILITY.PKPSigning },
      { resource: new mod.LitActionResource('*'), ability: mod.LIT_ABILITY.LitActionExecution },
    ],
    async authNeededCallback({ uri, expiration, nonce, resourceAbilityRequests }) {
      const s = performance.now();
      callbacks++;
      const toSign = await lit.createSiweMessageWithRecaps({ uri, expiration, resources: resourceAbilityRequests, walletAddress: wallet.address, nonce });
      const sig = await wallet.request({ method: 'personal_sign', params: [utf8Hex(toSign), wallet.address] });
      callbackMs += performance.now() - s;
      return { sig, derivedVia: 'web3.eth.personal.sign', signedMessage: toSign, address: wallet.address };
    },
  };
  const first = await client.getSessionSigs(params);
  const t3 = performance.now();
  PE('first');
  const firstCallbacks = callbacks;
  const second = await client.getSessionSigs(params);
  const t4 = performance.now();
  return {
    compileMs: tRun - t0, startMs: tReady - tRun, readyMs: tReady - t0, warmMs,
    connectMs: t2 - t1, devWalletMs: tWallet - t2, firstMs: t3 - t2, callbackMs, secondMs: t4 - t3,
    firstCallbacks, secondCallbacks: callbacks - firstCallbacks,
    nodes: [Object.keys(first).length, Object.keys(second).length, client.connectedNodes.length],
  };
}`

type firstUseRun struct {
	CompileMs, StartMs, ReadyMs, WarmMs                   float64
	ConnectMs, DevWalletMs, FirstMs, CallbackMs, SecondMs float64
	FirstCallbacks, SecondCallbacks                       int
	Nodes                                                 []int
}

type firstUseVariant struct {
	name, path string
	warm       bool
}

// TestFirstUseChromium measures what a fresh page pays before and on its
// first calls (BENCHMARKS.md, "First use") for one or more builds of
// js/lit-session.wasm, side by side: LITSESSION_FIRSTUSE_VARIANTS lists
// name=path.wasm pairs, comma-separated (default js/lit-session.wasm
// without and with the warm-up); a name ending in +warm loads with
// load({warmUp: true}). Each of LITSESSION_BENCH_RUNS runs (default 15)
// opens every variant once, in rotating order, each in a fresh browser
// context; the page idles 500 ms after load (the warm-up runs then) before
// it connects, except for a name ending in +now, which connects as soon as
// load() resolves, as TestSideBySideChromium's page does.
// LITSESSION_BENCH_JSFLAGS passes V8 flags to Chromium (--js-flags). It
// prints medians and asserts only that every run worked.
func TestFirstUseChromium(t *testing.T) {
	if os.Getenv("LITSESSION_BENCH_FIRSTUSE") != "1" {
		t.Skip("first-use benchmark: set LITSESSION_BENCH_FIRSTUSE=1 (needs make wasm and Chromium)")
	}
	runs := envRuns(t, 15)
	root := repoRoot(t)
	spec := os.Getenv("LITSESSION_FIRSTUSE_VARIANTS")
	if spec == "" {
		spec = "current=js/lit-session.wasm,current+warm=js/lit-session.wasm"
	}
	files := map[string]static.File{
		"/fu/bench.mjs":  {ContentType: "text/javascript; charset=utf-8", Body: []byte(firstUseBenchJS)},
		"/fu/index.html": {ContentType: "text/html; charset=utf-8", Body: []byte(`<!doctype html><script src="/js/wasm_exec.js"></script>`)},
	}
	wasmExec, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		t.Fatal(err)
	}
	files["/js/wasm_exec.js"] = static.File{ContentType: "text/javascript; charset=utf-8", Body: wasmExec}
	var variants []firstUseVariant
	for i, item := range strings.Split(spec, ",") {
		name, path, ok := strings.Cut(item, "=")
		if !ok || name == "" || path == "" {
			t.Fatalf("LITSESSION_FIRSTUSE_VARIANTS item %q: want name=path.wasm", item)
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(root, path)
		}
		body, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("variant %s: %v (make wasm builds js/lit-session.wasm)", name, err)
		}
		url := fmt.Sprintf("/fu/%d.wasm", i)
		files[url] = static.File{ContentType: "application/wasm", Body: body}
		variants = append(variants, firstUseVariant{name: name, path: url, warm: strings.HasSuffix(name, "+warm")})
	}

	dn, err := devnet.Start(context.Background(), devnet.Config{Nodes: 3})
	if err != nil {
		t.Fatalf("starting a devnet: %v", err)
	}
	t.Cleanup(func() { dn.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: &static.Handler{Root: root, Files: files}}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	pageURL := "http://" + ln.Addr().String() + "/fu/index.html"
	bctx := startBrowser(t)

	profiling := os.Getenv("LITSESSION_FIRSTUSE_PROFILE") == "1"
	profiles := newPhaseProfiles()
	timed, traceWritten := false, false
	runOnce := func(v firstUseVariant) firstUseRun {
		t.Helper()
		pctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
		defer cancel()
		ctx, cancel := context.WithTimeout(pctx, time.Minute)
		defer cancel()
		arg, _ := json.Marshal(map[string]any{"rpcUrl": dn.RPCURL, "walletKey": walletKey, "wasmUrl": v.path, "warm": v.warm, "idleMs": idleMs(v.name), "preMs": preMs(v.name), "profile": profiling, "godebug": os.Getenv("LITSESSION_FIRSTUSE_GODEBUG")})
		var res string
		var setup []chromedp.Action
		if os.Getenv("LITSESSION_FIRSTUSE_GODEBUG") != "" {
			chromedp.ListenTarget(ctx, func(ev any) {
				if e, ok := ev.(*cdpruntime.EventConsoleAPICalled); ok && timed {
					for _, a := range e.Args {
						t.Logf("%s console: %s", v.name, a.Value)
					}
				}
			})
		}
		if profiling {
			record := timed
			chromedp.ListenTarget(ctx, func(ev any) {
				if e, ok := ev.(*cdpprofiler.EventConsoleProfileFinished); ok && record {
					profiles.add(v.name, e.Title, e.Profile)
				}
			})
			setup = append(setup, cdpprofiler.Enable(), cdpprofiler.SetSamplingInterval(100))
		}
		var traced []json.RawMessage
		traceDone := make(chan struct{})
		tracePath := os.Getenv("LITSESSION_FIRSTUSE_TRACE") // one timed run's Chromium trace, for experiments
		tracing := tracePath != "" && timed && !traceWritten
		if tracing {
			traceWritten = true
			chromedp.ListenTarget(ctx, func(ev any) {
				switch e := ev.(type) {
				case *cdptracing.EventDataCollected:
					for _, r := range e.Value {
						traced = append(traced, json.RawMessage(r))
					}
				case *cdptracing.EventTracingComplete:
					close(traceDone)
				}
			})
			setup = append(setup, cdptracing.Start().WithTransferMode(cdptracing.TransferModeReportEvents).WithTraceConfig(&cdptracing.TraceConfig{
				IncludedCategories: []string{"toplevel", "v8", "v8.wasm", "devtools.timeline", "disabled-by-default-v8.compile", "disabled-by-default-devtools.timeline", "blink", "loading", "netlog", "disabled-by-default-v8.gc", "v8.execute"},
			}))
		}
		err := chromedp.Run(ctx, append(setup, chromedp.Navigate(pageURL),
			chromedp.Evaluate(fmt.Sprintf(`import('/fu/bench.mjs').then((m) => m.run(%s)).then(JSON.stringify)`, arg), &res,
				func(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams { return p.WithAwaitPromise(true) }))...)
		if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		if tracing {
			if err := chromedp.Run(ctx, cdptracing.End()); err != nil {
				t.Fatal(err)
			}
			<-traceDone
			b, _ := json.Marshal(map[string]any{"traceEvents": traced})
			if err := os.WriteFile(tracePath, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var r firstUseRun
		if err := json.Unmarshal([]byte(res), &r); err != nil {
			t.Fatalf("%s returned %.300q: %v", v.name, res, err)
		}
		if r.FirstCallbacks != 1 || r.SecondCallbacks != 0 || len(r.Nodes) != 3 || r.Nodes[0] != 3 || r.Nodes[1] != 3 || r.Nodes[2] != 3 {
			t.Fatalf("%s: wallet asked %d then %d times, session sigs/nodes %v; want 1, 0 and 3 nodes throughout", v.name, r.FirstCallbacks, r.SecondCallbacks, r.Nodes)
		}
		return r
	}
	for _, v := range variants { // one untimed run each
		runOnce(v)
	}
	timed = true
	results := make([][]firstUseRun, len(variants))
	for i := range runs {
		for j := range variants {
			k := (i + j) % len(variants)
			results[k] = append(results[k], runOnce(variants[k]))
		}
	}

	rows := []struct {
		name string
		get  func(firstUseRun) float64
	}{
		{"compile: import + fetch + compile/instantiate", func(r firstUseRun) float64 { return r.CompileMs }},
		{"Go start-up (initializers + main)", func(r firstUseRun) float64 { return r.StartMs }},
		{"time-to-ready", func(r firstUseRun) float64 { return r.ReadyMs }},
		{"warm-up (in the idle time)", func(r firstUseRun) float64 { return r.WarmMs }},
		{"first connect", func(r firstUseRun) float64 { return r.ConnectMs }},
		{"first getSessionSigs (createDevWallet + the call; the dev wallet signs)", func(r firstUseRun) float64 { return r.FirstMs }},
		{"… of which createDevWallet (its address: the first k·G)", func(r firstUseRun) float64 { return r.DevWalletMs }},
		{"… of which in the callback", func(r firstUseRun) float64 { return r.CallbackMs }},
		{"cached getSessionSigs", func(r firstUseRun) float64 { return r.SecondMs }},
		{"connect + first getSessionSigs", func(r firstUseRun) float64 { return r.ConnectMs + r.FirstMs }},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| step (median of %d runs, ms) |", runs)
	for _, v := range variants {
		fmt.Fprintf(&b, " %s |", v.name)
	}
	for _, v := range variants[1:] {
		fmt.Fprintf(&b, " %s/%s |", v.name, variants[0].name)
	}
	b.WriteString("\n|---|")
	b.WriteString(strings.Repeat("---|", 2*len(variants)-1))
	for _, row := range rows {
		fmt.Fprintf(&b, "\n| %s |", row.name)
		meds := make([]float64, len(variants))
		for j := range variants {
			var vals []float64
			for _, r := range results[j] {
				vals = append(vals, row.get(r))
			}
			meds[j] = median(vals)
			fmt.Fprintf(&b, " %.1f |", meds[j])
		}
		for j := 1; j < len(variants); j++ {
			if meds[0] > 0 {
				fmt.Fprintf(&b, " %.2f |", meds[j]/meds[0])
			} else {
				b.WriteString(" – |")
			}
		}
	}
	t.Log(b.String())
	if profiling {
		t.Log(profiles.report(runs))
	}
}

// idleMs is how long the page of the variant called name idles between
// load() and connect.
// preMs is how long the page of the variant called name waits before it
// loads the module: 0, or N for a name containing +preN.
func preMs(name string) int {
	if _, ms, ok := strings.Cut(name, "+pre"); ok {
		if i := strings.IndexByte(ms, '+'); i >= 0 {
			ms = ms[:i]
		}
		if n, err := strconv.Atoi(ms); err == nil {
			return n
		}
	}
	return 0
}

func idleMs(name string) int {
	if strings.HasSuffix(name, "+now") {
		return 0
	}
	if _, ms, ok := strings.Cut(name, "+idle"); ok {
		if n, err := strconv.Atoi(ms); err == nil {
			return n
		}
	}
	return 500
}

// phaseProfiles sums the self time of each function over the sampled
// console profiles of TestFirstUseChromium, per variant and phase.
type phaseProfiles struct {
	mu    sync.Mutex
	self  map[[2]string]map[string]float64 // {variant, phase} → function → ms
	order [][2]string
}

func newPhaseProfiles() *phaseProfiles {
	return &phaseProfiles{self: map[[2]string]map[string]float64{}}
}

func (pp *phaseProfiles) add(variant, phase string, p *cdpprofiler.Profile) {
	if p == nil {
		return
	}
	names := map[int64]string{}
	for _, n := range p.Nodes {
		name := n.CallFrame.FunctionName
		if name == "" {
			name = "(anonymous " + n.CallFrame.URL + ")"
		}
		names[n.ID] = name
	}
	pp.mu.Lock()
	defer pp.mu.Unlock()
	k := [2]string{variant, phase}
	m := pp.self[k]
	if m == nil {
		m = map[string]float64{}
		pp.self[k] = m
		pp.order = append(pp.order, k)
	}
	// timeDeltas[i] is the time from sample i-1 to sample i; sample i is
	// charged the time until the next one.
	for i, id := range p.Samples {
		d := 0.1
		if i+1 < len(p.TimeDeltas) {
			d = float64(p.TimeDeltas[i+1]) / 1000
		}
		m[names[id]] += d
	}
}

func (pp *phaseProfiles) report(runs int) string {
	var b strings.Builder
	for _, k := range pp.order {
		m := pp.self[k]
		type fn struct {
			name string
			ms   float64
		}
		var fns []fn
		total := 0.0
		for n, ms := range m {
			fns = append(fns, fn{n, ms})
			total += ms
		}
		slices.SortFunc(fns, func(a, b fn) int { return cmp.Compare(b.ms, a.ms) })
		fmt.Fprintf(&b, "\n%s, %s: %.1f ms sampled per run; self time per run:\n", k[0], k[1], total/float64(runs))
		for i, f := range fns {
			if i == 30 {
				break
			}
			fmt.Fprintf(&b, "  %7.2f ms  %s\n", f.ms/float64(runs), f.name)
		}
	}
	return b.String()
}
