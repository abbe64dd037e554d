package conformance

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/core/verify"
	"github.com/litgo/litsession/devnet"
)

// oracleTimeout bounds every node subprocess of these tests. The official
// client connects and signs in about a second on loopback; its own
// connectTimeout is 20 s and devnet-client.mjs gives up after 50 s.
const oracleTimeout = 60 * time.Second

// testCID is the Lit Action the tests exercise lit-action-execution on.
const testCID = "QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3"

// runOracle runs an oracle script with a timeout and returns its stdout.
// On failure the error carries the script's stderr.
func runOracle(t *testing.T, script string, stdin []byte, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), oracleTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	cmd.Dir = oracleDir
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.WaitDelay = 5 * time.Second // do not wait forever for pipes after a kill
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("node %s: killed after %v (timeout %v)\nstderr:\n%s", script, time.Since(start).Round(time.Millisecond), oracleTimeout, stderr.String())
	}
	if err != nil {
		t.Fatalf("node %s: %v\nstderr:\n%s", script, err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Logf("node %s stderr:\n%s", script, stderr.String())
	}
	return stdout.Bytes()
}

// startDevnetOnDefaultRPCPort starts a devnet whose JSON-RPC endpoint is on
// 127.0.0.1:8545, the official client's default rpcUrl for litNetwork
// "custom", with nodes on free ports.
func startDevnetOnDefaultRPCPort(t *testing.T) *devnet.Network {
	t.Helper()
	var n *devnet.Network
	var err error
	// A devnet of an earlier -count run may still be releasing the port.
	for attempt := 0; attempt < 5; attempt++ {
		n, err = devnet.Start(context.Background(), devnet.Config{RPCPort: devnet.DefaultRPCPort})
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
		time.Sleep(time.Second)
	}
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			t.Fatalf("TCP port %d on 127.0.0.1 is taken, but this test needs it: the official LitNodeClient with litNetwork 'custom' "+
				"uses http://127.0.0.1:%d as its default rpcUrl, so the devnet's JSON-RPC endpoint must listen there.\n"+
				"Held by: %s\nFree the port (stop that process, e.g. a running `litsession devnet` or anvil) and run the test again.\n(%v)",
				devnet.DefaultRPCPort, devnet.DefaultRPCPort, portHolder(devnet.DefaultRPCPort), err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// portHolder says which process listens on a local TCP port, as far as ss
// or lsof can tell.
func portHolder(port int) string {
	tries := [][]string{
		{"ss", "-Hltnp", fmt.Sprintf("sport = :%d", port)},
		{"lsof", "-nP", fmt.Sprintf("-iTCP:%d", port), "-sTCP:LISTEN"},
	}
	for _, argv := range tries {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).Output()
		cancel()
		if s := strings.TrimSpace(string(out)); err == nil && s != "" {
			return fmt.Sprintf("`%s` reports:\n%s", strings.Join(argv, " "), s)
		}
	}
	return fmt.Sprintf("unknown (neither ss nor lsof could tell; try `ss -ltnp 'sport = :%d'` as root)", port)
}

// clientOutput is what devnet-client.mjs prints.
type clientOutput struct {
	RPCURL          string                     `json:"rpcUrl"`
	ConnectedNodes  []string                   `json:"connectedNodes"`
	LatestBlockhash string                     `json:"latestBlockhash"`
	NetworkPubKey   string                     `json:"networkPubKey"`
	MinNodeCount    int                        `json:"minNodeCount"`
	WalletAddress   string                     `json:"walletAddress"`
	SessionSigs     map[string]authsig.AuthSig `json:"sessionSigs"`
}

// testOps are the operations a session for lit-pkp://* pkp-signing and
// lit-litaction://* lit-action-execution must be accepted for.
func testOps(t *testing.T) []resource.Request {
	t.Helper()
	pkp, err := resource.NewRequest(resource.PKP, resource.Wildcard, resource.PKPSigning)
	if err != nil {
		t.Fatal(err)
	}
	action, err := resource.NewRequest(resource.LitAction, testCID, resource.LitActionExecution)
	if err != nil {
		t.Fatal(err)
	}
	return []resource.Request{pkp, action}
}

// verifierFor returns our node-side verifier for one devnet node, with the
// devnet's network key and blockhash recency check.
func verifierFor(n *devnet.Network, nodeURL string) *verify.Verifier {
	return verify.New(verify.Config{
		NodeURL:          nodeURL,
		Now:              time.Now,
		NetworkPublicKey: n.NetworkPublicKey,
		RecentBlockhash:  n.RecentBlockhash,
	})
}

// wantReason checks that err is a verify rejection with the given reason.
func wantReason(t *testing.T, what string, err error, want verify.Reason) {
	t.Helper()
	var e *verify.Error
	switch {
	case err == nil:
		t.Errorf("%s: accepted, want rejected with %s", what, want)
	case !errors.As(err, &e):
		t.Errorf("%s: error %v is not a *verify.Error (want reason %s)", what, err, want)
	case e.Reason != want:
		t.Errorf("%s: rejected with %s, want %s: %v", what, e.Reason, want, err)
	}
}

// replaceOnce replaces the only occurrence of old in s.
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if c := strings.Count(s, old); c != 1 {
		t.Fatalf("%q occurs %d times in the signed message, want once", old, c)
	}
	return strings.Replace(s, old, new, 1)
}

