package node

import (
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/litgo/litsession/core/e2ee"
	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/jsjson"
)

// Naga is the v8 "naga" generation, the wire of the official v8 client
// (@lit-protocol/lit-client 8.3.1): the handshake answer in the
// {ok,error,errorObject,data} envelope with the node's X25519
// nodeIdentityKey, /v2 bodies end-to-end encrypted (core/e2ee) with a fresh
// client key pair per request, the staking call with realm 1, and requests
// sent to the threshold cheapest nodes for the operation's PriceFeed
// product. The epoch sent is the staking epoch number.
var Naga Generation = &naga{}

// Naga's defaults: the contract addresses of the naga devnet (every naga
// devnet uses them). Set Config.StakingAddress and Config.PriceFeedAddress
// for another naga network.
const (
	NagaStakingAddress   = "0x2251D2564960D64d6a843e35ad74C0f9ebcace59"
	NagaPriceFeedAddress = "0xe3bbC420f4eF934656A59748A78a6270c4029c8c"
	// NagaSDKVersion is the X-Lit-SDK-Version the v8 client sends on a
	// custom network.
	NagaSDKVersion = "8.0.0-custom"
	// NagaMinimumThreshold is the v8 client's smallest threshold.
	NagaMinimumThreshold = 3
)

type naga struct{}

func (*naga) Name() string           { return "naga" }
func (*naga) SDKVersion() string     { return NagaSDKVersion }
func (*naga) StakingAddress() string { return NagaStakingAddress }

// Path returns the naga endpoints: the handshake, and the /v2 routes whose
// bodies are end-to-end encrypted.
func (*naga) Path(op Endpoint) string {
	switch op {
	case EndpointHandshake:
		return HandshakePath
	case EndpointSignSessionKey:
		return "/web/sign_session_key/v2"
	case EndpointPKPSign:
		return "/web/pkp/sign/v2"
	}
	return ""
}

func (*naga) ReadValidators(ctx context.Context, ch Chain, staking common.Address) (ValidatorSet, error) {
	data, err := ch.Call(ctx, staking, NagaValidatorsCallData())
	if err != nil {
		return ValidatorSet{}, err
	}
	return DecodeNagaValidatorSet(data)
}

// EpochToSend is the staking epoch number: naga has no v7 "−1" rule.
func (*naga) EpochToSend(e Epoch, _ int64) uint64 { return e.Number }

func (*naga) HandshakeBody(challenge [32]byte, epoch uint64) []byte {
	return Datil.HandshakeBody(challenge, epoch)
}

// Threshold is the v8 client's threshold over the nodes that answered the
// handshake: max(3, floor(2·answered/3)).
func (*naga) Threshold(answered int) int {
	return max(NagaMinimumThreshold, 2*answered/3)
}

// nagaRequired are the handshake data members the v8 client requires
// (attestation may be missing).
var nagaRequired = [...]string{"serverPublicKey", "subnetPublicKey", "networkPublicKey", "networkPublicKeySet",
	"clientSdkVersion", "hdRootPubkeys", "latestBlockhash", "nodeIdentityKey", "nodeVersion", "epoch"}

