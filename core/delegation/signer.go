package delegation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/pkpsig"
	"github.com/litgo/litsession/core/session"
)

// Network is a Lit node client that can handshake again; core/node's
// *Client implements it.
type Network interface {
	pkp.Network
	// Connect (re)discovers the nodes and handshakes with them.
	Connect(ctx context.Context) error
}

var _ Network = (*node.Client)(nil)

// ErrNodeSetChanged means the connected nodes changed between minting the
// session signatures and using them (another call re-handshook). The
// Signer re-mints when it sees it.
var ErrNodeSetChanged = errors.New("delegation: the connected nodes changed after the session signatures were minted")

// Signer runs operations with session signatures minted fresh from a
// pre-generated delegation, and rotates them when the network moved on:
//
//  1. it mints session signatures (CreatePkpSessionSigs) for the nodes the
//     client is connected to, connecting first if it never was;
//  2. it runs the operation with them;
//  3. if the operation failed in a way a new handshake can fix
//     (NeedsRotation: too few nodes answered, a node refused the session
//     signature, shares that do not combine, the node set changed), it
//     handshakes again (Network.Connect), mints new session signatures and
//     runs the operation once more. A second failure is returned.
//
// An expired delegation is never retried: the error matches
// ErrDelegationExpired, also when the nodes are the ones that say so.
//
// One Signer serves any number of AuthContexts on one network and is safe
// for concurrent use; concurrent operations that fail together cause one
// handshake.
type Signer struct {
	// OnRotate, if set, is called with the error that made the Signer
	// handshake again, before it does. The error holds no secret.
	OnRotate func(cause error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	net       Network
	lock      chan struct{} // serializes handshakes
	gen       atomic.Uint64 // handshakes done by this Signer
	rotations atomic.Int64
}

// NewSigner returns a Signer over nw.
func NewSigner(nw Network) *Signer {
	return &Signer{net: nw, lock: make(chan struct{}, 1)}
}

// Rotations returns how many times the Signer has handshaken again after a
// failure.
func (s *Signer) Rotations() int64 { return s.rotations.Load() }

// Do mints session signatures for ac (with p) and runs op with them, as
// described on Signer. op gets the network the signatures were minted for.
func (s *Signer) Do(ctx context.Context, ac *AuthContext, p SessionSigsParams, op func(ctx context.Context, nw pkp.Network, sigs *session.SessionSigs) error) error {
	if p.Now == nil {
		p.Now = s.Now
	}
	if len(s.net.ConnectedNodes()) == 0 {
		if err := s.handshake(ctx, s.gen.Load(), false); err != nil {
			return fmt.Errorf("delegation: connecting to the Lit network: %w", err)
		}
	}
	seen := s.gen.Load()
	err := s.attempt(ctx, ac, p, op)
	if err == nil || !NeedsRotation(err) || ctx.Err() != nil {
		return err
	}
	if s.OnRotate != nil {
		s.OnRotate(err)
	}
	if herr := s.handshake(ctx, seen, true); herr != nil {
		return fmt.Errorf("%w; handshaking again to retry failed too: %w", err, herr)
	}
	if err2 := s.attempt(ctx, ac, p, op); err2 != nil {
		if IsReason(err2, ReasonExpired) {
			return err2
		}
		return fmt.Errorf("delegation: failed again after handshaking anew and minting new session signatures: %w", err2)
	}
	return nil
}

// attempt mints and runs op once; the two read the naga prices once
// (node.SharePrices), so op's requests go to nodes the signatures were
// minted for at the prices they were minted with.
func (s *Signer) attempt(ctx context.Context, ac *AuthContext, p SessionSigsParams, op func(context.Context, pkp.Network, *session.SessionSigs) error) error {
	ctx = node.SharePrices(ctx)
	if p.Operation == "" {
		p.Operation = string(node.EndpointPKPSign)
	}
	sigs, capped, err := mint(ctx, s.net, ac, p)
	if err != nil {
		return err
	}
	if err := op(ctx, s.net, sigs); err != nil {
		if r := nodeSaysExpired(err, capped); r != nil {
			return r
		}
		return err
	}
	return nil
}

// handshake runs Connect unless another call already did since seen.
func (s *Signer) handshake(ctx context.Context, seen uint64, rotation bool) error {
	select {
	case s.lock <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.lock }()
	if s.gen.Load() != seen {
		return nil
	}
	if err := s.net.Connect(ctx); err != nil {
		return err
	}
	s.gen.Add(1)
	if rotation {
		s.rotations.Add(1)
	}
	return nil
}

// PkpSign has the nodes sign the 32-byte digest toSign with ac's PKP
// (pkp.PkpSign), with fresh session signatures, rotating once if needed
// (see Signer). The signature is verified against the PKP key.
func (s *Signer) PkpSign(ctx context.Context, ac *AuthContext, toSign [32]byte) (*pkpsig.Signature, error) {
	var out *pkpsig.Signature
	err := s.Do(ctx, ac, SessionSigsParams{}, func(ctx context.Context, nw pkp.Network, sigs *session.SessionSigs) error {
		if !signedForConnected(nw, sigs) {
			return ErrNodeSetChanged
		}
		sig, err := pkp.PkpSign(ctx, nw, sigs, ac.PKP.PublicKey, toSign)
		out = sig
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// signedForConnected reports whether sigs still fit the connected nodes:
// made for exactly them, or on naga (where requests go to the chosen
// nodes only) for connected nodes.
func signedForConnected(nw pkp.Network, sigs *session.SessionSigs) bool {
	connected := nw.ConnectedNodes()
	if slices.Equal(sigs.Nodes(), connected) {
		return true
	}
	g, ok := nw.(interface{ Generation() node.Generation })
	if !ok || g.Generation() != node.Naga {
		return false
	}
	for _, u := range sigs.Nodes() {
		if !slices.Contains(connected, u) {
			return false
		}
	}
	return true
}

// NeedsRotation reports whether a new handshake and new session signatures
// may fix err:
//
//   - too few nodes answered, or none (*node.NotEnoughNodesError,
//     *node.NodesUnreachableError): nodes left or restarted;
//   - the node shares do not combine (pkp.ErrBadShares): answers from a
//     different node set;
//   - the client is not connected, or ErrNodeSetChanged;
//   - a node refused with a Lit error about the session signature or the
//     epoch: an errorCode naming SessionSig, AuthSig or Epoch, or a message
//     naming wrong_node or a session signature.
//
// Refusals about permissions (the PKP or ability is not allowed), an
// expired or refused delegation, bad input and a cancelled context are
// not: a retry would fail the same way.
func NeedsRotation(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var de *DelegationError
	if errors.As(err, &de) {
		return false
	}
	var few *node.NotEnoughNodesError
	var none *node.NodesUnreachableError
	if errors.As(err, &few) || errors.As(err, &none) ||
		errors.Is(err, pkp.ErrBadShares) || errors.Is(err, pkp.ErrNotConnected) ||
		errors.Is(err, session.ErrNotConnected) || errors.Is(err, ErrNodeSetChanged) {
		return true
	}
	for _, ne := range nodeErrors(err) {
		code, msg := strings.ToLower(ne.Code), strings.ToLower(ne.Message)
		if r, ok := verifyReason(ne.Message); ok {
			if slices.Contains(staleReasons, r) {
				return true
			}
			continue
		}
		if strings.Contains(code, "sessionsig") || strings.Contains(code, "authsig") || strings.Contains(code, "epoch") ||
			strings.Contains(msg, "wrong_node") || strings.Contains(msg, "session signature") || strings.Contains(msg, "session sig") {
			return true
		}
	}
	return false
}

// staleReasons are the core/verify reasons (as a node quotes them: "session
// signature rejected (<reason>): …") that new session signatures can fix:
// signed for another node, expired or not yet valid by the node's clock.
// Other reasons (not_authorized, capability_expired, …) would repeat.
var staleReasons = []string{"wrong_node", "expired", "not_yet_valid"}

// verifyReason extracts the reason from "… rejected (<reason>): …".
func verifyReason(msg string) (string, bool) {
	_, rest, ok := strings.Cut(msg, "rejected (")
	if !ok {
		return "", false
	}
	r, _, ok := strings.Cut(rest, ")")
	return r, ok && r != "" && !strings.ContainsAny(r, " ")
}

// nodeSaysExpired turns a node refusal that means the delegation has
// expired by the nodes' clock (which may run ahead of ours) into
// ReasonExpired, so it is not retried: the delegation itself expired
// (capability_expired), or the session signature did while its expiration
// was the delegation's (capped).
func nodeSaysExpired(err error, capped bool) error {
	for _, ne := range nodeErrors(err) {
		r, _ := verifyReason(ne.Message)
		if r == "capability_expired" || (capped && r == "expired") {
			return &DelegationError{Reason: ReasonExpired, Detail: "the Lit nodes say it has expired (their clock may be ahead of this machine's): " + ne.Error(), Err: err}
		}
	}
	return nil
}

// nodeErrors returns the Lit node errors in err: every refusal of a
// *pkp.RefusedError, or the *node.NodeError err wraps.
func nodeErrors(err error) []*node.NodeError {
	var re *pkp.RefusedError
	if errors.As(err, &re) {
		out := make([]*node.NodeError, 0, len(re.Refusals))
		for _, ne := range re.Refusals {
			out = append(out, ne)
		}
		return out
	}
	var ne *node.NodeError
	if errors.As(err, &ne) {
		return []*node.NodeError{ne}
	}
	return nil
}
