// Package devnet runs a local Lit network on loopback for tests and
// development: a JSON-RPC chain endpoint with the staking contract call,
// and N node servers that answer the handshake with a real BLS12-381
// network key.
//
// The official JS SDK v7 (litNetwork "custom", rpcUrl pointing at the
// devnet) and this module's core/node client both connect to it unchanged.
// The network key is split into Shamir shares, one per node, and the nodes
// serve the PKP flow: PKPs minted with Network.MintPKP (or POST MintPath)
// get session keys signed at /web/sign_session_key/v1 and sign at
// /web/pkp/sign/v1 (see PKP). More node endpoints plug in with Node.Handle
// or Network.HandleAll.
//
// Every server sends CORS headers and answers OPTIONS preflights, sends
// Content-Type: application/json on every JSON answer, caps request bodies
// at MaxBodyBytes, turns bad input and panics into Lit JSON errors, and
// writes one access-log line per request (never bodies).
package devnet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/internal/netlimit"
)

// Defaults for the zero values of Config. DefaultRPCPort is the rpcUrl
// default of the v7 SDK for litNetwork "custom" (LIT_RPC.LOCAL_ANVIL), so
// the official client needs no configuration at all.
const (
	DefaultNodes         = 3
	DefaultThreshold     = 2
	DefaultRPCPort       = 8545
	DefaultBasePort      = 7470
	DefaultHost          = "127.0.0.1"
	DefaultBlockInterval = 2 * time.Second
	DefaultChainID       = 31337
	DefaultEpoch         = 10
	DefaultBlockHistory  = 100_000
)

// Config configures Start. Zero values take the defaults above, except the
// ports: 0 picks free ports (tests use that); pass DefaultRPCPort and
// DefaultBasePort for the well-known ones.
type Config struct {
	Nodes     int // number of nodes; default 3
	Threshold int // minNodeCount in the staking contract, 1..Nodes; default 2 (1 with one node)

	RPCPort  int    // JSON-RPC port; 0 = any free port
	BasePort int    // node i listens on BasePort+i; 0 = any free ports
	Host     string // IPv4 address to listen on and advertise; default 127.0.0.1

	// Logger receives one line per request; nil discards them.
	Logger io.Writer
	// LogJSON makes every Logger line a JSON object (time, level, msg,
	// server, method, path, status, duration_ms), as the worker logs.
	LogJSON bool

	BlockInterval time.Duration // time between blocks; default 2 s
	BlockHistory  int           // blocks remembered for RecentBlockhash; default 100 000
	ChainID       uint64        // eth_chainId; default 31337
	Epoch         uint64        // staking epoch number; default 10

	// NetworkSecretKey is the BLS12-381 network secret key: 32 bytes,
	// big-endian, non-zero and below the group order. Nil generates a
	// random key. Fixing it makes runs reproducible.
	NetworkSecretKey []byte

	// Now is the chain's clock; default time.Now. Tests inject a clock to
	// advance blocks.
	Now func() time.Time

	// ReadTimeout bounds reading one request, headers and body; default
	// ReadTimeout (30 s).
	ReadTimeout time.Duration

	// Network is the protocol generation: NetworkDatil (v7, the default)
	// or NetworkNaga (v8).
	Network string
	// Prices are the nodes' naga prices per product (naga only).
	Prices Prices
	// ContextDir is where a naga network writes networkContext.json
	// (Network.NetworkContextPath). Empty: a new temporary directory,
	// removed by Close. Datil networks write nothing.
	ContextDir string
	// NoContextFile serves networkContext.json only over HTTP, at
	// <RPCURL>/networkContext.json, and writes no file (NetworkContextPath
	// stays empty): for hosts without a file system, such as the browser
	// tests.
	NoContextFile bool
}

