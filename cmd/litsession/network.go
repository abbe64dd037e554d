package main

import (
	"flag"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/storage"
	"github.com/litgo/litsession/devnet"
)

func init() {
	register("devnet", "run a local Lit network on loopback (prints one JSON ready line)", cmdDevnet)
	register("session-sigs", "get session signatures from a Lit network → SessionSigsMap JSON", cmdSessionSigs)
}

func cmdDevnet(e *env, args []string) error {
	fs := newFlags("devnet")
	nodes := fs.Int("nodes", devnet.DefaultNodes, "number of nodes (naga: at least 3)")
	threshold := fs.Int("threshold", devnet.DefaultThreshold, "minimum node count (staking threshold)")
	network := fs.String("network", devnet.NetworkDatil, "protocol generation: datil (v7 SDK) or naga (v8 SDK)")
	prices := fs.String("prices", "", "naga node prices in wei: product=price[,price…] per node, ';'-separated, products decryption, sign, litaction, signsessionkey (e.g. \"sign=2000,2001,2002\")")
	contextDir := fs.String("context-dir", "", "naga: directory to write networkContext.json in (default: a temporary directory removed on exit)")
	rpcPort := fs.Int("rpc-port", devnet.DefaultRPCPort, "JSON-RPC chain port (0: any free port)")
	basePort := fs.Int("base-port", devnet.DefaultBasePort, "node i listens on base-port+i (0: any free ports)")
	host := fs.String("host", devnet.DefaultHost, "loopback IPv4 address to listen on")
	logJSON := fs.Bool("log-json", false, "write the stderr log as JSON lines")
	owners := addPKPFlags(fs)
	if help, err := parse(e, fs, args); help || err != nil {
		return err
	}
	if *nodes < 1 || *nodes > 64 {
		return usagef("--nodes must be between 1 and 64")
	}
	if *threshold < 1 || *threshold > *nodes {
		return usagef("--threshold must be between 1 and --nodes (%d)", *nodes)
	}
	cfg := devnet.Config{Nodes: *nodes, Threshold: *threshold, RPCPort: *rpcPort,
		BasePort: *basePort, Host: *host, Logger: e.stderr, LogJSON: *logJSON}
	switch *network {
	case devnet.NetworkDatil:
		if *prices != "" || *contextDir != "" {
			return usagef("--prices and --context-dir are for --network naga")
		}
	case devnet.NetworkNaga:
		if *nodes < devnet.DefaultNagaNodes {
			return usagef("--network naga needs --nodes %d or more: the v8 client's threshold is at least 3", devnet.DefaultNagaNodes)
		}
		ps, err := devnet.ParsePrices(*prices)
		if err != nil {
			return usagef("--prices: %v", err)
		}
		cfg.Network, cfg.Prices, cfg.ContextDir = devnet.NetworkNaga, ps, *contextDir
	default:
		return usagef("--network must be %s or %s", devnet.NetworkDatil, devnet.NetworkNaga)
	}
	net, err := startDevnet(e, cfg)
	if err != nil {
		return err
	}
	if err := owners.mint(net); err != nil {
		net.Close()
		return err
	}
	if _, err := fmt.Fprintln(e.stdout, net.ReadyLine()); err != nil {
		net.Close()
		return err
	}
	select {
	case <-e.ctx.Done():
		if *logJSON {
			fmt.Fprintf(e.stderr, `{"time":%q,"level":"INFO","msg":"stopping","component":"devnet"}`+"\n", time.Now().UTC().Format(time.RFC3339Nano))
		} else {
			fmt.Fprintln(e.stderr, "devnet: stopping")
		}
	case <-net.Done():
	}
	return net.Close()
}

// startDevnet starts the network with every route this module serves.
func startDevnet(e *env, cfg devnet.Config) (*devnet.Network, error) {
	net, err := devnet.Start(e.ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("starting the devnet: %w (is another devnet or program using the ports? use --rpc-port/--base-port)", err)
	}
	for _, r := range devnetRoutes {
		net.HandleAll(r.method, r.path, r.handler)
	}
	return net, nil
}

// devnetRoutes are node routes added by other files of this command.
var devnetRoutes []struct {
	method, path string
	handler      func(*devnet.Node) http.Handler
}

// connectFlags are the network flags shared by commands that talk to nodes.
type connectFlags struct {
	network   *networkFlag
	rpcURL    *string
	bootstrap *string
	minNodes  *int
	timeout   *time.Duration
}

func addConnectFlags(fs interface {
	Var(value flag.Value, name, usage string)
	String(name, value, usage string) *string
	Int(name string, value int, usage string) *int
	Duration(name string, value time.Duration, usage string) *time.Duration
}) connectFlags {
	return connectFlags{
		network:   addNetworkFlag(fs, ""),
		rpcURL:    fs.String("rpc-url", "", "JSON-RPC URL of the chain with the staking contract (e.g. http://127.0.0.1:8545)"),
		bootstrap: fs.String("bootstrap", "", "comma-separated node URLs, instead of --rpc-url"),
		minNodes:  fs.Int("min-nodes", 0, "nodes that must answer (with --bootstrap)"),
		timeout:   fs.Duration("timeout", node.DefaultTimeout, "timeout of each round of node requests"),
	}
}

