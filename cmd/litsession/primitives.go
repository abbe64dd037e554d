package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"strconv"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/capacity"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
)

func init() {
	register("keygen", "generate a session key pair {publicKey, secretKey}, or with --wallet a wallet key {privateKey, address}", cmdKeygen)
	register("address", "print the address of a wallet key → {address}", cmdAddress)
	register("siwe", "print a SIWE message with ReCaps (createSiweMessageWithRecaps)", cmdSiwe)
	register("authsig", "sign the message on stdin with a wallet key → AuthSig JSON", cmdAuthsig)
	register("verify-authsig", "verify the AuthSig JSON on stdin (exit 1 if invalid)", cmdVerifyAuthsig)
	register("capacity-delegation", "create a capacity-credit delegation AuthSig", cmdCapacityDelegation)
}

func cmdKeygen(e *env, args []string) error {
	fs := newFlags("keygen")
	wallet := fs.Bool("wallet", false, "generate a wallet (secp256k1) key for --wallet-key instead of a session key")
	if help, err := parse(e, fs, args); help || err != nil {
		return err
	}
	if *wallet {
		k, err := crypto.GenerateKey()
		if err != nil {
			return err
		}
		return writeJSON(e.stdout, walletKeyJSON{
			PrivateKey: "0x" + hex.EncodeToString(crypto.FromECDSA(k)),
			Address:    crypto.PubkeyToAddress(k.PublicKey).Hex(),
		})
	}
	kp, err := sessionkey.Generate(nil)
	if err != nil {
		return err
	}
	return writeJSON(e.stdout, kp)
}

type walletKeyJSON struct {
	PrivateKey string `json:"privateKey"`
	Address    string `json:"address"`
}

func cmdAddress(e *env, args []string) error {
	fs := newFlags("address")
	key := addWalletKey(fs, "wallet secp256k1 key, 32 bytes hex (required)")
	if help, err := parse(e, fs, args); help || err != nil {
		return err
	}
	s, err := key.signer()
	if err != nil {
		return err
	}
	addr, err := s.Address(e.ctx)
	if err != nil {
		return err
	}
	return writeJSON(e.stdout, struct {
		Address string `json:"address"`
	}{addr})
}

// checkTime validates an RFC 3339 flag value; the value itself is passed
// through verbatim, as the official SDK does with the strings it is given.
func checkTime(flagName, v string) error {
	if v == "" {
		return nil
	}
	if _, err := siwe.ParseTime("--"+flagName, v); err != nil {
		return usagef("--%s %q is not an RFC 3339 time such as 2030-01-01T00:00:00.000Z", flagName, v)
	}
	return nil
}

func parseResources(flags []string) ([]resource.Request, error) {
	if len(flags) == 0 {
		return nil, usagef("at least one --resource PREFIX://ID=ABILITY is required (e.g. lit-pkp://*=pkp-signing)")
	}
	out := make([]resource.Request, len(flags))
	for i, f := range flags {
		q, err := resource.ParseFlag(f)
		if err != nil {
			return nil, usagef("--resource %q: %v", f, err)
		}
		out[i] = q
	}
	return out, nil
}

func cmdSiwe(e *env, args []string) error {
	fs := newFlags("siwe")
	address := fs.String("address", "", "signer address 0x… (required)")
	uri := fs.String("uri", "", "URI, e.g. lit:session:<public key> (required)")
	nonce := fs.String("nonce", "", "nonce, e.g. the latest blockhash (required)")
	expiration := fs.String("expiration", "", "expiration time, RFC 3339 (required)")
	issuedAt := fs.String("issued-at", "", "issued-at time, RFC 3339 (default now)")
	domain := fs.String("domain", "", "domain (default localhost)")
	chainID := fs.Int("chain-id", 1, "chain id")
	var resources multiFlag
	fs.Var(&resources, "resource", "PREFIX://ID=ABILITY, repeatable (required)")
	var statement *string
	fs.Func("statement", "statement (default the SDK's test statement)", func(s string) error { statement = &s; return nil })
	if help, err := parse(e, fs, args); help || err != nil {
		return err
	}
	if err := required(fs, "address", "uri", "nonce", "expiration"); err != nil {
		return err
	}
	for name, v := range map[string]string{"expiration": *expiration, "issued-at": *issuedAt} {
		if err := checkTime(name, v); err != nil {
			return err
		}
	}
	reqs, err := parseResources(resources)
	if err != nil {
		return err
	}
	if *chainID <= 0 {
		return usagef("--chain-id must be a positive integer")
	}
	msg, err := siwe.CreateWithRecaps(siwe.Params{
		Address: *address, URI: *uri, Nonce: *nonce, Expiration: *expiration, IssuedAt: *issuedAt,
		Domain: *domain, Statement: statement, ChainID: *chainID, Resources: reqs,
	})
	if err != nil {
		return usagef("%v", err)
	}
	_, err = io.WriteString(e.stdout, msg)
	return err
}

