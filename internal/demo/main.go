// Command demo runs the browser demo: for each protocol generation it
// starts a local Lit network (`litsession devnet`, as a child process) and
// a server-reuse worker on it (`litsession serve`, with a temporary
// envelope store), serves the repository root (index.html, web/, js/) on
// loopback with the ready lines as /devnet.json and /worker.json (datil)
// and /devnet-naga.json and /worker-naga.json (naga), and prints the URL.
// The page's network switch picks one. Ctrl-C stops everything and deletes
// the stores.
//
// The files of js/ are served as a production host should serve them
// (docs/deployment.md): precompressed, brotli or gzip by Accept-Encoding,
// from siblings (js/lit-session.wasm.br, .gz) the demo writes when they are
// missing or older than the file (package precompressed), with
// Content-Type application/wasm for the modules.
//
//	make demo                (both generations; builds bin/litsession and the modules first)
//	make demo NETWORK=naga   (naga only)
//	go run ./internal/demo -litsession bin/litsession -addr 127.0.0.1:8600
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/litgo/litsession/internal/demo/precompressed"
	"github.com/litgo/litsession/internal/static"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8600", "loopback address for the page")
	root := flag.String("root", ".", "directory with index.html, web/ and js/")
	bin := flag.String("litsession", "bin/litsession", "the litsession binary that runs the devnet")
	devnetArgs := flag.String("devnet-args", "", "extra arguments for `litsession devnet`, e.g. \"--rpc-port 0 --base-port 0\"")
	logPath := flag.String("devnet-log", "bin/devnet.log", "file for the devnet's request log")
	workerListen := flag.String("worker-listen", "127.0.0.1:0", "loopback address for `litsession serve` (port 0: any free port; the page reads it from /worker.json)")
	workerLog := flag.String("worker-log", "bin/worker.log", "file for the worker's access log")
	nagaArgs := flag.String("naga-devnet-args", "--rpc-port 0 --base-port 0", "arguments for the naga `litsession devnet --network naga` (its log and worker log get a -naga suffix)")
	network := flag.String("network", "all", "protocol generations to run: all (the page switches between them), datil or naga")
	flag.Parse()
	var gens []generation
	if *network == "all" || *network == "datil" {
		gens = append(gens, generation{name: "datil", devnetArgs: *devnetArgs, logPath: *logPath, worker: worker{listen: *workerListen, logPath: *workerLog}})
	}
	if *network == "all" || *network == "naga" {
		gens = append(gens, generation{name: "naga", suffix: "-naga", devnetArgs: "--network naga " + *nagaArgs, logPath: withSuffix(*logPath, "-naga"),
			worker: worker{listen: anyPort(*workerListen), logPath: withSuffix(*workerLog, "-naga")}})
	}
	err := fmt.Errorf("-network %q: use all, datil or naga", *network)
	if len(gens) > 0 {
		err = run(*addr, *root, *bin, gens)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// worker is where `litsession serve` listens and logs.
type worker struct{ listen, logPath string }

// generation is one protocol generation the demo runs: its devnet's
// arguments and log, its worker, and the suffix of its ready lines' paths.
type generation struct {
	name, suffix        string
	devnetArgs, logPath string
	worker              worker
}

// anyPort is addr's host with port 0, so that a second worker does not
// take the first one's port.
func anyPort(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr // startWorker explains what is wrong with it
	}
	return net.JoinHostPort(host, "0")
}

// withSuffix inserts suffix before path's extension: bin/devnet.log →
// bin/devnet-naga.log.
func withSuffix(path, suffix string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + suffix + ext
}

