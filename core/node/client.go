package node

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/litgo/litsession/core/jsjson"
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

// BlockhashMaxAge is how long a latest blockhash is reused before
// [Client.LatestBlockhash] fetches a new one (30 s, as in the v7 client).
const BlockhashMaxAge = 30 * time.Second

// MaxStaleBlockhash is how old a cached blockhash may get when refreshing
// fails before [Client.LatestBlockhash] reports an error instead of returning
// it. Nodes accept blockhashes up to 30 days old; one day leaves a margin.
const MaxStaleBlockhash = 24 * time.Hour

// BlockIndexerPath is the block indexer endpoint; GET returns
// {"blockhash":"0x…","timestamp":"<unix seconds>","blockNumber":N}.
const BlockIndexerPath = "/get_most_recent_valid_block"

// maxRPCResult bounds the hex result of eth_call (4 MiB of ABI data is
// thousands of validators).
const maxRPCResult = 8 << 20

// Config configures a [Client]. Either RPCURL (staking discovery) or
// BootstrapURLs plus MinNodeCount must be set.
type Config struct {
	// Transport performs all HTTP requests. Required.
	Transport Transport

	// RPCURL is a JSON-RPC chain endpoint, e.g. "http://127.0.0.1:8545".
	// Unless BootstrapURLs is set, the validators are read from the staking
	// contract there with eth_call.
	RPCURL string
	// StakingAddress is the staking contract; default DefaultStakingAddress.
	StakingAddress string

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
	// X-Lit-SDK-Type; defaults DefaultSDKVersion and DefaultSDKType.
	SDKVersion string
	SDKType    string

	// Now returns the current time; default time.Now. Tests inject a clock.
	Now func() time.Time
}

// Client talks to the nodes of one Lit network. Create it with [New], then
// call [Client.Connect]. A Client is safe for concurrent use.
type Client struct {
	cfg          Config
	stakingMode  bool
	stakingAddr  common.Address
	bootstrap    []string
	blockhashURL string
	refreshMu    sync.Mutex // serializes blockhash refreshes
	mu           sync.Mutex // guards st and its blockhash fields
	st           *state     // nil until Connect succeeds
}

var errNotConnected = errors.New("node: client is not connected; call Connect first")

// state is what a successful Connect learned.
type state struct {
	validators          []string // all node URLs, validator order
	connected           []string // those that answered, validator order
	minNodeCount        int
	epoch               Epoch  // staking mode
	fixedEpoch          uint64 // bootstrap mode
	combined                   // latestBlockhash is the cached blockhash, guarded by Client.mu
	blockhashFetched    time.Time
	blockhashValidUntil time.Time
}

