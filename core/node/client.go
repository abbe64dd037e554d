package node

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/litgo/litsession/core/errcode"
)

// Client talks to the nodes of one Lit network. Create it with [New], then
// call [Client.Connect]. A Client is safe for concurrent use.
type Client struct {
	cfg          Config
	gen          Generation // cfg.Generation, never nil
	stakingMode  bool
	stakingAddr  common.Address
	priceFeed    common.Address
	bootstrap    []string
	blockhashURL string
	refreshMu    sync.Mutex // serializes blockhash refreshes
	mu           sync.Mutex // guards st and its blockhash fields
	st           *state     // nil until Connect succeeds
}

var errNotConnected = &errcode.Error{Code: errcode.NotConnected, Msg: "node: client is not connected; call Connect first"}

// state is what a successful Connect learned.
type state struct {
	validators          []string // all node URLs, validator order
	connected           []string // those that answered, validator order
	peers               []Peer   // the connected nodes with their answers
	minNodeCount        int
	epoch               Epoch  // staking mode
	fixedEpoch          uint64 // bootstrap mode
	combined                   // latestBlockhash is the cached blockhash, guarded by Client.mu
	blockhashFetched    time.Time
	blockhashValidUntil time.Time
}

// Connect discovers the validators (unless BootstrapURLs are configured) and
// handshakes with all of them in parallel. It succeeds when at least
// MinNodeCount nodes answer; the others are left out of ConnectedNodes.
// Calling Connect again refreshes everything.
//
// Errors: *NodesUnreachableError when no node answered, *NotEnoughNodesError
// when too few did, *RPCError when the chain endpoint rejected the staking
// call, or an error describing malformed data.
func (c *Client) Connect(ctx context.Context) error {
	st := &state{}
	if c.stakingMode {
		set, err := c.discover(ctx)
		if err != nil {
			return err
		}
		urls, err := set.URLs()
		if err != nil {
			return errorf("%w (staking contract %s via %s)", err, c.stakingAddr.Hex(), c.cfg.RPCURL)
		}
		st.validators = urls
		st.minNodeCount = int(set.MinNodeCount)
		st.epoch = set.Epoch
	} else {
		st.validators = slices.Clone(c.bootstrap)
		st.minNodeCount = c.cfg.MinNodeCount
		st.fixedEpoch = c.cfg.Epoch
	}
	need := st.minNodeCount
	t, answeredRule := c.gen.(thresholdRule)
	if answeredRule {
		// The threshold counts the nodes that answer: the handshake needs
		// the rule's minimum (and a configured count), the requests the
		// rule applied to the answers.
		need = t.Threshold(0)
		if !c.stakingMode {
			need = max(need, c.cfg.MinNodeCount)
		}
	}
	peers, err := c.handshake(ctx, st.validators, need, st.epochNumber(c.gen, c.cfg.Now()))
	if err != nil {
		return err
	}
	if answeredRule {
		st.minNodeCount = t.Threshold(len(peers))
		if !c.stakingMode {
			st.minNodeCount = max(st.minNodeCount, c.cfg.MinNodeCount)
		}
	}
	st.peers = peers
	for _, p := range peers {
		st.connected = append(st.connected, p.URL)
	}
	st.combined = combine(peers)
	if st.latestBlockhash == "" {
		return &errcode.Error{Code: errcode.NodeError, Msg: fmt.Sprintf("node: latestBlockhash is not available: none of the %d nodes that answered the handshake sent one; the nodes are misconfigured or not Lit nodes", len(peers))}
	}
	if !c.stakingMode && st.fixedEpoch == 0 {
		st.fixedEpoch = st.combined.epoch
	}
	now := c.cfg.Now()
	st.blockhashFetched, st.blockhashValidUntil = now, now.Add(BlockhashMaxAge)
	c.mu.Lock()
	c.st = st
	c.mu.Unlock()
	return nil
}

// thresholdRule is a Generation whose threshold depends on how many nodes
// answered the handshake (naga: max(3, floor(2n/3))), not on the staking
// contract's minNodeCount. Threshold(0) is the least number of answers
// that connects.
type thresholdRule interface {
	Threshold(answered int) int
}

// epochNumber is the epoch number to send at now: the configured or
// handshake epoch in bootstrap mode, else the generation's rule applied to
// the staking epoch.
func (st *state) epochNumber(gen Generation, now time.Time) uint64 {
	if st.fixedEpoch != 0 || st.epoch == (Epoch{}) {
		return st.fixedEpoch
	}
	return gen.EpochToSend(st.epoch, now.Unix())
}

