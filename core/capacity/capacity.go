// Package capacity creates capacity-credit delegations: a wallet AuthSig by
// the owner of a Lit capacity credit (rate-limit NFT) that lets other
// addresses spend it, as the official createCapacityDelegationAuthSig does.
//
// The SIWE message has URI "lit:capability:delegation" and one ReCap
// request: rate-limit-increase-auth on lit-ratelimitincrease://<token id or
// *>, whose nota bene is {"nft_id":[id]?, "delegate_to":[addresses without
// 0x]?, "uses":"<n>"?}, each field present only when given.
package capacity

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/internal/ascii"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/siwe"
)

// DelegationURI is the SIWE URI of every capacity delegation.
const DelegationURI = "lit:capability:delegation"

// Params of CreateDelegationAuthSig.
type Params struct {
	// Owner signs: the wallet that holds the capacity credit. Required.
	Owner authsig.Signer
	// Nonce is required: the latest Lit blockhash.
	Nonce string
	// CapacityTokenID restricts the delegation to one token; "" means any ("*").
	CapacityTokenID string
	// Delegatees may use the credit. nil: anyone may; empty non-nil: nobody.
	Delegatees []string
	// Uses caps how many requests the delegation pays for; "" means no cap.
	Uses string
	// Expiration defaults to now + 7 days; IssuedAt to now.
	Expiration, IssuedAt string
	// Domain defaults to "localhost"; Statement nil to the SDK's default.
	Domain    string
	Statement *string
	Now       func() time.Time
}

// Message returns the SIWE message a delegation signs, for the owner address.
func Message(owner string, p Params) (string, error) {
	nb := map[string]any{}
	if p.CapacityTokenID != "" {
		nb["nft_id"] = []any{p.CapacityTokenID}
	}
	if p.Delegatees != nil {
		list := make([]any, len(p.Delegatees))
		for i, d := range p.Delegatees {
			h := strings.TrimPrefix(d, "0x")
			if len(h) != 40 || !ascii.IsHex(h) {
				return "", fmt.Errorf("capacity: delegatee %q is not an Ethereum address (0x and 40 hex characters)", d)
			}
			list[i] = h
		}
		nb["delegate_to"] = list
	}
	if p.Uses != "" {
		n, err := strconv.ParseUint(p.Uses, 10, 64)
		if err != nil || strconv.FormatUint(n, 10) != p.Uses {
			return "", fmt.Errorf("capacity: uses %q must be a whole number such as 10", p.Uses)
		}
		nb["uses"] = p.Uses
	}
	id := p.CapacityTokenID
	if id == "" {
		id = resource.Wildcard
	}
	res, err := resource.New(resource.RateLimitIncrease, id)
	if err != nil {
		return "", err
	}
	return siwe.CreateWithRecaps(siwe.Params{
		Address:    owner,
		Domain:     p.Domain,
		Statement:  p.Statement,
		URI:        DelegationURI,
		Nonce:      p.Nonce,
		IssuedAt:   p.IssuedAt,
		Expiration: p.Expiration,
		Now:        p.Now,
		Resources:  []resource.Request{{Resource: res, Ability: resource.RateLimitIncreaseAuth, Data: nb}},
	})
}

// CreateDelegationAuthSig builds the delegation message and has the owner
// sign it.
func CreateDelegationAuthSig(ctx context.Context, p Params) (authsig.AuthSig, error) {
	if p.Owner == nil {
		return authsig.AuthSig{}, fmt.Errorf("capacity: the owner wallet is required (the capacity credit holder)")
	}
	owner, err := p.Owner.Address(ctx)
	if err != nil {
		return authsig.AuthSig{}, err
	}
	msg, err := Message(owner, p)
	if err != nil {
		return authsig.AuthSig{}, err
	}
	return authsig.Sign(ctx, p.Owner, msg)
}

// Restrictions are what a delegation's nota bene allows.
type Restrictions struct {
	NFTIDs     []string // empty: any token
	Delegatees []string // lower-case hex without 0x; nil: anyone
	Uses       string   // "": no cap
}

// Allows reports whether addr (0x… any case) may use the delegation.
func (r Restrictions) Allows(addr string) bool {
	if r.Delegatees == nil {
		return true
	}
	a := strings.ToLower(strings.TrimPrefix(addr, "0x"))
	for _, d := range r.Delegatees {
		if d == a {
			return true
		}
	}
	return false
}

// ParseRestrictions reads the nota-bene objects of a delegation's
// Auth/Auth ability. Unknown fields are refused.
func ParseRestrictions(nbs []map[string]any) (Restrictions, error) {
	var r Restrictions
	for _, nb := range nbs {
		for k, v := range nb {
			switch k {
			case "nft_id":
				ids, err := strings_(v)
				if err != nil {
					return r, fmt.Errorf("capacity: nft_id: %w", err)
				}
				r.NFTIDs = append(r.NFTIDs, ids...)
			case "delegate_to":
				ds, err := strings_(v)
				if err != nil {
					return r, fmt.Errorf("capacity: delegate_to: %w", err)
				}
				if r.Delegatees == nil {
					r.Delegatees = []string{}
				}
				for _, d := range ds {
					r.Delegatees = append(r.Delegatees, strings.ToLower(strings.TrimPrefix(d, "0x")))
				}
			case "uses":
				s, ok := v.(string)
				if !ok {
					return r, fmt.Errorf("capacity: uses must be a string")
				}
				r.Uses = s
			default:
				return r, fmt.Errorf("capacity: unknown restriction %q", k)
			}
		}
	}
	return r, nil
}

func strings_(v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want an array of strings")
	}
	out := make([]string, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("want an array of strings")
		}
		out[i] = s
	}
	return out, nil
}
