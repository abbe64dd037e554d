package devnet

import (
	"strings"
	"testing"
)

func TestParsePrices(t *testing.T) {
	ps, err := ParsePrices("sign=2000,2001,2002; SignSessionKey=10")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p    Product
		node int
		want string
	}{
		{ProductSign, 0, "2000"}, {ProductSign, 2, "2002"}, {ProductSign, 5, "2002"},
		{ProductSignSessionKey, 1, "10"}, {ProductLitAction, 1, DefaultPrice(ProductLitAction, 1).String()},
	} {
		if got := ps.Price(c.p, c.node).String(); got != c.want {
			t.Errorf("%s node %d: %s, want %s", c.p, c.node, got, c.want)
		}
	}
	for in, want := range map[string]string{
		"sign":                            "not product=price",
		"gas=1":                           "unknown product",
		"sign=1;sign=2":                   "priced twice",
		"sign=-1":                         "not a whole number",
		"sign=0x10":                       "not a whole number",
		"sign=" + strings.Repeat("9", 40): "below 2^128",
	} {
		if _, err := ParsePrices(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error containing %q", in, err, want)
		}
	}
	if _, err := Start(t.Context(), Config{Network: NetworkNaga, Nodes: 2}); err == nil || !strings.Contains(err.Error(), "at least 3 nodes") {
		t.Errorf("a 2-node naga network: %v", err)
	}
	if _, err := Start(t.Context(), Config{Network: "mainnet"}); err == nil || !strings.Contains(err.Error(), "not a protocol generation") {
		t.Errorf("an unknown generation: %v", err)
	}
}