// handshake sends the generation's handshake to urls and returns the nodes
// that answered validly, in order, with their answers. It fails when fewer
// than need did.
func (c *Client) handshake(ctx context.Context, urls []string, need int, epoch uint64) ([]Peer, error) {
	bodies := make([][]byte, len(urls))
	for i := range urls {
		var challenge [32]byte
		rand.Read(challenge[:])
		bodies[i] = c.gen.HandshakeBody(challenge, epoch)
	}
	results := c.round(ctx, c.gen.Path(EndpointHandshake), urls, bodies, newRequestID())
	var (
		peers  []Peer
		failed = map[string]error{}
	)
	for i, r := range results {
		if r.err != nil {
			failed[urls[i]] = r.err
			continue
		}
		h, err := c.gen.ParseHandshake(urls[i], r.resp)
		if err != nil {
			failed[urls[i]] = err
			continue
		}
		peers = append(peers, Peer{URL: urls[i], Handshake: h})
	}
	if err := quorumError(string(EndpointHandshake), len(urls), len(peers), need, failed); err != nil {
		return nil, err
	}
	return peers, nil
}

// SelectNodes returns the connected nodes that one request of op goes to,
// as the generation chooses them ([Generation.Select]), with their prices.
// Datil chooses every connected node, without prices.
func (c *Client) SelectNodes(ctx context.Context, op Endpoint) ([]Choice, error) {
	st, err := c.state()
	if err != nil {
		return nil, err
	}
	return c.gen.Select(ctx, (*rpcChain)(c), op, slices.Clone(st.peers), st.minNodeCount)
}

// Generation returns the protocol generation the client speaks.
func (c *Client) Generation() Generation { return c.gen }

func (c *Client) state() (*state, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.st == nil {
		return nil, errNotConnected
	}
	return c.st, nil
}

// Connected reports whether Connect has succeeded.
func (c *Client) Connected() bool {
	_, err := c.state()
	return err == nil
}

// ConnectedNodes returns the URLs of the nodes that answered the last
// handshake, in validator order. These exact strings are the keys of session
// signatures and their nodeAddress. Nil before Connect.
func (c *Client) ConnectedNodes() []string {
	st, err := c.state()
	if err != nil {
		return nil
	}
	return slices.Clone(st.connected)
}

// ValidatorURLs returns all validator URLs, answering or not, in order.
func (c *Client) ValidatorURLs() []string {
	st, err := c.state()
	if err != nil {
		return nil
	}
	return slices.Clone(st.validators)
}

// MinNodeCount returns the number of nodes that must answer each request
// (the network threshold); 0 before Connect.
func (c *Client) MinNodeCount() int {
	st, err := c.state()
	if err != nil {
		return 0
	}
	return st.minNodeCount
}

// Epoch returns the epoch number to send to nodes now (see [EpochToSend]);
// 0 before Connect or when unknown.
func (c *Client) Epoch() uint64 {
	st, err := c.state()
	if err != nil {
		return 0
	}
	return st.epochNumber(c.gen, c.cfg.Now())
}

// NetworkPublicKey returns the network's BLS12-381 G1 public key (48-byte
// compressed, hex without 0x) that verifies LIT_BLS signatures; "" before
// Connect or when no node sent one.
func (c *Client) NetworkPublicKey() string {
	st, err := c.state()
	if err != nil {
		return ""
	}
	return st.networkPublicKey
}

// SubnetPublicKey returns the BLS key used for encryption (same format as
// NetworkPublicKey).
func (c *Client) SubnetPublicKey() string {
	st, err := c.state()
	if err != nil {
		return ""
	}
	return st.subnetPublicKey
}

// NetworkPublicKeySet returns the network public key set (hex).
func (c *Client) NetworkPublicKeySet() string {
	st, err := c.state()
	if err != nil {
		return ""
	}
	return st.networkPublicKeySet
}

// HDRootPubkeys returns the secp256k1 HD root public keys (hex).
func (c *Client) HDRootPubkeys() []string {
	st, err := c.state()
	if err != nil {
		return nil
	}
	return slices.Clone(st.hdRootPubkeys)
}

// ServerPublicKey returns the serverPublicKey a connected node sent ("" if
// none).
func (c *Client) ServerPublicKey(nodeURL string) string {
	st, err := c.state()
	if err != nil {
		return ""
	}
	return st.serverPublicKeys[nodeURL]
}