// templateFields reads the fields of a session template the tampering
// needs.
type templateFields struct {
	SessionKey   string            `json:"sessionKey"`
	Capabilities []authsig.AuthSig `json:"capabilities"`
	IssuedAt     string            `json:"issuedAt"`
	Expiration   string            `json:"expiration"`
	NodeAddress  string            `json:"nodeAddress"`
}

func parseTemplate(t *testing.T, a authsig.AuthSig) templateFields {
	t.Helper()
	var f templateFields
	if err := json.Unmarshal([]byte(a.SignedMessage), &f); err != nil {
		t.Fatalf("signedMessage is not JSON: %v", err)
	}
	if len(f.Capabilities) == 0 {
		t.Fatal("signedMessage has no capabilities")
	}
	return f
}

// withMessage returns a copy of a with signedMessage msg, re-signed with
// key when key is not nil (so only the edited field is wrong), else with
// the old signature.
func withMessage(a authsig.AuthSig, msg string, key *sessionkey.KeyPair) authsig.AuthSig {
	a.SignedMessage = msg
	if key != nil {
		a.Sig = hex.EncodeToString(key.Sign([]byte(msg)))
	}
	return a
}

// flipHex changes the first hex digit of s.
func flipHex(s string) string {
	b := []byte(s)
	i := 0
	if strings.HasPrefix(s, "0x") {
		i = 2
	}
	if b[i] == '0' {
		b[i] = '1'
	} else {
		b[i] = '0'
	}
	return string(b)
}

// otherWalletSig signs capability's SIWE message with another wallet: a
// well-formed signature that recovers to the wrong address.
func otherWalletSig(t *testing.T, capability authsig.AuthSig) string {
	t.Helper()
	k, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	a, err := authsig.Sign(context.Background(), authsig.NewKeySignerFromECDSA(k), capability.SignedMessage)
	if err != nil {
		t.Fatal(err)
	}
	return a.Sig
}

