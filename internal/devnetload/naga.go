package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/e2ee"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/devnet"
)

// nagaMaxPrice is the maxPrice of the naga session signatures: U128::MAX,
// the v8 client's default, as "0x" + hex.
const nagaMaxPrice = "0xffffffffffffffffffffffffffffffff"

// InProcessNaga describes a naga devnet started by this process. The nodes'
// identity keys are read from their handshakes, as a client learns them.
func InProcessNaga(ctx context.Context, n *devnet.Network, c *http.Client) (Network, error) {
	nw := Network{
		NodeURLs: n.NodeURLs, Epoch: n.Epoch(), NetworkPublicKey: n.NetworkPublicKey, Naga: true,
		Blockhash: func(context.Context) (string, error) { return n.Chain.Latest().Hash.Hex(), nil },
	}
	for _, u := range n.NodeURLs {
		h, err := nagaHandshake(ctx, c, u, nw.Epoch)
		if err != nil {
			return Network{}, fmt.Errorf("naga handshake with %s: %w", u, err)
		}
		key, err := parseIdentityKey(h.NodeIdentityKey)
		if err != nil {
			return Network{}, fmt.Errorf("%s: %w", u, err)
		}
		nw.IdentityKeys = append(nw.IdentityKeys, key)
	}
	return nw, nil
}

// nagaHandshakeData is what the kinds read of a naga handshake answer.
type nagaHandshakeData struct {
	NetworkPublicKey string `json:"networkPublicKey"`
	LatestBlockhash  string `json:"latestBlockhash"`
	NodeIdentityKey  string `json:"nodeIdentityKey"`
	Epoch            uint64 `json:"epoch"`
}

// nagaHandshakeBody is the v8 client's handshake body.
func nagaHandshakeBody(epoch uint64) []byte {
	return node.HandshakeRequest{ClientPublicKey: "test", Challenge: strings.Repeat("ab", 32), Epoch: epoch}.JSON()
}

