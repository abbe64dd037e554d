package conformance

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/devnet"
	"github.com/litgo/litsession/internal/testutil"
)

// oracleNagaDir holds the official v8 packages, pinned (make
// oracle-naga-deps), and the scripts that run them.
var oracleNagaDir = filepath.Join("..", "testdata", "oracle-naga")

// nagaScriptTimeout bounds one run of a v8 script (naga-client.mjs gives
// up by itself after 100 s).
const nagaScriptTimeout = 120 * time.Second

// needNagaOracle skips when the v8 packages are not installed, unless
// LITSESSION_REQUIRE_ORACLE is set (make test and CI set it), when it fails.
func needNagaOracle(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err == nil {
		if _, err := os.Stat(filepath.Join(oracleNagaDir, "node_modules", "@lit-protocol", "lit-client")); err == nil {
			return
		}
	}
	if os.Getenv("LITSESSION_REQUIRE_ORACLE") != "" {
		t.Fatal("the v8 oracle (node + testdata/oracle-naga/node_modules) is required: run make oracle-naga-deps")
	}
	t.Skip("the v8 oracle is not installed: run make oracle-naga-deps")
}

// startNaga starts a naga devnet on free ports.
func startNaga(t *testing.T, cfg devnet.Config) (*devnet.Network, *testutil.SyncBuffer) {
	t.Helper()
	logs := &testutil.SyncBuffer{}
	cfg.Network, cfg.Logger = devnet.NetworkNaga, logs
	n, err := devnet.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n, logs
}

// nagaClient is our node client for n, connected.
func nagaClient(t *testing.T, n *devnet.Network) *node.Client {
	t.Helper()
	ht := httptransport.New(nil)
	t.Cleanup(ht.CloseIdleConnections)
	cl, err := node.New(node.Config{Transport: ht, RPCURL: n.RPCURL, Generation: node.Naga})
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	return cl
}

// runNagaScript runs script under node with shim.mjs pointed at n's block
// indexer, and returns its one JSON result line (the last line of stdout)
// and its stderr.
func runNagaScript(t *testing.T, n *devnet.Network, script string, stdin []byte, env ...string) ([]byte, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), nagaScriptTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "--import", "./shim.mjs", script)
	cmd.Dir = oracleNagaDir
	cmd.Env = append(os.Environ(), append(env, "LITSESSION_INDEXER_URL="+n.IndexerURL())...)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("node %s: killed after %v\nstderr (tail):\n%s", script, nagaScriptTimeout, tail(stderr.String(), 3000))
	}
	lines := bytes.Split(bytes.TrimSpace(stdout.Bytes()), []byte("\n"))
	last := lines[len(lines)-1]
	if !json.Valid(last) {
		t.Fatalf("node %s: %v; no JSON result line\nstdout:\n%s\nstderr (tail):\n%s", script, err, stdout.String(), tail(stderr.String(), 3000))
	}
	return last, stderr.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// TestOracleNagaChain runs the v8 SDK's chain side (chain-check.mjs)