// checkTampering requires that every edited copy of sig (the session sig
// for nodeURL) is rejected with the right reason. Edits of signedMessage
// without re-signing must fail the Ed25519 check; with the session key
// (when the test knows it) each edit is re-signed, so the verifier must
// find the edited field itself.
func checkTampering(t *testing.T, n *devnet.Network, nodeURL string, sig authsig.AuthSig, key *sessionkey.KeyPair) {
	t.Helper()
	v := verifierFor(n, nodeURL)
	op := testOps(t)[0]
	f := parseTemplate(t, sig)
	other := n.NodeURLs[(slices.Index(n.NodeURLs, nodeURL)+1)%len(n.NodeURLs)]
	deleg := f.Capabilities[len(f.Capabilities)-1]
	delegMsg, err := siwe.Parse(deleg.SignedMessage)
	if err != nil {
		t.Fatal(err)
	}
	delegExp, ok := delegMsg.Expiration()
	if !ok {
		t.Fatal("the delegation has no Expiration Time")
	}

	// Unchanged, but sent to another node.
	_, err = verifierFor(n, other).Verify(sig, op)
	wantReason(t, "session sig for "+nodeURL+" sent to "+other, err, verify.ReasonWrongNode)

	// The signature itself.
	flipped := sig
	flipped.Sig = flipHex(sig.Sig)
	_, err = v.Verify(flipped, op)
	wantReason(t, "flipped sig byte", err, verify.ReasonBadSignature)

	edits := []struct {
		name     string
		old, new string
		resigned verify.Reason // the reason when re-signed with the session key
	}{
		{"nodeAddress → " + other,
			`"nodeAddress":"` + f.NodeAddress + `"`, `"nodeAddress":"` + other + `"`,
			verify.ReasonWrongNode},
		{"expiration in the past",
			`"expiration":"` + f.Expiration + `"`, `"expiration":"` + siwe.FormatTime(time.Now().Add(-time.Minute)) + `"`,
			verify.ReasonExpired},
		{"expiration after the delegation's",
			`"expiration":"` + f.Expiration + `"`, `"expiration":"` + siwe.FormatTime(delegExp.Add(time.Hour)) + `"`,
			verify.ReasonOutlivesDelegation},
		{"capability sig swapped for another wallet's",
			`"sig":"` + deleg.Sig + `"`, `"sig":"` + otherWalletSig(t, deleg) + `"`,
			verify.ReasonCapabilityInvalid},
		{"capability sig byte flipped",
			`"sig":"` + deleg.Sig + `"`, `"sig":"` + flipHex(deleg.Sig) + `"`,
			verify.ReasonCapabilityInvalid},
	}
	for _, e := range edits {
		msg := replaceOnce(t, sig.SignedMessage, e.old, e.new)
		_, err := v.Verify(withMessage(sig, msg, nil), op)
		wantReason(t, e.name+" (not re-signed)", err, verify.ReasonBadSignature)
		if key != nil {
			_, err := v.Verify(withMessage(sig, msg, key), op)
			wantReason(t, e.name+" (re-signed with the session key)", err, e.resigned)
		}
	}
	if key != nil {
		// Control: re-signing an unchanged message keeps it valid, so the
		// rejections above come from the edited fields.
		if _, err := v.Verify(withMessage(sig, sig.SignedMessage, key), op); err != nil {
			t.Errorf("re-signed unchanged session sig rejected: %v", err)
		}
	}
}