func run(addr, root, bin string, gens []generation) error {
	if host, _, err := net.SplitHostPort(addr); err != nil || !net.ParseIP(host).IsLoopback() {
		return fmt.Errorf("-addr %q must be a loopback host:port such as 127.0.0.1:8600", addr)
	}
	for _, f := range []string{"lit-session.wasm", "lit-session-pkp.wasm"} {
		if _, err := os.Stat(filepath.Join(root, "js", f)); err != nil {
			return fmt.Errorf("js/%s is missing; run make wasm (make demo does)", f)
		}
	}
	if err := precompress(root); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Children stop when ctx ends: on Ctrl-C, or when run returns early.
	ctx, cancel := context.WithCancel(ctx)
	var waits []func()
	defer func() {
		cancel()
		for _, w := range waits {
			w()
		}
	}()
	files := map[string]static.File{}
	var started []string
	for _, g := range gens {
		line, dn, wait, err := startDevnet(ctx, bin, strings.Fields(g.devnetArgs), g.logPath)
		if err != nil || ctx.Err() != nil {
			return err
		}
		waits = append(waits, wait)
		workerLine, workerDone, err := startWorker(ctx, bin, dn.RPCURL, g.name, g.worker)
		if err != nil {
			return err
		}
		waits = append(waits, func() { <-workerDone })
		files["/devnet"+g.suffix+".json"] = static.File{ContentType: "application/json", Body: []byte(line + "\n")}
		files["/worker"+g.suffix+".json"] = static.File{ContentType: "application/json", Body: []byte(workerLine + "\n")}
		started = append(started,
			fmt.Sprintf("devnet (%s): rpc %s, nodes %s (log: %s)", g.name, dn.RPCURL, strings.Join(dn.Nodes, " "), g.logPath),
			fmt.Sprintf("worker (%s): %s (litsession serve --network %s; log: %s)", g.name, workerURL(workerLine), g.name, g.worker.logPath))
	}
	h := newHandler(root, files)
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w; pass -addr with a free port", addr, err)
	}
	for _, l := range started {
		fmt.Println(l)
	}
	fmt.Printf("demo: open http://%s/ (Ctrl-C stops the page, the workers and the devnets)\n", addr)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// servedPrecompressed are the files under root that the demo serves
// precompressed: the browser module and its JavaScript.
var servedPrecompressed = []string{"js/lit-session.wasm", "js/lit-session-pkp.wasm", "js/lit-session.js", "js/wasm_exec.js"}