// Network is a running devnet. Its fields are fixed after Start: Nodes
// and NodeURLs are the nodes Start started; Validators is the node set
// after StopNode, AddNode and the other run-time changes (membership.go).
type Network struct {
	RPCURL    string   // "http://127.0.0.1:8545"
	NodeURLs  []string // node URLs in validator order
	Threshold int      // minNodeCount
	ChainID   uint64

	// NetworkPublicKey is sk·G1 in the BLS12-381 G1 group, 48 bytes
	// compressed (ZCash encoding), hex without 0x: the handshake's
	// networkPublicKey, subnetPublicKey and networkPublicKeySet.
	NetworkPublicKey string
	// HDRootPubkeys are random compressed secp256k1 keys (hex) reported in
	// the handshake.
	HDRootPubkeys []string

	Nodes []*Node
	Chain *Chain

	// NetworkContextPath is the absolute path of the networkContext.json a
	// naga network wrote (also served at RPCURL + NetworkContextPath);
	// empty on datil.
	NetworkContextPath string
	contextTempDir     string // removed by Close

	generation string // NetworkDatil or NetworkNaga
	prices     Prices
	nagaStamps issuedAtStamps // sign_session_key/v2 Issued At per request id (naga_pkp_session.go)

	sk        fr.Element
	pkp       pkpState // the PKP side: key shares and PKP registry (pkp.go)
	epoch     uint64
	verifiers verifiers
	members   membership // the node set, which may change at run time (membership.go)
	log       *syncWriter
	rpc       router
	servers   []*http.Server
	serving   sync.WaitGroup

	stopOnCancel func() bool
	closeOnce    sync.Once
	closeErr     error
	done         chan struct{}
}