// ParseHandshake reads {"ok":true,…,"data":{…}}: every member the v8
// client requires must be present, with a 32-byte nodeIdentityKey and an
// epoch number. ok false is a *NodeError with the node's message.
func (*naga) ParseHandshake(url string, resp Response) (HandshakeResponse, error) {
	data, err := openEnvelope(url, resp, resp.Body)
	if err != nil {
		return HandshakeResponse{}, err
	}
	v, _ := jsjson.Parse(data)
	for _, name := range nagaRequired {
		if m := v.Get(name); !m.Exists() || m.IsNull() {
			return HandshakeResponse{}, errorf("naga handshake answer has no %s; the node does not speak naga (v8)", name)
		}
	}
	if _, ok := v.Get("clientSdkVersion").Str(); !ok {
		return HandshakeResponse{}, errorf("naga handshake field clientSdkVersion is not a string")
	}
	if _, ok := v.Get("epoch").Uint64(); !ok {
		return HandshakeResponse{}, errorf("naga handshake field epoch is not a whole number")
	}
	h, err := ParseHandshakeResponse(data)
	if err != nil {
		return HandshakeResponse{}, err
	}
	key, _ := v.Get("nodeIdentityKey").Str()
	if _, err := identityKey(key); err != nil {
		return HandshakeResponse{}, err
	}
	h.NodeIdentityKey = strings.ToLower(key)
	if h.LatestBlockhash == "" {
		return HandshakeResponse{}, errorf("naga handshake answer has no latestBlockhash")
	}
	return h, nil
}

// identityKey decodes a nodeIdentityKey: 32 bytes of hex.
func identityKey(s string) ([e2ee.KeySize]byte, error) {
	var k [e2ee.KeySize]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != e2ee.KeySize {
		return k, errorf("naga handshake field nodeIdentityKey %q is not 32 bytes of hex (the node's X25519 key)", sanitize(s, 80))
	}
	copy(k[:], b)
	return k, nil
}

// openEnvelope reads a naga answer {"ok","error","errorObject","data"}
// from body (resp carries the status): the data member's JSON on ok true
// with a 2xx status, else a *NodeError with the node's message.
func openEnvelope(url string, resp Response, body []byte) ([]byte, error) {
	v, err := jsjson.Parse(body)
	if _, isObj := v.Members(); err != nil || !isObj {
		if !ok2xx(resp.Status) {
			return nil, parseNodeError(url, Response{Status: resp.Status, Body: body})
		}
		return nil, &errcode.Error{Code: errcode.NodeError, Msg: fmt.Sprintf("lit node %s answered HTTP %d with a body that is not a JSON object", url, resp.Status)}
	}
	okv, isBool := v.Get("ok").Boolean()
	if !isBool {
		if !ok2xx(resp.Status) {
			// A plain Lit JSON error: the node could not open the request.
			return nil, parseNodeError(url, Response{Status: resp.Status, Body: body})
		}
		return nil, &errcode.Error{Code: errcode.NodeError, Msg: fmt.Sprintf("lit node %s answered without the naga envelope (no boolean ok); it does not speak naga (v8)", url)}
	}
	if !okv || !ok2xx(resp.Status) {
		e := &NodeError{URL: url, HTTPStatus: resp.Status, Status: resp.Status}
		if s, ok := v.Get("error").Str(); ok {
			e.Message = sanitize(s, 300)
		}
		if s, ok := v.Get("errorObject").Str(); ok {
			e.Code = sanitize(s, 300)
		}
		if e.Message == "" {
			e.Message = "the node refused the request without a message"
		}
		return nil, e
	}
	data := v.Get("data")
	if !data.Exists() || data.IsNull() {
		return nil, &errcode.Error{Code: errcode.NodeError, Msg: fmt.Sprintf("lit node %s answered ok without data", url)}
	}
	return data.MarshalJSON()
}

// anyAge opens answers whatever their created_at: each request has a
// fresh key pair, so an answer that opens answers this request.
var anyAge = e2ee.Freshness{MaxAge: math.MaxInt64, MaxSkew: math.MaxInt64}

