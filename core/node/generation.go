package node

import (
	"context"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/common"
)

// Generation is one generation of the Lit node protocol: everything about
// the wire that differs between generations. The Client makes none of these
// choices itself; it asks the Generation of its Config (nil means [Datil]).
//
// A Generation holds no per-client state and is safe for concurrent use.
// What it needs to know about a node comes back to it as a [Peer]: the
// node's URL and its parsed handshake answer (e.g. the node's key for
// end-to-end encrypted bodies).
type Generation interface {
	// Name is the generation's name as GenerationByName accepts it.
	Name() string

	// SDKVersion is the X-Lit-SDK-Version sent when Config.SDKVersion is
	// empty.
	SDKVersion() string

	// StakingAddress is the staking contract read when
	// Config.StakingAddress is empty; "" makes Config.StakingAddress
	// required.
	StakingAddress() string

	// Path returns the path of op relative to a node URL, starting with
	// "/", or "" when the generation has no such endpoint.
	Path(op Endpoint) string

	// ReadValidators reads the current epoch, the threshold and the
	// active validators from the staking contract at staking, through ch.
	ReadValidators(ctx context.Context, ch Chain, staking common.Address) (ValidatorSet, error)

	// EpochToSend returns the epoch number sent to nodes at Unix time now,
	// given the epoch the staking contract reported.
	EpochToSend(e Epoch, now int64) uint64

	// HandshakeBody returns the handshake request body for one node.
	// challenge is 32 fresh random bytes for that node; epoch is the epoch
	// number to send, 0 when unknown.
	HandshakeBody(challenge [32]byte, epoch uint64) []byte

	// ParseHandshake reads one node's answer to the handshake, whatever
	// its HTTP status. An error keeps the node out of the connected set
	// and is reported as the reason (a *NodeError for an error answer).
	ParseHandshake(url string, resp Response) (HandshakeResponse, error)

	// Select chooses the connected nodes that one request of op goes to,
	// in the order the caller should use them. peers are the connected
	// nodes in validator order and need is the network's threshold; the
	// result names at least need of them, with the price each charges for
	// op when the generation has prices. ch reads the chain (it fails
	// without Config.RPCURL).
	Select(ctx context.Context, ch Chain, op Endpoint, peers []Peer, need int) ([]Choice, error)

	// Seal turns body, a JSON object from the caller without an "epoch"
	// member, into the bytes POSTed to peer, with epoch as the epoch
	// number. It returns the Opener that reads that node's answer; a
	// generation that encrypts bodies keeps the request's keys in it. An
	// error means body is unusable and names what is wrong with it.
	Seal(peer Peer, body []byte, epoch uint64) ([]byte, Opener, error)
}

// Opener reads one node's HTTP answer to a sealed request. It returns the
// answer's payload, a JSON value, or why the answer does not count (a
// *NodeError for an error answer); on error, body is the raw answer, kept
// for diagnostics.
type Opener func(resp Response) (body []byte, err error)

// Endpoint is a node operation. Its value names the operation in errors,
// e.g. "pkp sign: only 1 of 3 Lit nodes answered".
type Endpoint string

// The node operations a Generation maps to paths.
const (
	EndpointHandshake      Endpoint = "handshake"
	EndpointSignSessionKey Endpoint = "sign session key"
	EndpointPKPSign        Endpoint = "pkp sign"
)

// Peer is a connected node: its URL and what it sent in the handshake.
type Peer struct {
	URL       string
	Handshake HandshakeResponse
}

// Choice is a node chosen for one request, with the price it charges for
// the operation in wei (nil when the generation has no prices).
type Choice struct {
	URL   string
	Price *big.Int
}

// Chain is the chain endpoint a Generation reads contracts through.
type Chain interface {
	// Call runs eth_call of data against the contract at to on the
	// latest block and returns the bytes the call returned. It fails,
	// naming the endpoint, when the endpoint is unreachable, rejects the
	// call, or there is no contract at to.
	Call(ctx context.Context, to common.Address, data []byte) ([]byte, error)
}

// generations lists every implemented generation, the first being the
// default.
//
// It is a function, not a variable, so that a program that never looks a
// generation up by name (the browser module) does not link the ones it
// does not use.
func generations() []Generation { return []Generation{Datil, Naga} }

// GenerationByName returns the generation called name, e.g. "datil". An
// unknown name is a *ConfigError for the field Generation that lists the
// valid names.
func GenerationByName(name string) (Generation, error) {
	gens := generations()
	names := make([]string, len(gens))
	for i, g := range gens {
		if g.Name() == name {
			return g, nil
		}
		names[i] = fmt.Sprintf("%q", g.Name())
	}
	return nil, &ConfigError{Field: "Generation", Msg: fmt.Sprintf("%q is not a Lit protocol generation; use one of %s", name, strings.Join(names, ", "))}
}