func walletSigner(hexKey string) (*authsig.KeySigner, error) {
	s, err := authsig.NewKeySigner(hexKey)
	if err != nil {
		return nil, usagef("--wallet-key: %v", err)
	}
	return s, nil
}

func cmdAuthsig(e *env, args []string) error {
	fs := newFlags("authsig")
	key := addWalletKey(fs, "secp256k1 private key, 32 bytes hex (required)")
	if help, err := parse(e, fs, args); help || err != nil {
		return err
	}
	signer, err := key.signer()
	if err != nil {
		return err
	}
	msg, err := readStdin(e, "the message to sign", 1<<20)
	if err != nil {
		return err
	}
	a, err := authsig.Sign(e.ctx, signer, string(msg))
	if err != nil {
		return err
	}
	return writeJSON(e.stdout, a)
}

func cmdVerifyAuthsig(e *env, args []string) error {
	fs := newFlags("verify-authsig")
	now := nowFlag(fs)
	if help, err := parse(e, fs, args); help || err != nil {
		return err
	}
	var a authsig.AuthSig
	if err := readJSONStdin(e, "an AuthSig JSON", 1<<20, &a); err != nil {
		return err
	}
	v, err := authsig.Verify(a, authsig.Options{Now: now.Or()})
	if err != nil {
		return &rejectedError{err}
	}
	out := struct {
		Address    string  `json:"address"`
		Expiration *string `json:"expiration"`
	}{Address: v.Address}
	if !v.Expiration.IsZero() {
		s := siwe.FormatTime(v.Expiration)
		out.Expiration = &s
	}
	return writeJSON(e.stdout, out)
}

func cmdCapacityDelegation(e *env, args []string) error {
	fs := newFlags("capacity-delegation")
	key := addWalletKey(fs, "capacity credit owner's secp256k1 key, 32 bytes hex (required)")
	nonce := fs.String("nonce", "", "nonce, e.g. the latest blockhash (required)")
	expiration := fs.String("expiration", "", "expiration time, RFC 3339 (required)")
	issuedAt := fs.String("issued-at", "", "issued-at time, RFC 3339 (default now)")
	nftID := fs.String("nft-id", "", "capacity credit token id (default any: *)")
	uses := fs.String("uses", "", "maximum number of uses (default unlimited)")
	domain := fs.String("domain", "", "domain (default localhost)")
	var delegatees multiFlag
	fs.Var(&delegatees, "delegatee", "address allowed to use the credit, repeatable (default anyone)")
	if help, err := parse(e, fs, args); help || err != nil {
		return err
	}
	if err := required(fs, "nonce", "expiration"); err != nil {
		return err
	}
	for name, v := range map[string]string{"expiration": *expiration, "issued-at": *issuedAt} {
		if err := checkTime(name, v); err != nil {
			return err
		}
	}
	if *uses != "" {
		if n, err := strconv.ParseUint(*uses, 10, 64); err != nil || n == 0 {
			return usagef("--uses %q must be a positive whole number", *uses)
		}
	}
	signer, err := key.signer()
	if err != nil {
		return err
	}
	p := capacity.Params{
		Owner: signer, Nonce: *nonce, CapacityTokenID: *nftID, Uses: *uses,
		Expiration: *expiration, IssuedAt: *issuedAt, Domain: *domain,
	}
	if len(delegatees) > 0 {
		p.Delegatees = delegatees
	}
	a, err := capacity.CreateDelegationAuthSig(e.ctx, p)
	if err != nil {
		return usagef("%v", fmt.Sprint(err))
	}
	return writeJSON(e.stdout, a)
}