// Start listens on all ports and serves the network until Close is called
// or ctx is done. If a port is taken it fails and closes what it opened.
func Start(ctx context.Context, cfg Config) (*Network, error) {
	if err := applyDefaults(&cfg); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	addr, err := netip.ParseAddr(cfg.Host)
	if err != nil || !addr.Unmap().Is4() || addr.IsUnspecified() {
		return nil, fmt.Errorf("devnet: Host %q is not a usable IPv4 address; the staking contract stores IPv4 only, so use e.g. 127.0.0.1", cfg.Host)
	}
	addr = addr.Unmap()
	ip4 := addr.As4()
	ip := uint32(ip4[0])<<24 | uint32(ip4[1])<<16 | uint32(ip4[2])<<8 | uint32(ip4[3])

	sk, err := secretKey(cfg.NetworkSecretKey)
	if err != nil {
		return nil, err
	}
	n := &Network{
		Threshold:  cfg.Threshold,
		ChainID:    cfg.ChainID,
		Chain:      newChain(cfg.Now, cfg.BlockInterval, cfg.BlockHistory),
		sk:         sk,
		epoch:      cfg.Epoch,
		generation: cfg.Network,
		prices:     cfg.Prices,
		log:        &syncWriter{w: cfg.Logger, json: cfg.LogJSON},
		done:       make(chan struct{}),
	}
	n.members.addr, n.members.ip, n.members.basePort, n.members.readTimeout = addr, ip, cfg.BasePort, cfg.ReadTimeout
	pk := new(bls12381.G1Affine).ScalarMultiplicationBase(sk.BigInt(new(big.Int)))
	pkBytes := pk.Bytes()
	n.NetworkPublicKey = hex.EncodeToString(pkBytes[:])
	for range 2 {
		k, err := crypto.GenerateKey()
		if err != nil {
			return nil, fmt.Errorf("devnet: generating an HD root key: %w", err)
		}
		n.HDRootPubkeys = append(n.HDRootPubkeys, hex.EncodeToString(crypto.CompressPubkey(&k.PublicKey)))
	}

	// Listen first, so that the URLs (and the staking answer) carry the
	// real ports.
	var listeners []net.Listener
	fail := func(err error) (*Network, error) {
		for _, l := range listeners {
			l.Close()
		}
		return nil, err
	}
	listen := func(what string, port int) (net.Listener, uint32, error) {
		l, err := net.Listen("tcp4", net.JoinHostPort(addr.String(), strconv.Itoa(port)))
		if err != nil {
			hint := "pick another port"
			if port == 0 {
				hint = "check Host"
			}
			return nil, 0, fmt.Errorf("devnet: cannot listen for %s on %s port %d: %w; %s, or use port 0 for a free one", what, addr, port, err, hint)
		}
		listeners = append(listeners, l)
		return l, uint32(l.Addr().(*net.TCPAddr).Port), nil
	}
	rpcLn, rpcPort, err := listen("the JSON-RPC endpoint", cfg.RPCPort)
	if err != nil {
		return fail(err)
	}
	n.RPCURL = "http://" + net.JoinHostPort(addr.String(), strconv.Itoa(int(rpcPort)))
	nodeLns := make([]net.Listener, cfg.Nodes)
	for i := range cfg.Nodes {
		port := 0
		if cfg.BasePort != 0 {
			port = cfg.BasePort + i
		}
		l, p, err := listen(fmt.Sprintf("node %d", i), port)
		if err != nil {
			return fail(err)
		}
		if p == 443 {
			return fail(errors.New("devnet: a node cannot use port 443: clients would connect with https, and the devnet speaks http"))
		}
		nodeLns[i] = l
		u, err := node.NodeURL(ip, p)
		if err != nil {
			return fail(err)
		}
		nd := n.newNode(i, u, p)
		nd.HandleFunc(http.MethodPost, node.HandshakePath, nd.serveHandshake)
		nd.HandleFunc(http.MethodPost, SessionVerifyPath, nd.serveSessionVerify)
		if err := nd.initNaga(); err != nil {
			return fail(err)
		}
		n.Nodes = append(n.Nodes, nd)
		n.NodeURLs = append(n.NodeURLs, u)
	}
	if err := n.initPKP(); err != nil {
		return fail(err)
	}
	n.rpc.handle(http.MethodPost, "/", http.HandlerFunc(n.serveRPC))
	n.rpc.handle(http.MethodGet, node.BlockIndexerPath, http.HandlerFunc(n.serveLatestBlock))
	if n.generation == NetworkNaga {
		if !cfg.NoContextFile {
			path, tempDir, err := writeNetworkContext(cfg.ContextDir)
			if err != nil {
				return fail(err)
			}
			n.NetworkContextPath, n.contextTempDir = path, tempDir
		}
		n.rpc.handle(http.MethodGet, NetworkContextPath, http.HandlerFunc(n.serveNetworkContext))
	}

	errorLog := log.New(io.Discard, "", 0)
	if cfg.Logger != nil {
		errorLog = log.New(n.log.lineWriter("http"), "", 0)
	}
	serve := func(name string, l net.Listener, h http.Handler) {
		srv := &http.Server{
			Handler:           middleware(name, n.log, h),
			ReadHeaderTimeout: ReadHeaderTimeout,
			ReadTimeout:       cfg.ReadTimeout,
			WriteTimeout:      WriteTimeout,
			IdleTimeout:       IdleTimeout,
			MaxHeaderBytes:    64 << 10,
			ErrorLog:          errorLog,
		}
		l = netlimit.Listener(l, MaxConns)
		n.servers = append(n.servers, srv)
		n.serving.Add(1)
		go func() {
			defer n.serving.Done()
			if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				n.log.printf("devnet %s: server stopped: %v\n", name, err)
			}
		}()
	}
	n.rpc.handle(http.MethodGet, HealthzPath, http.HandlerFunc(serveHealthz))
	for _, nd := range n.Nodes {
		nd.router.handle(http.MethodGet, HealthzPath, http.HandlerFunc(serveHealthz))
	}
	serve("rpc", rpcLn, &n.rpc)
	n.members.errorLog = errorLog
	n.members.mu.Lock()
	n.members.all = slices.Clone(n.Nodes)
	n.members.active = slices.Clone(n.Nodes)
	for i, nd := range n.Nodes {
		if err := n.serveNodeLocked(nd, nodeLns[i]); err != nil {
			n.members.mu.Unlock()
			return fail(err)
		}
	}
	n.members.mu.Unlock()
	n.stopOnCancel = context.AfterFunc(ctx, n.shutdown)
	return n, nil
}