// against a naga devnet: nagaLocal.withLocalContext accepts our
// networkContext.json, and the SDK's own decoding of our staking and price
// feed answers gives our nodes, epoch, threshold and prices.
func TestOracleNagaChain(t *testing.T) {
	needNagaOracle(t)
	prices, err := devnet.ParsePrices("decryption=5,4,3,2;sign=2000,2001,2002,2003")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := startNaga(t, devnet.Config{Nodes: 4, Threshold: 3, Prices: prices})
	out, stderr := runNagaScript(t, n, "chain-check.mjs", nil,
		"LITSESSION_NETWORK_CONTEXT="+n.NetworkContextPath, "LITSESSION_RPC_URL="+n.RPCURL)
	var got struct {
		OK            bool     `json:"ok"`
		Error         string   `json:"error"`
		BootstrapURLs []string `json:"bootstrapUrls"`
		Epoch         struct {
			EpochLength, Number, EndTime, Retries, Timeout int64
		} `json:"epoch"`
		MinNodeCount int `json:"minNodeCount"`
		PriceFeed    struct {
			EpochID       string `json:"epochId"`
			MinNodeCount  string `json:"minNodeCount"`
			NetworkPrices []struct {
				URL    string   `json:"url"`
				Prices []string `json:"prices"`
			} `json:"networkPrices"`
		} `json:"priceFeed"`
		CurrentEpoch   int64          `json:"currentEpoch"`
		StakingAddress string         `json:"stakingAddress"`
		Blockhash      string         `json:"blockhash"`
		Fetches        map[string]int `json:"fetches"`
	}
	if err := json.Unmarshal(out, &got); err != nil || !got.OK {
		t.Fatalf("chain-check.mjs: %v %s\nstderr (tail):\n%s", err, got.Error, tail(stderr, 3000))
	}
	if !slices.Equal(got.BootstrapURLs, n.NodeURLs) {
		t.Errorf("the SDK read nodes %v, want %v", got.BootstrapURLs, n.NodeURLs)
	}
	if got.Epoch.Number != int64(n.Epoch()) || got.CurrentEpoch != int64(n.Epoch()) || got.Epoch.EpochLength != 3600 || got.Epoch.EndTime <= time.Now().Unix() {
		t.Errorf("epoch %+v (current %d), want number %d ending in the future", got.Epoch, got.CurrentEpoch, n.Epoch())
	}
	if got.MinNodeCount != 3 || got.PriceFeed.MinNodeCount != "3" || got.PriceFeed.EpochID != "10" {
		t.Errorf("minNodeCount %d / %s, epochId %s", got.MinNodeCount, got.PriceFeed.MinNodeCount, got.PriceFeed.EpochID)
	}
	if got.StakingAddress != devnet.NagaContractAddress("Staking").Hex() {
		t.Errorf("staking address %s", got.StakingAddress)
	}
	// The SDK sorts by the first product's price (decryption): node 3 first.
	if len(got.PriceFeed.NetworkPrices) != 4 || got.PriceFeed.NetworkPrices[0].URL != n.NodeURLs[3] {
		t.Fatalf("network prices %+v", got.PriceFeed.NetworkPrices)
	}
	for _, np := range got.PriceFeed.NetworkPrices {
		i := slices.Index(n.NodeURLs, np.URL)
		if i < 0 {
			t.Fatalf("price for unknown node %s", np.URL)
		}
		var want []string
		for p := devnet.ProductDecryption; p <= devnet.ProductSignSessionKey; p++ {
			want = append(want, n.Nodes[i].Price(p).String())
		}
		if !slices.Equal(np.Prices, want) {
			t.Errorf("node %d prices %v, want %v", i, np.Prices, want)
		}
	}
	if !n.RecentBlockhash(got.Blockhash) {
		t.Errorf("nonce %q is not a devnet block", got.Blockhash)
	}
	if got.Fetches["/get_most_recent_valid_block"] < 1 {
		t.Errorf("the block indexer was not asked through the shim: %v", got.Fetches)
	}
}

// nagaStep is one step of naga-client.mjs's result.
type nagaStep struct {
	OK                     bool            `json:"ok"`
	Error                  string          `json:"error"`
	Nodes                  []string        `json:"nodes"`
	AuthMethodType         int             `json:"authMethodType"`
	AuthMethodID           string          `json:"authMethodId"`
	DelegationAuthSig      authsig.AuthSig `json:"delegationAuthSig"`
	Envelope               string          `json:"envelope"`
	DerivedAuthData        json.RawMessage `json:"derivedAuthData"`
	SessionSigs            map[string]any  `json:"sessionSigs"`
	Digest                 string          `json:"digest"`
	RecoveredAddress       string          `json:"recoveredAddress"`
	SameDelegation         bool            `json:"sameDelegation"`
	SignSessionKeyRequests int             `json:"signSessionKeyRequests"`
}

// nagaClientSteps are naga-client.mjs's steps, in order.
var nagaClientSteps = []string{"createLitClient", "authenticate", "generatePkpDelegationAuthSig", "envelope",
	"validateDelegationAuthSig", "createPkpAuthContextFromPreGenerated", "createPkpSessionSigs", "pkpSign",
	"createPkpAuthContext", "cachedPkpAuthContext"}

