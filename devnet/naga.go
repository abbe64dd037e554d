package devnet

import (
	"fmt"
	"math/big"
	"net/http"
	"strings"

	"github.com/litgo/litsession/core/node"
)

// Protocol generations the devnet speaks (Config.Network). One network
// speaks one generation: datil (v7, the default) or naga (v8).
const (
	NetworkDatil = "datil"
	NetworkNaga  = "naga"
)

// DefaultNagaNodes is the node count of a naga devnet: the v8 client's
// threshold is max(3, floor(2n/3)), so it needs at least three nodes.
const DefaultNagaNodes = 3

// Product is a naga PriceFeed product (the client's node.Product).
type Product = node.Product

// The products of PriceFeed.getNodesForRequest, in the order of its
// productIds argument.
const (
	ProductDecryption     = node.ProductDecryption
	ProductSign           = node.ProductSign
	ProductLitAction      = node.ProductLitAction
	ProductSignSessionKey = node.ProductSignSessionKey
	productCount          = node.ProductCount
)

// Prices are the naga nodes' prices in wei, per product and node index.
// A product with fewer prices than nodes repeats its last price; a product
// with none uses DefaultPrice.
type Prices [productCount][]*big.Int

// DefaultPrice is the price of a product nobody priced: 1 wei per request
// and node index step, so the cheapest-node choice is deterministic.
func DefaultPrice(p Product, node int) *big.Int {
	return big.NewInt(int64(1000*(int(p)+1) + node))
}

// ParsePrices reads the --prices flag: semicolon-separated
// product=price[,price…] entries, prices as decimal wei for nodes 0, 1, …
// e.g. "sign=2000,2001,2002;signsessionkey=10".
func ParsePrices(s string) (Prices, error) {
	var ps Prices
	if strings.TrimSpace(s) == "" {
		return ps, nil
	}
	for _, entry := range strings.Split(s, ";") {
		name, list, ok := strings.Cut(strings.TrimSpace(entry), "=")
		if !ok {
			return ps, fmt.Errorf("devnet: prices entry %q is not product=price[,price…]; e.g. sign=2000,2001,2002", entry)
		}
		p, ok := node.ProductByName(strings.TrimSpace(name))
		if !ok {
			var names []string
			for q := Product(0); q < productCount; q++ {
				names = append(names, q.String())
			}
			return ps, fmt.Errorf("devnet: prices: unknown product %q; use one of %s", name, strings.Join(names, ", "))
		}
		if ps[p] != nil {
			return ps, fmt.Errorf("devnet: prices: %s is priced twice", p)
		}
		for _, v := range strings.Split(list, ",") {
			w, ok := new(big.Int).SetString(strings.TrimSpace(v), 10)
			if !ok || w.Sign() < 0 || w.BitLen() > 128 {
				return ps, fmt.Errorf("devnet: prices: %s price %q is not a whole number of wei below 2^128", p, v)
			}
			ps[p] = append(ps[p], w)
		}
	}
	return ps, nil
}

// Price returns node i's price for product p.
func (ps Prices) Price(p Product, i int) *big.Int {
	l := ps[p]
	switch {
	case len(l) == 0:
		return DefaultPrice(p, i)
	case i < len(l):
		return new(big.Int).Set(l[i])
	default:
		return new(big.Int).Set(l[len(l)-1])
	}
}

// Price returns this node's price for product p on a naga devnet.
func (n *Node) Price(p Product) *big.Int {
	if v, ok := n.prices[p]; ok {
		return new(big.Int).Set(v)
	}
	return n.network.prices.Price(p, n.Index)
}

// NagaError is a refused naga request. The node answers Status with the
// sealed body {"ok":false,"error":Msg,"errorObject":Details,"data":null}.
type NagaError struct {
	Status  int
	Msg     string // what is wrong, for the client's error message
	Details string // more about it (errorObject); may be empty
}

func (e *NagaError) Error() string {
	if e.Details == "" {
		return e.Msg
	}
	return e.Msg + ": " + e.Details
}

// nagaBad is a 400 NagaError.
func nagaBad(format string, args ...any) *NagaError {
	return &NagaError{Status: http.StatusBadRequest, Msg: fmt.Sprintf(format, args...)}
}

// NagaHandler answers the decrypted JSON body of one /v2 request with the
// data object of {"ok":true,"error":null,"errorObject":null,"data":…}, or
// refuses it. The E2EE layer opens the request and seals the answer.
type NagaHandler func(n *Node, r *http.Request, body []byte) (data any, err *NagaError)
