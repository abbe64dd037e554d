package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/devnet"
)

// TestDevnetNaga runs `litsession devnet --network naga --prices …
// --context-dir …` in process: the ready line names the network, the
// networkContext.json it wrote (also served by the RPC server) and the
// block indexer.
func TestDevnetNaga(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		var stderr strings.Builder
		done <- run(ctx, []string{"devnet", "--network", "naga", "--rpc-port", "0", "--base-port", "0",
			"--prices", "sign=2000,2001,2002", "--context-dir", dir}, nil, pw, &stderr)
		pw.Close()
	}()
	defer func() {
		cancel()
		go io.Copy(io.Discard, pr)
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("devnet exited with %d", code)
			}
		case <-time.After(10 * time.Second):
			t.Error("devnet did not stop")
		}
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	var ready struct {
		RPCURL         string   `json:"rpcUrl"`
		Nodes          []string `json:"nodes"`
		Network        string   `json:"network"`
		NetworkContext string   `json:"networkContext"`
		IndexerURL     string   `json:"indexerUrl"`
	}
	if err := json.Unmarshal([]byte(line), &ready); err != nil {
		t.Fatalf("ready line %q: %v", line, err)
	}
	if ready.Network != "naga" || len(ready.Nodes) != devnet.DefaultNagaNodes || ready.NetworkContext != filepath.Join(dir, devnet.NetworkContextFile) || ready.IndexerURL != ready.RPCURL+"/get_most_recent_valid_block" {
		t.Fatalf("ready line %s", line)
	}
	file, err := os.ReadFile(ready.NetworkContext)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	defer c.CloseIdleConnections()
	resp, err := c.Get(ready.RPCURL + devnet.NetworkContextPath)
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(served) != string(file) {
		t.Errorf("GET %s: %d, %d bytes; the file has %d", devnet.NetworkContextPath, resp.StatusCode, len(served), len(file))
	}
}

func TestDevnetNagaBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"devnet", "--network", "naga", "--nodes", "2"},
		{"devnet", "--network", "naga", "--prices", "gas=1"},
		{"devnet", "--network", "mainnet"},
		{"devnet", "--prices", "sign=1"},
		{"devnet", "--context-dir", "/tmp"},
	} {
		if _, errs, code := runCLI(t, "", args...); code != 2 || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: %d %q", args, code, errs)
		}
	}
}
