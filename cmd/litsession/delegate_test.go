package main

import (
	"bufio"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/siwe"
)

// pkpDevnet is a `litsession devnet --pkp-owner <wallet>` process.
type pkpDevnet struct {
	RPCURL string `json:"rpcUrl"`
	PKPs   []struct {
		TokenID    string `json:"tokenId"`
		PublicKey  string `json:"publicKey"`
		EthAddress string `json:"ethAddress"`
		Owner      string `json:"owner"`
	} `json:"pkps"`
}

func (d pkpDevnet) pkpKey() string { return d.PKPs[0].PublicKey }

// pkpResource is pkp-signing on the devnet's PKP only.
func (d pkpDevnet) pkpResource() string {
	return "lit-pkp://" + strings.TrimPrefix(d.PKPs[0].TokenID, "0x") + "=pkp-signing"
}

// startPKPDevnet runs the devnet binary on free ports with one PKP owned
// by the test wallet and reads its ready line.
func startPKPDevnet(t *testing.T, bin string) pkpDevnet {
	t.Helper()
	cmd := exec.Command(bin, "devnet", "--rpc-port", "0", "--base-port", "0", "--pkp-owner", "0x"+strings.ToLower(wallet[2:]))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var d pkpDevnet
	if err := json.Unmarshal([]byte(readLine(t, out)), &d); err != nil || len(d.PKPs) != 1 || d.PKPs[0].Owner != wallet {
		t.Fatalf("ready line: %v %+v", err, d)
	}
	return d
}

// readLine reads the first line of a process's output, or fails after 20 s.
func readLine(t *testing.T, r interface{ Read([]byte) (int, error) }) string {
	t.Helper()
	lines := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(r)
		if s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	select {
	case line := <-lines:
		return line
	case <-time.After(20 * time.Second):
		t.Fatal("no ready line")
	}
	return ""
}

// delegateArgs are the flags of a good `litsession delegate`.
func delegateArgs(d pkpDevnet, exp time.Time, resources ...string) []string {
	if len(resources) == 0 {
		resources = []string{d.pkpResource()}
	}
	args := []string{"delegate", "--wallet-key", walletKey, "--pkp-public-key", d.pkpKey(), "--rpc-url", d.RPCURL,
		"--expiration", siwe.FormatTime(exp)}
	for _, r := range resources {
		args = append(args, "--resource", r)
	}
	return args
}

// secrets returns what must never appear in logs: the session secret (seed
// and seed‖public key) and the envelope's payload.
func secrets(t *testing.T, env string) []string {
	t.Helper()
	e, err := envelope.Decode([]byte(strings.TrimSpace(env)))
	if err != nil {
		t.Fatal(err)
	}
	var outer struct{ Payload string }
	json.Unmarshal([]byte(env), &outer)
	sk := e.SessionKeyPair.SecretKeyHex()
	return []string{sk, sk[:64], outer.Payload[:64]}
}

// checkRecovers checks a pkpSign result JSON against the PKP key and digest.
func checkRecovers(t *testing.T, out, pkpKey, digestHex string) {
	t.Helper()
	var sig struct {
		R, S       string
		Recid      int
		Signature  string
		PublicKey  string
		DataSigned string
	}
	if err := json.Unmarshal([]byte(out), &sig); err != nil {
		t.Fatalf("signature JSON %q: %v", out, err)
	}
	for _, k := range []string{`"r":`, `"s":`, `"recid":`, `"signature":`, `"publicKey":`, `"dataSigned":`} {
		if !strings.Contains(out, k) {
			t.Fatalf("signature JSON lacks %s: %s", k, out)
		}
	}
	raw, _ := hex.DecodeString(strings.TrimPrefix(sig.Signature, "0x"))
	digest, _ := hex.DecodeString(strings.TrimPrefix(digestHex, "0x"))
	if len(raw) != 65 || sig.DataSigned != hex.EncodeToString(digest) {
		t.Fatalf("signature %+v", sig)
	}
	raw[64] -= 27
	pub, err := crypto.Ecrecover(digest, raw)
	if err != nil || "0x"+hex.EncodeToString(pub) != pkpKey || "0x"+sig.PublicKey != pkpKey {
		t.Fatalf("recovered %x (%v), want %s", pub, err, pkpKey)
	}
}

