package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litgo/litsession/core/sessionkey"
)

const (
	walletKey = "1111111111111111111111111111111111111111111111111111111111111111"
	wallet    = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
	nonce     = "0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
	v1Sig     = "0x73cdc832860b3cca5a758f0f18770da7e5f76e4faceb151612edd688d3b943295f2506edfa584cb6dc63a2b1e5f6baec7dc766c2e2f283d9d5a41d9f1cfae17d1b"
	v3Sig     = "0x2060d333123a4c98bc1afc0ffeb6462db0ba484e167c9e7b7056adfc132721b94f27deb7b1bd2d30db2715043ecb3c69e0964c0db381a77146b4c0f56fe5244a1b"
)

func runCLI(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

var v1Args = []string{"siwe", "--address", wallet, "--uri", "lit:session:" + strings.Repeat("ab", 32), "--nonce", nonce,
	"--expiration", "2030-01-01T00:00:00.000Z", "--issued-at", "2026-01-01T00:00:00.000Z", "--resource", "lit-pkp://*=pkp-signing"}

func TestSiweAuthsigVerifyPipeline(t *testing.T) {
	msg, errs, code := runCLI(t, "", v1Args...)
	if code != 0 {
		t.Fatalf("siwe: %d %s", code, errs)
	}
	if strings.HasSuffix(msg, "\n") || !strings.HasSuffix(msg, "- urn:recap:eyJhdHQiOnsibGl0LXBrcDovLyoiOnsiVGhyZXNob2xkL1NpZ25pbmciOlt7fV19fSwicHJmIjpbXX0") {
		t.Fatalf("siwe output must be the exact text without a trailing newline: %q", msg)
	}
	as, errs, code := runCLI(t, msg, "authsig", "--wallet-key", walletKey)
	if code != 0 {
		t.Fatalf("authsig: %d %s", code, errs)
	}
	var a map[string]string
	if err := json.Unmarshal([]byte(as), &a); err != nil || a["sig"] != v1Sig || a["address"] != wallet || a["derivedVia"] != "web3.eth.personal.sign" || a["signedMessage"] != msg {
		t.Fatalf("authsig output %s (%v)", as, err)
	}
	out, errs, code := runCLI(t, as, "verify-authsig", "--now", "2027-01-01T00:00:00Z")
	if code != 0 || out != `{"address":"`+wallet+`","expiration":"2030-01-01T00:00:00.000Z"}`+"\n" {
		t.Fatalf("verify: %d %q %s", code, out, errs)
	}
	_, errs, code = runCLI(t, as, "verify-authsig", "--now", "2030-01-01T00:00:00Z")
	if code != 1 || !strings.Contains(errs, "expired") || strings.Count(errs, "\n") != 1 {
		t.Fatalf("expired: %d %q", code, errs)
	}
	tampered := strings.Replace(as, "Chain ID: 1", "Chain ID: 5", 1)
	if _, errs, code = runCLI(t, tampered, "verify-authsig", "--now", "2027-01-01T00:00:00Z"); code != 1 || !strings.Contains(errs, "bad_signature") {
		t.Fatalf("tampered: %d %q", code, errs)
	}
}

func TestKeygen(t *testing.T) {
	out, _, code := runCLI(t, "", "keygen")
	if code != 0 {
		t.Fatal(code)
	}
	kp, err := sessionkey.Parse([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, `{"publicKey":"`+kp.PublicKeyHex()+`","secretKey":"`) {
		t.Fatalf("keygen output %s", out)
	}
}

func TestCapacityDelegationV3(t *testing.T) {
	out, errs, code := runCLI(t, "", "capacity-delegation", "--wallet-key", "0x"+walletKey, "--nonce", nonce,
		"--expiration", "2030-01-01T00:00:00.000Z", "--issued-at", "2026-01-01T00:00:00.000Z",
		"--nft-id", "12345", "--delegatee", "0x3333333333333333333333333333333333333333", "--uses", "10")
	if code != 0 || !strings.HasPrefix(out, `{"sig":"`+v3Sig+`"`) {
		t.Fatalf("%d %s %s", code, out, errs)
	}
}

// Every bad input exits 2 with exactly one line on stderr that names the problem.
func TestBadInput(t *testing.T) {
	withArg := func(args []string, name, value string) []string {
		out := append([]string(nil), args...)
		for i := range out {
			if out[i] == name {
				out[i+1] = value
				return out
			}
		}
		return append(out, name, value)
	}
	cases := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"unknown command", "", []string{"frobnicate"}, "unknown command"},
		{"unknown flag", "", []string{"keygen", "--bogus"}, "flag provided but not defined"},
		{"extra argument", "", []string{"keygen", "extra"}, "unexpected argument"},
		{"siwe missing uri", "", []string{"siwe", "--address", wallet}, "--uri is required"},
		{"siwe missing resource", "", v1Args[:len(v1Args)-2], "--resource"},
		{"siwe bad resource", "", withArg(v1Args, "--resource", "lit-pkp://*"), "PREFIX://ID=ABILITY"},
		{"siwe invalid pair", "", withArg(v1Args, "--resource", "lit-pkp://*=lit-action-execution"), "do not support"},
		{"siwe bad address", "", withArg(v1Args, "--address", "0x1234"), "40 hex"},
		{"siwe bad nonce", "", withArg(v1Args, "--nonce", "short"), "nonce"},
		{"siwe bad expiration", "", withArg(v1Args, "--expiration", "tomorrow"), "RFC 3339"},
		{"siwe bad chain", "", withArg(v1Args, "--chain-id", "0"), "--chain-id"},
		{"authsig no key", "hi", []string{"authsig"}, "--wallet-key is required"},
		{"authsig bad key", "hi", []string{"authsig", "--wallet-key", "12"}, "64 hex"},
		{"authsig empty stdin", "", []string{"authsig", "--wallet-key", walletKey}, "got nothing"},
		{"verify not json", "nope", []string{"verify-authsig"}, "stdin"},
		{"verify missing field", `{"sig":"0x"}`, []string{"verify-authsig"}, "missing"},
		{"verify bad now", "{}", []string{"verify-authsig", "--now", "yesterday"}, "flag -now"},
		{"capacity bad uses", "", []string{"capacity-delegation", "--wallet-key", walletKey, "--nonce", nonce, "--expiration", "2030-01-01T00:00:00Z", "--uses", "-3"}, "--uses"},
		{"capacity bad delegatee", "", []string{"capacity-delegation", "--wallet-key", walletKey, "--nonce", nonce, "--expiration", "2030-01-01T00:00:00Z", "--delegatee", "bob"}, "delegatee"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errs, code := runCLI(t, c.stdin, c.args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2 (stdout %q, stderr %q)", code, out, errs)
			}
			if out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, c.want) {
				t.Fatalf("stderr %q, want one line containing %q", errs, c.want)
			}
		})
	}
}

// TestBinary runs the real binary once, so exit codes and stdout framing are
// what scripts see.
func TestBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "litsession")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, v1Args...)
	msg, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(bin, "authsig", "--wallet-key", walletKey)
	cmd.Stdin = bytes.NewReader(msg)
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), v1Sig) {
		t.Fatalf("%v %s", err, out)
	}
	cmd = exec.Command(bin, "siwe", "--address", "nope")
	if err := cmd.Run(); err == nil || cmd.ProcessState.ExitCode() != 2 {
		t.Fatalf("bad input: %v", err)
	}
}
