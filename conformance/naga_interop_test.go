package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/devnet"
	"github.com/litgo/litsession/internal/testutil"
)

// interopRun is interop.mjs's result.
type interopRun struct {
	OK         bool                       `json:"ok"`
	FailedStep string                     `json:"failedStep"`
	Error      string                     `json:"error"`
	Steps      map[string]json.RawMessage `json:"steps"`
}

// runInterop runs interop.mjs with input and fails the test unless every
// step passed.
func runInterop(t *testing.T, n *devnet.Network, logs *testutil.SyncBuffer, input map[string]any) interopRun {
	t.Helper()
	input["networkContextPath"], input["rpcUrl"] = n.NetworkContextPath, n.RPCURL
	in, _ := json.Marshal(input)
	out, stderr := runNagaScript(t, n, "interop.mjs", in)
	var run interopRun
	if err := json.Unmarshal(out, &run); err != nil {
		t.Fatalf("interop.mjs result: %v\n%s", err, out)
	}
	if !run.OK {
		t.Fatalf("interop.mjs %s: step %s failed: %s\ndevnet log (tail):\n%s\nstderr (tail):\n%s",
			input["mode"], run.FailedStep, run.Error, tail(logs.String(), 2000), tail(stderr, 3000))
	}
	return run
}

// buildLitsession builds the litsession command once per test.
func buildLitsession(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "litsession")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/litsession").CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/litsession: %v\n%s", err, out)
	}
	return bin
}