// Seal adds "epoch" to body, seals it to the node's nodeIdentityKey with a
// fresh key pair, and wraps it as {"version":"1","payload":{…},"epoch":N}.
// The Opener opens the sealed answer (or reads a plain error) and returns
// its data member.
func (*naga) Seal(peer Peer, body []byte, epoch uint64) ([]byte, Opener, error) {
	msg, err := appendEpoch(body, epoch)
	if err != nil {
		return nil, nil, err
	}
	nodeKey, err := identityKey(peer.Handshake.NodeIdentityKey)
	if err != nil {
		return nil, nil, err
	}
	kp, err := e2ee.GenerateKeyPair()
	if err != nil {
		return nil, nil, err
	}
	ch, err := e2ee.NewChannel(kp, nodeKey)
	if err != nil {
		return nil, nil, errorf("the node's nodeIdentityKey is unusable: %w", err)
	}
	random, err := e2ee.NewRandom()
	if err != nil {
		return nil, nil, err
	}
	p, err := ch.Seal(msg, random, time.Now())
	if err != nil {
		return nil, nil, err
	}
	open := func(resp Response) ([]byte, error) {
		sealed, err := e2ee.ParseResponse(resp.Body)
		if err != nil {
			if !ok2xx(resp.Status) {
				return resp.Body, parseNodeError(peer.URL, resp)
			}
			return resp.Body, &errcode.Error{Code: errcode.NodeError, Msg: fmt.Sprintf("lit node %s answered HTTP %d with a body that is not a sealed naga answer: %v", peer.URL, resp.Status, err)}
		}
		plain, err := ch.Open(sealed, anyAge)
		if err != nil {
			return resp.Body, &errcode.Error{Code: errcode.NodeError, Msg: fmt.Sprintf("lit node %s: its answer does not open: %v", peer.URL, err), Err: err}
		}
		data, err := openEnvelope(peer.URL, resp, plain)
		if err != nil {
			return plain, err
		}
		return data, nil
	}
	return e2ee.Request{Payload: p, Epoch: epoch}.JSON(), open, nil
}

// Select reads the PriceFeed and returns the need cheapest connected
// nodes for op's product, cheapest first (ties in validator order), each
// with its price.
func (*naga) Select(ctx context.Context, ch Chain, op Endpoint, peers []Peer, need int) ([]Choice, error) {
	product, ok := EndpointProduct(op)
	if !ok {
		return nil, &errcode.Error{Code: errcode.InvalidParams, Msg: fmt.Sprintf("node: the naga protocol has no price for %q", op)}
	}
	addr := common.HexToAddress(NagaPriceFeedAddress)
	if pf, ok := ch.(interface{ PriceFeed() common.Address }); ok {
		addr = pf.PriceFeed()
	}
	read := func(ctx context.Context) (NodesForRequest, error) {
		data, err := ch.Call(ctx, addr, NodesForRequestCallData())
		if err != nil {
			return NodesForRequest{}, err
		}
		r, err := DecodeNodesForRequest(data)
		if err != nil {
			return NodesForRequest{}, errorf("%w (PriceFeed %s)", err, addr.Hex())
		}
		return r, nil
	}
	var r NodesForRequest
	var err error
	if m, ok := ctx.Value(sharedPricesKey{}).(*sharedPrices); ok {
		r, err = m.get(ctx, read)
	} else {
		r, err = read(ctx)
	}
	if err != nil {
		return nil, err
	}
	return cheapest(r, product, peers, need)
}

// SharePrices returns a context under which naga requests read the
// PriceFeed once and share the answer: the requests of one operation, such
// as session signatures and the pkpSign made with them, then go to the
// nodes chosen at the same prices, and the chain is asked once. Without
// it every request reads the prices.
func SharePrices(ctx context.Context) context.Context {
	return context.WithValue(ctx, sharedPricesKey{}, &sharedPrices{})
}

type sharedPricesKey struct{}

// sharedPrices is the first successful PriceFeed read under a SharePrices
// context.
type sharedPrices struct {
	mu   sync.Mutex
	r    NodesForRequest
	read bool
}

func (m *sharedPrices) get(ctx context.Context, read func(context.Context) (NodesForRequest, error)) (NodesForRequest, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.read {
		return m.r, nil
	}
	r, err := read(ctx)
	if err != nil {
		return NodesForRequest{}, err
	}
	m.r, m.read = r, true
	return r, nil
}