// parseNagaHandshake reads a naga handshake answer:
// {"ok":true,"error":null,"errorObject":null,"data":{…}}.
func parseNagaHandshake(b []byte) (nagaHandshakeData, error) {
	var env struct {
		OK    bool               `json:"ok"`
		Error *string            `json:"error"`
		Data  *nagaHandshakeData `json:"data"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return nagaHandshakeData{}, fmt.Errorf("naga handshake answer is not JSON: %v: %s", err, snippet(b))
	}
	if !env.OK || env.Data == nil {
		return nagaHandshakeData{}, fmt.Errorf("naga handshake answered ok=%v: %s", env.OK, snippet(b))
	}
	return *env.Data, nil
}

func nagaHandshake(ctx context.Context, c *http.Client, u string, epoch uint64) (nagaHandshakeData, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u+node.HandshakePath, bytes.NewReader(nagaHandshakeBody(epoch)))
	if err != nil {
		return nagaHandshakeData{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nagaHandshakeData{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return nagaHandshakeData{}, err
	}
	return parseNagaHandshake(b)
}

func parseIdentityKey(s string) ([e2ee.KeySize]byte, error) {
	var key [e2ee.KeySize]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != e2ee.KeySize {
		return key, fmt.Errorf("nodeIdentityKey %q is not 64 hex digits", s)
	}
	copy(key[:], b)
	return key, nil
}

// nagaHandshakeRequests: POST /web/handshake/ to each node, as the v8
// client sends it. The answer must be the {ok,…,data} envelope with a
// blockhash, the node's identity key and the network key.
func nagaHandshakeRequests(nw Network) []Request {
	body := nagaHandshakeBody(nw.Epoch)
	var out []Request
	for i, u := range nw.NodeURLs {
		want := hex.EncodeToString(nw.IdentityKeys[i][:])
		out = append(out, Request{URL: u + node.HandshakePath, Body: body, Check: func(b []byte) error {
			h, err := parseNagaHandshake(b)
			switch {
			case err != nil:
				return err
			case h.LatestBlockhash == "":
				return errors.New("naga handshake answer without latestBlockhash")
			case h.NodeIdentityKey != want:
				return fmt.Errorf("naga handshake answer with nodeIdentityKey %q, want %q", h.NodeIdentityKey, want)
			case h.NetworkPublicKey != nw.NetworkPublicKey:
				return fmt.Errorf("naga handshake answer with networkPublicKey %q, want %q", h.NetworkPublicKey, nw.NetworkPublicKey)
			}
			return nil
		}})
	}
	return out
}

// nagaPKPSignRequests: POST /web/pkp/sign/v2 to each node, as the v8
// client's chain.ethereum.pkpSign sends it: the body (with that node's
// session signature of one PKP session, maxPrice U128::MAX, and every node
// in nodeSet) sealed to the node's identity key with a fresh client key
// pair, fresh random bytes and the current time for every request, and a
// fresh X-Request-Id. The answer must open with that key pair and be
// {"ok":true,…} with a signature share of the digest.
func nagaPKPSignRequests(ctx context.Context, nw Network) ([]Request, error) {
	s, err := newPKPSession(ctx, nw)
	if err != nil {
		return nil, err
	}
	type nodeEntry struct {
		SocketAddress string `json:"socketAddress"`
		Value         int    `json:"value"`
	}
	var nodeSet []nodeEntry
	for _, u := range nw.NodeURLs {
		pu, err := url.Parse(u)
		if err != nil {
			return nil, err
		}
		nodeSet = append(nodeSet, nodeEntry{net.JoinHostPort(pu.Hostname(), pu.Port()), 1})
	}
	toSign, digest := loadDigest()
	var out []Request
	for i, u := range nw.NodeURLs {
		sig, err := withMaxPrice(s.sigs[u], s.key, nagaMaxPrice)
		if err != nil {
			return nil, err
		}
		plain, err := json.Marshal(struct {
			ToSign        []int           `json:"toSign"`
			SigningScheme string          `json:"signingScheme"`
			Pubkey        string          `json:"pubkey"`
			AuthSig       authsig.AuthSig `json:"authSig"`
			NodeSet       []nodeEntry     `json:"nodeSet"`
			Epoch         uint64          `json:"epoch"`
			AuthMethods   []any           `json:"authMethods"`
			KeySetID      string          `json:"keySetId"`
		}{toSign, devnet.NagaSigningScheme, nw.PKP.PublicKey, sig, nodeSet, nw.Epoch, []any{}, devnet.NagaKeySetID})
		if err != nil {
			return nil, err
		}
		nodeKey := nw.IdentityKeys[i]
		out = append(out, Request{URL: u + devnet.NagaPKPSignPath, Build: func() (Prepared, error) {
			body, ch, err := sealRequest(plain, nodeKey, nw.Epoch)
			if err != nil {
				return Prepared{}, err
			}
			check := func(b []byte) error {
				data, err := openAnswer(b, ch)
				if err != nil {
					return err
				}
				var a struct {
					Success        bool `json:"success"`
					SignatureShare struct {
						EcdsaSignedMessageShare struct {
							Digest         string `json:"digest"`
							SignatureShare string `json:"signature_share"`
						} `json:"EcdsaSignedMessageShare"`
					} `json:"signatureShare"`
				}
				if err := json.Unmarshal(data, &a); err != nil {
					return fmt.Errorf("pkp/sign/v2 data is not a signature share: %v", err)
				}
				sh := a.SignatureShare.EcdsaSignedMessageShare
				return checkShare(a.Success, sh.Digest, sh.SignatureShare, digest)
			}
			explain := func(b []byte) string {
				if _, err := openAnswer(b, ch); err != nil && errors.Is(err, errRefused) {
					return "sealed " + err.Error()
				}
				return snippet(b)
			}
			return Prepared{Body: body, Header: http.Header{"X-Request-Id": {newRequestID()}}, Check: check, Explain: explain}, nil
		}})
	}
	return out, nil
}

// sealRequest seals plain to a node's identity key as the v8 client does:
// a fresh key pair, fresh random bytes, created_at now. It returns the
// request body and the channel that opens the answer.
func sealRequest(plain []byte, nodeKey [e2ee.KeySize]byte, epoch uint64) ([]byte, *e2ee.Channel, error) {
	kp, err := e2ee.GenerateKeyPair()
	if err != nil {
		return nil, nil, err
	}
	ch, err := e2ee.NewChannel(kp, nodeKey)
	if err != nil {
		return nil, nil, err
	}
	random, err := e2ee.NewRandom()
	if err != nil {
		return nil, nil, err
	}
	p, err := ch.Seal(plain, random, time.Now())
	if err != nil {
		return nil, nil, err
	}
	return e2ee.Request{Payload: p, Epoch: epoch}.JSON(), ch, nil
}

// errRefused is an opened answer {"ok":false,…}.
var errRefused = errors.New("ok:false")

// openAnswer opens a sealed answer with the request's channel and returns
// the data of {"ok":true,"error":null,"errorObject":null,"data":…}.
func openAnswer(b []byte, ch *e2ee.Channel) (json.RawMessage, error) {
	p, err := e2ee.ParseResponse(b)
	if err != nil {
		return nil, fmt.Errorf("the answer is not a sealed payload: %v: %s", err, snippet(b))
	}
	plain, err := ch.Open(p, e2ee.Freshness{})
	if err != nil {
		return nil, fmt.Errorf("the sealed answer does not open: %v", err)
	}
	var env struct {
		OK    bool            `json:"ok"`
		Error *string         `json:"error"`
		Data  json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(plain, &env); err != nil {
		return nil, fmt.Errorf("the opened answer is not JSON: %v", err)
	}
	if !env.OK {
		msg := ""
		if env.Error != nil {
			msg = *env.Error
		}
		return nil, fmt.Errorf("%w: %s", errRefused, msg)
	}
	return env.Data, nil
}