// New checks cfg and returns a Client. It makes no requests.
func New(cfg Config) (*Client, error) {
	if cfg.Transport == nil {
		return nil, &ConfigError{Field: "Transport", Msg: "is nil; pass httptransport.New(nil) natively or the fetch transport in a browser"}
	}
	if cfg.Timeout < 0 {
		return nil, &ConfigError{Field: "Timeout", Msg: fmt.Sprintf("is negative (%v)", cfg.Timeout)}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.SDKVersion == "" {
		cfg.SDKVersion = DefaultSDKVersion
	}
	if cfg.SDKType == "" {
		cfg.SDKType = DefaultSDKType
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Client{cfg: cfg}

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
		if cfg.MinNodeCount < 1 || cfg.MinNodeCount > len(c.bootstrap) {
			return nil, &ConfigError{Field: "MinNodeCount", Msg: fmt.Sprintf("is %d; with %d BootstrapURLs it must be between 1 and %d (how many nodes must answer: the network's threshold)", cfg.MinNodeCount, len(c.bootstrap), len(c.bootstrap))}
		}
	case cfg.RPCURL != "":
		c.stakingMode = true
		addr := cfg.StakingAddress
		if addr == "" {
			addr = DefaultStakingAddress
		}
		if !common.IsHexAddress(addr) {
			return nil, &ConfigError{Field: "StakingAddress", Msg: fmt.Sprintf("%q is not a 20-byte hex address", addr)}
		}
		c.stakingAddr = common.HexToAddress(addr)
	default:
		return nil, &ConfigError{Msg: "no network configured: set RPCURL (e.g. http://127.0.0.1:8545) to read the validators from the staking contract, or BootstrapURLs and MinNodeCount"}
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
			return fmt.Errorf("%w (staking contract %s via %s)", err, c.stakingAddr.Hex(), c.cfg.RPCURL)
		}
		st.validators = urls
		st.minNodeCount = int(set.MinNodeCount)
		st.epoch = set.Epoch
	} else {
		st.validators = slices.Clone(c.bootstrap)
		st.minNodeCount = c.cfg.MinNodeCount
		st.fixedEpoch = c.cfg.Epoch
	}
	connected, answers, err := c.handshake(ctx, st.validators, st.minNodeCount, st.epochNumber(c.cfg.Now()))
	if err != nil {
		return err
	}
	st.connected = connected
	st.combined = combine(connected, answers)
	if st.latestBlockhash == "" {
		return fmt.Errorf("node: latestBlockhash is not available: none of the %d nodes that answered the handshake sent one; the nodes are misconfigured or not Lit nodes", len(connected))
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

func (st *state) epochNumber(now time.Time) uint64 {
	if st.fixedEpoch != 0 || st.epoch == (Epoch{}) {
		return st.fixedEpoch
	}
	return EpochToSend(st.epoch, now.Unix())
}

// handshake sends the handshake to urls and returns the nodes that answered
// validly, in order, with their answers. It fails when fewer than need did.
func (c *Client) handshake(ctx context.Context, urls []string, need int, epoch uint64) ([]string, []HandshakeResponse, error) {
	bodies := make([][]byte, len(urls))
	for i := range urls {
		var challenge [32]byte
		rand.Read(challenge[:])
		bodies[i] = HandshakeRequest{ClientPublicKey: "test", Challenge: hex.EncodeToString(challenge[:]), Epoch: epoch}.JSON()
	}
	results := c.round(ctx, HandshakePath, urls, bodies, newRequestID())
	var (
		connected []string
		answers   []HandshakeResponse
		failed    = map[string]error{}
	)
	for i, r := range results {
		if r.err != nil {
			failed[urls[i]] = r.err
			continue
		}
		if r.resp.Status < 200 || r.resp.Status > 299 {
			failed[urls[i]] = parseNodeError(urls[i], r.resp)
			continue
		}
		h, err := ParseHandshakeResponse(r.resp.Body)
		if err != nil {
			failed[urls[i]] = err
			continue
		}
		connected = append(connected, urls[i])
		answers = append(answers, h)
	}
	if err := quorumError("handshake", len(urls), len(connected), need, failed); err != nil {
		return nil, nil, err
	}
	return connected, answers, nil
}

func quorumError(op string, total, got, need int, failed map[string]error) error {
	switch {
	case got >= need:
		return nil
	case got == 0:
		return &NodesUnreachableError{Operation: op, Needed: need, Failed: failed}
	default:
		return &NotEnoughNodesError{Operation: op, Needed: need, Got: got, Total: total, Failed: failed}
	}
}

// result is one node's outcome in a round.
type result struct {
	resp Response
	err  error
}

// round POSTs bodies[i] to urls[i]+path concurrently, with one X-Request-Id,
// and waits at most the configured timeout.
func (c *Client) round(ctx context.Context, path string, urls []string, bodies [][]byte, requestID string) []result {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	type indexed struct {
		i int
		result
	}
	ch := make(chan indexed, len(urls))
	for i := range urls {
		req := Request{Method: "POST", URL: urls[i] + path, Header: c.headers(requestID), Body: bodies[i]}
		go func() {
			resp, err := c.cfg.Transport.Do(ctx, req)
			ch <- indexed{i, result{resp, err}}
		}()
	}
	results := make([]result, len(urls))
	done := make([]bool, len(urls))
	timeoutErr := func() error {
		if parent.Err() != nil {
			return parent.Err()
		}
		return fmt.Errorf("no answer within %v", c.cfg.Timeout)
	}
wait:
	for range urls {
		select {
		case r := <-ch:
			results[r.i], done[r.i] = r.result, true
			if r.err != nil && ctx.Err() != nil {
				results[r.i].err = fmt.Errorf("%w (%v)", timeoutErr(), r.err)
			}
		case <-ctx.Done():
			break wait
		}
	}
	for i := range done {
		if !done[i] {
			results[i].err = timeoutErr()
		}
	}
	return results
}

func (c *Client) headers(requestID string) map[string]string {
	return map[string]string{
		"Content-Type":      "application/json",
		"Accept":            "application/json",
		"X-Lit-SDK-Version": c.cfg.SDKVersion,
		"X-Lit-SDK-Type":    c.cfg.SDKType,
		"X-Request-Id":      requestID,
	}
}

// newRequestID returns "lit_" followed by 32 random hex digits.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	return "lit_" + hex.EncodeToString(b[:])
}

// discover reads the validator set from the staking contract.
func (c *Client) discover(ctx context.Context) (ValidatorSet, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	// [{"data":"0x…","to":"0x…"},"latest"], keys sorted as encoding/json
	// wrote them.
	var tx jsjson.Object
	tx.String("data", "0x"+hex.EncodeToString(ValidatorsCallData()))
	tx.String("to", strings.ToLower(c.stakingAddr.Hex()))
	txJSON, _ := tx.Bytes() // strings cannot fail
	var params jsjson.Array
	params.Raw(txJSON)
	params.String("latest")
	paramsJSON, _ := params.Bytes()
	raw, err := c.rpc(ctx, "eth_call", paramsJSON)
	if err != nil {
		return ValidatorSet{}, err
	}
	// A null result reads as "", as encoding/json decodes it into a string.
	s, isString := raw.Str()
	if !isString && !raw.IsNull() || !strings.HasPrefix(s, "0x") || len(s) > maxRPCResult {
		return ValidatorSet{}, fmt.Errorf("node: chain RPC %s: eth_call result is not a 0x hex string", c.cfg.RPCURL)
	}
	data, err := hex.DecodeString(s[2:])
	if err != nil {
		return ValidatorSet{}, fmt.Errorf("node: chain RPC %s: eth_call result is not hex", c.cfg.RPCURL)
	}
	if len(data) == 0 {
		return ValidatorSet{}, fmt.Errorf("node: there is no staking contract at %s on chain %s (eth_call returned 0x); check Config.StakingAddress and Config.RPCURL", c.stakingAddr.Hex(), c.cfg.RPCURL)
	}
	set, err := DecodeValidatorSet(data)
	if err != nil {
		return ValidatorSet{}, fmt.Errorf("%w (staking contract %s via %s)", err, c.stakingAddr.Hex(), c.cfg.RPCURL)
	}
	return set, nil
}

// rpc makes one JSON-RPC 2.0 call to the chain endpoint; params is the
// encoded params array. It returns the result member, which may be null.
func (c *Client) rpc(ctx context.Context, method string, params []byte) (jsjson.Value, error) {
	// Members in encoding/json's (sorted) order, as before.
	var call jsjson.Object
	call.Int("id", 1)
	call.String("jsonrpc", "2.0")
	call.String("method", method)
	call.Raw("params", params)
	body, err := call.Bytes()
	if err != nil {
		return jsjson.Value{}, err
	}
	resp, err := c.cfg.Transport.Do(ctx, Request{
		Method: "POST",
		URL:    c.cfg.RPCURL,
		Header: map[string]string{"Content-Type": "application/json", "Accept": "application/json"},
		Body:   body,
	})
	if err != nil {
		return jsjson.Value{}, fmt.Errorf("node: chain RPC %s is unreachable (%s): %w; check Config.RPCURL", c.cfg.RPCURL, method, err)
	}
	out, rpcErr, ok := parseRPCResponse(resp.Body)
	if !ok {
		return jsjson.Value{}, fmt.Errorf("node: chain RPC %s answered %s with HTTP %d and no JSON-RPC response; is it an Ethereum JSON-RPC endpoint?", c.cfg.RPCURL, method, resp.Status)
	}
	if rpcErr != nil {
		rpcErr.URL, rpcErr.Method = c.cfg.RPCURL, method
		return jsjson.Value{}, rpcErr
	}
	if !out.Exists() {
		return jsjson.Value{}, fmt.Errorf("node: chain RPC %s answered %s with HTTP %d and neither result nor error", c.cfg.RPCURL, method, resp.Status)
	}
	return out, nil
}

// parseRPCResponse reads a JSON-RPC response object: its result (Absent
// when missing), or its error when "error" is present and not null. ok is
// false when the body is not such an object, or the error member is not an
// object with an integer code and a string message (each optional).
func parseRPCResponse(body []byte) (result jsjson.Value, rpcErr *RPCError, ok bool) {
	v, err := jsjson.Parse(body)
	if err != nil {
		return jsjson.Value{}, nil, false
	}
	if _, isObj := v.Members(); !isObj {
		// encoding/json accepted a top-level null as an empty response.
		return jsjson.Value{}, nil, v.IsNull()
	}
	e := v.Get("error")
	if !e.Exists() || e.IsNull() {
		return v.Get("result"), nil, true
	}
	if _, isObj := e.Members(); !isObj {
		return jsjson.Value{}, nil, false
	}
	rpcErr = &RPCError{}
	if code := e.Get("code"); code.Exists() && !code.IsNull() {
		n, isInt := code.Int64()
		if !isInt || int64(int(n)) != n {
			return jsjson.Value{}, nil, false
		}
		rpcErr.Code = int(n)
	}
	if msg := e.Get("message"); msg.Exists() && !msg.IsNull() {
		s, isStr := msg.Str()
		if !isStr {
			return jsjson.Value{}, nil, false
		}
		rpcErr.Message = sanitize(s, 300)
	}
	return jsjson.Value{}, rpcErr, true
}

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
	return st.epochNumber(c.cfg.Now())
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

// LatestBlockhash returns a recent blockhash ("0x" + 64 hex digits), the
// nonce of session signatures. The value is cached for BlockhashMaxAge;
// after that it is fetched from the block indexer (Config.BlockhashURL) or,
// failing that, by handshaking again with the connected nodes. If both fail
// the cached value is returned as long as it is younger than
// MaxStaleBlockhash, as the v7 client does.
func (c *Client) LatestBlockhash(ctx context.Context) (string, error) {
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()
	st, err := c.state()
	if err != nil {
		return "", err
	}
	now := c.cfg.Now()
	c.mu.Lock()
	hash, fetched, validUntil := st.latestBlockhash, st.blockhashFetched, st.blockhashValidUntil
	c.mu.Unlock()
	if now.Before(validUntil) {
		return hash, nil
	}

	var errs []error
	newHash, until, err := c.fetchIndexer(ctx, now)
	if err != nil {
		errs = append(errs, err)
		answered, answers, herr := c.handshake(ctx, st.connected, st.minNodeCount, st.epochNumber(now))
		if herr == nil {
			newHash, until = combine(answered, answers).latestBlockhash, now.Add(BlockhashMaxAge)
			if newHash == "" {
				herr = errors.New("node: no node sent latestBlockhash in the new handshake")
			}
		}
		if herr != nil {
			errs = append(errs, herr)
			if now.Sub(fetched) < MaxStaleBlockhash {
				return hash, nil
			}
			return "", fmt.Errorf("node: cannot refresh the latest blockhash, and the cached one is %v old: %w", now.Sub(fetched).Round(time.Second), errors.Join(errs...))
		}
	}
	c.mu.Lock()
	st.latestBlockhash, st.blockhashFetched, st.blockhashValidUntil = newHash, now, until
	c.mu.Unlock()
	return newHash, nil
}

// fetchIndexer GETs the block indexer; it returns the hash and how long it
// may be cached: until timestamp + 30 s, but never more than 30 s from now.
func (c *Client) fetchIndexer(ctx context.Context, now time.Time) (string, time.Time, error) {
	if c.blockhashURL == "" {
		return "", time.Time{}, errors.New("node: no block indexer configured")
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	resp, err := c.cfg.Transport.Do(ctx, Request{Method: "GET", URL: c.blockhashURL, Header: map[string]string{"Accept": "application/json"}})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("node: block indexer %s: %w", c.blockhashURL, err)
	}
	if resp.Status != 200 {
		return "", time.Time{}, fmt.Errorf("node: block indexer %s answered HTTP %d", c.blockhashURL, resp.Status)
	}
	out, err := jsjson.Parse(resp.Body)
	_, isObj := out.Members()
	hashField := out.Get("blockhash")
	blockhash, isString := hashField.Str()
	if err != nil || !isObj || !isString && hashField.Exists() && !hashField.IsNull() {
		return "", time.Time{}, fmt.Errorf("node: block indexer %s answered invalid JSON", c.blockhashURL)
	}
	if !ValidBlockhash(blockhash) {
		return "", time.Time{}, fmt.Errorf("node: block indexer %s sent blockhash %q, not 0x followed by 64 hex digits", c.blockhashURL, sanitize(blockhash, 80))
	}
	until := now.Add(BlockhashMaxAge)
	// The timestamp is a string of Unix seconds (or a number).
	ts, isString := out.Get("timestamp").Str()
	if !isString {
		n, _ := out.Get("timestamp").Num()
		ts = string(n)
	}
	if sec, err := strconv.ParseInt(ts, 10, 64); err == nil && sec > 0 && sec < 1<<40 {
		if t := time.Unix(sec, 0).Add(BlockhashMaxAge); t.Before(until) {
			until = t
		}
	}
	return strings.ToLower(blockhash), until, nil
}

// Reply is one node's answer to [Client.SendToNodes].
type Reply struct {
	URL       string // the node
	RequestID string // the X-Request-Id sent to every node of the call
	Status    int    // HTTP status; 0 when no response arrived
	Body      []byte // response body; valid JSON when Err is nil
	// Err is nil for a 2xx JSON answer. Otherwise it is the transport
	// error, a *NodeError for a non-2xx status, or an error saying the
	// body is not JSON.
	Err error
}

// SendToNodes POSTs a JSON body to path (e.g. "/web/pkp/sign/v1") on each
// node in bodies, concurrently, with the Lit headers and one X-Request-Id
// shared by all. Each body must be a JSON object without an "epoch" member:
// `"epoch":N` (the current epoch) is appended after its other members.
// Every key of bodies must be a connected node URL.
//
// The replies come back in validator order, one per node in bodies. The
// error is only for misuse (not connected, unknown node, bad body); judge the
// replies with [CheckQuorum] or by inspecting Reply.Err.
func (c *Client) SendToNodes(ctx context.Context, path string, bodies map[string][]byte) ([]Reply, error) {
	st, err := c.state()
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("node: path %q must start with /", path)
	}
	for u := range bodies {
		if !slices.Contains(st.connected, u) {
			return nil, fmt.Errorf("node: %s is not a connected node; use the URLs from ConnectedNodes", u)
		}
	}
	epoch := st.epochNumber(c.cfg.Now())
	var urls []string
	var payloads [][]byte
	for _, u := range st.connected {
		b, ok := bodies[u]
		if !ok {
			continue
		}
		p, err := appendEpoch(b, epoch)
		if err != nil {
			return nil, fmt.Errorf("node: body for %s: %w", u, err)
		}
		urls = append(urls, u)
		payloads = append(payloads, p)
	}
	id := newRequestID()
	results := c.round(ctx, path, urls, payloads, id)
	replies := make([]Reply, len(urls))
	for i, r := range results {
		rep := Reply{URL: urls[i], RequestID: id, Status: r.resp.Status, Body: r.resp.Body, Err: r.err}
		switch {
		case r.err != nil:
			rep.Status, rep.Body = 0, nil
		case r.resp.Status < 200 || r.resp.Status > 299:
			rep.Err = parseNodeError(urls[i], r.resp)
		case !jsjson.Valid(r.resp.Body):
			rep.Err = fmt.Errorf("lit node %s answered HTTP %d with a body that is not JSON", urls[i], r.resp.Status)
		}
		replies[i] = rep
	}
	return replies, nil
}

