package devnet

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// NetworkContextPath is where a naga devnet's RPC server serves its
// networkContext.json: GET <rpcUrl>/networkContext.json.
const NetworkContextPath = "/networkContext.json"

// NetworkContextFile is the file name Start writes in Config.ContextDir.
const NetworkContextFile = "networkContext.json"

// NagaContracts are the contracts of a naga networkContext.json, in the
// order the file lists them: the eight the v8 client requires.
var NagaContracts = []string{"PKPHelper", "PKPNFT", "PKPPermissions", "PubkeyRouter", "Staking", "PriceFeed", "Ledger", "PaymentDelegation"}

// nagaABIs is {"<Contract>":[ABI entries]} for NagaContracts: every method
// the v8 client extracts and every event of @lit-protocol/contracts'
// naga-dev signatures. testdata/oracle-naga/gen-abi.mjs writes it.
//
//go:embed nagaabi/abis.json
var nagaABIs []byte

// NagaContractAddress is the devnet's fixed address of a naga contract:
// the last 20 bytes of keccak256("litsession devnet naga " + name). Every
// naga devnet uses the same addresses, and eth_call answers a contract's
// methods only at its address.
func NagaContractAddress(name string) common.Address {
	return common.BytesToAddress(crypto.Keccak256([]byte("litsession devnet naga " + name))[12:])
}

var (
	stakingAddress   = NagaContractAddress("Staking")
	priceFeedAddress = NagaContractAddress("PriceFeed")
)

var (
	networkContextOnce sync.Once
	networkContextJSON []byte
	networkContextErr  error
)

// NetworkContext returns the networkContext.json of every naga devnet:
// {"<Contract>":{"address":"0x…","abi":[…]},…} for NagaContracts, the file
// the v8 client reads with nagaLocal.withLocalContext({networkContextPath}).
// The bytes are the same on every call and every run.
func NetworkContext() ([]byte, error) {
	networkContextOnce.Do(func() { networkContextJSON, networkContextErr = buildNetworkContext() })
	return networkContextJSON, networkContextErr
}

func buildNetworkContext() ([]byte, error) {
	var abis map[string]json.RawMessage
	if err := json.Unmarshal(nagaABIs, &abis); err != nil {
		return nil, fmt.Errorf("devnet: nagaabi/abis.json is not a JSON object of ABIs: %w; regenerate it with testdata/oracle-naga/gen-abi.mjs", err)
	}
	if len(abis) != len(NagaContracts) {
		return nil, fmt.Errorf("devnet: nagaabi/abis.json has %d contracts, want the %d of NagaContracts; regenerate it with testdata/oracle-naga/gen-abi.mjs", len(abis), len(NagaContracts))
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, name := range NagaContracts {
		abi, ok := abis[name]
		if !ok {
			return nil, fmt.Errorf("devnet: nagaabi/abis.json has no ABI for %s; regenerate it with testdata/oracle-naga/gen-abi.mjs", name)
		}
		entry, err := json.Marshal(struct {
			Address string          `json:"address"`
			ABI     json.RawMessage `json:"abi"`
		}{NagaContractAddress(name).Hex(), abi})
		if err != nil {
			return nil, fmt.Errorf("devnet: the ABI of %s in nagaabi/abis.json: %w", name, err)
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		key, _ := json.Marshal(name)
		buf.Write(key)
		buf.WriteByte(':')
		buf.Write(entry)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// writeNetworkContext writes networkContext.json into dir, or into a new
// temporary directory when dir is empty, and returns the file's path and
// the directory to remove at Close ("" when dir was given).
func writeNetworkContext(dir string) (path, tempDir string, err error) {
	b, err := NetworkContext()
	if err != nil {
		return "", "", err
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "litsession-naga-"); err != nil {
			return "", "", fmt.Errorf("devnet: creating a directory for %s: %w; set Config.ContextDir", NetworkContextFile, err)
		}
		tempDir = dir
	}
	path, err = filepath.Abs(filepath.Join(dir, NetworkContextFile))
	if err == nil {
		err = os.WriteFile(path, b, 0o644)
	}
	if err != nil {
		if tempDir != "" {
			os.RemoveAll(tempDir)
		}
		return "", "", fmt.Errorf("devnet: writing %s into %s: %w; pass a writable ContextDir (--context-dir)", NetworkContextFile, dir, err)
	}
	return path, tempDir, nil
}

// serveNetworkContext answers GET /networkContext.json with the file the
// devnet wrote.
func (n *Network) serveNetworkContext(w http.ResponseWriter, r *http.Request) {
	b, err := NetworkContext()
	if err != nil {
		WriteError(w, r, http.StatusInternalServerError, KindUnexpected, "NodeUnknownError", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}
