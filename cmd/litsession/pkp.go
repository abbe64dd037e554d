package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/devnet"
)

// pkpOwners is the repeatable --pkp-owner flag of the devnet command: each
// address gets one PKP minted at start, listed in the ready line's "pkps".
type pkpOwners []string

func (p *pkpOwners) String() string { return strings.Join(*p, ",") }

// Set checks the address, so a typo is a usage error before anything
// starts.
func (p *pkpOwners) Set(s string) error {
	a, err := siwe.ChecksumAddress(s)
	if err != nil {
		return fmt.Errorf("not an Ethereum address: %v", err)
	}
	*p = append(*p, a)
	return nil
}

// addPKPFlags registers --pkp-owner on the devnet command's flags.
func addPKPFlags(fs *flag.FlagSet) *pkpOwners {
	var owners pkpOwners
	fs.Var(&owners, "pkp-owner", "mint a PKP owned by this address at start, repeatable (listed in the ready line's \"pkps\"; more with POST "+devnet.MintPath+" on the RPC server)")
	return &owners
}

// mint mints one PKP per owner, in flag order.
func (p *pkpOwners) mint(net *devnet.Network) error {
	for _, o := range *p {
		if _, err := net.MintPKP(o); err != nil {
			return fmt.Errorf("minting a PKP for %s: %w", o, err)
		}
	}
	return nil
}
