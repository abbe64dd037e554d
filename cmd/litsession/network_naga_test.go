package main

import (
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
	line := runDevnet(t, "--network", "naga", "--prices", "sign=2000,2001,2002", "--context-dir", dir)
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