// Limits of every devnet server (the RPC server and each node): a client
// that sends its headers or body slowly, or holds idle connections, cannot
// keep more than MaxConns connections or any one longer than these.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second // headers and body; Config.ReadTimeout
	WriteTimeout      = 30 * time.Second
	IdleTimeout       = 60 * time.Second
	MaxConns          = 512 // per server
)

func applyDefaults(cfg *Config) error {
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = ReadTimeout
	}
	switch cfg.Network {
	case "":
		cfg.Network = NetworkDatil
	case NetworkDatil, NetworkNaga:
	default:
		return fmt.Errorf("devnet: Network %q is not a protocol generation; use %q (v7) or %q (v8)", cfg.Network, NetworkDatil, NetworkNaga)
	}
	if cfg.Nodes == 0 {
		cfg.Nodes = DefaultNodes
		if cfg.Network == NetworkNaga {
			cfg.Nodes = max(DefaultNodes, DefaultNagaNodes)
		}
	}
	if cfg.Network == NetworkNaga && cfg.Nodes < DefaultNagaNodes {
		return fmt.Errorf("devnet: a naga network needs at least %d nodes (the v8 client's threshold is max(3, floor(2n/3))); got %d", DefaultNagaNodes, cfg.Nodes)
	}
	if cfg.Nodes < 1 || cfg.Nodes > 100 {
		return fmt.Errorf("devnet: Nodes is %d; run between 1 and 100 nodes", cfg.Nodes)
	}
	if cfg.Threshold == 0 {
		cfg.Threshold = min(DefaultThreshold, cfg.Nodes)
	}
	if cfg.Threshold < 1 || cfg.Threshold > cfg.Nodes {
		return fmt.Errorf("devnet: Threshold is %d; it must be between 1 and Nodes (%d), and at least 2 for PKP signing", cfg.Threshold, cfg.Nodes)
	}
	if cfg.RPCPort < 0 || cfg.RPCPort > 65535 {
		return fmt.Errorf("devnet: RPCPort %d is not a TCP port", cfg.RPCPort)
	}
	if cfg.BasePort < 0 || cfg.BasePort+cfg.Nodes-1 > 65535 {
		return fmt.Errorf("devnet: BasePort %d leaves no room for %d nodes below port 65536", cfg.BasePort, cfg.Nodes)
	}
	if cfg.BasePort != 0 && cfg.RPCPort >= cfg.BasePort && cfg.RPCPort < cfg.BasePort+cfg.Nodes {
		return fmt.Errorf("devnet: RPCPort %d collides with the node ports %d-%d", cfg.RPCPort, cfg.BasePort, cfg.BasePort+cfg.Nodes-1)
	}
	if cfg.Host == "" {
		cfg.Host = DefaultHost
	}
	if cfg.BlockInterval == 0 {
		cfg.BlockInterval = DefaultBlockInterval
	}
	if cfg.BlockInterval < time.Millisecond {
		return fmt.Errorf("devnet: BlockInterval %v is too short; use at least 1ms", cfg.BlockInterval)
	}
	if cfg.BlockHistory == 0 {
		cfg.BlockHistory = DefaultBlockHistory
	}
	if cfg.BlockHistory < 1 {
		return fmt.Errorf("devnet: BlockHistory %d must be positive", cfg.BlockHistory)
	}
	if cfg.ChainID == 0 {
		cfg.ChainID = DefaultChainID
	}
	if cfg.Epoch == 0 {
		cfg.Epoch = DefaultEpoch
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return nil
}

