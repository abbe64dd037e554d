package devnet

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/siwe"
)

// Admin endpoints of the devnet's RPC server (not part of any Lit
// network; CORS enabled like every devnet route).
const (
	// MintPath mints a PKP: POST {"owner":"0x…"} → the PKP object.
	MintPath = "/devnet/pkp/mint"
	// PKPsPath lists the PKPs: GET → [PKP object, …].
	PKPsPath = "/devnet/pkps"
)

// PKP is a PKP minted on the devnet: a secp256k1 key the nodes hold,
// with its owner. Its JSON form, in the ready line and the admin
// endpoints, is
//
//	{"tokenId":"0x<64 hex>","publicKey":"0x04<128 hex>","ethAddress":"0x<EIP-55>","owner":"0x<EIP-55>"}
//
// tokenId is keccak256 of the 65-byte uncompressed public key, as Lit's
// PubkeyRouter computes it, in hex (the recap resource is
// lit-pkp://<tokenId without 0x>).
type PKP struct {
	pkp.PKP
	// Owner is the EIP-55 address that minted it. It is a permitted
	// address: its EthWallet auth method and its EOA session signatures
	// may use the PKP.
	Owner string `json:"owner"`
}

// pkpState is the devnet's PKP side: the Shamir shares of the network key
// (one per node) and the PKP registry.
type pkpState struct {
	shares []bls.KeyShare // the shares of Start: shares[i] is node i's (identifier i+1)

	mu   sync.RWMutex
	list []*mintedPKP          // mint order
	keys map[string]*mintedPKP // 0x04… public key → PKP
}

type mintedPKP struct {
	info      PKP
	priv      []byte          // 32-byte secp256k1 secret; never logged
	permitted map[string]bool // EIP-55 addresses
}

// initPKP splits the network key into Shamir shares with threshold
// max(Threshold, 2) (Lit's combiner needs two shares; with a single node
// the one share is the key) and registers the PKP endpoints on the nodes
// and the RPC server.
func (n *Network) initPKP() error {
	sk, err := bls.NewSecretKey(func() []byte { b := n.sk.Bytes(); return b[:] }())
	if err != nil {
		return fmt.Errorf("devnet: the network key: %w", err)
	}
	t := min(max(n.Threshold, 2), len(n.Nodes))
	shares, err := bls.SplitSecret(sk, t, len(n.Nodes), nil)
	if err != nil {
		return fmt.Errorf("devnet: splitting the network key: %w", err)
	}
	n.pkp.shares = shares
	n.pkp.keys = map[string]*mintedPKP{}
	for i, nd := range n.Nodes {
		nd.share = shares[i]
		nd.registerPKPRoutes()
	}
	n.rpc.handle(http.MethodPost, MintPath, http.HandlerFunc(n.serveMint))
	n.rpc.handle(http.MethodGet, PKPsPath, http.HandlerFunc(n.servePKPs))
	return nil
}

// registerPKPRoutes registers the v1 PKP endpoints on the node.
func (nd *Node) registerPKPRoutes() {
	nd.HandleFunc(http.MethodPost, pkp.SignSessionKeyPath, nd.serveSignSessionKey)
	nd.HandleFunc(http.MethodPost, pkp.PKPSignPath, nd.servePKPSign)
}

// MintPKP creates a PKP with a fresh random key, owned by owner (an
// Ethereum address: EIP-55, or all lower or upper case hex), and returns
// it. The owner is its only permitted address until Permit adds more.
func (n *Network) MintPKP(owner string) (PKP, error) {
	o, err := siwe.ChecksumAddress(owner)
	if err != nil {
		return PKP{}, fmt.Errorf("devnet: PKP owner: %w", err)
	}
	key, err := crypto.GenerateKey()
	if err != nil {
		return PKP{}, fmt.Errorf("devnet: generating a PKP key: %w", err)
	}
	info, err := pkp.Parse(fmt.Sprintf("%x", crypto.FromECDSAPub(&key.PublicKey)))
	if err != nil {
		return PKP{}, err
	}
	m := &mintedPKP{info: PKP{PKP: info, Owner: o}, priv: crypto.FromECDSA(key), permitted: map[string]bool{o: true}}
	n.pkp.mu.Lock()
	defer n.pkp.mu.Unlock()
	n.pkp.list = append(n.pkp.list, m)
	n.pkp.keys[info.PublicKey] = m
	return m.info, nil
}

// PKPs returns the minted PKPs in mint order.
func (n *Network) PKPs() []PKP {
	n.pkp.mu.RLock()
	defer n.pkp.mu.RUnlock()
	out := make([]PKP, len(n.pkp.list))
	for i, m := range n.pkp.list {
		out[i] = m.info
	}
	return out
}

// Permit adds address to the permitted addresses of the PKP with the given
// public key (0x04…), like PKPPermissions.addPermittedAddress.
func (n *Network) Permit(publicKey, address string) error {
	k, err := pkp.Parse(publicKey)
	if err != nil {
		return err
	}
	a, err := siwe.ChecksumAddress(address)
	if err != nil {
		return fmt.Errorf("devnet: permitted address: %w", err)
	}
	n.pkp.mu.Lock()
	defer n.pkp.mu.Unlock()
	m := n.pkp.keys[k.PublicKey]
	if m == nil {
		return fmt.Errorf("devnet: no PKP with public key %s on this devnet; mint it first", k.PublicKey)
	}
	m.permitted[a] = true
	return nil
}

// lookupPKP returns a copy of the PKP with the given public key.
func (n *Network) lookupPKP(k pkp.PKP) (mintedPKP, bool) {
	n.pkp.mu.RLock()
	defer n.pkp.mu.RUnlock()
	m := n.pkp.keys[k.PublicKey]
	if m == nil {
		return mintedPKP{}, false
	}
	return mintedPKP{info: m.info, priv: slices.Clone(m.priv), permitted: maps.Clone(m.permitted)}, true
}

// serveMint answers POST /devnet/pkp/mint {"owner":"0x…"} with the new PKP.
func (n *Network) serveMint(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Owner *string `json:"owner"`
	}
	if !ReadJSON(w, r, &req) {
		return
	}
	if req.Owner == nil {
		WriteError(w, r, http.StatusBadRequest, KindValidation, "NodeInvalidParameter", `owner is missing; send {"owner":"0x<address>"}`)
		return
	}
	p, err := n.MintPKP(*req.Owner)
	if err != nil {
		WriteError(w, r, http.StatusBadRequest, KindValidation, "NodeInvalidParameter", err.Error())
		return
	}
	WriteJSON(w, http.StatusOK, p)
}

// servePKPs answers GET /devnet/pkps with every PKP.
func (n *Network) servePKPs(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusOK, n.PKPs())
}
