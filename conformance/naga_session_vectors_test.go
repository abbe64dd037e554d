package conformance

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
)

// nagaSessionVectors is core/session/testdata/naga-session-sigs.json, made
// by testdata/oracle-naga/gen-session-vectors.mjs with the official v8
// issueSessionFromContext.
type nagaSessionVectors struct {
	Now            string `json:"now"`
	SessionKeyPair struct {
		PublicKey string `json:"publicKey"`
		SecretKey string `json:"secretKey"`
	} `json:"sessionKeyPair"`
	WalletKey        string `json:"walletKey"`
	Nonce            string `json:"nonce"`
	Expiration       string `json:"expiration"`
	NetworkPublicKey string `json:"networkPublicKey"`
	Threshold        int    `json:"threshold"`
	NodePrices       []struct {
		URL    string   `json:"url"`
		Prices []string `json:"prices"`
	} `json:"nodePrices"`
	Cases []struct {
		Name         string `json:"name"`
		Kind         string `json:"kind"`
		Product      string `json:"product"`
		UserMaxPrice string `json:"userMaxPrice"`
		Resources    []struct {
			Resource string `json:"resource"`
			Ability  string `json:"ability"`
		} `json:"resources"`
		PKPPublicKey      string          `json:"pkpPublicKey"`
		DelegationAuthSig authsig.AuthSig `json:"delegationAuthSig"`
		SessionSigs       json.RawMessage `json:"sessionSigs"`
	} `json:"cases"`
}

// vectorNetwork is the network of the vectors: its nodes, their prices
// and threshold, as the v8 client sees them after a handshake.
type vectorNetwork struct {
	v *nagaSessionVectors
}

func (n vectorNetwork) ConnectedNodes() []string {
	var out []string
	for _, p := range n.v.NodePrices {
		out = append(out, p.URL)
	}
	return out
}

func (n vectorNetwork) LatestBlockhash(context.Context) (string, error) { return n.v.Nonce, nil }

func (n vectorNetwork) NetworkPublicKey() string { return n.v.NetworkPublicKey }

// SessionNodes picks the threshold cheapest nodes for the operation's
// product, ties in feed order, and prices them with node.MaxPrices.
func (n vectorNetwork) SessionNodes(_ context.Context, operation string, budget *big.Int) ([]string, map[string]*big.Int, error) {
	product, ok := node.EndpointProduct(node.Endpoint(operation))
	if !ok {
		product, _ = node.EndpointProduct(node.EndpointLitAction)
	}
	var choices []node.Choice
	for _, p := range n.v.NodePrices {
		price, _ := new(big.Int).SetString(p.Prices[product], 10)
		choices = append(choices, node.Choice{URL: p.URL, Price: price})
	}
	sort.SliceStable(choices, func(i, j int) bool { return choices[i].Price.Cmp(choices[j].Price) < 0 })
	choices = choices[:n.v.Threshold]
	prices, err := node.MaxPrices(choices, budget)
	if err != nil {
		return nil, nil, err
	}
	urls := make([]string, len(choices))
	for i, c := range choices {
		urls[i] = c.URL
	}
	return urls, prices, nil
}

// nagaOperation maps a v8 product to the operation that prices it.
var nagaOperation = map[string]string{
	"SIGN":             string(node.EndpointPKPSign),
	"LIT_ACTION":       string(node.EndpointLitAction),
	"SIGN_SESSION_KEY": string(node.EndpointSignSessionKey),
}