// secretKey decodes a configured key or generates one.
func secretKey(b []byte) (fr.Element, error) {
	var sk fr.Element
	if b == nil {
		for sk.IsZero() {
			if _, err := sk.SetRandom(); err != nil {
				return sk, fmt.Errorf("devnet: generating the network key: %w", err)
			}
		}
		return sk, nil
	}
	if len(b) != fr.Bytes {
		return sk, fmt.Errorf("devnet: NetworkSecretKey is %d bytes; it must be %d (big-endian scalar)", len(b), fr.Bytes)
	}
	if err := sk.SetBytesCanonical(b); err != nil {
		return sk, errors.New("devnet: NetworkSecretKey is not below the BLS12-381 group order")
	}
	if sk.IsZero() {
		return sk, errors.New("devnet: NetworkSecretKey is zero")
	}
	return sk, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// NetworkSecretKey returns the BLS12-381 network secret key sk, with
// NetworkPublicKey = sk·G1. PKP flows split it into Shamir shares, one per
// node. Never log it.
func (n *Network) NetworkSecretKey() fr.Element { return n.sk }

// Epoch returns the staking epoch number the nodes expect.
func (n *Network) Epoch() uint64 { return n.epoch }

// RecentBlockhash reports whether hash is a recent block of the devnet
// chain; see Chain.RecentBlockhash.
func (n *Network) RecentBlockhash(hash string) bool { return n.Chain.RecentBlockhash(hash) }

// HandleAll registers, on every node, the handler mk returns for that node
// (see Node.Handle).
func (n *Network) HandleAll(method, path string, mk func(*Node) http.Handler) {
	n.members.mu.Lock()
	defer n.members.mu.Unlock()
	for _, nd := range n.members.all {
		nd.Handle(method, path, mk(nd))
	}
	if n.members.all != nil {
		n.members.routes = append(n.members.routes, func(nd *Node) { nd.Handle(method, path, mk(nd)) })
	}
}

// ReadyLine returns one line of JSON (without the newline) announcing the
// network:
//
//	{"rpcUrl":"http://127.0.0.1:8545","nodes":["http://127.0.0.1:7470",…],"threshold":2,"networkPublicKey":"<96 hex>"}
//
// A naga network adds "network":"naga", "networkContext" (the path of its
// networkContext.json) and "indexerUrl" (its block indexer) after
// networkPublicKey. Either is followed, once PKPs have been minted, by
// "pkps":[{"tokenId","publicKey","ethAddress","owner"},…] (see PKP).
func (n *Network) ReadyLine() string {
	var naga, indexer string
	if n.generation == NetworkNaga {
		naga, indexer = NetworkNaga, n.IndexerURL()
	}
	b, _ := json.Marshal(struct {
		RPCURL           string   `json:"rpcUrl"`
		Nodes            []string `json:"nodes"`
		Threshold        int      `json:"threshold"`
		NetworkPublicKey string   `json:"networkPublicKey"`
		Network          string   `json:"network,omitempty"`
		NetworkContext   string   `json:"networkContext,omitempty"`
		IndexerURL       string   `json:"indexerUrl,omitempty"`
		PKPs             []PKP    `json:"pkps,omitempty"`
	}{n.RPCURL, n.NodeURLs, n.Threshold, n.NetworkPublicKey, naga, n.NetworkContextPath, indexer, n.PKPs()})
	return string(b)
}

// IndexerURL is the devnet's block indexer: GET returns
// {"blockhash":"0x…","timestamp":"<unix seconds>","blockNumber":N}, the
// shape of Lit's https://block-indexer.litgateway.com that v7 and v8
// clients read their SIWE nonce from.
func (n *Network) IndexerURL() string { return n.RPCURL + node.BlockIndexerPath }

// Done is closed once the network has stopped.
func (n *Network) Done() <-chan struct{} { return n.done }

// Close stops all servers, waiting up to 5 s for requests in flight, and
// returns once every server goroutine has exited. It is safe to call more
// than once.
func (n *Network) Close() error {
	n.stopOnCancel()
	n.shutdown()
	return n.closeErr
}

func (n *Network) shutdown() {
	n.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var errs []error
		for _, srv := range append(n.servers, n.closeMembership()...) {
			if err := srv.Shutdown(ctx); err != nil {
				errs = append(errs, err)
				srv.Close()
			}
		}
		n.serving.Wait()
		if n.contextTempDir != "" {
			if err := os.RemoveAll(n.contextTempDir); err != nil {
				errs = append(errs, fmt.Errorf("devnet: removing %s: %w", n.contextTempDir, err))
			}
		}
		n.closeErr = errors.Join(errs...)
		close(n.done)
	})
}
