package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A wallet key comes from --wallet-key, --wallet-key-file or
// LITSESSION_WALLET_KEY; address prints its address.
func TestWalletKeySources(t *testing.T) {
	file := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(file, []byte("  0x"+walletKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	want := `{"address":"` + wallet + `"}` + "\n"
	for name, args := range map[string][]string{
		"flag": {"address", "--wallet-key", walletKey},
		"file": {"address", "--wallet-key-file", file},
	} {
		if out, errs, code := runCLI(t, "", args...); code != exitOK || out != want {
			t.Errorf("%s: exit %d, %q %q", name, code, out, errs)
		}
	}
	t.Setenv(walletKeyEnv, walletKey)
	if out, errs, code := runCLI(t, "", "address"); code != exitOK || out != want {
		t.Errorf("env: exit %d, %q %q", code, out, errs)
	}
	// The environment also feeds the signing commands.
	if out, errs, code := runCLI(t, "hello", "authsig"); code != exitOK || !strings.Contains(out, wallet) {
		t.Errorf("authsig with %s: exit %d, %q %q", walletKeyEnv, code, out, errs)
	}
	t.Setenv(walletKeyEnv, "")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"address"}, "--wallet-key is required (or --wallet-key-file FILE, or the LITSESSION_WALLET_KEY environment variable"},
		{[]string{"address", "--wallet-key", walletKey, "--wallet-key-file", file}, "not both"},
		{[]string{"address", "--wallet-key-file", file + ".missing"}, "--wallet-key-file: open"},
		{[]string{"address", "--wallet-key", "12"}, "a wallet key is 32 bytes"},
	} {
		_, errs, code := runCLI(t, "", c.args...)
		if code != exitUsage || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, %q; want exit 2 and %q", c.args, code, errs, c.want)
		}
	}
	t.Setenv(walletKeyEnv, "zz")
	if _, errs, code := runCLI(t, "", "address"); code != exitUsage || !strings.Contains(errs, walletKeyEnv+": ") || strings.Contains(errs, "zz") {
		t.Errorf("bad %s: exit %d, %q", walletKeyEnv, code, errs)
	}
}

// keygen --wallet makes a key --wallet-key takes, with its address.
func TestKeygenWallet(t *testing.T) {
	out, errs, code := runCLI(t, "", "keygen", "--wallet")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var k walletKeyJSON
	if err := json.Unmarshal([]byte(out), &k); err != nil || len(k.PrivateKey) != 66 || len(k.Address) != 42 {
		t.Fatalf("keygen --wallet printed %q: %v", out, err)
	}
	got, errs, code := runCLI(t, "", "address", "--wallet-key", k.PrivateKey)
	if code != exitOK || got != `{"address":"`+k.Address+`"}`+"\n" {
		t.Errorf("address of the new key: exit %d, %q %q; want %s", code, got, errs, k.Address)
	}
}

// An unreachable chain RPC exits 3 and names the flag, not the Go field.
func TestNetworkFailureExit(t *testing.T) {
	_, errs, code := runCLI(t, "", "session-sigs", "--wallet-key", walletKey, "--rpc-url", "http://127.0.0.1:1", "--resource", "lit-pkp://*=pkp-signing")
	if code != exitNetwork || !strings.Contains(errs, "check --rpc-url") || strings.Contains(errs, "Config.") {
		t.Errorf("exit %d, %q; want exit 3 naming --rpc-url", code, errs)
	}
}