// TestOracleOfficialClientAgainstDevnet runs the unmodified official
// LitNodeClientNodeJs 7.4.0 against an in-process devnet (JSON-RPC on the
// client's default 127.0.0.1:8545), gets EOA session signatures from it,
// and checks every one with our node-side verifier, untouched and
// tampered with.
func TestOracleOfficialClientAgainstDevnet(t *testing.T) {
	needOracle(t)
	n := startDevnetOnDefaultRPCPort(t)

	walletKey, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	walletAddr := crypto.PubkeyToAddress(walletKey.PublicKey).Hex()

	for _, tc := range []struct {
		name string
		key  *sessionkey.KeyPair // passed to getSessionSigs; nil: the client makes one
	}{
		{"client session key", nil},
		{"given session key", mustSessionKey(t)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			input := map[string]any{"walletKey": "0x" + hex.EncodeToString(crypto.FromECDSA(walletKey))}
			if tc.key != nil {
				input["sessionKey"] = tc.key
			}
			in, err := json.Marshal(input)
			if err != nil {
				t.Fatal(err)
			}
			var out clientOutput
			raw := runOracle(t, "devnet-client.mjs", in)
			if err := json.Unmarshal(raw, &out); err != nil {
				t.Fatalf("devnet-client.mjs output: %v\n%s", err, raw)
			}

			// The connection.
			if out.RPCURL != n.RPCURL {
				t.Errorf("client rpcUrl %s, devnet %s", out.RPCURL, n.RPCURL)
			}
			if len(out.ConnectedNodes) < n.Threshold {
				t.Errorf("%d connected nodes, fewer than the threshold %d", len(out.ConnectedNodes), n.Threshold)
			}
			// The client lists nodes in the order their handshakes completed.
			got, want := slices.Sorted(slices.Values(out.ConnectedNodes)), slices.Sorted(slices.Values(n.NodeURLs))
			if !slices.Equal(got, want) {
				t.Errorf("connectedNodes %v, devnet nodes %v", out.ConnectedNodes, n.NodeURLs)
			}
			if out.MinNodeCount != n.Threshold {
				t.Errorf("client minNodeCount %d, devnet threshold %d", out.MinNodeCount, n.Threshold)
			}
			if out.NetworkPubKey != n.NetworkPublicKey {
				t.Errorf("networkPubKey %s, devnet %s", out.NetworkPubKey, n.NetworkPublicKey)
			}
			if !n.RecentBlockhash(out.LatestBlockhash) {
				t.Errorf("latestBlockhash %s is not a recent devnet block", out.LatestBlockhash)
			}
			if out.WalletAddress != walletAddr {
				t.Errorf("walletAddress %s, want %s", out.WalletAddress, walletAddr)
			}

			// One session sig per connected node, each accepted by that
			// node's verifier for both operations.
			if len(out.SessionSigs) != len(out.ConnectedNodes) {
				t.Errorf("%d session sigs for %d connected nodes", len(out.SessionSigs), len(out.ConnectedNodes))
			}
			for _, u := range out.ConnectedNodes {
				sig, ok := out.SessionSigs[u]
				if !ok {
					t.Errorf("no session sig for %s", u)
					continue
				}
				f := parseTemplate(t, sig)
				if tc.key != nil && f.SessionKey != tc.key.PublicKeyHex() {
					t.Errorf("%s: sessionKey %s, want the given %s", u, f.SessionKey, tc.key.PublicKeyHex())
				}
				v := verifierFor(n, u)
				for _, op := range testOps(t) {
					res, err := v.Verify(sig, op)
					if err != nil {
						t.Errorf("%s: %s on %s rejected: %v", u, op.Ability, op.Resource.Key(), err)
						continue
					}
					if res.WalletAddress != walletAddr || res.SessionKey != f.SessionKey || res.DelegatedVia != authsig.DerivedViaWallet {
						t.Errorf("%s: result wallet %s session %s via %s", u, res.WalletAddress, res.SessionKey, res.DelegatedVia)
					}
				}
				checkTampering(t, n, u, sig, tc.key)
			}

			// The devnet nodes' own session-protected endpoint, over HTTP.
			for _, nd := range n.Nodes {
				sig := out.SessionSigs[nd.URL]
				if status, reason := postSessionVerify(t, nd.URL, sig); status != http.StatusOK {
					t.Errorf("%s%s: HTTP %d (%s), want 200", nd.URL, devnet.SessionVerifyPath, status, reason)
				}
				sig.Sig = flipHex(sig.Sig)
				if status, reason := postSessionVerify(t, nd.URL, sig); status != http.StatusUnauthorized || reason != string(verify.ReasonBadSignature) {
					t.Errorf("%s%s with a flipped sig: HTTP %d (%s), want 401 (%s)", nd.URL, devnet.SessionVerifyPath, status, reason, verify.ReasonBadSignature)
				}
			}

			// The official validateSessionSigs agrees.
			sigsJSON, err := json.Marshal(out.SessionSigs)
			if err != nil {
				t.Fatal(err)
			}
			if res := officialValidate(t, sigsJSON); !res.IsValid {
				t.Errorf("official validateSessionSigs rejects the official client's sigs: %v", res.Errors)
			}
		})
	}
}