// TestOracleNagaServerReuse runs the unmodified official v8 client
// (naga-client.mjs) through the server session reuse flow against a naga
// devnet with a PKP minted for the script's owner key, and checks every
// step:
//
//   - createLitClient connects to every node;
//   - generatePkpDelegationAuthSig returns a LIT_BLS delegation that our
//     core/pkp.VerifyAuthSig accepts under the devnet's network key, asking
//     each of the threshold nodes once;
//   - our core/envelope decodes the SDK's envelope and re-encodes it byte
//     for byte;
//   - createPkpAuthContextFromPreGenerated derives the owner's EthWallet
//     auth data from the delegation alone;
//   - createPkpSessionSigs and pkpSign make no sign_session_key request,
//     and the signature recovers to the PKP's address;
//   - createPkpAuthContext signs too, and a second one is served from the
//     storage cache: the same delegation, no sign_session_key request.
//
// It runs on the default naga devnet (3 nodes), and on 4 nodes priced so
// that each product's most expensive node differs: the client must then
// leave out exactly that node for each operation. On 3 nodes it then
// replays the client's own pkp/sign requests, changed, to show that the
// nodes refuse what they must (nagaRefusals).
func TestOracleNagaServerReuse(t *testing.T) {
	needNagaOracle(t)
	t.Run("3 nodes", func(t *testing.T) {
		clock := &offsetClock{}
		rec := &pkpSignRecorder{}
		n, _, run := serverReuse(t, devnet.Config{Now: clock.Now}, rec.install)
		nagaRefusals(t, n, clock, rec.firstRound(t, len(n.Nodes)), run)
	})
	t.Run("4 nodes priced", func(t *testing.T) {
		// The most expensive node: litaction node 0, sign node 2,
		// signsessionkey node 3.
		prices, err := devnet.ParsePrices("litaction=9,1,1,1;sign=1,1,9,1;signsessionkey=1,1,1,9")
		if err != nil {
			t.Fatal(err)
		}
		n, logs, run := serverReuse(t, devnet.Config{Nodes: 4, Prices: prices}, nil)
		var got []string
		for url := range run.Steps["createPkpSessionSigs"].SessionSigs {
			got = append(got, url)
		}
		slices.Sort(got)
		if want := slices.Sorted(slices.Values(n.NodeURLs[1:])); !slices.Equal(got, want) {
			t.Errorf("createPkpSessionSigs (lit action) signed for %v, want the 3 cheapest %v", got, want)
		}
		// sign_session_key: generatePkpDelegationAuthSig (lit action, not
		// node 0), createPkpAuthContext (sign session key, not node 3).
		// pkp/sign: three signatures (sign, never node 2).
		for i, want := range []struct{ ssk, sign int }{{1, 3}, {2, 3}, {2, 0}, {1, 3}} {
			prefix := fmt.Sprintf("devnet node%d POST ", i)
			if got := strings.Count(logs.String(), prefix+"/web/sign_session_key/v2 200"); got != want.ssk {
				t.Errorf("node %d answered %d sign_session_key requests, want %d", i, got, want.ssk)
			}
			if got := strings.Count(logs.String(), prefix+"/web/pkp/sign/v2 200"); got != want.sign {
				t.Errorf("node %d answered %d pkp/sign requests, want %d", i, got, want.sign)
			}
		}
	})
}

// nagaRun is naga-client.mjs's result.
type nagaRun struct {
	OK         bool                `json:"ok"`
	FailedStep string              `json:"failedStep"`
	Error      string              `json:"error"`
	PKPAddress string              `json:"pkpAddress"`
	Steps      map[string]nagaStep `json:"steps"`
	Fetches    map[string]int      `json:"fetches"`
}

