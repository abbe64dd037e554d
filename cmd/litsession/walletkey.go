package main

import (
	"flag"
	"os"
	"strings"

	"github.com/litgo/litsession/core/authsig"
)

// walletKeyEnv is the environment variable a wallet key may come from.
const walletKeyEnv = "LITSESSION_WALLET_KEY"

// walletKeyFlags is a command's wallet key, from exactly one of --wallet-key HEX
// (seen by every user of the machine in ps), --wallet-key-file FILE or the
// LITSESSION_WALLET_KEY environment variable, in that order.
type walletKeyFlags struct {
	hex, file *string
	fs        *flag.FlagSet
}

func addWalletKey(fs *flag.FlagSet, usage string) walletKeyFlags {
	return walletKeyFlags{
		hex:  fs.String("wallet-key", "", usage+"; other users see it in ps: prefer --wallet-key-file or "+walletKeyEnv),
		file: fs.String("wallet-key-file", "", "file holding the wallet key, 64 hex (surrounding whitespace ignored)"),
		fs:   fs,
	}
}

// signer returns the key's signer, or a usage error naming the flag, file
// or variable at fault (never the key).
func (w walletKeyFlags) signer() (*authsig.KeySigner, error) {
	switch {
	case *w.hex != "" && *w.file != "":
		return nil, usagef("pass either --wallet-key or --wallet-key-file, not both")
	case *w.hex != "":
		return walletSigner(*w.hex)
	case *w.file != "":
		b, err := os.ReadFile(*w.file)
		if err != nil {
			return nil, usagef("--wallet-key-file: %v", err)
		}
		s, err := authsig.NewKeySigner(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, usagef("--wallet-key-file %s: %v", *w.file, err)
		}
		return s, nil
	case os.Getenv(walletKeyEnv) != "":
		s, err := authsig.NewKeySigner(strings.TrimSpace(os.Getenv(walletKeyEnv)))
		if err != nil {
			return nil, usagef("%s: %v", walletKeyEnv, err)
		}
		return s, nil
	}
	return nil, usagef("--wallet-key is required (or --wallet-key-file FILE, or the %s environment variable; run 'litsession %s -h' for its flags)", walletKeyEnv, w.fs.Name())
}