// networkFlag is --network: a node generation, checked when parsed.
type networkFlag struct{ gen node.Generation }

func (f *networkFlag) String() string {
	if f.gen == nil {
		return node.Datil.Name()
	}
	return f.gen.Name()
}

func (f *networkFlag) Set(s string) error {
	gen, err := node.GenerationByName(s)
	if err != nil {
		return fmt.Errorf("use datil (the v7 SDK's networks) or naga (the v8 SDK's)")
	}
	f.gen = gen
	return nil
}

// Generation returns the chosen generation, datil by default.
func (f *networkFlag) Generation() node.Generation {
	if f.gen == nil {
		return node.Datil
	}
	return f.gen
}

// addNetworkFlag registers --network on fs.
func addNetworkFlag(fs interface {
	Var(flag.Value, string, string)
}, usage string) *networkFlag {
	f := &networkFlag{}
	fs.Var(f, "network", "protocol generation of the Lit network: datil (v7, the default) or naga (v8)"+usage)
	return f
}

// otherGeneration names the generation that is not gen.
func otherGeneration(gen node.Generation) string {
	if gen == node.Naga {
		return node.Datil.Name()
	}
	return node.Naga.Name()
}

// connect builds and connects a node client from the flags.
func (c connectFlags) connect(e *env) (*node.Client, error) {
	gen := c.network.Generation()
	cfg := node.Config{Transport: httptransport.New(nil), Timeout: *c.timeout, Generation: gen}
	switch {
	case *c.rpcURL != "" && *c.bootstrap != "":
		return nil, usagef("pass either --rpc-url or --bootstrap, not both")
	case *c.rpcURL != "":
		cfg.RPCURL = *c.rpcURL
	case *c.bootstrap != "":
		for _, u := range strings.Split(*c.bootstrap, ",") {
			if u = strings.TrimSpace(u); u != "" {
				cfg.BootstrapURLs = append(cfg.BootstrapURLs, u)
			}
		}
		if *c.minNodes < 1 {
			return nil, usagef("--min-nodes N is required with --bootstrap")
		}
		cfg.MinNodeCount = *c.minNodes
	default:
		return nil, usagef("--rpc-url or --bootstrap is required to reach the Lit network")
	}
	cl, err := node.New(cfg)
	if err != nil {
		return nil, usagef("%v", err)
	}
	if err := cl.Connect(e.ctx); err != nil {
		return nil, fmt.Errorf("connecting to the Lit network (--network %s): %w; if the network speaks the other protocol, pass --network %s", gen.Name(), err, otherGeneration(gen))
	}
	return cl, nil
}

func cmdSessionSigs(e *env, args []string) error {
	fs := newFlags("session-sigs")
	key := addWalletKey(fs, "wallet secp256k1 key, 32 bytes hex (required)")
	conn := addConnectFlags(fs)
	expiration := fs.String("expiration", "", "session expiration, RFC 3339 (default now + 24 h)")
	dir := fs.String("storage", "", "directory caching the session key and wallet signature between runs")
	domain := fs.String("domain", "", "SIWE domain (default localhost)")
	var resources multiFlag
	fs.Var(&resources, "resource", "PREFIX://ID=ABILITY, repeatable (required)")
	if help, err := parse(e, fs, args); help || err != nil {
		return err
	}
	if err := checkTime("expiration", *expiration); err != nil {
		return err
	}
	reqs, err := parseResources(resources)
	if err != nil {
		return err
	}
	wallet, err := key.signer()
	if err != nil {
		return err
	}
	var store storage.Storage = storage.NewMemory()
	if *dir != "" {
		fstore, err := storage.NewFile(*dir)
		if err != nil {
			return usagef("--storage: %v", err)
		}
		store = fstore
	}
	cl, err := conn.connect(e)
	if err != nil {
		return err
	}
	eng := &session.Engine{Storage: store, Network: cl, Wallet: wallet}
	sigs, info, err := eng.GetSessionSigs(e.ctx, session.Params{ResourceAbilityRequests: reqs, Expiration: *expiration, Domain: *domain})
	if err != nil {
		return err
	}
	switch {
	case info.CacheReused:
		fmt.Fprintf(e.stderr, "wallet signature: reused from the cache (%s)\n", info.WalletAddress)
	case info.WalletAsked:
		fmt.Fprintf(e.stderr, "wallet signature: new, signed by %s (%s)\n", info.WalletAddress, info.Reason)
	}
	for _, w := range info.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	return writeJSON(e.stdout, sigs)
}

var _ authsig.Signer = (*authsig.KeySigner)(nil)
