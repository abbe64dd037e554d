package node

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// Defaults used when the corresponding Config field is zero.
const (
	// DefaultTimeout bounds each round of node requests, like the v7
	// client's connectTimeout.
	DefaultTimeout = 20 * time.Second
	// DefaultSDKVersion and DefaultSDKType are sent as X-Lit-SDK-Version
	// and X-Lit-SDK-Type. They match the official JS client that this
	// package speaks the wire format of, so nodes treat both the same.
	DefaultSDKVersion = "7.4.0"
	DefaultSDKType    = "Typescript"
)

// Config configures a [Client]. Either RPCURL (staking discovery) or
// BootstrapURLs plus MinNodeCount must be set.
type Config struct {
	// Transport performs all HTTP requests. Required.
	Transport Transport

	// Generation is the protocol generation spoken to the nodes and the
	// staking contract; nil means Datil. See [GenerationByName].
	Generation Generation

	// RPCURL is a JSON-RPC chain endpoint, e.g. "http://127.0.0.1:8545".
	// Unless BootstrapURLs is set, the validators are read from the staking
	// contract there with eth_call.
	RPCURL string
	// StakingAddress is the staking contract; default the generation's
	// (DefaultStakingAddress for Datil).
	StakingAddress string
	// PriceFeedAddress is the naga PriceFeed contract that prices each
	// node's requests; default NagaPriceFeedAddress. Datil has no prices.
	PriceFeedAddress string

	// BootstrapURLs lists node URLs ("http://127.0.0.1:7470") to use instead
	// of the staking contract, in order. MinNodeCount is then required.
	BootstrapURLs []string
	// MinNodeCount is the number of nodes that must answer, used with
	// BootstrapURLs (discovery takes it from the staking contract).
	MinNodeCount int
	// Epoch is the epoch number sent to nodes with BootstrapURLs. When
	// zero, the most common epoch reported in the handshakes is used, if any.
	Epoch uint64

	// Timeout bounds each round of node requests (the handshake, each
	// SendToNodes call, a blockhash refresh) and the discovery call.
	// Default DefaultTimeout.
	Timeout time.Duration

	// BlockhashURL is the block indexer queried when the cached latest
	// blockhash is older than BlockhashMaxAge. Default: RPCURL +
	// BlockIndexerPath when RPCURL is set. When it is empty or fails, the
	// client handshakes again with the connected nodes instead.
	BlockhashURL string

	// SDKVersion and SDKType are sent as X-Lit-SDK-Version and
	// X-Lit-SDK-Type; defaults the generation's SDK version
	// (DefaultSDKVersion for Datil) and DefaultSDKType.
	SDKVersion string
	SDKType    string

	// Now returns the current time; default time.Now. Tests inject a clock.
	Now func() time.Time
}

// New checks cfg and returns a Client. It makes no requests.
func New(cfg Config) (*Client, error) {
	if cfg.Transport == nil {
		return nil, &ConfigError{Field: "Transport", Msg: "is nil; pass httptransport.New(nil) natively or the fetch transport in a browser"}
	}
	if cfg.Timeout < 0 {
		return nil, &ConfigError{Field: "Timeout", Msg: fmt.Sprintf("is negative (%v)", cfg.Timeout)}
	}
	if cfg.Generation == nil {
		cfg.Generation = Datil
	}
	gen := cfg.Generation
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.SDKVersion == "" {
		cfg.SDKVersion = gen.SDKVersion()
	}
	if cfg.SDKType == "" {
		cfg.SDKType = DefaultSDKType
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Client{cfg: cfg, gen: gen}

	if cfg.RPCURL != "" {
		if err := checkHTTPURL("RPCURL", cfg.RPCURL, true); err != nil {
			return nil, err
		}
	}
	switch {
	case len(cfg.BootstrapURLs) > 0:
		for _, u := range cfg.BootstrapURLs {
			nu, err := normalizeNodeURL(u)
			if err != nil {
				return nil, err
			}
			if slices.Contains(c.bootstrap, nu) {
				return nil, &ConfigError{Field: "BootstrapURLs", Msg: fmt.Sprintf("lists %s twice", nu)}
			}
			c.bootstrap = append(c.bootstrap, nu)
		}
		if cfg.MinNodeCount == 0 {
			return nil, &ConfigError{Field: "MinNodeCount", Msg: "is required with bootstrap URLs: how many nodes must answer (the network's threshold)"}
		}
		if cfg.MinNodeCount < 1 || cfg.MinNodeCount > len(c.bootstrap) {
			return nil, &ConfigError{Field: "MinNodeCount", Msg: fmt.Sprintf("is %d; with %d bootstrap URLs it must be between 1 and %d (how many nodes must answer: the network's threshold)", cfg.MinNodeCount, len(c.bootstrap), len(c.bootstrap))}
		}
	case cfg.RPCURL != "":
		c.stakingMode = true
		addr := cfg.StakingAddress
		if addr == "" {
			addr = gen.StakingAddress()
		}
		if addr == "" {
			return nil, &ConfigError{Field: "StakingAddress", Msg: fmt.Sprintf("is empty; the %s protocol has no default staking contract, so set the address of the network's Staking contract", gen.Name())}
		}
		if !common.IsHexAddress(addr) {
			return nil, &ConfigError{Field: "StakingAddress", Msg: fmt.Sprintf("%q is not a 20-byte hex address", addr)}
		}
		c.stakingAddr = common.HexToAddress(addr)
	default:
		return nil, &ConfigError{Msg: "no network configured: give the chain's RPC URL (e.g. http://127.0.0.1:8545) to read the validators from the staking contract, or the nodes' bootstrap URLs and how many must answer"}
	}
	c.priceFeed = common.HexToAddress(NagaPriceFeedAddress)
	if cfg.PriceFeedAddress != "" {
		if !common.IsHexAddress(cfg.PriceFeedAddress) {
			return nil, &ConfigError{Field: "PriceFeedAddress", Msg: fmt.Sprintf("%q is not a 20-byte hex address", cfg.PriceFeedAddress)}
		}
		c.priceFeed = common.HexToAddress(cfg.PriceFeedAddress)
	}
	c.blockhashURL = cfg.BlockhashURL
	if c.blockhashURL == "" && cfg.RPCURL != "" {
		c.blockhashURL = strings.TrimSuffix(cfg.RPCURL, "/") + BlockIndexerPath
	}
	if c.blockhashURL != "" {
		if err := checkHTTPURL("BlockhashURL", c.blockhashURL, true); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// checkHTTPURL accepts an absolute http or https URL without user info or
// fragment; with pathOK false it must also have no path beyond "/" and no
// query.
func checkHTTPURL(field, s string, pathOK bool) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Fragment != "" {
		return &ConfigError{Field: field, Msg: fmt.Sprintf("%q is not an http:// or https:// URL", s)}
	}
	if !pathOK && (u.RawQuery != "" || (u.Path != "" && u.Path != "/")) {
		return &ConfigError{Field: field, Msg: fmt.Sprintf("%q must be scheme://host:port with no path", s)}
	}
	return nil
}

// normalizeNodeURL checks a node URL and removes a trailing slash: node URLs
// are used verbatim as nodeAddress in session signatures.
func normalizeNodeURL(s string) (string, error) {
	if err := checkHTTPURL("BootstrapURLs", s, false); err != nil {
		return "", err
	}
	return strings.TrimSuffix(s, "/"), nil
}
