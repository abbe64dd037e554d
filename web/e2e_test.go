//go:build !js

package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/internal/envstore"
	"github.com/litgo/litsession/internal/static"
)

// The test wallet's key: 0x11…11, address 0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A
// (docs/protocol.md#fixed-test-inputs).
const (
	walletKey     = "0x1111111111111111111111111111111111111111111111111111111111111111"
	walletAddress = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
)

// providerJS is the injected EIP-1193 wallet. personal_sign goes to the
// test process through the __testWalletSign binding and is signed there
// with walletKey, like a real wallet extension signing outside the page.
const providerJS = `(() => {
  const pending = new Map();
  let next = 0;
  const account = %q;
  window.__testWalletResolve = (id, sig, err) => {
    const p = pending.get(id);
    pending.delete(id);
    if (err) { const e = new Error(err.message); e.code = err.code; p.reject(e); } else p.resolve(sig);
  };
  window.ethereum = {
    isTestWallet: true,
    async request({ method, params }) {
      switch (method) {
        case 'eth_accounts':
        case 'eth_requestAccounts':
          return [account];
        case 'eth_chainId':
          return '0x1';
        case 'personal_sign':
          return new Promise((resolve, reject) => {
            const id = ++next;
            pending.set(id, { resolve, reject });
            window.__testWalletSign(JSON.stringify({ id, params }));
          });
        default: {
          const e = new Error('unsupported ' + method);
          e.code = 4200;
          throw e;
        }
      }
    },
  };
})();`

type readyLine struct {
	RPCURL           string   `json:"rpcUrl"`
	Nodes            []string `json:"nodes"`
	Threshold        int      `json:"threshold"`
	NetworkPublicKey string   `json:"networkPublicKey"`
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("Chromium not found in PATH; apt-get install -y chromium")
	return ""
}

func goBuild(t *testing.T, root string, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"build"}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %v: %v\n%s", args, err, out)
	}
}

// buildModule builds the browser module pkg (./wasm or ./wasm/pkp) for
// js/wasm into dir, as make wasm does but without its build workspace, and
// returns its bytes.
func buildModule(t *testing.T, root, dir, pkg string) []byte {
	t.Helper()
	out := filepath.Join(dir, filepath.Base(pkg)+".wasm")
	goBuild(t, root, []string{"GOOS=js", "GOARCH=wasm"}, "-ldflags=-s -w", "-trimpath", "-o", out, pkg)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wasmExecJS returns the wasm_exec.js of the Go that builds the modules.
func wasmExecJS(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// buildCLI builds cmd/litsession into dir and returns its path.
func buildCLI(t *testing.T, root, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "litsession")
	goBuild(t, root, nil, "-o", bin, "./cmd/litsession")
	return bin
}

// startDevnet runs `bin devnet args…` on free ports, with every route the
// command registers (the session-protected endpoint among them).
func startDevnet(t *testing.T, bin string, args ...string) readyLine {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, append([]string{"devnet", "--rpc-port", "0", "--base-port", "0"}, args...)...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	var logs strings.Builder
	cmd.Stderr = &syncWriter{w: &logs}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			t.Logf("devnet %v log (last 4 KB):\n%s", args, tail(logs.String(), 4096))
		}
	})
	lines := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(out).ReadString('\n')
		lines <- l
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(60 * time.Second):
		t.Fatalf("the devnet printed no ready line; its log:\n%s", logs.String())
	}
	var rl readyLine
	if err := json.Unmarshal([]byte(line), &rl); err != nil || len(rl.Nodes) == 0 {
		t.Fatalf("bad ready line %q: %v", line, err)
	}
	return rl
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

type syncWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// TestBrowserDemo drives index.html in headless Chromium with an injected
// wallet against a real devnet: first call asks the wallet, the devnet
// accepts every node's signature, the second call reuses the cache, and
// disconnect makes the next call ask again; then the session is handed
// off to a local worker (litsession serve) whose signature must recover to
// the PKP key. It saves screenshots to testdata/artifacts/ (demo.png,
// demo-handoff.png, …).
func TestBrowserDemo(t *testing.T) {
	if os.Getenv("LITSESSION_BROWSER") == "" {
		t.Skip("needs Chromium; set LITSESSION_BROWSER=1 or run make browser-test")
	}
	root := repoRoot(t)
	dir := t.TempDir()

	// Build the modules into dir, so the test needs no `make wasm` first.
	wasm := buildModule(t, root, dir, "./wasm")
	pkpWasm := buildModule(t, root, dir, "./wasm/pkp")
	wasmExec := wasmExecJS(t)
	bin := buildCLI(t, root, dir)
	dn := startDevnet(t, bin)
	readyJSON, _ := json.Marshal(dn)
	store := filepath.Join(dir, "envelopes")
	wk := startWorker(t, bin, "datil", dn.RPCURL, store)
	// naga: 4 priced nodes; node 2 is the dearest for every product, so
	// only the other three (v8's threshold) are asked.
	nagaDn := startDevnet(t, bin, "--network", "naga", "--nodes", "4", "--prices", nagaPrices)
	nagaJSON, _ := json.Marshal(nagaDn)
	nagaStore := filepath.Join(dir, "envelopes-naga")
	nagaWk := startWorker(t, bin, "naga", nagaDn.RPCURL, nagaStore)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: &static.Handler{
		Root: root,
		Files: map[string]static.File{
			"/devnet.json":             {ContentType: "application/json", Body: readyJSON},
			"/worker.json":             {ContentType: "application/json", Body: []byte(wk.line)},
			"/devnet-naga.json":        {ContentType: "application/json", Body: nagaJSON},
			"/worker-naga.json":        {ContentType: "application/json", Body: []byte(nagaWk.line)},
			"/js/lit-session.wasm":     {ContentType: "application/wasm", Body: wasm},
			"/js/lit-session-pkp.wasm": {ContentType: "application/wasm", Body: pkpWasm},
			"/js/wasm_exec.js":         {ContentType: "text/javascript; charset=utf-8", Body: wasmExec},
		},
		Mounts: map[string]string{"/oracle/": filepath.Join(root, "testdata", "oracle", "node_modules")},
	}}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	pageURL := "http://" + ln.Addr().String() + "/"

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	actx, cancel := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1280, 1800))...)
	defer cancel()
	// cdproto lags Chromium: drop its "could not unmarshal event" noise.
	bctx, cancel := chromedp.NewContext(actx, chromedp.WithErrorf(func(format string, args ...any) {
		if msg := fmt.Sprintf(format, args...); !strings.Contains(msg, "unmarshal event") {
			t.Logf("chromedp: %s", msg)
		}
	}))
	defer cancel()

	signer, err := authsig.NewKeySigner(walletKey)
	if err != nil {
		t.Fatal(err)
	}
	var signs atomic.Int32
	var answering sync.WaitGroup
	defer answering.Wait() // before bctx is cancelled
	var consoleMu sync.Mutex
	var console []string
	chromedp.ListenTarget(bctx, func(ev any) {
		switch ev := ev.(type) {
		case *cdpruntime.EventBindingCalled:
			if ev.Name != "__testWalletSign" {
				return
			}
			answering.Add(1)
			go func() {
				defer answering.Done()
				var req struct {
					ID     int      `json:"id"`
					Params []string `json:"params"`
				}
				json.Unmarshal([]byte(ev.Payload), &req)
				resolve := fmt.Sprintf("window.__testWalletResolve(%d, null, {code: -32602, message: 'bad personal_sign params'})", req.ID)
				if len(req.Params) == 2 && req.Params[1] == strings.ToLower(walletAddress) && strings.HasPrefix(req.Params[0], "0x") {
					if msg, err := hex.DecodeString(req.Params[0][2:]); err == nil {
						sig, err := signer.SignMessage(context.Background(), msg)
						if err == nil {
							signs.Add(1)
							resolve = fmt.Sprintf("window.__testWalletResolve(%d, %q)", req.ID, "0x"+hex.EncodeToString(sig))
						}
					}
				}
				if err := chromedp.Run(bctx, chromedp.Evaluate(resolve, nil)); err != nil {
					t.Errorf("answering personal_sign #%d: %v", req.ID, err)
				}
			}()
		case *cdpruntime.EventConsoleAPICalled:
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			consoleMu.Lock()
			console = append(console, string(ev.Type)+": "+strings.Join(parts, " "))
			consoleMu.Unlock()
		case *cdpruntime.EventExceptionThrown:
			consoleMu.Lock()
			console = append(console, "exception: "+ev.ExceptionDetails.Error())
			consoleMu.Unlock()
		}
	})
	defer func() {
		if t.Failed() {
			consoleMu.Lock()
			t.Logf("browser console:\n%s", strings.Join(console, "\n"))
			consoleMu.Unlock()
		}
	}()

	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(bctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	attr := func(sel, name string) string {
		t.Helper()
		var v string
		var ok bool
		run("reading "+sel+"@"+name, chromedp.AttributeValue(sel, name, &v, &ok, chromedp.ByQuery))
		return v
	}
	errorText := func() string {
		var s string
		chromedp.Run(bctx, chromedp.Evaluate(`document.querySelector('#error').hidden ? '' : document.querySelector('#error').textContent`, &s))
		return s
	}
	getSigs := func() {
		t.Helper()
		run("clicking Get session signatures",
			chromedp.Click("#get-sigs", chromedp.ByQuery),
			chromedp.ActionFunc(func(ctx context.Context) error {
				for {
					var done bool
					if err := chromedp.Evaluate(`document.querySelector('#node-sigs').dataset.done === 'true' || !document.querySelector('#error').hidden`, &done).Do(ctx); err != nil {
						return err
					}
					if done {
						return nil
					}
					select {
					case <-ctx.Done():
						return ctx.Err()
					case <-time.After(100 * time.Millisecond):
					}
				}
			}))
		if e := errorText(); e != "" {
			t.Fatalf("the page shows an error: %s", e)
		}
	}

	run("opening the demo",
		cdpruntime.AddBinding("__testWalletSign"),
		chromedp.ActionFunc(func(ctx context.Context) error {
			_, err := page.AddScriptToEvaluateOnNewDocument(fmt.Sprintf(providerJS, strings.ToLower(walletAddress))).Do(ctx)
			return err
		}),
		chromedp.Navigate(pageURL),
		chromedp.WaitVisible(`body[data-ready="true"]`, chromedp.ByQuery),
	)
	var injectedChecked bool
	run("reading the wallet choice", chromedp.Evaluate(`document.querySelector('#wallet-injected').checked`, &injectedChecked))
	if !injectedChecked {
		t.Fatal("the page did not pick the injected wallet")
	}

	// 1. First call: the wallet signs once; every node's signature is
	// valid and the devnet accepts it.
	getSigs()
	if got := attr("#summary", "data-wallet-asked"); got != "true" {
		t.Errorf("first call: data-wallet-asked = %q, want true", got)
	}
	if n := signs.Load(); n != 1 {
		t.Errorf("first call: the wallet signed %d times, want 1", n)
	}
	var sigsJSON string
	run("reading the session sigs", chromedp.Evaluate(`JSON.stringify(window.litDemo.sessionSigs)`, &sigsJSON))
	checkSessionSigs(t, sigsJSON, dn.Nodes)
	// The devnet's verdict is real: a node refuses another node's entry.
	var sigs map[string]json.RawMessage
	json.Unmarshal([]byte(sigsJSON), &sigs)
	if ok, reason := devnetVerdict(t, dn.Nodes[1], sigs[dn.Nodes[0]]); ok || reason == "" {
		t.Errorf("node %s accepted node %s's session signature (reason %q)", dn.Nodes[1], dn.Nodes[0], reason)
	}
	var verdicts map[string]string
	run("reading the verdicts", chromedp.Evaluate(`Object.fromEntries([...document.querySelectorAll('#node-sigs tbody tr')].map(r => [r.dataset.node, r.dataset.verdict + ' ' + r.querySelector('.verdict').textContent]))`, &verdicts))
	if len(verdicts) != len(dn.Nodes) {
		t.Errorf("the page shows %d nodes, want %d", len(verdicts), len(dn.Nodes))
	}
	for _, n := range dn.Nodes {
		v := verdicts[n]
		if !strings.HasPrefix(v, "ok ") {
			t.Errorf("node %s: the devnet (%s) did not accept the session signature: %s", n, "POST /web/session/verify", v)
		}
	}
	shot(t, bctx, "demo.png")
	logTimings := func(what string) {
		var s string
		chromedp.Run(bctx, chromedp.Evaluate(`JSON.stringify({loadMs: window.litDemoLoadMs, ...window.litDemo.info.timings})`, &s))
		t.Logf("%s: %s", what, s)
	}
	logTimings("first call (wallet asked)")

	// 2. Second call: the cached wallet signature is reused, no prompt.
	getSigs()
	if got := attr("#summary", "data-cache-reused"); got != "true" {
		t.Errorf("second call: data-cache-reused = %q, want true", got)
	}
	if n := signs.Load(); n != 1 {
		t.Errorf("second call: the wallet signed again (%d signatures), want the cache reused", n)
	}
	shot(t, bctx, "demo-cached.png")
	logTimings("second call (cache reused)")

	// 3. Disconnect, then the wallet is asked again.
	run("clicking Disconnect", chromedp.Click("#disconnect", chromedp.ByQuery))
	var cleared bool
	run("reading localStorage", chromedp.Evaluate(`localStorage.getItem('lit-wallet-sig') === null && localStorage.getItem('lit-session-key') === null`, &cleared))
	if !cleared {
		t.Error("disconnect left lit-wallet-sig or lit-session-key in localStorage")
	}
	getSigs()
	if got := attr("#summary", "data-wallet-asked"); got != "true" || signs.Load() != 2 {
		t.Errorf("after disconnect: data-wallet-asked = %q and %d signatures, want true and 2", got, signs.Load())
	}

	// 4. The JS API with the official SDK's own resource classes.
	t.Run("OfficialResourceClasses", func(t *testing.T) { officialClasses(t, bctx, dn) })

	// 5. Hand the session to the local worker: a PKP minted for the wallet
	// delegates to a new session key, the worker signs with the envelope,
	// and the signature recovers to the PKP key.
	t.Run("HandOff", func(t *testing.T) {
		before := signs.Load()
		h := handOff(t, bctx, "Hello from the e2e test", dn, store, func() []string {
			consoleMu.Lock()
			defer consoleMu.Unlock()
			return append([]string(nil), console...)
		})
		if h.PKP.Owner != walletAddress {
			t.Errorf("the PKP belongs to %s, want the injected wallet %s", h.PKP.Owner, walletAddress)
		}
		if n := signs.Load() - before; n != 1 {
			t.Errorf("the wallet signed %d times for the hand-off, want once (the EthWallet auth method)", n)
		}
		shot(t, bctx, "demo-handoff.png")
		t.Logf("hand-off timings: %s", h.Timings)

		// Deleting the envelope removes it from the worker's store.
		run("clicking Delete", chromedp.Click("#handoff-delete", chromedp.ByQuery),
			chromedp.WaitVisible(`#handoff-status[data-deleted="true"], #handoff-error:not([hidden])`, chromedp.ByQuery))
		if files := envelopeFiles(t, store); len(files) != 0 {
			t.Errorf("after Delete the worker still stores %d envelope(s)", len(files))
		}

		// The JS API itself, on the same PKP.
		before = signs.Load()
		pkpJSAPI(t, bctx, dn, h.PKP.PublicKey, h.PKP.TokenID)
		if n := signs.Load() - before; n != 1 {
			t.Errorf("the wallet signed %d times for one delegation, want 1", n)
		}
	})

	// 6. A browser without a wallet extension: the page falls back to the
	// built-in dev wallet, and its signatures are accepted too.
	t.Run("DevWallet", func(t *testing.T) { devWalletPage(t, bctx, pageURL, dn, store) })

	// 7. The network switch: the whole page on naga, with the v8 cache,
	// the threshold cheapest nodes, and the hand-off to a naga worker.
	t.Run("Naga", func(t *testing.T) {
		run("switching to naga", chromedp.Evaluate(`(() => { const s = document.querySelector('#network-select'); s.value = 'naga'; s.dispatchEvent(new Event('change')); })()`, nil))
		if got := attr("body", "data-network"); got != "naga" {
			t.Fatalf("data-network = %q after the switch, want naga", got)
		}
		before := signs.Load()
		getSigs()
		if n := signs.Load() - before; n != 1 {
			t.Errorf("first naga call: the wallet signed %d times, want 1", n)
		}
		run("reading the session sigs", chromedp.Evaluate(`JSON.stringify(window.litDemo.sessionSigs)`, &sigsJSON))
		cheapest := []string{nagaDn.Nodes[0], nagaDn.Nodes[1], nagaDn.Nodes[3]}
		checkSessionSigs(t, sigsJSON, cheapest)
		if !strings.Contains(sigsJSON, `\"maxPrice\":\"0x`) {
			t.Error("the naga session sigs carry no maxPrice")
		}
		verdicts = nil
		run("reading the verdicts", chromedp.Evaluate(`Object.fromEntries([...document.querySelectorAll('#node-sigs tbody tr')].map(r => [r.dataset.node, r.dataset.verdict + ' ' + r.querySelector('.verdict').textContent]))`, &verdicts))
		if len(verdicts) != 3 {
			t.Errorf("the page shows %d naga nodes, want the 3 cheapest", len(verdicts))
		}
		for _, n := range cheapest {
			if v := verdicts[n]; !strings.HasPrefix(v, "ok ") {
				t.Errorf("naga node %s did not accept the session signature: %s", n, v)
			}
		}
		var keys []string
		run("reading localStorage", chromedp.Evaluate(`Object.keys(localStorage).filter(k => k.startsWith('lit-auth:')).sort()`, &keys))
		want := []string{"lit-auth:litsession-demo-inner-delegation:naga-local:" + walletAddress, "lit-auth:litsession-demo:naga-local:" + walletAddress}
		if strings.Join(keys, " ") != strings.Join(want, " ") {
			t.Errorf("naga cache keys %v, want v8's %v", keys, want)
		}
		shot(t, bctx, "demo-naga.png")
		logTimings("naga, first call (wallet asked)")

		getSigs()
		if got := attr("#summary", "data-cache-reused"); got != "true" || signs.Load()-before != 1 {
			t.Errorf("second naga call: data-cache-reused = %q, %d signatures; want the v8 cache reused", got, signs.Load()-before)
		}

		before = signs.Load()
		h := handOff(t, bctx, "Hello from the e2e test, on naga", nagaDn, nagaStore, func() []string {
			consoleMu.Lock()
			defer consoleMu.Unlock()
			return append([]string(nil), console...)
		})
		if n := signs.Load() - before; n != 1 {
			t.Errorf("the wallet signed %d times for the naga hand-off, want once", n)
		}
		shot(t, bctx, "demo-naga-handoff.png")
		t.Logf("naga hand-off timings: %s", h.Timings)
	})
}