// postSessionVerify sends a session sig to a devnet node's
// session-protected endpoint for pkp-signing on lit-pkp://* and returns the
// HTTP status and, for a rejection, the reason.
func postSessionVerify(t *testing.T, nodeURL string, sig authsig.AuthSig) (int, string) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"authSig": sig, "resource": "lit-pkp://*", "ability": "pkp-signing"})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	defer c.CloseIdleConnections()
	resp, err := c.Post(nodeURL+devnet.SessionVerifyPath, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ans struct {
		OK     bool   `json:"ok"`
		Reason string `json:"reason"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
		t.Fatalf("%s%s: answer is not JSON: %v", nodeURL, devnet.SessionVerifyPath, err)
	}
	if ans.OK != (resp.StatusCode == http.StatusOK) {
		t.Errorf("%s%s: HTTP %d with ok=%v", nodeURL, devnet.SessionVerifyPath, resp.StatusCode, ans.OK)
	}
	return resp.StatusCode, ans.Reason
}

func mustSessionKey(t *testing.T) *sessionkey.KeyPair {
	t.Helper()
	k, err := sessionkey.Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

type validation struct {
	IsValid bool     `json:"isValid"`
	Errors  []string `json:"errors"`
}

// officialValidate runs the official validateSessionSigs (real clock) on a
// SessionSigsMap.
func officialValidate(t *testing.T, sessionSigs []byte) validation {
	t.Helper()
	var v validation
	raw := runOracle(t, "validate-session-sigs.mjs", sessionSigs)
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("validate-session-sigs.mjs output: %v\n%s", err, raw)
	}
	return v
}

// TestOracleValidatesOurSessionSigs: session sigs from our engine, for a
// devnet it connected to, pass the official validateSessionSigs and our
// verifier; an expired copy fails both.
func TestOracleValidatesOurSessionSigs(t *testing.T) {
	needOracle(t)
	n, err := devnet.Start(context.Background(), devnet.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })

	tr := httptransport.New(nil)
	t.Cleanup(tr.Client.CloseIdleConnections)
	client, err := node.New(node.Config{Transport: tr, RPCURL: n.RPCURL})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := client.Connect(ctx); err != nil {
		t.Fatal(err)
	}

	walletKey, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	walletAddr := crypto.PubkeyToAddress(walletKey.PublicKey).Hex()
	key := mustSessionKey(t)
	reqs := []resource.Request{
		mustRequest(t, resource.PKP, resource.Wildcard, resource.PKPSigning),
		mustRequest(t, resource.LitAction, resource.Wildcard, resource.LitActionExecution),
	}
	engine := &session.Engine{Network: client, Wallet: authsig.NewKeySignerFromECDSA(walletKey)}
	sigs, info, err := engine.GetSessionSigs(ctx, session.Params{ResourceAbilityRequests: reqs, SessionKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if !info.WalletAsked || info.WalletAddress != walletAddr {
		t.Fatalf("info: wallet asked %v, address %s (want %s)", info.WalletAsked, info.WalletAddress, walletAddr)
	}
	if !slices.Equal(sigs.Nodes(), n.NodeURLs) {
		t.Fatalf("signed for %v, devnet nodes %v", sigs.Nodes(), n.NodeURLs)
	}

	// Untouched: both accept.
	sigsJSON, err := json.Marshal(sigs)
	if err != nil {
		t.Fatal(err)
	}
	if res := officialValidate(t, sigsJSON); !res.IsValid || len(res.Errors) != 0 {
		t.Errorf("official validateSessionSigs rejects our sigs: %v", res.Errors)
	}
	for u, sig := range sigs.All() {
		for _, op := range testOps(t) {
			res, err := verifierFor(n, u).Verify(sig, op)
			if err != nil {
				t.Errorf("%s: our verifier rejects our sig for %s on %s: %v", u, op.Ability, op.Resource.Key(), err)
				continue
			}
			if res.WalletAddress != walletAddr || res.SessionKey != key.PublicKeyHex() {
				t.Errorf("%s: result wallet %s session %s", u, res.WalletAddress, res.SessionKey)
			}
		}
	}

	// The outer expiration moved into the past, re-signed with the session
	// key (so only the expiration is wrong) and not re-signed.
	past := siwe.FormatTime(time.Now().Add(-time.Hour))
	for _, resign := range []bool{true, false} {
		signer := key
		want := verify.ReasonExpired
		if !resign {
			signer, want = nil, verify.ReasonBadSignature
		}
		tampered := map[string]authsig.AuthSig{}
		for u, sig := range sigs.All() {
			f := parseTemplate(t, sig)
			msg := replaceOnce(t, sig.SignedMessage, `"expiration":"`+f.Expiration+`"`, `"expiration":"`+past+`"`)
			tampered[u] = withMessage(sig, msg, signer)
			_, err := verifierFor(n, u).Verify(tampered[u], testOps(t)[0])
			wantReason(t, fmt.Sprintf("%s expired (re-signed %v)", u, resign), err, want)
		}
		b, err := json.Marshal(tampered)
		if err != nil {
			t.Fatal(err)
		}
		res := officialValidate(t, b)
		if res.IsValid {
			t.Errorf("official validateSessionSigs accepts expired sigs (re-signed %v)", resign)
		}
		if len(res.Errors) != len(n.NodeURLs) {
			t.Errorf("official validateSessionSigs: %d errors for %d expired sigs: %v", len(res.Errors), len(n.NodeURLs), res.Errors)
		}
		for _, e := range res.Errors {
			if !strings.Contains(e, "Expired main signedMessage") {
				t.Errorf("official error %q does not name the outer expiration", e)
			}
		}
	}
}

func mustRequest(t *testing.T, p resource.Prefix, id string, a resource.Ability) resource.Request {
	t.Helper()
	q, err := resource.NewRequest(p, id, a)
	if err != nil {
		t.Fatal(err)
	}
	return q
}
