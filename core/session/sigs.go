package session

import (
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"math/big"
	"slices"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
)

// Template is what a session signature signs, apart from the session key
// and the node. For each node, the signed message is JSON.stringify of
//
//	{"sessionKey":"<64 hex>","resourceAbilityRequests":[…],"capabilities":[…],
//	 "issuedAt":"<ISO>","expiration":"<ISO>","nodeAddress":"<node URL>"}
//
// with the keys in that order (docs/protocol.md#session-signature-template).
type Template struct {
	// ResourceAbilityRequests are serialized as the official v7
	// {"resource":{"resource","resourcePrefix"},"ability"[,"data"]}, or on
	// naga (MaxPrices set) as v8's
	// {"resource":{"resourcePrefix","resource"},"ability"[,"data"]}.
	ResourceAbilityRequests []resource.Request
	// Capabilities are the delegations, the wallet or PKP AuthSig last.
	Capabilities []authsig.AuthSig
	// IssuedAt and Expiration are ISO-8601 times, copied verbatim.
	IssuedAt, Expiration string
	// MaxPrices, when set, makes this a naga template: it gives each
	// node's maxPrice in wei, written last as "maxPrice":"0x<lowercase
	// hex>", and the requests are written in v8's member order.
	MaxPrices map[string]*big.Int
}

// Message returns the bytes signed for one node: JSON.stringify of the
// template, byte-identical to the official SDK (jsjson quoting, never
// encoding/json, which escapes <, > and & and U+2028/U+2029). Nil request
// and capability lists are written as [].
func (t Template) Message(sessionKeyHex, nodeURL string) ([]byte, error) {
	var reqs, caps jsjson.Array
	for _, q := range t.ResourceAbilityRequests {
		encode := q.JSON
		if t.MaxPrices != nil {
			encode = func() ([]byte, error) { return nagaRequestJSON(q) }
		}
		b, err := encode()
		if err != nil {
			return nil, err
		}
		reqs.Raw(b)
	}
	for _, a := range t.Capabilities {
		b, err := a.MarshalJSON()
		if err != nil {
			return nil, err
		}
		caps.Raw(b)
	}
	rb, err := reqs.Bytes()
	if err != nil {
		return nil, err
	}
	cb, err := caps.Bytes()
	if err != nil {
		return nil, err
	}
	var o jsjson.Object
	o.String("sessionKey", sessionKeyHex)
	o.Raw("resourceAbilityRequests", rb)
	o.Raw("capabilities", cb)
	o.String("issuedAt", t.IssuedAt)
	o.String("expiration", t.Expiration)
	o.String("nodeAddress", nodeURL)
	if t.MaxPrices != nil {
		p := t.MaxPrices[nodeURL]
		if p == nil || p.Sign() < 0 {
			return nil, fmt.Errorf("session: no maxPrice for node %s", nodeURL)
		}
		o.String("maxPrice", "0x"+p.Text(16))
	}
	return o.Bytes()
}

// Sign signs t with the session key for every node URL, in order, giving
// entries {"sig":"<128 hex Ed25519>","derivedVia":"litSessionSignViaNacl",
// "signedMessage":…,"address":"<session public key hex>","algo":"ed25519"}.
// Repeated URLs are signed once.
func Sign(key *sessionkey.KeyPair, t Template, nodes []string) (*SessionSigs, error) {
	if key == nil {
		return nil, errors.New("session: no session key to sign with")
	}
	pub := key.PublicKeyHex()
	out := &SessionSigs{sigs: make(map[string]authsig.AuthSig, len(nodes))}
	for _, n := range nodes {
		if _, dup := out.sigs[n]; dup {
			continue
		}
		msg, err := t.Message(pub, n)
		if err != nil {
			return nil, fmt.Errorf("session: encoding the session signature for %s: %w", n, err)
		}
		out.add(n, authsig.AuthSig{
			Sig:           hex.EncodeToString(key.Sign(msg)),
			DerivedVia:    authsig.DerivedViaSession,
			SignedMessage: string(msg),
			Address:       pub,
			Algo:          authsig.AlgoEd25519,
		})
	}
	return out, nil
}

// SessionSigs maps node URLs to their session signatures, keeping the order
// of the connected nodes. Its JSON form is the official object
// {"<node URL>":{…AuthSig…},…} in that order.
type SessionSigs struct {
	nodes []string
	sigs  map[string]authsig.AuthSig
}

func (s *SessionSigs) add(node string, a authsig.AuthSig) {
	if s.sigs == nil {
		s.sigs = map[string]authsig.AuthSig{}
	}
	if _, ok := s.sigs[node]; !ok {
		s.nodes = append(s.nodes, node)
	}
	s.sigs[node] = a
}

// Get returns the session signature for a node URL (e.g.
// "https://192.0.2.1:443"), to send as that node's authSig.
func (s SessionSigs) Get(nodeURL string) (authsig.AuthSig, bool) {
	a, ok := s.sigs[nodeURL]
	return a, ok
}

// Nodes returns the node URLs in order.
func (s SessionSigs) Nodes() []string { return slices.Clone(s.nodes) }

// Len returns the number of nodes.
func (s SessionSigs) Len() int { return len(s.nodes) }

// All iterates over node URLs and their signatures in order.
func (s SessionSigs) All() iter.Seq2[string, authsig.AuthSig] {
	return func(yield func(string, authsig.AuthSig) bool) {
		for _, n := range s.nodes {
			if !yield(n, s.sigs[n]) {
				return
			}
		}
	}
}

// MarshalJSON writes the nodes' signatures as one object in node order.
func (s SessionSigs) MarshalJSON() ([]byte, error) {
	var o jsjson.Object
	for _, n := range s.nodes {
		b, err := s.sigs[n].MarshalJSON()
		if err != nil {
			return nil, err
		}
		o.Raw(n, b)
	}
	return o.Bytes()
}

// UnmarshalJSON reads the object form, keeping the key order.
func (s *SessionSigs) UnmarshalJSON(data []byte) error {
	v, err := jsjson.Parse(data)
	if err != nil {
		return fmt.Errorf("session: session signatures: %v", err)
	}
	members, ok := v.Members()
	if !ok {
		return errors.New("session: session signatures must be a JSON object keyed by node URL")
	}
	out := SessionSigs{sigs: make(map[string]authsig.AuthSig, len(members))}
	for _, m := range members {
		a, err := authsig.FromJSON(m.Value)
		if err != nil {
			return fmt.Errorf("session: session signature for %s: %w", m.Key, err)
		}
		out.add(m.Key, a)
	}
	*s = out
	return nil
}