// nagaPrices are the e2e naga devnet's prices in wei per node.
const nagaPrices = "litaction=5,6,50,7;sign=2000,2001,2999,2002;signsessionkey=10,11,99,12"

// workerLine is `litsession serve`'s ready line.
type workerLine struct {
	URL  string `json:"url"`
	line string
}

// startWorker runs `litsession serve` on a free loopback port against the
// devnet, storing envelopes in store.
func startWorker(t *testing.T, bin, network, rpcURL, store string) workerLine {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", "--network", network, "--listen", "127.0.0.1:0", "--rpc-url", rpcURL, "--store", store)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	var logs strings.Builder
	cmd.Stderr = &syncWriter{w: &logs}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(out).ReadString('\n')
		lines <- l
	}()
	var wl workerLine
	select {
	case wl.line = <-lines:
	case <-time.After(30 * time.Second):
		t.Fatalf("the worker printed no ready line; its log:\n%s", logs.String())
	}
	if err := json.Unmarshal([]byte(wl.line), &wl); err != nil || wl.URL == "" {
		t.Fatalf("bad worker ready line %q: %v", wl.line, err)
	}
	return wl
}

// openStoredEnvelope decrypts a record of the worker's file store with the
// key the worker created beside it (<store>.key).
func openStoredEnvelope(store, file string) ([]byte, error) {
	ring, err := os.ReadFile(store + ".key")
	if err != nil {
		return nil, err
	}
	keys, err := envstore.ParseKeyring(string(ring))
	if err != nil {
		return nil, err
	}
	rec, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return keys.Open(strings.TrimPrefix(filepath.Base(file), "envelope-"), rec)
}

