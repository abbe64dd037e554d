// Command demo runs the browser demo: it starts the local Lit network
// (`litsession devnet`, as a child process), serves the repository root
// (index.html, web/, js/) on loopback with the devnet's ready line as
// /devnet.json, and prints the URL. Ctrl-C stops both.
//
//	make demo    (builds bin/litsession and js/lit-session.wasm first)
//	go run ./internal/demo -litsession bin/litsession -addr 127.0.0.1:8600
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/litgo/litsession/internal/static"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8600", "loopback address for the page")
	root := flag.String("root", ".", "directory with index.html, web/ and js/")
	bin := flag.String("litsession", "bin/litsession", "the litsession binary that runs the devnet")
	devnetArgs := flag.String("devnet-args", "", "extra arguments for `litsession devnet`, e.g. \"--rpc-port 0 --base-port 0\"")
	logPath := flag.String("devnet-log", "bin/devnet.log", "file for the devnet's request log")
	flag.Parse()
	if err := run(*addr, *root, *bin, *devnetArgs, *logPath); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(addr, root, bin, devnetArgs, logPath string) error {
	if host, _, err := net.SplitHostPort(addr); err != nil || !net.ParseIP(host).IsLoopback() {
		return fmt.Errorf("-addr %q must be a loopback host:port such as 127.0.0.1:8600", addr)
	}
	if _, err := os.Stat(filepath.Join(root, "js", "lit-session.wasm")); err != nil {
		return errors.New("js/lit-session.wasm is missing; run make wasm (make demo does)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	logf, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("creating the devnet log: %w", err)
	}
	defer logf.Close()
	cmd := exec.CommandContext(ctx, bin, append([]string{"devnet"}, strings.Fields(devnetArgs)...)...)
	cmd.Stderr = logf
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s devnet: %w (run make build first)", bin, err)
	}
	defer cmd.Wait()
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- strings.TrimSpace(line)
	}()
	var line string
	select {
	case line = <-ready:
	case <-time.After(60 * time.Second):
		return fmt.Errorf("the devnet printed no ready line in 60 s; see %s", logPath)
	case <-ctx.Done():
		return nil
	}
	var dn struct {
		RPCURL string   `json:"rpcUrl"`
		Nodes  []string `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(line), &dn); err != nil || len(dn.Nodes) == 0 {
		return fmt.Errorf("the devnet's ready line is not the expected JSON (%q); see %s (are its ports taken? pass -devnet-args \"--rpc-port 0 --base-port 0\")", line, logPath)
	}

	h := &static.Handler{Root: root, Files: map[string]static.File{
		"/devnet.json": {ContentType: "application/json", Body: []byte(line + "\n")},
	}}
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w; pass -addr with a free port", addr, err)
	}
	fmt.Printf("devnet: rpc %s, nodes %s (log: %s)\n", dn.RPCURL, strings.Join(dn.Nodes, " "), logPath)
	fmt.Printf("demo: open http://%s/ (Ctrl-C stops the page and the devnet)\n", addr)
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