func oneLineErr(t *testing.T, what, errs string, code int, want string) {
	t.Helper()
	if code != exitUsage || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, want) {
		t.Errorf("%s: exit %d, stderr %q; want exit 2 and one line containing %q", what, code, errs, want)
	}
}

func TestDelegateServerSign(t *testing.T) {
	bin := buildBinary(t)
	d := startPKPDevnet(t, bin)
	dir := t.TempDir()

	out, errs, code := runBin(t, bin, "", delegateArgs(d, time.Now().Add(time.Hour))...)
	if code != 0 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "secure channel") {
		t.Fatalf("delegate: %d %s", code, errs)
	}
	for _, s := range secrets(t, out) {
		if strings.Contains(errs, s) {
			t.Fatal("delegate printed the secret on stderr")
		}
	}
	if !strings.HasPrefix(out, `{"pkpPublicKey":"`+d.pkpKey()+`","payload":"`) || !strings.HasSuffix(out, "\"}\n") {
		t.Fatalf("envelope %s", out)
	}
	var outer struct{ Payload string }
	json.Unmarshal([]byte(out), &outer)
	payload, err := base64.RawURLEncoding.DecodeString(outer.Payload)
	if err != nil || !strings.HasPrefix(string(payload), `{"sessionKeyPair":{"publicKey":"`) || !strings.Contains(string(payload), `"},"delegationAuthSig":{"sig":"{\"ProofOfPossession\":\"`) {
		t.Fatalf("payload %s (%v)", payload, err)
	}
	envFile := filepath.Join(dir, "envelope.json")
	if err := os.WriteFile(envFile, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}

	digest := "0x" + strings.Repeat("5a", 32)
	sig, errs, code := runBin(t, bin, "", "server-sign", "--envelope", envFile, "--to-sign", digest, "--rpc-url", d.RPCURL)
	if code != 0 || errs != "" {
		t.Fatalf("server-sign: %d %s", code, errs)
	}
	checkRecovers(t, sig, d.pkpKey(), digest)
	// From stdin, without 0x.
	sig, errs, code = runBin(t, bin, out, "server-sign", "--envelope", "-", "--to-sign", strings.Repeat("01", 32), "--rpc-url", d.RPCURL)
	if code != 0 {
		t.Fatalf("server-sign from stdin: %d %s", code, errs)
	}
	checkRecovers(t, sig, d.pkpKey(), strings.Repeat("01", 32))

	// A readable envelope file works, with a warning.
	loose := filepath.Join(dir, "loose.json")
	os.WriteFile(loose, []byte(out), 0o644)
	os.Chmod(loose, 0o644)
	if _, errs, code = runBin(t, bin, "", "server-sign", "--envelope", loose, "--to-sign", digest, "--rpc-url", d.RPCURL); code != 0 || !strings.Contains(errs, "chmod 600") {
		t.Fatalf("readable envelope: %d %s", code, errs)
	}

	// A delegation for Lit Actions only cannot pkpSign: refused locally.
	litOnly, errs, code := runBin(t, bin, "", delegateArgs(d, time.Now().Add(time.Hour), "lit-litaction://*=lit-action-execution")...)
	if code != 0 {
		t.Fatalf("delegate lit-litaction: %d %s", code, errs)
	}
	_, errs, code = runBin(t, bin, litOnly, "server-sign", "--envelope", "-", "--to-sign", digest, "--rpc-url", d.RPCURL)
	oneLineErr(t, "lit-litaction envelope", errs, code, "does not grant pkp-signing")

	// Expired envelope.
	short, errs, code := runBin(t, bin, "", delegateArgs(d, time.Now().Add(2*time.Second))...)
	if code != 0 {
		t.Fatalf("short delegate: %d %s", code, errs)
	}
	time.Sleep(2 * time.Second)
	_, errs, code = runBin(t, bin, short, "server-sign", "--envelope", "-", "--to-sign", digest, "--rpc-url", d.RPCURL)
	oneLineErr(t, "expired envelope", errs, code, "(expired)")
	if !strings.Contains(errs, "new delegation") {
		t.Errorf("the expired error should ask for a new delegation: %s", errs)
	}

	// Tampered envelope: a later expiry in the signed message.
	e, _ := envelope.Decode([]byte(out))
	e.DelegationAuthSig.SignedMessage = strings.Replace(e.DelegationAuthSig.SignedMessage, "Expiration Time: 20", "Expiration Time: 21", 1)
	tampered, _ := envelope.Encode(*e)
	_, errs, code = runBin(t, bin, string(tampered), "server-sign", "--envelope", "-", "--to-sign", digest, "--rpc-url", d.RPCURL)
	oneLineErr(t, "tampered envelope", errs, code, "bad_signature")

	// Bad input, before and after reaching the network.
	good := delegateArgs(d, time.Now().Add(time.Hour))
	without := func(flag string) []string {
		var out []string
		for i := 0; i < len(good); i++ {
			if good[i] == flag {
				i++
				continue
			}
			out = append(out, good[i])
		}
		return out
	}
	with := func(flag, value string) []string {
		out := append([]string(nil), good...)
		for i := range out {
			if out[i] == flag {
				out[i+1] = value
			}
		}
		return out
	}
	garbage := filepath.Join(dir, "garbage.json")
	os.WriteFile(garbage, []byte(`{"pkpPublicKey":"0x04","payload":"e30"}`), 0o600)
	for _, c := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"no wallet key", "", without("--wallet-key"), "--wallet-key is required"},
		{"bad wallet key", "", with("--wallet-key", "0x12"), "--wallet-key"},
		{"no pkp", "", without("--pkp-public-key"), "--pkp-public-key is required"},
		{"bad pkp", "", with("--pkp-public-key", "0x04abcd"), "--pkp-public-key"},
		{"no expiration", "", without("--expiration"), "--expiration is required"},
		{"bad expiration", "", with("--expiration", "tomorrow"), "RFC 3339"},
		{"past expiration", "", with("--expiration", "2020-01-01T00:00:00Z"), "not in the future"},
		{"no resource", "", without("--resource"), "--resource"},
		{"bad resource", "", with("--resource", "lit-pkp://1=lit-action-execution"), "--resource"},
		{"no network", "", without("--rpc-url"), "--rpc-url or --bootstrap"},
		{"not the owner", "", with("--wallet-key", strings.Repeat("22", 32)), "NodeNotAuthorized"},
		{"server-sign no envelope", "", []string{"server-sign", "--to-sign", digest, "--rpc-url", d.RPCURL}, "--envelope is required"},
		{"server-sign no digest", "", []string{"server-sign", "--envelope", envFile, "--rpc-url", d.RPCURL}, "--to-sign is required"},
		{"server-sign short digest", "", []string{"server-sign", "--envelope", envFile, "--to-sign", "0x1234", "--rpc-url", d.RPCURL}, "64 hex"},
		{"server-sign missing file", "", []string{"server-sign", "--envelope", filepath.Join(dir, "nope"), "--to-sign", digest, "--rpc-url", d.RPCURL}, "no such file"},
		{"server-sign garbage", "", []string{"server-sign", "--envelope", garbage, "--to-sign", digest, "--rpc-url", d.RPCURL}, "pkpPublicKey"},
		{"server-sign empty stdin", "", []string{"server-sign", "--envelope", "-", "--to-sign", digest, "--rpc-url", d.RPCURL}, "got nothing"},
		{"server-sign no network", "", []string{"server-sign", "--envelope", envFile, "--to-sign", digest}, "--rpc-url or --bootstrap"},
	} {
		_, errs, code := runBin(t, bin, c.stdin, c.args...)
		oneLineErr(t, c.name, errs, code, c.want)
		for _, s := range secrets(t, out) {
			if strings.Contains(errs, s) {
				t.Errorf("%s: the error quotes the secret", c.name)
			}
		}
	}
	// Nodes that cannot be reached: exit 3.
	_, errs, code = runBin(t, bin, "", append(without("--rpc-url"), "--bootstrap", "http://127.0.0.1:1", "--min-nodes", "1", "--timeout", "2s")...)
	if code != exitNetwork || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "Lit node") {
		t.Errorf("unreachable: exit %d, stderr %q; want exit 3 and one line naming the Lit nodes", code, errs)
	}
}