// startNagaWorker runs `litsession serve --network naga` against n on a
// free loopback port and returns its URL.
func startNagaWorker(t *testing.T, bin string, n *devnet.Network) string {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--network", "naga", "--listen", "127.0.0.1:0", "--rpc-url", n.RPCURL, "--store", filepath.Join(t.TempDir(), "store"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &testutil.SyncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		s.Scan()
		lines <- s.Text()
		io.Copy(io.Discard, stdout)
	}()
	var ready struct {
		URL     string `json:"url"`
		Network string `json:"network"`
		Nodes   int    `json:"nodes"`
	}
	select {
	case line := <-lines:
		if err := json.Unmarshal([]byte(line), &ready); err != nil || ready.Network != "naga" || ready.Nodes != len(n.Nodes) || !strings.HasPrefix(ready.URL, "http://127.0.0.1:") {
			t.Fatalf("worker ready line %q (%v)\n%s", line, err, stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the worker wrote no ready line\n%s", stderr)
	}
	return ready.URL
}

// postJSON posts body and returns the status and the answer.
func postJSON(c *http.Client, url, body string) (int, []byte, error) {
	resp, err := c.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// recoversTo checks a worker /sign answer for digest: the 65-byte signature
// recovers to the PKP's address.
func recoversTo(answer []byte, digest [32]byte, pkpAddress string) error {
	var sig struct {
		Signature  string `json:"signature"`
		DataSigned string `json:"dataSigned"`
	}
	if err := json.Unmarshal(answer, &sig); err != nil {
		return fmt.Errorf("answer %s: %v", answer, err)
	}
	raw, err := hex.DecodeString(strings.TrimPrefix(sig.Signature, "0x"))
	if err != nil || len(raw) != 65 || sig.DataSigned != hex.EncodeToString(digest[:]) {
		return fmt.Errorf("answer %s", answer)
	}
	raw[64] -= 27
	pub, err := crypto.SigToPub(digest[:], raw)
	if err != nil {
		return err
	}
	if got := crypto.PubkeyToAddress(*pub).Hex(); got != pkpAddress {
		return fmt.Errorf("the signature recovers to %s, want the PKP %s", got, pkpAddress)
	}
	return nil
}

// secretKeyHex returns an envelope's session secret as it is written.
func secretKeyHex(t *testing.T, env string) string {
	t.Helper()
	var outer struct{ Payload string }
	if err := json.Unmarshal([]byte(env), &outer); err != nil {
		t.Fatal(err)
	}
	payload, err := base64.RawURLEncoding.DecodeString(outer.Payload)
	if err != nil {
		t.Fatal(err)
	}
	var inner struct {
		SessionKeyPair struct{ SecretKey string } `json:"sessionKeyPair"`
	}
	if err := json.Unmarshal(payload, &inner); err != nil {
		t.Fatal(err)
	}
	return inner.SessionKeyPair.SecretKey
}

// TestOracleNagaInterop runs server session reuse across implementations
// on a four-node naga devnet whose nodes are priced so that each product
// leaves out a different node:
//
//   - v8 client → our worker: the official v8 client's hand-off
//     (generateSessionKeyPair, generatePkpDelegationAuthSig, the envelope)
//     is stored by `litsession serve --network naga`, which signs 16
//     digests at once; every signature recovers to the PKP.
//   - our client → v8 server: the envelope of `litsession delegate
//     --network naga` (a 64-hex session seed) passes the official
//     validateDelegationAuthSig, createPkpAuthContextFromPreGenerated
//     without authData, createPkpSessionSigs and chain.ethereum.pkpSign;
//     the signature recovers to the PKP. The session signatures our
//     core/delegation mints from the same envelope pass v8's AuthSig schema,
//     its session-sigs validator and ed25519 verification, are for the same
//     nodes with the same maxPrice, and their templates are v8's byte for
//     byte but for the two times (TestConformanceNagaSessionSigs checks
//     the times too, from fixed inputs).
func TestOracleNagaInterop(t *testing.T) {
	needNagaOracle(t)
	bin := buildLitsession(t)
	prices, err := devnet.ParsePrices("litaction=9,1,1,1;sign=1,1,9,1;signsessionkey=1,1,1,9")
	if err != nil {
		t.Fatal(err)
	}
	n, logs := startNaga(t, devnet.Config{Nodes: 4, Prices: prices})
	ownerKey, _ := crypto.GenerateKey()
	ownerHex := hex.EncodeToString(crypto.FromECDSA(ownerKey))
	p, err := n.MintPKP(crypto.PubkeyToAddress(ownerKey.PublicKey).Hex())
	if err != nil {
		t.Fatal(err)
	}

	t.Run("v8 client to our worker", func(t *testing.T) {
		run := runInterop(t, n, logs, map[string]any{"mode": "client", "ownerKey": "0x" + ownerHex,
			"pkpPublicKey": p.PublicKey, "storagePath": t.TempDir()})
		var step struct{ Envelope string }
		json.Unmarshal(run.Steps["envelope"], &step)
		if sk := secretKeyHex(t, step.Envelope); !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(sk) {
			t.Errorf("v8's session secret is %d characters, want 64 hex", len(sk))
		}
		url := startNagaWorker(t, bin, n)
		c := &http.Client{Timeout: 60 * time.Second}
		defer c.CloseIdleConnections()
		status, body, err := postJSON(c, url+"/envelopes", step.Envelope)
		var stored struct{ ID, EthAddress string }
		if err != nil || status != 201 || json.Unmarshal(body, &stored) != nil || stored.EthAddress != p.EthAddress {
			t.Fatalf("POST /envelopes with v8's envelope: %d %s %v", status, body, err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := range 16 {
			wg.Go(func() {
				var digest [32]byte
				copy(digest[:], crypto.Keccak256([]byte(fmt.Sprintf("interop %d", i))))
				status, body, err := postJSON(c, url+"/sign", fmt.Sprintf(`{"id":%q,"toSign":"0x%x"}`, stored.ID, digest))
				switch {
				case err != nil:
					errs <- err
				case status != 200:
					errs <- fmt.Errorf("POST /sign: %d %s", status, body)
				default:
					errs <- recoversTo(body, digest, p.EthAddress)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		// The worker signed with the three cheapest signers only.
		for i, want := range []int{16, 16, 0, 16} {
			if got := strings.Count(logs.String(), fmt.Sprintf("devnet node%d POST /web/pkp/sign/v2 200", i)); got != want {
				t.Errorf("node %d answered %d pkp/sign requests, want %d (the three cheapest signers, once per sign)", i, got, want)
			}
		}
	})

	t.Run("our client to v8 server", func(t *testing.T) {
		env, err := exec.Command(bin, "delegate", "--network", "naga", "--wallet-key", ownerHex, "--pkp-public-key", p.PublicKey,
			"--rpc-url", n.RPCURL, "--resource", p.Resource().Key()+"=pkp-signing", "--expiration", siwe.FormatTime(time.Now().Add(time.Hour))).Output()
		if err != nil {
			t.Fatalf("litsession delegate --network naga: %v", err)
		}
		sk := secretKeyHex(t, string(env))
		if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(sk) {
			t.Fatalf("our session secret is %d characters; v8 needs the 64-hex seed", len(sk))
		}
		// Our session signatures for the same envelope, as the worker mints
		// them but for v8's default operation (lit action), so that both
		// sides choose the same nodes.
		ctx := context.Background()
		cl := nagaClient(t, n)
		e, err := envelope.Decode(env)
		if err != nil {
			t.Fatal(err)
		}
		ac, err := delegation.CreatePkpAuthContextFromPreGenerated(*e, cl.NetworkPublicKey(), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		sigs, err := delegation.CreatePkpSessionSigs(ctx, cl, ac, delegation.SessionSigsParams{})
		if err != nil {
			t.Fatal(err)
		}
		ours := map[string]any{}
		for _, u := range sigs.Nodes() {
			s, _ := sigs.Get(u)
			ours[u] = s
		}
		// A control that v8's ed25519 check must refuse: one signature
		// with a flipped bit.
		bad, _ := sigs.Get(sigs.Nodes()[0])
		b, _ := hex.DecodeString(bad.Sig)
		b[0] ^= 1
		bad.Sig = hex.EncodeToString(b)
		ours["tampered"] = bad

		const message = "hello from litsession"
		run := runInterop(t, n, logs, map[string]any{"mode": "server", "envelope": strings.TrimSpace(string(env)),
			"storagePath": t.TempDir(), "message": message, "sessionSigs": ours})

		var signed struct{ Digest, RecoveredAddress string }
		json.Unmarshal(run.Steps["pkpSign"], &signed)
		if want := "0x" + hex.EncodeToString(crypto.Keccak256([]byte(message))); signed.Digest != want || signed.RecoveredAddress != p.EthAddress {
			t.Errorf("v8's pkpSign with our envelope signed %s recovering to %s; want %s and the PKP %s", signed.Digest, signed.RecoveredAddress, want, p.EthAddress)
		}
		var derived struct {
			DerivedAuthData struct {
				AuthMethodType int    `json:"authMethodType"`
				AuthMethodID   string `json:"authMethodId"`
			} `json:"derivedAuthData"`
		}
		json.Unmarshal(run.Steps["createPkpAuthContextFromPreGenerated"], &derived)
		if owner := crypto.PubkeyToAddress(ownerKey.PublicKey).Hex(); derived.DerivedAuthData.AuthMethodType != 1 || !strings.EqualFold(derived.DerivedAuthData.AuthMethodID, owner) {
			t.Errorf("v8 derived %+v from our delegation, want EthWallet %s", derived.DerivedAuthData, owner)
		}

		type check struct {
			Schema      bool            `json:"schema"`
			SchemaError string          `json:"schemaError"`
			Validator   []string        `json:"validator"`
			Ed25519     bool            `json:"ed25519"`
			Template    json.RawMessage `json:"template"`
			Keys        []string        `json:"keys"`
		}
		var checks struct{ Ours, Theirs map[string]check }
		if err := json.Unmarshal(run.Steps["checkSessionSigs"], &checks); err != nil {
			t.Fatal(err)
		}
		if got, want := slices.Sorted(maps.Keys(checks.Theirs)), sigs.Nodes(); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			t.Errorf("v8 minted session sigs for %v, we for %v", got, want)
		}
		for url, c := range checks.Ours {
			if url == "tampered" {
				if !c.Schema || c.Ed25519 {
					t.Errorf("v8's checks of the tampered session sig: schema %v, ed25519 %v; want the signature refused", c.Schema, c.Ed25519)
				}
				continue
			}
			if !c.Schema || len(c.Validator) != 0 || !c.Ed25519 {
				t.Errorf("v8 refuses our session sig for %s: schema %v %s, validator %v, ed25519 %v", url, c.Schema, c.SchemaError, c.Validator, c.Ed25519)
			}
			theirs, ok := checks.Theirs[url]
			if !ok {
				continue
			}
			if !slices.Equal(c.Keys, theirs.Keys) {
				t.Errorf("%s: our template's members %v, v8's %v", url, c.Keys, theirs.Keys)
			}
			if a, b := withoutTimes(t, c.Template), withoutTimes(t, theirs.Template); a != b {
				t.Errorf("%s: our template differs from v8's beyond the times:\n ours %s\nv8's %s", url, a, b)
			}
		}
	})
}

// templateTimes matches the two times of a session signature template.
var templateTimes = regexp.MustCompile(`"(issuedAt|expiration)":"[^"]*"`)

// withoutTimes is a session signature template, as JSON.stringify wrote
// it, with issuedAt and expiration blanked: everything else must be the
// same bytes.
func withoutTimes(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatalf("template %s: %v", raw, err)
	}
	return templateTimes.ReplaceAllString(b.String(), `"$1":""`)
}
