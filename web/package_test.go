//go:build !js

package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/litgo/litsession/internal/static"
	"github.com/litgo/litsession/internal/testutil"
)

// The npm package tests install the packed tarball (make package; its path
// in LITSESSION_PACKAGE) into each fresh app of testdata/package-apps,
// build it with its bundler, and get session signatures from a real devnet
// in headless Chromium, or under Node.js with no Go on PATH. make
// package-test runs them.

// pkgResult is what an app's runSession (testdata/package-apps/shared)
// resolves with.
type pkgResult struct {
	Sigs        string   `json:"sigs"`
	WalletAsked bool     `json:"walletAsked"`
	Wasm        []string `json:"wasm"`
	Version     string   `json:"version"`
	Error       string   `json:"error"`
}

func packageTarball(t *testing.T) string {
	t.Helper()
	tgz := os.Getenv("LITSESSION_PACKAGE")
	if tgz == "" {
		t.Skip("needs the packed npm tarball, npm, the registry and Chromium: run make package-test")
	}
	if !filepath.IsAbs(tgz) {
		tgz = filepath.Join(repoRoot(t), tgz) // relative to the repository, as make prints it
	}
	if _, err := os.Stat(tgz); err != nil {
		t.Fatalf("LITSESSION_PACKAGE: %v; make package writes the tarball and prints its path", err)
	}
	return tgz
}

// newApp copies testdata/package-apps/<name> (and the shared flow into its
// src/) to a temporary directory and installs its dependencies and the
// tarball there with env (nil: this process's).
func newApp(t *testing.T, root, name, tgz string, env []string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(root, "testdata", "package-apps", name))); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err == nil { // a browser app
		shared, err := os.ReadFile(filepath.Join(root, "testdata", "package-apps", "shared", "session.js"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "src", "session.js"), shared, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	runIn(t, dir, env, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error", tgz)
	return dir
}

func runIn(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = env
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s in %s: %v\n%s", name, strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}

// serveDir serves dir on a free loopback port (.wasm as application/wasm).
func serveDir(t *testing.T, dir string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: &static.Handler{Root: dir}}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/"
}

// pageQuery names the devnet and the wallet key for runSession.
func pageQuery(dn readyLine) string {
	return fmt.Sprintf("?nodes=%s&min=%d&key=%s", strings.Join(dn.Nodes, ","), dn.Threshold, walletKey)
}

// runPage opens url in a new tab of the browser and awaits
// window.__result, giving the page timeout in all.
func runPage[T any](t *testing.T, bctx context.Context, url string, timeout time.Duration) T {
	t.Helper()
	tab, cancel := chromedp.NewContext(bctx)
	defer cancel()
	ctx, cancel := context.WithTimeout(tab, timeout)
	defer cancel()
	var r T
	err := chromedp.Run(ctx,
		chromedp.Navigate(url),
		chromedp.Poll(`window.__result !== undefined`, nil, chromedp.WithPollingTimeout(time.Minute)),
		chromedp.Evaluate(`window.__result`, &r, func(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams { return p.WithAwaitPromise(true) }),
	)
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return r
}

// checkPkgResult checks an app's session signatures: one per node, valid,
// by the test wallet (checkSessionSigs), and accepted by the devnet.
func checkPkgResult(t *testing.T, r pkgResult, dn readyLine) {
	t.Helper()
	if r.Error != "" {
		t.Fatalf("the app failed: %s", r.Error)
	}
	if !r.WalletAsked || r.Version == "" {
		t.Errorf("walletAsked %v, version %q: a fresh app must ask the wallet and report the module version", r.WalletAsked, r.Version)
	}
	checkSessionSigs(t, r.Sigs, dn.Nodes)
	var sigs map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.Sigs), &sigs); err != nil {
		t.Fatal(err)
	}
	for _, n := range dn.Nodes {
		if ok, reason := devnetVerdict(t, n, sigs[n]); !ok {
			t.Errorf("node %s refused the session signature: %s", n, reason)
		}
	}
}

func startBrowser(t *testing.T) context.Context {
	t.Helper()
	return newBrowser(t, context.Background())
}

// newBrowser starts headless Chromium (chromedp's default flags: headless,
// no first run, no background networking or sync; and no component
// updates, sandbox or GPU) for the life of ctx and the test, with extra
// options after those. LITSESSION_BENCH_JSFLAGS and LITSESSION_BENCH_CHROMELOG are
// for benchmark experiments: V8 flags, and a file for Chromium's output.
func newBrowser(t *testing.T, ctx context.Context, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath(t)), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true))
	if f := os.Getenv("LITSESSION_BENCH_JSFLAGS"); f != "" {
		opts = append(opts, chromedp.Flag("js-flags", f)) // V8 flags, for benchmark experiments only
	}
	if p := os.Getenv("LITSESSION_BENCH_CHROMELOG"); p != "" { // Chromium's stdout and stderr (V8's traces), for benchmark experiments only
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		opts = append(opts, chromedp.CombinedOutput(f))
	}
	actx, cancel := chromedp.NewExecAllocator(ctx, append(opts, extra...)...)
	t.Cleanup(cancel)
	bctx, cancel := chromedp.NewContext(actx, chromedp.WithErrorf(func(format string, args ...any) {
		if msg := fmt.Sprintf(format, args...); !strings.Contains(msg, "unmarshal event") {
			t.Logf("chromedp: %s", msg)
		}
	}))
	t.Cleanup(cancel)
	if err := chromedp.Run(bctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return bctx
}

