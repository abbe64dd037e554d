package devnet

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

// oracleNagaDir holds the pinned v8 packages (npm ci there).
const oracleNagaDir = "../testdata/oracle-naga"

// requireOracle skips when the v8 packages are not installed, unless
// LITSESSION_REQUIRE_ORACLE=1 (make test), which fails instead.
func requireOracle(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(oracleNagaDir, "node_modules", "@lit-protocol", "contracts")); err == nil {
		if _, err := exec.LookPath("node"); err == nil {
			return
		}
	}
	if os.Getenv("LITSESSION_REQUIRE_ORACLE") == "1" {
		t.Fatal("the v8 packages are not installed: run make oracle-naga-deps (needs node and npm)")
	}
	t.Skip("the v8 packages are not installed (make oracle-naga-deps)")
}

// TestNagaABIFileIsGenerated: nagaabi/abis.json is exactly what
// testdata/oracle-naga/gen-abi.mjs extracts from the pinned
// @lit-protocol/contracts.
func TestNagaABIFileIsGenerated(t *testing.T) {
	requireOracle(t)
	cmd := exec.Command("node", "gen-abi.mjs")
	cmd.Dir = oracleNagaDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gen-abi.mjs: %v\n%s", err, stderr.Bytes())
	}
	if !bytes.Equal(out, nagaABIs) {
		t.Fatal("devnet/nagaabi/abis.json differs from what testdata/oracle-naga/gen-abi.mjs writes; regenerate it: (cd testdata/oracle-naga && node gen-abi.mjs > ../../devnet/nagaabi/abis.json)")
	}
}

// TestNetworkContextShape: the eight contracts in order, each at its fixed
// address, with the methods the v8 client reads from the chain and the
// StateChanged event it listens for.
func TestNetworkContextShape(t *testing.T) {
	b, err := NetworkContext()
	if err != nil {
		t.Fatal(err)
	}
	var ctx map[string]struct {
		Address string `json:"address"`
		ABI     []struct {
			Type string `json:"type"`
			Name string `json:"name"`
		} `json:"abi"`
	}
	if err := json.Unmarshal(b, &ctx); err != nil {
		t.Fatal(err)
	}
	if len(ctx) != 8 {
		t.Fatalf("%d contracts, want 8", len(ctx))
	}
	pos := -1
	for _, name := range NagaContracts {
		c, ok := ctx[name]
		if !ok {
			t.Fatalf("no %s", name)
		}
		if p := bytes.Index(b, []byte(`"`+name+`":`)); p < pos {
			t.Errorf("%s is out of order", name)
		} else {
			pos = p
		}
		if c.Address != NagaContractAddress(name).Hex() || !common.IsHexAddress(c.Address) {
			t.Errorf("%s address %q", name, c.Address)
		}
		if len(c.ABI) == 0 {
			t.Errorf("%s has no ABI", name)
		}
	}
	has := func(contract, typ, name string) bool {
		for _, e := range ctx[contract].ABI {
			if e.Type == typ && e.Name == name {
				return true
			}
		}
		return false
	}
	for _, want := range [][3]string{
		{"Staking", "function", "getActiveUnkickedValidatorStructsAndCounts"},
		{"Staking", "event", "StateChanged"},
		{"PriceFeed", "function", "getNodesForRequest"},
		{"PubkeyRouter", "function", "getDerivedPubkey"},
		{"PKPNFT", "event", "PKPMinted"},
		{"PaymentDelegation", "function", "getPayersAndRestrictions"},
	} {
		if !has(want[0], want[1], want[2]) {
			t.Errorf("%s has no %s %s", want[0], want[1], want[2])
		}
	}
	// The addresses are fixed: clients and docs may rely on them.
	if got := NagaContractAddress("Staking").Hex(); got != "0x2251D2564960D64d6a843e35ad74C0f9ebcace59" {
		t.Errorf("Staking moved to %s", got)
	}
	b2, _ := NetworkContext()
	if !bytes.Equal(b, b2) {
		t.Error("NetworkContext changed between calls")
	}
}