// precompress writes the missing or stale .br and .gz siblings of
// servedPrecompressed (brotli -q 11 of a module takes a few seconds).
func precompress(root string) error {
	announced := false
	for _, f := range servedPrecompressed {
		if !announced && precompressed.NeedsWrite(filepath.Join(root, filepath.FromSlash(f))) {
			fmt.Println("demo: compressing js/ (brotli -q 11 and gzip -9, once per build; up to a minute)")
			announced = true
		}
	}
	errs := make([]error, len(servedPrecompressed))
	var wg sync.WaitGroup
	for i, f := range servedPrecompressed {
		wg.Go(func() {
			skipped, err := precompressed.Write(filepath.Join(root, filepath.FromSlash(f)))
			if err != nil {
				errs[i] = fmt.Errorf("precompressing %s: %w", f, err)
			}
			for _, s := range skipped {
				fmt.Println("demo:", s)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// newHandler serves root and files, the files of servedPrecompressed from
// their .br or .gz sibling when the request accepts it (and the sibling is
// not older than the file), so a rebuilt module is served uncompressed
// until the demo restarts.
func newHandler(root string, files map[string]static.File) http.Handler {
	served := map[string]string{}
	for _, f := range servedPrecompressed {
		served["/"+f] = filepath.Join(root, filepath.FromSlash(f))
	}
	return &precompressed.Handler{
		Locate:       func(p string) string { return served[p] },
		Next:         &static.Handler{Root: root, Files: files},
		CacheControl: "no-store",
	}
}

// devnetReady is what the demo reads from the devnet's ready line.
type devnetReady struct {
	RPCURL         string   `json:"rpcUrl"`
	Nodes          []string `json:"nodes"`
	NetworkContext string   `json:"networkContext"`
	IndexerURL     string   `json:"indexerUrl"`
}

// startDevnet runs `litsession devnet args…` as a child stopped when ctx
// ends, logging to logPath, and returns its ready line and a function that
// waits for it (and closes the log) once ctx is done. A nil error with ctx
// done means the user stopped the demo first.
func startDevnet(ctx context.Context, bin string, args []string, logPath string) (string, devnetReady, func(), error) {
	var dn devnetReady
	logf, err := os.Create(logPath)
	if err != nil {
		return "", dn, nil, fmt.Errorf("creating the devnet log: %w", err)
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"devnet"}, args...)...)
	cmd.Stderr = logf
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return "", dn, nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return "", dn, nil, fmt.Errorf("starting %s devnet: %w (run make build first)", bin, err)
	}
	wait := func() { cmd.Wait(); logf.Close() }
	line, err := readyLine(ctx, out, 60*time.Second)
	switch {
	case ctx.Err() != nil:
		wait()
		return "", dn, nil, nil
	case err != nil:
		cmd.Process.Kill()
		wait()
		return "", dn, nil, fmt.Errorf("the devnet printed no ready line in 60 s; see %s", logPath)
	}
	if err := json.Unmarshal([]byte(line), &dn); err != nil || len(dn.Nodes) == 0 {
		cmd.Process.Kill()
		wait()
		return "", dn, nil, fmt.Errorf("the devnet's ready line is not the expected JSON (%q); see %s (are its ports taken? pass -devnet-args \"--rpc-port 0 --base-port 0\")", line, logPath)
	}
	return line, dn, wait, nil
}

// startWorker runs `litsession serve` against the devnet with a new
// temporary store, removed (with the envelopes, which hold session
// secrets) when ctx ends, and returns its ready line and a channel closed
// once it has stopped and the store is gone.
func startWorker(ctx context.Context, bin, rpcURL, network string, wk worker) (string, <-chan struct{}, error) {
	if host, _, err := net.SplitHostPort(wk.listen); err != nil || !net.ParseIP(host).IsLoopback() {
		return "", nil, fmt.Errorf("-worker-listen %q must be a loopback host:port such as 127.0.0.1:8787", wk.listen)
	}
	store, err := os.MkdirTemp("", "litsession-demo-envelopes-")
	if err != nil {
		return "", nil, err
	}
	logf, err := os.Create(wk.logPath)
	if err != nil {
		os.RemoveAll(store)
		return "", nil, fmt.Errorf("creating the worker log: %w", err)
	}
	cmd := exec.CommandContext(ctx, bin, "serve", "--network", network, "--listen", wk.listen, "--rpc-url", rpcURL, "--store", filepath.Join(store, "envelopes")) // the worker puts its key, envelopes.key, beside it
	cmd.Stderr = logf
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		os.RemoveAll(store)
		return "", nil, fmt.Errorf("starting %s serve: %w (run make build first)", bin, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		cmd.Wait()
		logf.Close()
		os.RemoveAll(store)
	}()
	line, err := readyLine(ctx, out, 30*time.Second)
	switch {
	case ctx.Err() != nil:
		return "", nil, ctx.Err()
	case err != nil:
		return "", nil, fmt.Errorf("the worker printed no ready line in 30 s; see %s", wk.logPath)
	}
	if workerURL(line) == "" {
		return "", nil, fmt.Errorf("the worker's ready line is not the expected JSON (%q); see %s", line, wk.logPath)
	}
	return line, done, nil
}

// readyLine returns the first line a child prints on out (its JSON ready
// line), or an error when none comes within timeout or ctx ends.
func readyLine(ctx context.Context, out io.Reader, timeout time.Duration) (string, error) {
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- strings.TrimSpace(line)
	}()
	select {
	case line := <-ready:
		return line, nil
	case <-time.After(timeout):
		return "", errors.New("no ready line")
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func workerURL(line string) string {
	var w struct {
		URL string `json:"url"`
	}
	json.Unmarshal([]byte(line), &w)
	return w.URL
}