// TestPackageBundlers: the plain page, esbuild, Vite (build and dev
// server), webpack 5 and Rollup apps, each from the packed tarball.
func TestPackageBundlers(t *testing.T) {
	tgz := packageTarball(t)
	root := repoRoot(t)
	dn := startDevnet(t, buildCLI(t, root, t.TempDir()))
	bctx := startBrowser(t)
	q := pageQuery(dn)

	t.Run("script", func(t *testing.T) {
		dir := newApp(t, root, "script", tgz, nil)
		r := runPage[pkgResult](t, bctx, serveDir(t, dir)+q, 2*time.Minute)
		checkPkgResult(t, r, dn)
		wantWasm(t, r, "/node_modules/@litgo/litsession/lit-session.wasm")
	})
	for _, name := range []string{"esbuild", "webpack", "rollup", "vite"} {
		t.Run(name, func(t *testing.T) {
			dir := newApp(t, root, name, tgz, nil)
			runIn(t, dir, nil, "npm", "run", "build")
			r := runPage[pkgResult](t, bctx, serveDir(t, filepath.Join(dir, "dist"))+q, 2*time.Minute)
			checkPkgResult(t, r, dn)
			wantWasm(t, r, "")
		})
	}
	// Vite 8's dev server needs no configuration; Vite 6's needs
	// optimizeDeps.exclude, and without it the error names that line.
	for _, name := range []string{"vite", "vite6"} {
		t.Run(name+"-dev", func(t *testing.T) {
			dir := newApp(t, root, name, tgz, nil)
			r := runPage[pkgResult](t, bctx, startViteDev(t, dir)+q, 2*time.Minute)
			checkPkgResult(t, r, dn)
			wantWasm(t, r, "/node_modules/@litgo/litsession/lit-session.wasm")
		})
	}
	t.Run("vite6-dev-without-exclude", func(t *testing.T) {
		dir := newApp(t, root, "vite6", tgz, nil)
		if err := os.Remove(filepath.Join(dir, "vite.config.js")); err != nil {
			t.Fatal(err)
		}
		r := runPage[pkgResult](t, bctx, startViteDev(t, dir)+q, 2*time.Minute)
		if !strings.HasPrefix(r.Error, "wasm_load_failed: ") || !strings.Contains(r.Error, "optimizeDeps: { exclude: ['@litgo/litsession'] }") {
			t.Errorf("without optimizeDeps.exclude the Vite 6 dev server page got %+v; want a wasm_load_failed error naming optimizeDeps.exclude", r)
		}
	})
}

