package devnet

import (
	"encoding/hex"
	"math/big"
	"net/http"
	"regexp"

	"github.com/ethereum/go-ethereum/common"
	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/node"
)

// NodeVersion is the nodeVersion the devnet nodes report in the handshake.
const NodeVersion = "litsession-devnet/1"

// Node is one emulated Lit node: an HTTP server on its own port.
//
// Out of the box it answers POST /web/handshake/. Other endpoints (the
// session-protected ones, /web/sign_session_key/v1, /web/pkp/sign/v1) are
// added with Handle; they get CORS, the body cap, panic recovery and the
// access log like the built-in ones.
type Node struct {
	Index   int            // position in the validator list, from 0
	URL     string         // "http://127.0.0.1:7470": the exact nodeAddress session sigs must name
	Address common.Address // the validator's nodeAddress in the staking contract

	// ServerPublicKey and IdentityKey are reported in the handshake (hex,
	// 32 bytes). ServerPublicKey is random; IdentityKey is random on datil
	// and the node's X25519 E2EE public key on naga.
	ServerPublicKey string
	IdentityKey     string

	network *Network
	naga    *nagaIdentity // the E2EE identity; nil on datil
	ip      uint32
	port    uint32
	router  router
	share   bls.KeyShare         // this node's share of the network key
	prices  map[Product]*big.Int // naga prices set by AddNode; nil: Config.Prices
	srv     *http.Server         // nil while stopped; guarded by Network.members.mu
}

// Network returns the network the node belongs to, for the network key,
// the chain and the other nodes.
func (n *Node) Network() *Network { return n.network }

// Handle registers h for method (upper case, e.g. "POST") on the exact
// path (e.g. "/web/pkp/sign/v1"), replacing any earlier handler for the
// pair. It may be called while the network is running. OPTIONS preflights,
// 404 for unknown paths and 405 for known paths with another method are
// handled for every path. Request bodies are capped at MaxBodyBytes; use
// ReadJSON, WriteJSON and WriteError for Lit-style answers.
func (n *Node) Handle(method, path string, h http.Handler) {
	n.router.handle(method, path, h)
}

// HandleFunc is Handle for a function.
func (n *Node) HandleFunc(method, path string, h func(http.ResponseWriter, *http.Request)) {
	n.router.handle(method, path, http.HandlerFunc(h))
}

var sdkVersionPattern = regexp.MustCompile(`^[0-9A-Za-z.+-]{1,32}$`)

// serveHandshake answers POST /web/handshake/ with every field the v7
// client reads (node.HandshakeResponse).
//
// The body must be {"clientPublicKey":string,"challenge":"<64 hex>",
// "epoch":N} where epoch, if present and not 0, is the current epoch or the
// one before (clients send the previous epoch for 45 s after a change).
// Epoch 0 means "not known yet": a client given bootstrap URLs instead of
// the staking contract learns the epoch from this handshake's answer.
func (n *Node) serveHandshake(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ClientPublicKey *string `json:"clientPublicKey"`
		Challenge       *string `json:"challenge"`
		Epoch           *uint64 `json:"epoch"`
	}
	if !ReadJSON(w, r, &req) {
		return
	}
	if req.Challenge == nil {
		WriteError(w, r, http.StatusBadRequest, KindValidation, "NodeInvalidParameter", "challenge is missing; send 64 random hex digits")
		return
	}
	if b, err := hex.DecodeString(*req.Challenge); err != nil || len(b) != 32 {
		WriteError(w, r, http.StatusBadRequest, KindValidation, "NodeInvalidParameter", "challenge must be 64 hex digits (32 bytes)")
		return
	}
	if !n.checkEpoch(w, r, req.Epoch) {
		return
	}
	sdk := r.Header.Get("X-Lit-SDK-Version")
	if !sdkVersionPattern.MatchString(sdk) {
		sdk = ""
	}
	nw := n.network
	WriteJSON(w, http.StatusOK, node.HandshakeResponse{
		ServerPublicKey:     n.ServerPublicKey,
		SubnetPublicKey:     nw.NetworkPublicKey,
		NetworkPublicKey:    nw.NetworkPublicKey,
		NetworkPublicKeySet: nw.NetworkPublicKey,
		HDRootPubkeys:       nw.HDRootPubkeys,
		LatestBlockhash:     nw.Chain.Latest().Hash.Hex(),
		ClientSDKVersion:    sdk,
		NodeVersion:         NodeVersion,
		NodeIdentityKey:     n.IdentityKey,
		Epoch:               nw.epoch,
	})
}
