package devnet

import (
	"errors"
	"fmt"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/internal/netlimit"
)

// The node set can change while the network runs, as a real one does
// between epochs:
//
//   - StopNode makes a node crash: its port refuses connections and
//     requests in flight are cut, but it stays a validator;
//   - StartNode brings a stopped node back on the same URL, with the same
//     keys; RestartNode is StopNode then StartNode;
//   - RemoveNode takes a node out of the Staking validators (and the naga
//     PriceFeed) and stops it; the other nodes then refuse a nodeSet that
//     names it;
//   - AddNode starts a new node with the next index and a share of the
//     network key, and makes it a validator.
//
// The staking epoch does not change. Network.Nodes and Network.NodeURLs
// stay the nodes of Start; Validators is the current set.

// membership is the node set and how to serve a node.
type membership struct {
	mu     sync.RWMutex
	all    []*Node // every node ever started, by Index
	active []*Node // the validators, in staking order
	closed bool    // set by shutdown: no server starts after it

	// Set by Start, read-only after.
	addr        netip.Addr
	ip          uint32
	basePort    int
	readTimeout time.Duration
	errorLog    *log.Logger
	// routes registered network-wide after Start (HandleAll, HandleNaga),
	// replayed on nodes AddNode starts.
	routes []func(*Node)
}

// NodeOptions configure a node AddNode starts.
type NodeOptions struct {
	// Prices are the node's naga prices by product; a product not listed
	// costs DefaultPrice(product, index).
	Prices map[Product]*big.Int
}

// Validators returns the current validators in staking order.
func (n *Network) Validators() []*Node {
	n.members.mu.RLock()
	defer n.members.mu.RUnlock()
	return slices.Clone(n.members.active)
}

// ValidatorURLs returns the current validators' URLs in staking order.
func (n *Network) ValidatorURLs() []string {
	var out []string
	for _, nd := range n.Validators() {
		out = append(out, nd.URL)
	}
	return out
}

// Node returns the node with index i (started by Start or AddNode), or nil.
func (n *Network) Node(i int) *Node {
	n.members.mu.RLock()
	defer n.members.mu.RUnlock()
	if i < 0 || i >= len(n.members.all) {
		return nil
	}
	return n.members.all[i]
}

// validatorPosition returns nd's position among the validators, or -1.
func (n *Network) validatorPosition(nd *Node) int {
	n.members.mu.RLock()
	defer n.members.mu.RUnlock()
	return slices.Index(n.members.active, nd)
}

func (n *Network) nodeByIndex(i int) (*Node, error) {
	if i < 0 || i >= len(n.members.all) {
		return nil, fmt.Errorf("devnet: there is no node %d; the nodes are 0..%d", i, len(n.members.all)-1)
	}
	return n.members.all[i], nil
}

// validatorLocked returns node i when it is still a validator. Call it
// with members.mu held.
func (n *Network) validatorLocked(i int) (*Node, error) {
	nd, err := n.nodeByIndex(i)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(n.members.active, nd) {
		return nil, fmt.Errorf("devnet: node %d was removed; add a new node with AddNode", i)
	}
	return nd, nil
}

// StopNode stops node i's server at once, cutting requests in flight, as
// a crash would. The node stays a validator; StartNode brings it back.
// Stopping a stopped node does nothing.
func (n *Network) StopNode(i int) error {
	n.members.mu.Lock()
	defer n.members.mu.Unlock()
	nd, err := n.nodeByIndex(i)
	if err != nil {
		return err
	}
	return nd.stop()
}

// StartNode serves a stopped node again on its port, with the same keys
// and routes. Starting a running node does nothing. It fails if the port
// is taken, or the node was removed.
func (n *Network) StartNode(i int) error {
	n.members.mu.Lock()
	defer n.members.mu.Unlock()
	nd, err := n.validatorLocked(i)
	if err != nil {
		return err
	}
	return n.serveNodeLocked(nd, nil)
}

// RestartNode stops node i and serves it again on the same port.
func (n *Network) RestartNode(i int) error {
	n.members.mu.Lock()
	defer n.members.mu.Unlock()
	nd, err := n.validatorLocked(i)
	if err != nil {
		return err
	}
	if err := nd.stop(); err != nil {
		return err
	}
	return n.serveNodeLocked(nd, nil)
}

// RemoveNode takes node i out of the validators and stops it. At least
// Threshold validators (3 on naga) must remain.
func (n *Network) RemoveNode(i int) error {
	n.members.mu.Lock()
	defer n.members.mu.Unlock()
	nd, err := n.nodeByIndex(i)
	if err != nil {
		return err
	}
	pos := slices.Index(n.members.active, nd)
	if pos < 0 {
		return fmt.Errorf("devnet: node %d is not a validator", i)
	}
	need := n.Threshold
	if n.generation == NetworkNaga {
		need = max(need, DefaultNagaNodes)
	}
	if len(n.members.active)-1 < need {
		return fmt.Errorf("devnet: removing node %d would leave %d validators, fewer than the %d this network needs; add a node first", i, len(n.members.active)-1, need)
	}
	n.members.active = slices.Delete(n.members.active, pos, pos+1)
	return nd.stop()
}

