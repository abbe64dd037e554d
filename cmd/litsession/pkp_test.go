package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/core/pkp"
)

// runDevnet runs `litsession devnet --rpc-port 0 --base-port 0 args…` in
// process until the test ends (then it must exit 0 within 10 s) and
// returns its ready line.
func runDevnet(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		var stderr strings.Builder
		done <- run(ctx, append([]string{"devnet", "--rpc-port", "0", "--base-port", "0"}, args...), nil, pw, &stderr)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		go io.Copy(io.Discard, pr)
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("devnet exited with %d", code)
			}
		case <-time.After(10 * time.Second):
			t.Error("devnet did not stop")
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return line
}

// TestDevnetPKPOwners runs `litsession devnet --pkp-owner …` in process and
// reads the PKPs from its ready line.
func TestDevnetPKPOwners(t *testing.T) {
	line := runDevnet(t, "--pkp-owner", strings.ToLower(wallet), "--pkp-owner", "0x0000000000000000000000000000000000000001")
	var ready struct {
		RPCURL string `json:"rpcUrl"`
		PKPs   []struct {
			TokenID    string `json:"tokenId"`
			PublicKey  string `json:"publicKey"`
			EthAddress string `json:"ethAddress"`
			Owner      string `json:"owner"`
		} `json:"pkps"`
	}
	if err := json.Unmarshal([]byte(line), &ready); err != nil || ready.RPCURL == "" || len(ready.PKPs) != 2 {
		t.Fatalf("ready line %q: %v", line, err)
	}
	if ready.PKPs[0].Owner != wallet || ready.PKPs[1].Owner != "0x0000000000000000000000000000000000000001" {
		t.Fatalf("owners: %+v", ready.PKPs)
	}
	for _, p := range ready.PKPs {
		want, err := pkp.Parse(p.PublicKey)
		if err != nil || want.TokenID != p.TokenID || want.EthAddress != p.EthAddress || !strings.HasPrefix(p.PublicKey, "0x04") {
			t.Fatalf("PKP %+v (%v)", p, err)
		}
	}
}

func TestDevnetPKPOwnerBad(t *testing.T) {
	for _, owner := range []string{"0x12", "0x19e7E376E7C213B7E7e7e46cc70A5dD086DAff2A", "alice"} {
		_, errs, code := runCLI(t, "", "devnet", "--rpc-port", "0", "--base-port", "0", "--pkp-owner", owner)
		if code != exitUsage || !strings.Contains(errs, "pkp-owner") || strings.Count(errs, "\n") != 1 {
			t.Errorf("--pkp-owner %s: %d %q", owner, code, errs)
		}
	}
}