// TestNetworkContextFile: a naga devnet writes the file, serves the same
// bytes and announces both in its ready line; Close removes a temporary
// directory but not a given one. A datil devnet does none of it.
func TestNetworkContextFile(t *testing.T) {
	want, _ := NetworkContext()
	n := start(t, Config{Network: NetworkNaga})
	if len(n.Nodes) != DefaultNagaNodes {
		t.Errorf("%d nodes by default, want %d", len(n.Nodes), DefaultNagaNodes)
	}
	got, err := os.ReadFile(n.NetworkContextPath)
	if err != nil || !bytes.Equal(got, want) || !filepath.IsAbs(n.NetworkContextPath) {
		t.Fatalf("%s: %v (%d bytes)", n.NetworkContextPath, err, len(got))
	}
	a := do(t, httpClient(t), "GET", n.RPCURL+NetworkContextPath, nil, nil)
	if a.status != 200 || a.header.Get("Content-Type") != "application/json" || !bytes.Equal(a.body, want) {
		t.Errorf("GET %s: %d %q, %d bytes", NetworkContextPath, a.status, a.header.Get("Content-Type"), len(a.body))
	}
	var ready struct {
		RPCURL         string `json:"rpcUrl"`
		Network        string `json:"network"`
		NetworkContext string `json:"networkContext"`
		IndexerURL     string `json:"indexerUrl"`
	}
	if err := json.Unmarshal([]byte(n.ReadyLine()), &ready); err != nil {
		t.Fatal(err)
	}
	if ready.Network != NetworkNaga || ready.NetworkContext != n.NetworkContextPath || ready.IndexerURL != n.RPCURL+"/get_most_recent_valid_block" {
		t.Errorf("ready line %s", n.ReadyLine())
	}
	// The indexer answers the shape v8's fetchBlockchainData reads.
	a = do(t, httpClient(t), "GET", ready.IndexerURL, nil, nil)
	var block struct {
		Blockhash string `json:"blockhash"`
		Timestamp string `json:"timestamp"`
	}
	if err := json.Unmarshal(a.body, &block); a.status != 200 || err != nil || !n.RecentBlockhash(block.Blockhash) || block.Timestamp == "" || strings.Trim(block.Timestamp, "0123456789") != "" {
		t.Errorf("indexer: %d %s", a.status, a.body)
	}
	n.Close()
	if _, err := os.Stat(filepath.Dir(n.NetworkContextPath)); !os.IsNotExist(err) {
		t.Errorf("Close left %s: %v", filepath.Dir(n.NetworkContextPath), err)
	}

	dir := t.TempDir()
	n = start(t, Config{Network: NetworkNaga, ContextDir: dir})
	if n.NetworkContextPath != filepath.Join(dir, NetworkContextFile) {
		t.Errorf("path %s, want it in %s", n.NetworkContextPath, dir)
	}
	n.Close()
	if _, err := os.Stat(filepath.Join(dir, NetworkContextFile)); err != nil {
		t.Errorf("Close removed the file in ContextDir: %v", err)
	}
	if _, err := Start(t.Context(), Config{Network: NetworkNaga, ContextDir: filepath.Join(dir, "missing")}); err == nil || !strings.Contains(err.Error(), "--context-dir") {
		t.Errorf("an unwritable ContextDir: %v", err)
	}

	d := start(t, Config{})
	if d.NetworkContextPath != "" {
		t.Errorf("datil wrote %s", d.NetworkContextPath)
	}
	if a := do(t, httpClient(t), "GET", d.RPCURL+NetworkContextPath, nil, nil); a.status != 404 {
		t.Errorf("datil serves %s: %d", NetworkContextPath, a.status)
	}
	for _, f := range []string{"network", "networkContext", "indexerUrl"} {
		if strings.Contains(d.ReadyLine(), `"`+f+`"`) {
			t.Errorf("datil ready line has %s: %s", f, d.ReadyLine())
		}
	}
}
