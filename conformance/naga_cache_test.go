package conformance

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/storage"
	"github.com/litgo/litsession/devnet"
)

// eoaCacheRun is eoa-cache.mjs's result.
type eoaCacheRun struct {
	OK                 bool            `json:"ok"`
	Error              string          `json:"error"`
	Address            string          `json:"address"`
	SignMessageCalls   int             `json:"signMessageCalls"`
	SessionPublicKey   string          `json:"sessionPublicKey"`
	SecretKeyHexLength int             `json:"secretKeyHexLength"`
	SessionKeyCheck    string          `json:"sessionKeyCheck"`
	DelegationAuthSig  authsig.AuthSig `json:"delegationAuthSig"`
	PKPSign            *struct {
		RecoveredAddress string `json:"recoveredAddress"`
	} `json:"pkpSign"`
}

// countingWallet counts the wallet's signatures.
type countingWallet struct {
	authsig.Signer
	n atomic.Int32
}

func (w *countingWallet) SignMessage(ctx context.Context, msg []byte) ([]byte, error) {
	w.n.Add(1)
	return w.Signer.SignMessage(ctx, msg)
}

// TestOracleNagaCache moves an EOA session between the official v8 SDK's
// node storage plugin and our Engine with session.NagaCache over the same
// directory, both ways:
//
//   - v8 (createEoaAuthContext, localStorageNode) signs once and caches;
//     our Engine with storage.NewFile on that directory reuses the same
//     session key and wallet AuthSig without asking the wallet;
//   - our Engine signs once and caches; v8 reuses the same session key pair
//     and AuthSig without calling signMessage, signs with the secret key
//     and gets a PKP signature from the devnet with that auth context.
//
// node-localstorage writes files with the process umask (0644 here);
// storage.File refuses to read a session secret other users could have
// read, so the Engine makes a new session until the files are made
// private (chmod 600), as docs/naga.md tells users to.
func TestOracleNagaCache(t *testing.T) {
	needNagaOracle(t)
	n, logs := startNaga(t, devnet.Config{})
	ownerKey, _ := crypto.GenerateKey()
	owner := crypto.PubkeyToAddress(ownerKey.PublicKey).Hex()
	p, err := n.MintPKP(owner)
	if err != nil {
		t.Fatal(err)
	}
	const appName, networkName = "litsession-cache", "naga-local"
	layout := session.NagaCache{AppName: appName, NetworkName: networkName}
	keyKey := "lit-auth:" + appName + ":" + networkName + ":" + owner
	sigKey := "lit-auth:" + appName + "-inner-delegation:" + networkName + ":" + owner

	ctx := context.Background()
	cl := nagaClient(t, n)
	wallet := &countingWallet{Signer: authsig.NewKeySignerFromECDSA(ownerKey)}
	pkpAll, err := resource.NewRequest(resource.PKP, "*", resource.PKPSigning)
	if err != nil {
		t.Fatal(err)
	}
	getSessionSigs := func(t *testing.T, dir string) (*session.SessionSigs, session.Info) {
		t.Helper()
		store, err := storage.NewFile(dir)
		if err != nil {
			t.Fatal(err)
		}
		e := &session.Engine{Storage: store, Network: cl, Wallet: wallet, CacheLayout: layout}
		sigs, info, err := e.GetSessionSigs(ctx, session.Params{ResourceAbilityRequests: []resource.Request{pkpAll}})
		if err != nil {
			t.Fatal(err)
		}
		return sigs, info
	}
	runV8 := func(t *testing.T, dir string, pkpPublicKey string) eoaCacheRun {
		t.Helper()
		input, _ := json.Marshal(map[string]string{
			"networkContextPath": n.NetworkContextPath,
			"rpcUrl":             n.RPCURL,
			"ownerKey":           "0x" + hex.EncodeToString(crypto.FromECDSA(ownerKey)),
			"storagePath":        dir,
			"appName":            appName,
			"networkName":        networkName,
			"expiration":         time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05.000Z"),
			"pkpPublicKey":       pkpPublicKey,
		})
		out, stderr := runNagaScript(t, n, "eoa-cache.mjs", input)
		var run eoaCacheRun
		if err := json.Unmarshal(out, &run); err != nil || !run.OK {
			t.Fatalf("eoa-cache.mjs: %v %s\ndevnet log (tail):\n%s\nstderr (tail):\n%s", err, run.Error, tail(logs.String(), 2000), tail(stderr, 3000))
		}
		if run.Address != owner {
			t.Fatalf("viem's address is %s, want the EIP-55 %s", run.Address, owner)
		}
		if run.SecretKeyHexLength != 64 {
			t.Errorf("v8's session secret key is %d hex characters, want the 64 of a seed", run.SecretKeyHexLength)
		}
		if err := sessionkey.VerifyHex(run.SessionPublicKey, run.SessionKeyCheck, []byte("litsession cache check")); err != nil {
			t.Errorf("v8's session secret key does not sign for its public key: %v", err)
		}
		return run
	}
	read := func(t *testing.T, dir, key string) string {
		t.Helper()
		name, err := storage.EncodeKey(key)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	sameSig := func(a, b authsig.AuthSig) bool {
		return a.Sig == b.Sig && a.SignedMessage == b.SignedMessage && strings.EqualFold(a.Address, b.Address)
	}

	t.Run("from v8", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "store") // node-localstorage creates it
		v8 := runV8(t, dir, "")
		if v8.SignMessageCalls != 1 {
			t.Fatalf("v8 called signMessage %d times on an empty store, want 1", v8.SignMessageCalls)
		}
		var names []string
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			names = append(names, e.Name())
		}
		want := []string{mustEncode(t, keyKey), mustEncode(t, sigKey)}
		if !slices.Equal(slices.Sorted(slices.Values(names)), slices.Sorted(slices.Values(want))) {
			t.Fatalf("v8 wrote %v, want %v", names, want)
		}
		key, sig := read(t, dir, keyKey), read(t, dir, sigKey)

		// As node left them (directory 0755, files 0644): refused, so a new
		// session is made.
		if _, err := storage.NewFile(dir); err == nil || !strings.Contains(err.Error(), "chmod 700") {
			t.Fatalf("NewFile on node's directory: %v, want a refusal naming chmod 700", err)
		}
		copyDir := privateDir(t)
		for _, k := range []string{keyKey, sigKey} {
			os.WriteFile(filepath.Join(copyDir, mustEncode(t, k)), []byte(read(t, dir, k)), 0o644)
			os.Chmod(filepath.Join(copyDir, mustEncode(t, k)), 0o644)
		}
		before := wallet.n.Load()
		_, info := getSessionSigs(t, copyDir)
		if !info.WalletAsked || !info.SessionKeyCreated || !strings.Contains(strings.Join(info.Warnings, "\n"), "mode 0644") {
			t.Fatalf("group-readable v8 files: %+v", info)
		}
		if wallet.n.Load() != before+1 {
			t.Fatalf("the wallet signed %d times", wallet.n.Load()-before)
		}

		// Made private: reused as is.
		if err := os.Chmod(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{keyKey, sigKey} {
			if err := os.Chmod(filepath.Join(dir, mustEncode(t, k)), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		before = wallet.n.Load()
		sigs, info := getSessionSigs(t, dir)
		if info.WalletAsked || info.SessionKeyCreated || !info.CacheReused || wallet.n.Load() != before {
			t.Fatalf("our Engine did not reuse v8's session: %+v", info)
		}
		if info.SessionPublicKey != v8.SessionPublicKey || info.WalletAddress != owner {
			t.Fatalf("session key %s by %s, want v8's %s by %s", info.SessionPublicKey, info.WalletAddress, v8.SessionPublicKey, owner)
		}
		s, _ := sigs.Get(sigs.Nodes()[0])
		if !strings.Contains(s.SignedMessage, v8.DelegationAuthSig.Sig) {
			t.Fatal("our session signatures do not carry v8's wallet AuthSig")
		}
		if read(t, dir, keyKey) != key || read(t, dir, sigKey) != sig {
			t.Fatal("our Engine rewrote v8's entries")
		}
	})

	t.Run("to v8", func(t *testing.T) {
		dir := privateDir(t)
		before := wallet.n.Load()
		_, info := getSessionSigs(t, dir)
		if !info.WalletAsked || wallet.n.Load() != before+1 {
			t.Fatalf("our Engine on an empty store: %+v", info)
		}
		stored, err := layout.DecodeWalletSig(read(t, dir, sigKey))
		if err != nil {
			t.Fatal(err)
		}
		// A write of ours in progress (storage.File's temporary file name)
		// must not stop node-localstorage from opening the directory.
		if err := os.WriteFile(filepath.Join(dir, "%7Etmp-inflight"), []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
		v8 := runV8(t, dir, p.PublicKey)
		if v8.SignMessageCalls != 0 {
			t.Fatalf("v8 called signMessage %d times over our cached session", v8.SignMessageCalls)
		}
		if v8.SessionPublicKey != info.SessionPublicKey || !sameSig(v8.DelegationAuthSig, stored) {
			t.Fatalf("v8 used session key %s and AuthSig %+v, want ours %s and %+v", v8.SessionPublicKey, v8.DelegationAuthSig, info.SessionPublicKey, stored)
		}
		if v8.PKPSign == nil || v8.PKPSign.RecoveredAddress != p.EthAddress {
			t.Fatalf("v8's pkpSign with our cached session: %+v, want a signature by %s", v8.PKPSign, p.EthAddress)
		}
	})
}

func mustEncode(t *testing.T, key string) string {
	t.Helper()
	name, err := storage.EncodeKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return name
}

// privateDir returns a new directory only its owner can access.
func privateDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp(t.TempDir(), "store")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}