// serverReuse runs naga-client.mjs against a naga devnet started with cfg
// (and handed to prepare, if not nil, before the script runs) and checks
// every step (see TestOracleNagaServerReuse).
func serverReuse(t *testing.T, cfg devnet.Config, prepare func(*devnet.Network)) (*devnet.Network, *testutil.SyncBuffer, nagaRun) {
	n, logs := startNaga(t, cfg)
	if prepare != nil {
		prepare(n)
	}
	ownerKey, _ := crypto.GenerateKey()
	p, err := n.MintPKP(crypto.PubkeyToAddress(ownerKey.PublicKey).Hex())
	if err != nil {
		t.Fatal(err)
	}
	const message = "hello from server reuse"
	input, _ := json.Marshal(map[string]string{
		"networkContextPath": n.NetworkContextPath,
		"rpcUrl":             n.RPCURL,
		"ownerKey":           "0x" + hex.EncodeToString(crypto.FromECDSA(ownerKey)),
		"pkpPublicKey":       p.PublicKey,
		"storagePath":        t.TempDir(),
		"message":            message,
	})
	out, stderr := runNagaScript(t, n, "naga-client.mjs", input)
	var run nagaRun
	if err := json.Unmarshal(out, &run); err != nil {
		t.Fatalf("naga-client.mjs result: %v\n%s", err, out)
	}
	for _, name := range nagaClientSteps {
		s, ran := run.Steps[name]
		if !ran || !s.OK {
			t.Fatalf("step %s failed (the steps before it passed): %s\n%s\ndevnet log (tail):\n%s\nstderr (tail):\n%s",
				name, s.Error, run.Error, tail(logs.String(), 2000), tail(stderr, 3000))
		}
	}
	if !run.OK {
		t.Fatalf("the run failed after every step passed: %s", run.Error)
	}
	threshold := max(3, len(n.Nodes)*2/3) // the v8 client's own threshold

	if got := run.Steps["createLitClient"].Nodes; !slices.Equal(got, slices.Sorted(slices.Values(n.NodeURLs))) {
		t.Errorf("connected to %v, want %v", got, n.NodeURLs)
	}
	auth := run.Steps["authenticate"]
	if auth.AuthMethodType != 1 {
		t.Errorf("authMethodType %d, want 1 (EthWallet)", auth.AuthMethodType)
	}

	gen := run.Steps["generatePkpDelegationAuthSig"]
	if gen.SignSessionKeyRequests != threshold {
		t.Errorf("generatePkpDelegationAuthSig asked %d nodes, want the %d cheapest once each", gen.SignSessionKeyRequests, threshold)
	}
	if _, err := pkp.VerifyAuthSig(gen.DelegationAuthSig, n.NetworkPublicKey, time.Now()); err != nil {
		t.Errorf("our verifier refuses the SDK's delegation: %v", err)
	}
	if !strings.EqualFold(gen.DelegationAuthSig.Address, p.EthAddress) {
		t.Errorf("the delegation is signed for %s, want the PKP %s", gen.DelegationAuthSig.Address, p.EthAddress)
	}

	env := run.Steps["envelope"].Envelope
	decoded, err := envelope.Decode([]byte(env))
	if err != nil {
		t.Fatalf("our envelope decoder refuses the SDK's envelope: %v", err)
	}
	if again, err := envelope.Encode(*decoded); err != nil || string(again) != env {
		t.Errorf("the envelope does not re-encode byte for byte: %v\n got %s\nwant %s", err, again, env)
	}

	var derived struct {
		AuthMethodType int    `json:"authMethodType"`
		AuthMethodID   string `json:"authMethodId"`
	}
	// The SDK derives it from the auth_context our nodes put in the
	// rewritten SIWE: the owner's address is the id (authenticate's own
	// authMethodId is a hash of it).
	owner := crypto.PubkeyToAddress(ownerKey.PublicKey).Hex()
	if err := json.Unmarshal(run.Steps["createPkpAuthContextFromPreGenerated"].DerivedAuthData, &derived); err != nil || derived.AuthMethodType != 1 || !strings.EqualFold(derived.AuthMethodID, owner) {
		t.Errorf("auth data derived from the delegation: %s (%v), want type 1 and the owner %s", run.Steps["createPkpAuthContextFromPreGenerated"].DerivedAuthData, err, owner)
	}

	ss := run.Steps["createPkpSessionSigs"]
	if ss.SignSessionKeyRequests != 0 {
		t.Errorf("createPkpSessionSigs made %d sign_session_key requests, want none", ss.SignSessionKeyRequests)
	}
	if len(ss.SessionSigs) != threshold {
		t.Errorf("%d session sigs, want one for each of the %d cheapest nodes", len(ss.SessionSigs), threshold)
	}
	for url := range ss.SessionSigs {
		if !slices.Contains(n.NodeURLs, url) {
			t.Errorf("a session sig for %s, not a devnet node", url)
		}
	}

	wantDigest := "0x" + hex.EncodeToString(crypto.Keccak256([]byte(message)))
	for _, name := range []string{"pkpSign", "createPkpAuthContext", "cachedPkpAuthContext"} {
		s := run.Steps[name]
		if !strings.EqualFold(s.RecoveredAddress, p.EthAddress) || !strings.EqualFold(run.PKPAddress, p.EthAddress) {
			t.Errorf("%s: the signature recovers to %s, want the PKP %s", name, s.RecoveredAddress, p.EthAddress)
		}
	}
	if d := run.Steps["pkpSign"].Digest; d != wantDigest {
		t.Errorf("pkpSign signed %s, want keccak256(%q) = %s", d, message, wantDigest)
	}
	if r := run.Steps["pkpSign"].SignSessionKeyRequests; r != 0 {
		t.Errorf("pkpSign with the pre-generated context made %d sign_session_key requests", r)
	}
	if r := run.Steps["createPkpAuthContext"].SignSessionKeyRequests; r != threshold {
		t.Errorf("createPkpAuthContext made %d sign_session_key requests, want %d", r, threshold)
	}
	cached := run.Steps["cachedPkpAuthContext"]
	if cached.SignSessionKeyRequests != 0 || !cached.SameDelegation {
		t.Errorf("the second createPkpAuthContext was not served from the cache: %d sign_session_key requests, same delegation %v", cached.SignSessionKeyRequests, cached.SameDelegation)
	}
	if run.Fetches["/get_most_recent_valid_block"] < 1 {
		t.Errorf("the block indexer was not asked through the shim: %v", run.Fetches)
	}
	return n, logs, run
}