// TestConformanceNagaSessionSigs rebuilds the official v8 client's naga
// session signatures from the same inputs (session key, wallet, clock,
// nodes, prices, budget) and requires the same nodes in the same order,
// each with the same signed bytes and the same Ed25519 signature: EOA
// session signatures from session.Engine, and PKP ones from a
// pre-generated delegation with core/delegation.
func TestConformanceNagaSessionSigs(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "core", "session", "testdata", "naga-session-sigs.json"))
	if err != nil {
		t.Fatalf("%v (make conformance regenerates it)", err)
	}
	var v nagaSessionVectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Cases) < 4 {
		t.Fatalf("%d cases, want at least 4", len(v.Cases))
	}
	now, err := time.Parse(time.RFC3339Nano, v.Now)
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return now }
	seed, err := hex.DecodeString(v.SessionKeyPair.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	key, err := sessionkey.FromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	if key.PublicKeyHex() != v.SessionKeyPair.PublicKey {
		t.Fatalf("session public key %s, v8 has %s", key.PublicKeyHex(), v.SessionKeyPair.PublicKey)
	}
	nw := vectorNetwork{&v}
	ctx := context.Background()

	for _, c := range v.Cases {
		t.Run(c.Name, func(t *testing.T) {
			var budget *big.Int
			if c.UserMaxPrice != "" {
				budget, _ = new(big.Int).SetString(c.UserMaxPrice, 10)
			}
			op, ok := nagaOperation[c.Product]
			if !ok {
				t.Fatalf("unknown product %q", c.Product)
			}
			var got *session.SessionSigs
			switch c.Kind {
			case "eoa":
				wallet, err := authsig.NewKeySigner(v.WalletKey)
				if err != nil {
					t.Fatal(err)
				}
				var reqs []resource.Request
				for _, r := range c.Resources {
					res, err := resource.ParseKey(r.Resource)
					if err != nil {
						t.Fatal(err)
					}
					reqs = append(reqs, resource.Request{Resource: res, Ability: resource.Ability(r.Ability)})
				}
				eng := &session.Engine{Network: nw, Wallet: wallet, Now: clock}
				got, _, err = eng.GetSessionSigs(ctx, session.Params{
					Operation: op, MaxPrice: budget, ResourceAbilityRequests: reqs,
					Expiration: v.Expiration, SessionKey: key,
				})
				if err != nil {
					t.Fatal(err)
				}
			case "pkp-pregenerated":
				env := envelope.Envelope{PKPPublicKey: c.PKPPublicKey, SessionKeyPair: key, DelegationAuthSig: c.DelegationAuthSig}
				ac, err := delegation.CreatePkpAuthContextFromPreGenerated(env, v.NetworkPublicKey, now)
				if err != nil {
					t.Fatal(err)
				}
				exp, err := siwe.ParseTime("expiration", ac.AuthConfig.Expiration)
				if err != nil {
					t.Fatal(err)
				}
				// v8 signs until the delegation's expiry.
				got, err = delegation.CreatePkpSessionSigs(ctx, nw, ac, delegation.SessionSigsParams{
					Now: clock, Operation: op, MaxPrice: budget, Expiration: exp,
				})
				if err != nil {
					t.Fatal(err)
				}
			default:
				t.Fatalf("unknown kind %q", c.Kind)
			}
			compareSessionSigs(t, got, c.SessionSigs)
		})
	}
}

// compareSessionSigs requires got to equal v8's session signatures want:
// the same nodes in the same order, every member byte for byte.
func compareSessionSigs(t *testing.T, got *session.SessionSigs, want json.RawMessage) {
	t.Helper()
	wv, err := jsjson.Parse(want)
	if err != nil {
		t.Fatal(err)
	}
	members, _ := wv.Members()
	var wantNodes []string
	for _, m := range members {
		wantNodes = append(wantNodes, m.Key)
	}
	if !slices.Equal(got.Nodes(), wantNodes) {
		t.Fatalf("nodes %v, v8 signs for %v", got.Nodes(), wantNodes)
	}
	for _, m := range members {
		w, err := authsig.FromJSON(m.Value)
		if err != nil {
			t.Fatal(err)
		}
		g, _ := got.Get(m.Key)
		if g.SignedMessage != w.SignedMessage {
			t.Errorf("%s: signed message differs from byte %d\n ours: %s\n v8:   %s", m.Key, firstDiff(g.SignedMessage, w.SignedMessage),
				g.SignedMessage, w.SignedMessage)
			continue
		}
		if g != w {
			t.Errorf("%s: session signature differs\n ours: %+v\n v8:   %+v", m.Key, g, w)
		}
	}
	// The whole object, as JSON.stringify writes it.
	gb, err := got.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var wb bytes.Buffer
	if err := json.Compact(&wb, want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gb, wb.Bytes()) {
		t.Errorf("session signatures JSON differs\n ours: %s\n v8:   %s", gb, wb.Bytes())
	}
}

// firstDiff returns the offset of the first byte where a and b differ.
func firstDiff(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}