// AddNode starts a new node, with the next index, its own keys and a share
// of the network key, and appends it to the validators. Its port is
// Config.BasePort + index, or a free one when BasePort is 0.
func (n *Network) AddNode(o NodeOptions) (*Node, error) {
	n.members.mu.Lock()
	defer n.members.mu.Unlock()
	if n.members.closed {
		return nil, errors.New("devnet: the network is closed")
	}
	idx := len(n.members.all)
	if idx >= bls.MaxShares {
		return nil, fmt.Errorf("devnet: a network has at most %d nodes (one-byte share identifiers)", bls.MaxShares)
	}
	port := 0
	if n.members.basePort != 0 {
		port = n.members.basePort + idx
	}
	ln, err := net.Listen("tcp4", net.JoinHostPort(n.members.addr.String(), strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("devnet: cannot listen for node %d on %s port %d: %w", idx, n.members.addr, port, err)
	}
	p := uint32(ln.Addr().(*net.TCPAddr).Port)
	u, err := node.NodeURL(n.members.ip, p)
	if err != nil {
		ln.Close()
		return nil, err
	}
	share, err := n.shareFor(idx)
	if err != nil {
		ln.Close()
		return nil, err
	}
	nd := n.newNode(idx, u, p)
	nd.share = share
	if len(o.Prices) > 0 {
		nd.prices = map[Product]*big.Int{}
		for prod, v := range o.Prices {
			if v == nil || v.Sign() < 0 || v.BitLen() > 128 {
				ln.Close()
				return nil, fmt.Errorf("devnet: AddNode: the %s price must be a whole number of wei below 2^128", prod)
			}
			nd.prices[prod] = new(big.Int).Set(v)
		}
	}
	if err := nd.registerRoutes(); err != nil {
		ln.Close()
		return nil, err
	}
	for _, r := range n.members.routes {
		r(nd)
	}
	if err := n.serveNodeLocked(nd, ln); err != nil {
		return nil, err
	}
	n.members.all = append(n.members.all, nd)
	n.members.active = append(n.members.active, nd)
	return nd, nil
}

// newNode returns node idx at URL u and port p, not yet serving.
func (n *Network) newNode(idx int, u string, p uint32) *Node {
	return &Node{
		Index:           idx,
		URL:             u,
		Address:         common.BytesToAddress(crypto.Keccak256([]byte("litsession devnet node " + strconv.Itoa(idx)))[12:]),
		ServerPublicKey: randomHex(32),
		IdentityKey:     randomHex(32),
		network:         n,
		ip:              n.members.ip,
		port:            p,
	}
}

// registerRoutes registers the node's built-in endpoints.
func (nd *Node) registerRoutes() error {
	nd.HandleFunc(http.MethodPost, node.HandshakePath, nd.serveHandshake)
	nd.HandleFunc(http.MethodPost, SessionVerifyPath, nd.serveSessionVerify)
	if err := nd.initNaga(); err != nil {
		return err
	}
	nd.registerPKPRoutes()
	return nil
}

// serveNodeLocked serves nd on ln, or on a new listener on its port when
// ln is nil. The caller holds members.mu.
func (n *Network) serveNodeLocked(nd *Node, ln net.Listener) error {
	if n.members.closed {
		if ln != nil {
			ln.Close()
		}
		return errors.New("devnet: the network is closed")
	}
	if nd.srv != nil {
		if ln != nil {
			ln.Close()
		}
		return nil
	}
	if ln == nil {
		var err error
		ln, err = net.Listen("tcp4", net.JoinHostPort(n.members.addr.String(), strconv.Itoa(int(nd.port))))
		if err != nil {
			return fmt.Errorf("devnet: cannot listen for node %d on its port %d again: %w", nd.Index, nd.port, err)
		}
	}
	srv := &http.Server{
		Handler:           middleware("node"+strconv.Itoa(nd.Index), n.log, &nd.router),
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       n.members.readTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          n.members.errorLog,
	}
	nd.srv = srv
	n.serving.Add(1)
	go func() {
		defer n.serving.Done()
		if err := srv.Serve(netlimit.Listener(ln, MaxConns)); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.printf("devnet node%d: server stopped: %v\n", nd.Index, err)
		}
	}()
	return nil
}

// stop closes the node's server; the caller holds members.mu.
func (nd *Node) stop() error {
	if nd.srv == nil {
		return nil
	}
	err := nd.srv.Close()
	nd.srv = nil
	return err
}

// shareFor returns the network key share of node idx: the sharing
// polynomial at idx+1, interpolated from the shares of Start.
func (n *Network) shareFor(idx int) (bls.KeyShare, error) {
	base := n.pkp.shares
	t := min(max(n.Threshold, 2), len(base))
	var x, y fr.Element
	x.SetUint64(uint64(idx + 1))
	for j := range t {
		var xj, lj fr.Element
		xj.SetUint64(uint64(base[j].ID))
		lj.SetOne()
		for m := range t {
			if m == j {
				continue
			}
			var xm, num, den fr.Element
			xm.SetUint64(uint64(base[m].ID))
			num.Sub(&x, &xm)
			den.Sub(&xj, &xm)
			den.Inverse(&den)
			lj.Mul(&lj, &num).Mul(&lj, &den)
		}
		var yj fr.Element
		yj.SetBytes(base[j].Key.Bytes())
		lj.Mul(&lj, &yj)
		y.Add(&y, &lj)
	}
	b := y.Bytes()
	key, err := bls.NewSecretKey(b[:])
	if err != nil {
		return bls.KeyShare{}, fmt.Errorf("devnet: the key share of node %d: %w", idx, err)
	}
	return bls.KeyShare{ID: byte(idx + 1), Key: key}, nil
}

// closeMembership marks the network closed, so that no node server starts
// after it, and returns the running node servers for shutdown.
func (n *Network) closeMembership() []*http.Server {
	n.members.mu.Lock()
	defer n.members.mu.Unlock()
	n.members.closed = true
	var out []*http.Server
	for _, nd := range n.members.all {
		if nd.srv != nil {
			out = append(out, nd.srv)
			nd.srv = nil
		}
	}
	return out
}