// wantWasm checks that the page fetched a .wasm (at path, when given; a
// bundler may rename it): the asset was shipped where load() looks.
func wantWasm(t *testing.T, r pkgResult, path string) {
	t.Helper()
	for _, u := range r.Wasm {
		if path == "" || strings.Contains(u, path) {
			return
		}
	}
	t.Errorf("the page fetched no .wasm at %q; it fetched %v", path, r.Wasm)
}

// startViteDev runs the app's Vite dev server on a free port until the test
// ends and returns its URL.
// ansiEscape matches terminal colour sequences.
var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*m")

func startViteDev(t *testing.T, dir string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "node_modules", ".bin", "vite"), "--host", "127.0.0.1", "--port", fmt.Sprint(port), "--strictPort")
	cmd.Dir = dir
	// Vite colours its output when CI is set (picocolors), which would
	// split the URL with escape codes; NO_COLOR turns that off.
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	ready := make(chan struct{})
	var log testutil.SyncBuffer
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := ansiEscape.ReplaceAllString(sc.Text(), "")
			fmt.Fprintln(&log, line)
			if strings.Contains(line, url) {
				close(ready)
				io.Copy(io.Discard, out)
				return
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(time.Minute):
		t.Fatalf("the Vite dev server did not start at %s; it printed:\n%s", url, log.String())
	}
	return url
}

// TestPackageNode: the Node.js app gets session signatures with the .wasm
// read from disk and no Go toolchain on PATH, installed and run that way.
func TestPackageNode(t *testing.T) {
	tgz := packageTarball(t)
	root := repoRoot(t)
	dn := startDevnet(t, buildCLI(t, root, t.TempDir()))

	env := withoutGo(t)
	dir := newApp(t, root, "node", tgz, env)
	cmd := exec.Command("node", "main.mjs")
	cmd.Dir = dir
	cmd.Env = append(env, "LIT_NODES="+strings.Join(dn.Nodes, ","), fmt.Sprintf("LIT_MIN_NODES=%d", dn.Threshold), "WALLET_KEY="+walletKey)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("node main.mjs: %v\n%s%s", err, out, stderr)
	}
	var r pkgResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("node main.mjs printed %q: %v", out, err)
	}
	checkPkgResult(t, r, dn)
	if _, err := os.Stat(filepath.Join(dir, "lit_storage.db")); err != nil {
		t.Errorf("the file-backed storage was not written: %v", err)
	}
}

// withoutGo is this process's environment with every PATH entry that holds
// a go command removed; it fails if go is still found.
func withoutGo(t *testing.T) []string {
	t.Helper()
	var keep []string
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(d, "go")); err == nil {
			continue
		}
		keep = append(keep, d)
	}
	path := strings.Join(keep, string(filepath.ListSeparator))
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PATH=") && !strings.HasPrefix(kv, "GOROOT=") {
			env = append(env, kv)
		}
	}
	env = append(env, "PATH="+path)
	cmd := exec.Command("sh", "-c", "command -v go")
	cmd.Env = env
	if out, err := cmd.Output(); err == nil {
		t.Fatalf("go is still on PATH at %s", out)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal(err)
	}
	return env
}

// TestPackageGuideV7: the official v7 guide "Generating SessionSigs" with
// only its import lines changed compiles under tsc --strict against the
// package's types and gets session signatures from the devnet under
// Node.js; the named networks match @lit-protocol/constants, and
// LitNodeClient refuses unknown config keys (check-api.mjs).
func TestPackageGuideV7(t *testing.T) {
	tgz := packageTarball(t)
	root := repoRoot(t)
	dn := startDevnet(t, buildCLI(t, root, t.TempDir()))
	dir := newApp(t, root, "guide-v7", tgz, nil)
	runIn(t, dir, nil, "npm", "run", "build")
	if out := runIn(t, dir, nil, "node", "check-api.mjs"); strings.Contains(out, "{") {
		t.Errorf("check-api.mjs:\n%s", out)
	}
	cmd := exec.Command("node", "dist/guide.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LIT_RPC_URL="+dn.RPCURL, "ETHEREUM_PRIVATE_KEY="+walletKey)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("node dist/guide.js: %v\n%s%s", err, out, stderr)
	}
	checkSessionSigs(t, strings.TrimSpace(string(out)), dn.Nodes)
}