func envelopeFiles(t *testing.T, store string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(store, "envelope-*"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// handoffState is window.litDemo.handoff.
type handoffState struct {
	PKP struct {
		TokenID    string `json:"tokenId"`
		PublicKey  string `json:"publicKey"`
		EthAddress string `json:"ethAddress"`
		Owner      string `json:"owner"`
	} `json:"pkp"`
	Worker struct {
		URL          string   `json:"url"`
		ID           string   `json:"id"`
		PKPPublicKey string   `json:"pkpPublicKey"`
		SessionKey   string   `json:"sessionKey"`
		Expiration   string   `json:"expiration"`
		Resources    []string `json:"resources"`
	} `json:"worker"`
	Text      string `json:"text"`
	Digest    string `json:"digest"`
	Signature struct {
		R         string `json:"r"`
		S         string `json:"s"`
		Recid     int    `json:"recid"`
		Signature string `json:"signature"`
	} `json:"signature"`
	Recovered string          `json:"recovered"`
	Match     bool            `json:"match"`
	Timings   json.RawMessage `json:"timings"`
}

// handOff types text, clicks "Hand off to server" and checks the outcome
// independently of the page: the PKP is the devnet's, the digest is
// keccak256(text), the worker's signature recovers (here, in Go) to the PKP
// key, the stored envelope is the delegation the page showed, and its
// secret appears nowhere in the page, its globals or its console.
func handOff(t *testing.T, tab context.Context, text string, dn readyLine, store string, console func() []string) handoffState {
	t.Helper()
	var state string
	var errText string
	err := chromedp.Run(tab,
		chromedp.SetValue("#handoff-text", text, chromedp.ByQuery),
		chromedp.Click("#handoff", chromedp.ByQuery),
		chromedp.WaitVisible(`#handoff-result[data-done="true"], #handoff-error:not([hidden])`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#handoff-error').hidden ? '' : document.querySelector('#handoff-error').textContent`, &errText),
		chromedp.Evaluate(`JSON.stringify(window.litDemo && window.litDemo.handoff || null)`, &state),
	)
	if err != nil {
		t.Fatal(err)
	}
	if errText != "" {
		t.Fatalf("the hand-off failed on the page: %s", errText)
	}
	var h handoffState
	if err := json.Unmarshal([]byte(state), &h); err != nil {
		t.Fatalf("window.litDemo.handoff: %v (%s)", err, state)
	}
	// The PKP is one the devnet minted, for its owner.
	var minted []struct {
		PublicKey string `json:"publicKey"`
		TokenID   string `json:"tokenId"`
		Owner     string `json:"owner"`
	}
	resp, err := http.Get(dn.RPCURL + "/devnet/pkps")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&minted)
	resp.Body.Close()
	found := false
	for _, m := range minted {
		if m.PublicKey == h.PKP.PublicKey && m.Owner == h.PKP.Owner && m.TokenID == h.PKP.TokenID {
			found = true
		}
	}
	if !found {
		t.Fatalf("the page's PKP %.24s… (owner %s) is not one the devnet minted", h.PKP.PublicKey, h.PKP.Owner)
	}
	// The digest and the signature, checked in Go.
	if want := crypto.Keccak256Hash([]byte(text)).Hex(); h.Digest != want || h.Text != text {
		t.Errorf("digest %s of %q, want keccak256(%q) = %s", h.Digest, h.Text, text, want)
	}
	digest, _ := hex.DecodeString(strings.TrimPrefix(h.Digest, "0x"))
	r, _ := hex.DecodeString(h.Signature.R)
	sv, _ := hex.DecodeString(h.Signature.S)
	pub, err := crypto.Ecrecover(digest, append(append(r, sv...), byte(h.Signature.Recid)))
	if err != nil {
		t.Fatalf("the worker's signature does not recover: %v", err)
	}
	if got := "0x" + hex.EncodeToString(pub); got != h.PKP.PublicKey {
		t.Errorf("the worker's signature recovers (in Go) to %.24s…, want the PKP key %.24s…", got, h.PKP.PublicKey)
	}
	joined, _ := hex.DecodeString(strings.TrimPrefix(h.Signature.Signature, "0x"))
	if len(joined) != 65 || !bytes.Equal(joined[:64], append(r, sv...)) || int(joined[64]) != 27+h.Signature.Recid {
		t.Errorf("signature %s is not r‖s‖(27+recid)", h.Signature.Signature)
	}
	if h.Recovered != h.PKP.PublicKey || !h.Match {
		t.Errorf("the page recovered %.24s… (match %v), want the PKP key", h.Recovered, h.Match)
	}
	var match string
	chromedp.Run(tab, chromedp.Evaluate(`document.querySelector('#handoff-result').dataset.match + ' ' + document.querySelector('#handoff-result').textContent`, &match))
	if !strings.HasPrefix(match, "true ") || !strings.Contains(match, "the PKP key") {
		t.Errorf("the page does not show the match: %q", match)
	}
	// What the worker accepted: this PKP, pkp-signing on it only, expiring
	// in about 15 minutes (the page's default).
	if h.Worker.PKPPublicKey != h.PKP.PublicKey || len(h.Worker.Resources) != 1 ||
		h.Worker.Resources[0] != "lit-pkp://"+strings.TrimPrefix(h.PKP.TokenID, "0x")+"=pkp-signing" {
		t.Errorf("the worker holds a delegation of %.24s… for %v, want pkp-signing on the PKP only", h.Worker.PKPPublicKey, h.Worker.Resources)
	}
	if exp, err := time.Parse(time.RFC3339, h.Worker.Expiration); err != nil || time.Until(exp) < 14*time.Minute || time.Until(exp) > 16*time.Minute {
		t.Errorf("the delegation expires at %q, want about 15 minutes from now", h.Worker.Expiration)
	}
	if h.Worker.ID != "" {
		t.Error("window.litDemo.handoff exposes the worker's envelope id")
	}
	// The stored envelope: this delegation, and its secret nowhere in the
	// page.
	files := envelopeFiles(t, store)
	if len(files) != 1 {
		t.Fatalf("the worker stores %d envelopes, want 1", len(files))
	}
	raw, err := openStoredEnvelope(store, files[0])
	if err != nil {
		t.Fatal(err)
	}
	env, err := envelope.Decode(raw)
	if err != nil {
		t.Fatalf("the stored envelope: %v", err)
	}
	if env.PKPPublicKey != h.PKP.PublicKey || env.SessionKeyURI() != h.Worker.SessionKey {
		t.Errorf("the stored envelope is for %.24s… / %s, want the page's PKP and %s", env.PKPPublicKey, env.SessionKeyURI(), h.Worker.SessionKey)
	}
	var w struct {
		Payload string `json:"payload"`
	}
	json.Unmarshal(raw, &w)
	secret := env.SessionKeyPair.SecretKeyHex()
	var pageText string
	err = chromedp.Run(tab, chromedp.Evaluate(`[document.documentElement.outerHTML, JSON.stringify(window.litDemo), JSON.stringify(localStorage), JSON.stringify(sessionStorage)].join('\n')`, &pageText))
	if err != nil {
		t.Fatal(err)
	}
	haystack := pageText + "\n" + strings.Join(console(), "\n")
	for name, needle := range map[string]string{"the payload": w.Payload[len(w.Payload)/2 : len(w.Payload)/2+40], "the session seed": secret[:64], "the secret key": secret} {
		if strings.Contains(strings.ToLower(haystack), strings.ToLower(needle)) {
			t.Errorf("%s appears in the page, its globals, its storage or its console", name)
		}
	}
	return h
}

func devWalletPage(t *testing.T, bctx context.Context, pageURL string, dn readyLine, store string) {
	tab, cancel := chromedp.NewContext(bctx) // a new tab: no injected provider
	defer cancel()
	var state struct {
		Dev      bool   `json:"dev"`
		Note     bool   `json:"noteShown"`
		Verdicts string `json:"verdicts"`
		Asked    string `json:"asked"`
		Address  string `json:"address"`
		Error    string `json:"error"`
	}
	err := chromedp.Run(tab,
		chromedp.Navigate(pageURL),
		chromedp.WaitVisible(`body[data-ready="true"]`, chromedp.ByQuery),
		chromedp.Evaluate(`localStorage.clear()`, nil),
		chromedp.Click("#get-sigs", chromedp.ByQuery),
		chromedp.WaitVisible(`#node-sigs[data-done="true"], #error:not([hidden])`, chromedp.ByQuery),
		chromedp.Evaluate(`({
			dev: document.querySelector('#wallet-dev').checked,
			noteShown: !document.querySelector('#dev-wallet-note').hidden,
			verdicts: [...document.querySelectorAll('#node-sigs tbody tr')].map(r => r.dataset.verdict).join(','),
			asked: document.querySelector('#summary').dataset.walletAsked,
			address: window.litDemo ? window.litDemo.info.walletAddress : '',
			error: document.querySelector('#error').hidden ? '' : document.querySelector('#error').textContent,
		})`, &state),
	)
	if err != nil {
		t.Fatal(err)
	}
	if state.Error != "" {
		t.Fatalf("the page shows an error: %s", state.Error)
	}
	if !state.Dev || !state.Note {
		t.Errorf("without window.ethereum the page did not pick the labelled dev wallet: %+v", state)
	}
	want := strings.TrimSuffix(strings.Repeat("ok,", len(dn.Nodes)), ",")
	if state.Verdicts != want || state.Asked != "true" || len(state.Address) != 42 {
		t.Errorf("dev wallet run: %+v, want verdicts %s", state, want)
	}
	shot(t, tab, "demo-dev-wallet.png")

	// The hand-off with the dev wallet as the PKP's owner (the PKP module
	// calls the main module's wallet).
	h := handOff(t, tab, "dev wallet hand-off", dn, store, func() []string { return nil })
	if !strings.EqualFold(h.PKP.Owner, state.Address) {
		t.Errorf("the PKP belongs to %s, want the dev wallet %s", h.PKP.Owner, state.Address)
	}
}

// devnetVerdict POSTs a session signature to a node's session-protected
// endpoint for pkp-signing on lit-pkp://*.
func devnetVerdict(t *testing.T, nodeURL string, sig json.RawMessage) (bool, string) {
	t.Helper()
	body := `{"authSig":` + string(sig) + `,"resource":"lit-pkp://*","ability":"pkp-signing"}`
	resp, err := http.Post(nodeURL+"/web/session/verify", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		OK     bool   `json:"ok"`
		Reason string `json:"reason"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("%s: HTTP %d, body not JSON: %v", nodeURL, resp.StatusCode, err)
	}
	return v.OK, v.Reason
}

// checkSessionSigs verifies what the page got, independently of the page
// and of the devnet: one entry per node, each an Ed25519 signature over a
// template naming that node, carrying a wallet AuthSig by the test wallet
// for this session key.
func checkSessionSigs(t *testing.T, sigsJSON string, nodes []string) {
	t.Helper()
	var sigs map[string]authsig.AuthSig
	if err := json.Unmarshal([]byte(sigsJSON), &sigs); err != nil {
		t.Fatalf("session sigs are not a SessionSigsMap: %v\n%s", err, sigsJSON)
	}
	if len(sigs) != len(nodes) {
		t.Fatalf("got session sigs for %d nodes, want %d", len(sigs), len(nodes))
	}
	for _, n := range nodes {
		s, ok := sigs[n]
		if !ok {
			t.Fatalf("no session sig for node %s", n)
		}
		if s.DerivedVia != authsig.DerivedViaSession || s.Algo != authsig.AlgoEd25519 {
			t.Errorf("%s: derivedVia %q algo %q", n, s.DerivedVia, s.Algo)
		}
		if err := sessionkey.VerifyHex(s.Address, s.Sig, []byte(s.SignedMessage)); err != nil {
			t.Errorf("%s: %v", n, err)
		}
		var tmpl struct {
			SessionKey   string            `json:"sessionKey"`
			Capabilities []authsig.AuthSig `json:"capabilities"`
			NodeAddress  string            `json:"nodeAddress"`
		}
		if err := json.Unmarshal([]byte(s.SignedMessage), &tmpl); err != nil {
			t.Fatalf("%s: signedMessage: %v", n, err)
		}
		if tmpl.NodeAddress != n || tmpl.SessionKey != s.Address || len(tmpl.Capabilities) == 0 {
			t.Errorf("%s: template names node %q, key %q, %d capabilities", n, tmpl.NodeAddress, tmpl.SessionKey, len(tmpl.Capabilities))
			continue
		}
		w := tmpl.Capabilities[len(tmpl.Capabilities)-1]
		v, err := authsig.Verify(w, authsig.Options{})
		if err != nil {
			t.Errorf("%s: wallet AuthSig: %v", n, err)
			continue
		}
		if v.Address != walletAddress || v.Message.URI() != sessionkey.URIPrefix+s.Address {
			t.Errorf("%s: wallet AuthSig by %s for %s", n, v.Address, v.Message.URI())
		}
	}
}

// officialClassesJS evaluates @lit-protocol/auth-helpers 7.4.0's real
// resources.js (CommonJS, with a tiny require for its few imports) and
// gets session sigs through js/lit-session.js with its LitActionResource
// and LitPKPResource instances, via an authNeededCallback that signs the
// official way (createSiweMessageWithRecaps + personal_sign).
const officialClassesJS = `(async () => {
  async function cjs(url, deps) {
    const resp = await fetch(url);
    if (!resp.ok) throw new Error(url + ': HTTP ' + resp.status);
    const module = { exports: {} };
    const require = (n) => { if (!(n in deps)) throw new Error(url + ' requires ' + n); return deps[n]; };
    new Function('exports', 'require', 'module', await resp.text())(module.exports, require, module);
    return module.exports;
  }
  const base = '/oracle/@lit-protocol/';
  const tslib = { __importDefault: (m) => (m && m.__esModule ? m : { default: m }) };
  const depd = () => () => {};
  const constants = await cjs(base + 'constants/src/lib/constants/constants.js', { tslib, depd });
  const utils = await cjs(base + 'auth-helpers/src/lib/utils.js', {});
  const official = await cjs(base + 'auth-helpers/src/lib/resources.js', {
    '@lit-protocol/access-control-conditions': {}, '@lit-protocol/uint8arrays': {},
    '@lit-protocol/constants': constants, './utils': utils,
  });
  const { load } = await import('/js/lit-session.js');
  const lit = await load();
  const action = new official.LitActionResource('*');
  const pkp = new official.LitPKPResource('0xABC');
  const reqs = [
    { resource: action, ability: constants.LIT_ABILITY.LitActionExecution },
    { resource: pkp, ability: constants.LIT_ABILITY.PKPSigning },
  ];
  const client = lit.createClient({ bootstrapUrls: %s, minNodeCount: %d });
  await client.connect();
  lit.disconnectWeb3();
  let seen;
  const sessionSigs = await client.getSessionSigs({
    chain: 'ethereum',
    resourceAbilityRequests: reqs,
    authNeededCallback: async (p) => {
      seen = p;
      const account = (await window.ethereum.request({ method: 'eth_requestAccounts' }))[0];
      const address = %q;
      const signedMessage = await lit.createSiweMessageWithRecaps({
        uri: p.uri, expiration: p.expiration, resources: p.resourceAbilityRequests, walletAddress: address, nonce: p.nonce,
      });
      const hex = Array.from(new TextEncoder().encode(signedMessage), (b) => b.toString(16).padStart(2, '0')).join('');
      const sig = await window.ethereum.request({ method: 'personal_sign', params: ['0x' + hex, account] });
      return { sig, derivedVia: 'web3.eth.personal.sign', signedMessage, address };
    },
  });
  const first = sessionSigs[Object.keys(sessionSigs)[0]];
  return JSON.stringify({
    className: action.constructor.name,
    instanceOfOfficial: action instanceof official.LitActionResource,
    ownKeys: Object.keys(action),
    callbackGotInstances: seen.resourceAbilityRequests[0].resource === action,
    callbackHasSecret: seen.sessionKey && 'secretKey' in seen.sessionKey,
    signedRequests: JSON.parse(first.signedMessage).resourceAbilityRequests,
    info: sessionSigs.info,
  });
})()`

func officialClasses(t *testing.T, bctx context.Context, dn readyLine) {
	nodes, _ := json.Marshal(dn.Nodes)
	var out string
	err := chromedp.Run(bctx, chromedp.Evaluate(fmt.Sprintf(officialClassesJS, nodes, dn.Threshold, walletAddress), &out,
		func(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if err != nil {
		t.Fatalf("running the official classes through the JS API: %v", err)
	}
	var res struct {
		ClassName            string          `json:"className"`
		InstanceOfOfficial   bool            `json:"instanceOfOfficial"`
		OwnKeys              []string        `json:"ownKeys"`
		CallbackGotInstances bool            `json:"callbackGotInstances"`
		CallbackHasSecret    bool            `json:"callbackHasSecret"`
		SignedRequests       json.RawMessage `json:"signedRequests"`
		Info                 struct {
			WalletAsked bool `json:"walletAsked"`
		} `json:"info"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.ClassName != "LitActionResource" || !res.InstanceOfOfficial || strings.Join(res.OwnKeys, ",") != "resource,resourcePrefix" {
		t.Errorf("not the official class: %+v", res)
	}
	if !res.CallbackGotInstances {
		t.Error("the authNeededCallback did not get the caller's own resource objects")
	}
	if res.CallbackHasSecret {
		t.Error("the authNeededCallback was given the session secret key")
	}
	if !res.Info.WalletAsked {
		t.Error("info.walletAsked is false after disconnect")
	}
	// What the official SDK signs for these instances
	// (docs/protocol.md#session-signature-template):
	// JSON.stringify of the caller's objects, PKP id normalized.
	want := `[{"resource":{"resource":"*","resourcePrefix":"lit-litaction"},"ability":"lit-action-execution"},` +
		`{"resource":{"resource":"0000000000000000000000000000000000000000000000000000000000000ABC","resourcePrefix":"lit-pkp"},"ability":"pkp-signing"}]`
	if string(res.SignedRequests) != want {
		t.Errorf("signed resourceAbilityRequests:\n got %s\nwant %s", res.SignedRequests, want)
	}
}

// shot saves a full-page screenshot under testdata/artifacts (git-ignored).
func shot(t *testing.T, bctx context.Context, name string) {
	t.Helper()
	var png []byte
	if err := chromedp.Run(bctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	dir := filepath.Join(repoRoot(t), "testdata", "artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// pkpJSAPIJS drives js/lit-session.js's PKP functions: lazy loading once,
// the wrapper's own checks, a delegation for a given session key with a
// Date expiration, and lit.createDelegationEnvelope.
const pkpJSAPIJS = `(async () => {
  const { load, LitPKPResource, LIT_ABILITY } = await import('/js/lit-session.js');
  const lit = await load();
  const pkp = %q, tokenId = %q;
  const code = async (f) => {
    try { await f(); return 'resolved'; } catch (e) { return e instanceof Error ? e.code + (e.reason ? '/' + e.reason : '') : 'not an Error'; }
  };
  const out = {};
  const [a, b] = await Promise.all([lit.loadPkp(), lit.loadPkp()]);
  out.sameModule = a === b && Object.isFrozen(a);
  const reqs = [{ resource: new LitPKPResource(tokenId), ability: LIT_ABILITY.PKPSigning }];
  const client = lit.createClient({ bootstrapUrls: %s, minNodeCount: %d });
  out.notConnected = await code(() => client.generatePkpDelegationAuthSig({ pkpPublicKey: pkp, resourceAbilityRequests: reqs, expiration: new Date(Date.now() + 6e5) }));
  await client.connect();
  out.noRequests = await code(() => client.generatePkpDelegationAuthSig({ pkpPublicKey: pkp, expiration: new Date(Date.now() + 6e5) }));
  out.badEnvelope = await code(() => lit.createDelegationEnvelope({ pkpPublicKey: pkp }));
  const sessionKeyPair = lit.generateSessionKeyPair();
  const d = await client.generatePkpDelegationAuthSig({ pkpPublicKey: pkp, sessionKeyPair, resourceAbilityRequests: reqs, expiration: new Date(Date.now() + 10 * 60e3) });
  out.sameKey = d.sessionKeyPair.publicKey === sessionKeyPair.publicKey && d.sessionKeyPair.secretKey === sessionKeyPair.secretKey;
  out.authSig = d.delegationAuthSig;
  const env = await lit.createDelegationEnvelope({ pkpPublicKey: pkp, ...d });
  out.envelopeKeys = Object.keys(env);
  out.envelope = JSON.stringify(env);
  out.wrongKey = await code(() => lit.createDelegationEnvelope({ pkpPublicKey: pkp, sessionKeyPair: lit.generateSessionKeyPair(), delegationAuthSig: d.delegationAuthSig }));
  return JSON.stringify(out);
})()`

func pkpJSAPI(t *testing.T, tab context.Context, dn readyLine, pkpKey, tokenID string) {
	t.Helper()
	nodes, _ := json.Marshal(dn.Nodes)
	var raw string
	err := chromedp.Run(tab, chromedp.Evaluate(fmt.Sprintf(pkpJSAPIJS, pkpKey, tokenID, nodes, dn.Threshold), &raw,
		func(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if err != nil {
		t.Fatalf("the PKP JS API: %v", err)
	}
	var out struct {
		SameModule   bool            `json:"sameModule"`
		NotConnected string          `json:"notConnected"`
		NoRequests   string          `json:"noRequests"`
		BadEnvelope  string          `json:"badEnvelope"`
		SameKey      bool            `json:"sameKey"`
		AuthSig      authsig.AuthSig `json:"authSig"`
		EnvelopeKeys []string        `json:"envelopeKeys"`
		Envelope     string          `json:"envelope"`
		WrongKey     string          `json:"wrongKey"`
	}
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatal(err)
	}
	if !out.SameModule {
		t.Error("two loadPkp() calls gave different (or unfrozen) modules")
	}
	for name, got := range map[string][2]string{
		"before connect":                  {out.NotConnected, "not_connected"},
		"without resourceAbilityRequests": {out.NoRequests, "invalid_params"},
		"an incomplete envelope":          {out.BadEnvelope, "invalid_params"},
		"another session key":             {out.WrongKey, "delegation_refused/wrong_session_key"},
	} {
		if got[0] != got[1] {
			t.Errorf("%s: %s, want %s", name, got[0], got[1])
		}
	}
	if !out.SameKey {
		t.Error("generatePkpDelegationAuthSig did not return the given sessionKeyPair")
	}
	if strings.Join(out.EnvelopeKeys, ",") != "pkpPublicKey,payload" {
		t.Errorf("the envelope's keys are %v", out.EnvelopeKeys)
	}
	env, err := envelope.Decode([]byte(out.Envelope))
	if err != nil {
		t.Fatalf("the envelope does not decode: %v", err)
	}
	if env.PKPPublicKey != pkpKey || env.DelegationAuthSig != out.AuthSig {
		t.Error("the envelope does not hold the PKP and the delegation")
	}
	again, _ := envelope.Encode(*env)
	if string(again) != out.Envelope {
		t.Error("JSON.stringify of the envelope is not byte for byte core/envelope's encoding")
	}
	d, err := delegation.ValidateDelegationAuthSig(out.AuthSig, delegation.Expect{PKPPublicKey: pkpKey, SessionKey: env.SessionKeyURI(), NetworkPublicKey: dn.NetworkPublicKey})
	if err != nil {
		t.Fatalf("the delegation does not validate: %v", err)
	}
	if left := time.Until(d.Expiration); left < 9*time.Minute || left > 11*time.Minute {
		t.Errorf("the Date expiration became %v from now, want 10 minutes", left)
	}
}
