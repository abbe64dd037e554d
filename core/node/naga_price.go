package node

import (
	"context"
	"errors"
	"math/big"
	"sort"

	"github.com/litgo/litsession/core/errcode"
)

// EndpointLitAction is the Lit Action operation: naga session signatures
// are priced for it unless the caller names another operation. No
// generation here sends Lit Actions.
const EndpointLitAction Endpoint = "lit action"

// EndpointProduct returns the PriceFeed product of op: sign session key →
// SIGN_SESSION_KEY, pkp sign → SIGN, lit action → LIT_ACTION.
func EndpointProduct(op Endpoint) (Product, bool) {
	switch op {
	case EndpointSignSessionKey:
		return ProductSignSessionKey, true
	case EndpointPKPSign:
		return ProductSign, true
	case EndpointLitAction:
		return ProductLitAction, true
	}
	return 0, false
}

// DefaultMaxPrice returns the budget of one request when the caller sets
// none: 2^128 − 1 wei, as the v8 client. Each call returns a new value.
func DefaultMaxPrice() *big.Int {
	return new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))
}

// ParseWei reads an amount of wei in decimal, as naga's sign_session_key
// maxPrice and getSessionSigs' userMaxPrice are written: digits only, no
// leading zero unless it is "0", at most 78 digits (they hold 2^256). ok
// is false when s is not one.
func ParseWei(s string) (v *big.Int, ok bool) {
	if s == "" || len(s) > 78 || (len(s) > 1 && s[0] == '0') {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return nil, false
		}
	}
	return new(big.Int).SetString(s, 10)
}

// byPrice sorts choices by price, keeping validator order among equals.
// Pointer receivers: sort.Stable calls them with no pointer wrapper linked.
type byPrice struct{ c []Choice }

func (x *byPrice) Len() int           { return len(x.c) }
func (x *byPrice) Less(i, j int) bool { return x.c[i].Price.Cmp(x.c[j].Price) < 0 }
func (x *byPrice) Swap(i, j int)      { x.c[i], x.c[j] = x.c[j], x.c[i] }

// cheapest picks the need cheapest of the connected peers priced in r for
// product p. Validators r does not list, or lists without that price, are
// left out.
func cheapest(r NodesForRequest, p Product, peers []Peer, need int) ([]Choice, error) {
	prices := make(map[string]*big.Int, len(r.Nodes))
	for _, n := range r.Nodes {
		u, err := NodeURL(n.Validator.IP, n.Validator.Port)
		if err != nil || int(p) >= len(n.Prices) {
			continue
		}
		prices[u] = n.Prices[p]
	}
	var out []Choice
	for _, peer := range peers {
		if price, ok := prices[peer.URL]; ok {
			out = append(out, Choice{URL: peer.URL, Price: new(big.Int).Set(price)})
		}
	}
	if len(out) < need {
		return nil, &NotEnoughNodesError{Operation: "price feed", Needed: need, Got: len(out), Total: len(peers),
			Failed: unpriced(peers, prices)}
	}
	sort.Stable(&byPrice{out})
	return out[:need], nil
}

func unpriced(peers []Peer, prices map[string]*big.Int) map[string]error {
	out := map[string]error{}
	for _, p := range peers {
		if prices[p.URL] == nil {
			out[p.URL] = errors.New("the PriceFeed does not price this node")
		}
	}
	return out
}

// MaxPrices returns the maxPrice of each chosen node, as the v8 client
// computes it: price + (budget − Σ prices) / len(choices), integer
// division. budget nil means DefaultMaxPrice. It fails when the budget is
// below the sum of the prices, or a choice has no price.
func MaxPrices(choices []Choice, budget *big.Int) (map[string]*big.Int, error) {
	if budget == nil {
		budget = DefaultMaxPrice()
	}
	if len(choices) == 0 {
		return nil, errors.New("node: no nodes to price")
	}
	sum := new(big.Int)
	for _, c := range choices {
		if c.Price == nil {
			return nil, errorf("node: node %s has no price; this generation does not charge", c.URL)
		}
		sum.Add(sum, c.Price)
	}
	excess := new(big.Int).Sub(budget, sum)
	if excess.Sign() < 0 {
		return nil, errorf("node: the budget of %s wei is below the %s wei the %d cheapest nodes charge; raise the maximum price", budget, sum, len(choices))
	}
	excess.Quo(excess, big.NewInt(int64(len(choices))))
	out := make(map[string]*big.Int, len(choices))
	for _, c := range choices {
		out[c.URL] = new(big.Int).Add(c.Price, excess)
	}
	return out, nil
}

// SessionNodes returns the nodes that session signatures for one request
// of operation go to and, when the generation charges, the maxPrice each
// of them names: on naga the threshold cheapest connected nodes for the
// operation's product ("" means lit action, the v8 default) with
// MaxPrices(budget); on datil every connected node and nil prices.
// operation is an Endpoint value ("pkp sign", "sign session key", "lit
// action"). It implements core/session's PricedNetwork.
func (c *Client) SessionNodes(ctx context.Context, operation string, budget *big.Int) ([]string, map[string]*big.Int, error) {
	op := Endpoint(operation)
	if op == "" {
		op = EndpointLitAction
	}
	choices, err := c.SelectNodes(ctx, op)
	if err != nil {
		return nil, nil, err
	}
	urls := make([]string, len(choices))
	priced := false
	for i, ch := range choices {
		urls[i] = ch.URL
		priced = priced || ch.Price != nil
	}
	if !priced {
		return urls, nil, nil
	}
	prices, err := MaxPrices(choices, budget)
	if err != nil {
		return nil, nil, &errcode.Error{Code: errcode.InvalidParams, Msg: err.Error(), Err: err}
	}
	return urls, prices, nil
}
