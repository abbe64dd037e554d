package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
)

func init() {
	register("delegate", "have a PKP delegate to a new session key → envelope JSON for a server (naga server reuse)", cmdDelegate)
	register("server-sign", "pkpSign a digest with an envelope's session, minting fresh session sigs → signature JSON", cmdServerSign)
}

// cmdDelegate is the client side of server session reuse (docs/protocol.md#server-session-reuse): a new session key, a fresh delegation to it from the PKP, and the
// envelope that carries both to the server.
func cmdDelegate(e *env, args []string) error {
	fs := newFlags("delegate")
	key := addWalletKey(fs, "the PKP owner's secp256k1 key, 32 bytes hex; it signs the EthWallet auth method (required)")
	pkpKey := fs.String("pkp-public-key", "", "the PKP's public key, 0x04 + 128 hex (required)")
	expiration := fs.String("expiration", "", "when the delegation expires, RFC 3339; keep it short, the envelope is a bearer credential until then (required)")
	domain := fs.String("domain", "", "SIWE domain of the delegation (default "+pkp.DefaultDomain+")")
	statement := fs.String("statement", "", "text appended to the delegation's SIWE statement")
	conn := addConnectFlags(fs)
	var resources multiFlag
	fs.Var(&resources, "resource", "PREFIX://ID=ABILITY the session may use, repeatable (required; e.g. lit-pkp://<token id>=pkp-signing)")
	if help, err := parse(e, fs, args); help || err != nil {
		return err
	}
	owner, err := key.signer()
	if err != nil {
		return err
	}
	if err := required(fs, "pkp-public-key", "expiration"); err != nil {
		return err
	}
	if err := checkTime("expiration", *expiration); err != nil {
		return err
	}
	exp, _ := siwe.ParseTime("expiration", *expiration)
	reqs, err := parseResources(resources)
	if err != nil {
		return err
	}
	kp, err := sessionkey.Generate(nil)
	if err != nil {
		return err
	}
	p := delegation.GenerateParams{
		PKPPublicKey:   *pkpKey,
		Owner:          owner,
		SessionKeyPair: kp,
		Resources:      reqs,
		Expiration:     exp,
		Domain:         *domain,
		Statement:      *statement,
	}
	k, err := p.Check(time.Now())
	if err != nil {
		return flagError(err)
	}
	cl, err := conn.connect(e)
	if err != nil {
		return err
	}
	a, err := delegation.GeneratePkpDelegationAuthSig(e.ctx, cl, p)
	if err != nil {
		return err
	}
	b, err := delegation.EncodeEnvelope(envelope.Envelope{PKPPublicKey: k.PublicKey, SessionKeyPair: kp, DelegationAuthSig: a})
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(e.stdout, "%s\n", b); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "delegate: PKP %s delegated to %s until %s; the envelope on stdout holds the session secret: keep it private and send it only over a secure channel\n",
		k.EthAddress, kp.URI(), siwe.FormatTime(exp))
	return nil
}

// cmdServerSign is the server side, one shot: validate the envelope
// against the network, mint session sigs, pkpSign.
func cmdServerSign(e *env, args []string) error {
	fs := newFlags("server-sign")
	file := fs.String("envelope", "", "file with the envelope JSON from 'litsession delegate', or - for stdin (required)")
	toSign := fs.String("to-sign", "", "the 32-byte digest to sign, 64 hex with or without 0x; it is not hashed again (required)")
	conn := addConnectFlags(fs)
	if help, err := parse(e, fs, args); help || err != nil {
		return err
	}
	if err := required(fs, "envelope", "to-sign"); err != nil {
		return err
	}
	digest, err := parseDigest(*toSign)
	if err != nil {
		return usagef("--to-sign: %v", err)
	}
	env, err := readEnvelope(e, *file)
	if err != nil {
		return err
	}
	cl, err := conn.connect(e)
	if err != nil {
		return err
	}
	ac, err := delegation.CreatePkpAuthContextFromPreGenerated(*env, cl.NetworkPublicKey(), time.Time{})
	if err != nil {
		return err
	}
	sig, err := delegation.NewSigner(cl).PkpSign(e.ctx, ac, digest)
	if err != nil {
		return err
	}
	return writeJSON(e.stdout, sig)
}

// flagNames are the delegate flags of the GenerateParams fields.
var flagNames = map[string]string{
	"PKPPublicKey": "--pkp-public-key",
	"Resources":    "--resource",
	"Expiration":   "--expiration",
}

// flagError makes a *delegation.ParamsError about a flag a usage error
// naming the flag.
func flagError(err error) error {
	var pe *delegation.ParamsError
	if errors.As(err, &pe) && flagNames[pe.Field] != "" {
		return usagef("%s%s %s", flagNames[pe.Field], pe.Item, pe.Msg)
	}
	return err
}

// parseDigest reads a 32-byte hex digest, with or without 0x.
func parseDigest(s string) ([32]byte, error) {
	var d [32]byte
	h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != len(d) {
		return d, fmt.Errorf("want a 32-byte digest as 64 hex characters (optionally 0x-prefixed), got %d characters", len(h))
	}
	copy(d[:], b)
	return d, nil
}

// readEnvelope reads and decodes the envelope in file ("-": stdin). It
// warns when others can read the file: it holds a session secret.
func readEnvelope(e *env, file string) (*envelope.Envelope, error) {
	var (
		b   []byte
		err error
	)
	if file == "-" {
		b, err = readStdin(e, "an envelope JSON", envelope.MaxSize)
		if err != nil {
			return nil, err
		}
	} else {
		f, err := os.Open(file)
		if err != nil {
			return nil, usagef("--envelope: %v", err)
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
			fmt.Fprintf(e.stderr, "warning: %s has mode %04o; it holds a session secret: chmod 600 %s\n", file, fi.Mode().Perm(), file)
		}
		b, err = io.ReadAll(io.LimitReader(f, envelope.MaxSize+1))
		if err != nil {
			return nil, usagef("--envelope: reading %s: %v", file, err)
		}
	}
	env, err := envelope.Decode(b)
	if err != nil {
		return nil, usagef("--envelope: %v", err)
	}
	return env, nil
}