// appendEpoch adds "epoch":epoch as the last member of a JSON object.
func appendEpoch(body []byte, epoch uint64) ([]byte, error) {
	v, err := jsjson.Parse(body)
	members, ok := v.Members()
	if err != nil || !ok {
		return nil, errors.New("not a JSON object")
	}
	if v.Get("epoch").Exists() {
		return nil, errors.New(`it already has an "epoch" member; SendToNodes adds the current epoch itself`)
	}
	b := bytes.TrimSpace(body)
	b = bytes.TrimSpace(b[:len(b)-1]) // drop the closing brace
	out := make([]byte, 0, len(b)+32)
	out = append(out, b...)
	if len(members) > 0 {
		out = append(out, ',')
	}
	out = append(out, `"epoch":`...)
	out = strconv.AppendUint(out, epoch, 10)
	return append(out, '}'), nil
}

// CheckQuorum returns nil when at least need replies succeeded, else a
// *NodesUnreachableError (none succeeded) or *NotEnoughNodesError naming the
// failed nodes. operation names the request in the error, e.g. "pkp sign".
func CheckQuorum(operation string, replies []Reply, need int) error {
	failed := map[string]error{}
	ok := 0
	for _, r := range replies {
		if r.Err != nil {
			failed[r.URL] = r.Err
		} else {
			ok++
		}
	}
	return quorumError(operation, len(replies), ok, need, failed)
}
