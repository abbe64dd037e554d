package conformance

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/verify"
	"github.com/litgo/litsession/devnet"
	"github.com/litgo/litsession/internal/testutil"
	"github.com/litgo/litsession/internal/testvec"
)

// pkpScriptTimeout bounds each node run of the PKP oracle scripts
// (pkp-client.mjs gives up by itself after 50 s).
const pkpScriptTimeout = 60 * time.Second

// runPKPScript runs an oracle script with a timeout and returns its stdout;
// a failure reports the script's stderr.
func runPKPScript(t *testing.T, script string, stdin []byte) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), pkpScriptTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Dir = oracleDir
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("node %s: killed after %v\nstderr:\n%s", script, pkpScriptTimeout, stderr.String())
	}
	if err != nil {
		t.Fatalf("node %s: %v\nstderr:\n%s", script, err, stderr.String())
	}
	return stdout.Bytes()
}

// startPKPDevnet starts a devnet (3 nodes, threshold 2) whose JSON-RPC
// endpoint is 127.0.0.1:8545, the official client's default rpcUrl for
// litNetwork "custom". Another devnet (an earlier test or -count run) may
// still be releasing the port, so it retries for a while, then fails
// saying what holds it.
func startPKPDevnet(t *testing.T, logger *testutil.SyncBuffer) *devnet.Network {
	t.Helper()
	var n *devnet.Network
	var err error
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		n, err = devnet.Start(context.Background(), devnet.Config{RPCPort: devnet.DefaultRPCPort, Logger: logger})
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("the official client needs the devnet's JSON-RPC endpoint on 127.0.0.1:%d, its default rpcUrl, but: %v\nstop whatever listens there (another litsession devnet, anvil, hardhat) and run the test again", devnet.DefaultRPCPort, err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// officialPKPRun is pkp-client.mjs's output.
type officialPKPRun struct {
	ConnectedNodes []string            `json:"connectedNodes"`
	NetworkPubKey  string              `json:"networkPubKey"`
	MinNodeCount   int                 `json:"minNodeCount"`
	SessionSigs    session.SessionSigs `json:"sessionSigs"`
	Signature      struct {
		R          string `json:"r"`
		S          string `json:"s"`
		Recid      int    `json:"recid"`
		Signature  string `json:"signature"`
		PublicKey  string `json:"publicKey"`
		DataSigned string `json:"dataSigned"`
	} `json:"signature"`
}

// TestOracleOfficialPKPAgainstDevnet runs the unmodified official v7
// client's getPkpSessionSigs + pkpSign (testdata/oracle/pkp-client.mjs)
// against our devnet, then checks with our code what it produced:
//
//   - the official pkpSign signature recovers to the PKP public key;
//   - the client asked each node for sign_session_key exactly once: it
//     accepted our devnet's combined BLS signature on the first try (it
//     asks again when its own check of the delegation fails, see
//     docs/protocol.md#client-checks-of-the-delegation);
//   - our verifier (core/verify, as a node) accepts the official PKP
//     session signatures for pkp-signing on the PKP, delegated via LIT_BLS
//     by the PKP's address, and core/pkp.VerifyAuthSig accepts the
//     official LIT_BLS AuthSig;
//   - our PkpSign, given the official session signatures, signs too.
//
// The owner's EthWallet AuthSig is made by us (core/pkp) in one run and by
// the SDK (createSiweMessage + generateAuthSig) in the other.
func TestOracleOfficialPKPAgainstDevnet(t *testing.T) {
	needOracle(t)
	logs := &testutil.SyncBuffer{}
	n := startPKPDevnet(t, logs)
	ownerKey, _ := crypto.GenerateKey()
	p, err := n.MintPKP(crypto.PubkeyToAddress(ownerKey.PublicKey).Hex())
	if err != nil {
		t.Fatal(err)
	}
	tr := httptransport.New(nil)
	defer tr.CloseIdleConnections()
	c, err := node.New(node.Config{Transport: tr, RPCURL: n.RPCURL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	nonce, err := c.LatestBlockhash(ctx)
	if err != nil {
		t.Fatal(err)
	}
	am, err := pkp.SignEthWalletAuthMethod(ctx, authsig.NewKeySignerFromECDSA(ownerKey), nonce, time.Now().Add(time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	ours, _ := am.EthWalletAuthSig()

	for _, tc := range []struct {
		name  string
		input map[string]any
	}{
		{"our owner AuthSig", map[string]any{"ownerAuthSig": ours}},
		{"SDK owner AuthSig", map[string]any{"ownerKey": "0x" + hex.EncodeToString(crypto.FromECDSA(ownerKey))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var digest [32]byte
			rand.Read(digest[:])
			tc.input["pkpPublicKey"] = p.PublicKey
			tc.input["toSign"] = hex.EncodeToString(digest[:])
			in, _ := json.Marshal(tc.input)
			before := strings.Count(logs.String(), "POST "+pkp.SignSessionKeyPath+" 200")
			var run officialPKPRun
			out := runPKPScript(t, "pkp-client.mjs", in)
			if err := json.Unmarshal(out, &run); err != nil {
				t.Fatalf("pkp-client.mjs output: %v\n%s", err, out)
			}
			if run.NetworkPubKey != n.NetworkPublicKey || run.MinNodeCount != n.Threshold || len(run.ConnectedNodes) != len(n.Nodes) {
				t.Fatalf("the official client connected to %v (key %s, minNodeCount %d)", run.ConnectedNodes, run.NetworkPubKey, run.MinNodeCount)
			}

			// The official signature recovers to the PKP key.
			sig, err := hex.DecodeString(strings.TrimPrefix(run.Signature.Signature, "0x"))
			if err != nil || len(sig) != 65 {
				t.Fatalf("signature %q", run.Signature.Signature)
			}
			sig[64] -= 27
			pub, err := crypto.Ecrecover(digest[:], sig)
			if err != nil || "0x"+hex.EncodeToString(pub) != p.PublicKey {
				t.Fatalf("the official pkpSign signature recovers %x (%v), not the PKP key %s", pub, err, p.PublicKey)
			}
			if run.Signature.DataSigned != hex.EncodeToString(digest[:]) {
				t.Fatalf("dataSigned %s", run.Signature.DataSigned)
			}

			// One sign_session_key round: the client verified our BLS.
			if got := strings.Count(logs.String(), "POST "+pkp.SignSessionKeyPath+" 200") - before; got != len(n.Nodes) {
				t.Errorf("the official client sent %d sign_session_key requests, want %d (one per node): it rejected the combined BLS signature and asked again", got, len(n.Nodes))
			}

			// Our verifier accepts the official PKP session sigs.
			op := resource.Request{Resource: p.Resource(), Ability: resource.PKPSigning}
			for _, u := range run.ConnectedNodes {
				s, ok := run.SessionSigs.Get(u)
				if !ok {
					t.Fatalf("no session sig for %s", u)
				}
				v := verify.New(verify.Config{NodeURL: u, NetworkPublicKey: n.NetworkPublicKey, RecentBlockhash: n.RecentBlockhash})
				res, err := v.Verify(s, op)
				if err != nil {
					t.Fatalf("our verifier refuses the official session sig for %s: %v", u, err)
				}
				if res.DelegatedVia != authsig.DerivedViaBLS || res.WalletAddress != p.EthAddress {
					t.Fatalf("%s: delegated via %s by %s", u, res.DelegatedVia, res.WalletAddress)
				}
				var tmpl struct {
					Capabilities []authsig.AuthSig `json:"capabilities"`
				}
				if err := json.Unmarshal([]byte(s.SignedMessage), &tmpl); err != nil || len(tmpl.Capabilities) == 0 {
					t.Fatalf("%s: %v", u, err)
				}
				deleg := tmpl.Capabilities[len(tmpl.Capabilities)-1]
				if _, err := pkp.VerifyAuthSig(deleg, n.NetworkPublicKey, time.Now()); err != nil {
					t.Fatalf("core/pkp refuses the official LIT_BLS AuthSig: %v", err)
				}
			}

			// Our PkpSign with the official session sigs.
			ourSig, err := pkp.PkpSign(ctx, c, &run.SessionSigs, p.PublicKey, digest)
			if err != nil {
				t.Fatalf("our PkpSign with the official session sigs: %v", err)
			}
			if ourSig.R == run.Signature.R {
				t.Error("two pkpSign calls (two request ids) used the same nonce")
			}
		})
	}
}

// blsCase is one input of bls-check.mjs.
type blsCase struct {
	PublicKey string   `json:"publicKey"`
	Message   string   `json:"message"`
	Shares    []string `json:"shares"`
	Signature string   `json:"signature"`
	// Not sent: what we expect.
	name        string
	wantVerify  bool   // the shares are a threshold set of one sharing
	wantCombine string // expected combination (hex), if known
}

// TestBLSAgainstOfficialWasm compares core/bls with the official
// @lit-protocol/wasm (blsCombine, blsVerify — what the v7 SDK runs) on the
// shared vectors and on fresh random keys, sharings and messages: our
// CombineShares and the wasm's blsCombine must give the same bytes (for
// any subset, in any order, even below the threshold), and each side must
// verify exactly the signatures the other verifies.
func TestBLSAgainstOfficialWasm(t *testing.T) {
	needOracle(t)
	if _, err := os.Stat(filepath.Join(oracleDir, "node_modules", "@lit-protocol", "wasm")); err != nil {
		if os.Getenv("LITSESSION_REQUIRE_ORACLE") != "" {
			t.Fatal("@lit-protocol/wasm is not installed: run make oracle-deps")
		}
		t.Skip("@lit-protocol/wasm is not installed: run make oracle-deps")
	}
	var cases []blsCase

	// The vectors the official packages checked.
	b := testvec.LoadBLS(t)
	v5 := testvec.LoadV5(t)
	for _, set := range [][]int{{0, 1}, {1, 2}, {2, 0}, {0, 1, 2}, {2, 1, 0}} {
		c := blsCase{name: fmt.Sprintf("vector shares %v", set), PublicKey: b.PublicKey, Message: b.DataSigned, wantVerify: true, wantCombine: b.Signature}
		for _, i := range set {
			c.Shares = append(c.Shares, b.Shares[i])
		}
		cases = append(cases, c)
	}
	cases = append(cases, blsCase{name: "V5", PublicKey: v5.NetworkPubKey, Message: v5.M, Signature: v5.Signature, Shares: []string{}, wantVerify: true})

	// Fresh random ones.
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("LITSESSION_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	t.Logf("seed %d (set LITSESSION_SEED to repeat)", seed)
	r := mrand.New(mrand.NewPCG(seed, seed^0x5bd1e995))
	reader := &pcgReader{r}
	for i := 0; i < 24; i++ {
		sk, err := bls.GenerateSecretKey(reader)
		if err != nil {
			t.Fatal(err)
		}
		threshold := 2 + r.IntN(4)
		count := threshold + r.IntN(4)
		shares, err := bls.SplitSecret(sk, threshold, count, reader)
		if err != nil {
			t.Fatal(err)
		}
		msg := make([]byte, 32)
		if i%2 == 0 {
			reader.Read(msg)
		} else {
			d := bls.SessionDigest(fmt.Sprintf("random SIWE %d\nNonce: %x", i, r.Uint64()))
			msg = d[:]
		}
		size := threshold + r.IntN(count-threshold+1)
		below := threshold >= 3 && r.IntN(4) == 0
		if below {
			size = threshold - 1 // a set too small to determine the key
		}
		c := blsCase{name: fmt.Sprintf("random %d: %d of %d shares, threshold %d", i, size, count, threshold),
			PublicKey: bls.PublicKeyFromSecret(sk).Hex(), Message: hex.EncodeToString(msg), wantVerify: !below}
		var sigShares [][]byte
		for _, j := range r.Perm(count)[:size] {
			s := bls.SignShare(shares[j], msg)
			sigShares = append(sigShares, s)
			c.Shares = append(c.Shares, hex.EncodeToString(s))
		}
		combined, err := bls.CombineShares(sigShares)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		c.Signature = hex.EncodeToString(combined)
		if !below && c.Signature != hex.EncodeToString(bls.Sign(sk, msg)) {
			t.Fatalf("%s: our combination is not sk·H(m)", c.name)
		}
		cases = append(cases, c)
	}
	for i := range cases {
		if cases[i].Signature == "" {
			shares := make([][]byte, len(cases[i].Shares))
			for j, s := range cases[i].Shares {
				shares[j], _ = hex.DecodeString(s)
			}
			sig, err := bls.CombineShares(shares)
			if err != nil {
				t.Fatalf("%s: %v", cases[i].name, err)
			}
			cases[i].Signature = hex.EncodeToString(sig)
		}
	}

	in, _ := json.Marshal(cases)
	var results []struct {
		Combined       *string `json:"combined"`
		CombineError   string  `json:"combineError"`
		VerifyGo       bool    `json:"verifyGo"`
		VerifyCombined bool    `json:"verifyCombined"`
		VerifyAltered  bool    `json:"verifyAltered"`
	}
	if err := json.Unmarshal(runPKPScript(t, "bls-check.mjs", in), &results); err != nil {
		t.Fatal(err)
	}
	if len(results) != len(cases) {
		t.Fatalf("%d results for %d cases", len(results), len(cases))
	}
	for i, c := range cases {
		res := results[i]
		pk, _ := bls.ParsePublicKey(c.PublicKey)
		msg, _ := hex.DecodeString(c.Message)
		sig, _ := hex.DecodeString(c.Signature)
		oursOK := bls.Verify(pk, msg, sig) == nil
		if c.wantCombine != "" && c.Signature != c.wantCombine {
			t.Errorf("%s: our combination %s differs from the vector", c.name, c.Signature)
		}
		if len(c.Shares) > 0 {
			switch {
			case res.Combined == nil:
				t.Errorf("%s: the official blsCombine failed: %s", c.name, res.CombineError)
			case *res.Combined != c.Signature:
				t.Errorf("%s: combinations differ\n ours: %s\n wasm: %s", c.name, c.Signature, *res.Combined)
			case res.VerifyCombined != c.wantVerify:
				t.Errorf("%s: the official blsVerify says %v for its own combination, want %v", c.name, res.VerifyCombined, c.wantVerify)
			}
		}
		if res.VerifyGo != c.wantVerify || oursOK != c.wantVerify {
			t.Errorf("%s: verify of our signature: official %v, ours %v, want %v", c.name, res.VerifyGo, oursOK, c.wantVerify)
		}
		if res.VerifyAltered {
			t.Errorf("%s: the official blsVerify accepted an altered message", c.name)
		}
		altered := bytes.Clone(msg)
		altered[0] ^= 1
		if bls.Verify(pk, altered, sig) == nil {
			t.Errorf("%s: our Verify accepted an altered message", c.name)
		}
	}
}

// pcgReader adapts a seeded math/rand generator to io.Reader, so a seed
// reproduces the random keys and sharings. Test use only.
type pcgReader struct{ r *mrand.Rand }

func (p *pcgReader) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(p.r.UintN(256))
	}
	return len(b), nil
}
