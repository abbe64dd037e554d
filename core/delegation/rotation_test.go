package delegation_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/devnet"
)

const handshake = "/web/handshake/"

// TestRotation plays nodes that restart, move or refuse stale session
// signatures, and checks that the Signer re-handshakes and re-mints once.
func TestRotation(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	_, b := f.delegate(t, time.Now().Add(time.Hour))
	ac := f.context(t, b)
	nodes := f.client.ConnectedNodes()
	signURL := func(i int) string { return nodes[i] + pkp.PKPSignPath }

	// once answers the first matching request with resp/err, then lets
	// requests through.
	once := func(url string, resp node.Response, err error) func(node.Request) (node.Response, error, bool) {
		var used atomic.Bool
		return func(req node.Request) (node.Response, error, bool) {
			if req.URL == url && used.CompareAndSwap(false, true) {
				return resp, err, true
			}
			return node.Response{}, nil, false
		}
	}
	var causes []string
	run := func(t *testing.T, wantRotations int64) *delegation.Signer {
		t.Helper()
		s := delegation.NewSigner(f.client)
		s.OnRotate = func(err error) { causes = append(causes, err.Error()) }
		before := f.faults.count(nodes[0] + handshake)
		d := randomDigest()
		sig, err := s.PkpSign(ctx, ac, d)
		if err != nil {
			t.Fatal(err)
		}
		f.checkSig(t, d, sig.Signature)
		if s.Rotations() != wantRotations {
			t.Fatalf("%d rotations, want %d", s.Rotations(), wantRotations)
		}
		if got := f.faults.count(nodes[0]+handshake) - before; int64(got) != wantRotations {
			t.Fatalf("%d handshakes, want %d", got, wantRotations)
		}
		return s
	}

	t.Run("node rejects stale session sigs", func(t *testing.T) {
		f.faults.set(once(signURL(0), litError(401, devnet.CodeInvalidSessionSig, "session signature rejected (wrong_node): signed for node \"http://127.0.0.1:1\", but this node is \""+nodes[0]+"\""), nil))
		run(t, 1)
	})
	t.Run("node restarted", func(t *testing.T) {
		f.faults.set(once(signURL(1), node.Response{}, errors.New("dial tcp: connection refused")))
		run(t, 1)
	})
	t.Run("epoch changed", func(t *testing.T) {
		f.faults.set(once(signURL(2), litError(400, "NodeInvalidEpoch", "epoch 10 is not the current epoch 11"), nil))
		run(t, 1)
	})
	t.Run("node set changed", func(t *testing.T) {
		// Connected while node 2 was away: the session signatures name
		// two nodes, whose shares do not make the PKP's signature.
		var away atomic.Bool
		away.Store(true)
		f.faults.set(func(req node.Request) (node.Response, error, bool) {
			if req.URL == nodes[2]+handshake && away.Load() {
				return node.Response{}, errors.New("connection refused"), true
			}
			return node.Response{}, nil, false
		})
		if err := f.client.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(f.client.ConnectedNodes()); n != 2 {
			t.Fatalf("%d connected", n)
		}
		away.Store(false)
		run(t, 1)
		if n := len(f.client.ConnectedNodes()); n != 3 {
			t.Fatalf("%d connected after the rotation", n)
		}
	})
	f.faults.set(nil)
	for _, c := range causes {
		if strings.Contains(c, ac.SessionKeyPair.SecretKeyHex()[:64]) {
			t.Fatal("a rotation cause quotes the session secret")
		}
	}

	t.Run("retried once only", func(t *testing.T) {
		f.faults.set(func(req node.Request) (node.Response, error, bool) {
			if req.URL == signURL(0) {
				return litError(401, devnet.CodeInvalidSessionSig, "session signature rejected (wrong_node): …"), nil, true
			}
			return node.Response{}, nil, false
		})
		defer f.faults.set(nil)
		s := delegation.NewSigner(f.client)
		before := f.faults.count(signURL(0))
		_, err := s.PkpSign(ctx, ac, randomDigest())
		if err == nil || !strings.Contains(err.Error(), "failed again") || !strings.Contains(err.Error(), "wrong_node") {
			t.Fatalf("want the second failure, got %v", err)
		}
		if n := f.faults.count(signURL(0)) - before; n != 2 || s.Rotations() != 1 {
			t.Fatalf("%d attempts, %d rotations; want 2 and 1", n, s.Rotations())
		}
	})
	t.Run("not retried", func(t *testing.T) {
		f.faults.set(once(signURL(0), litError(401, "NodeNotAuthorized", "the session is delegated by 0x…, which may not sign with PKP 0x…"), nil))
		defer f.faults.set(nil)
		s := delegation.NewSigner(f.client)
		_, err := s.PkpSign(ctx, ac, randomDigest())
		var re *pkp.RefusedError
		if !errors.As(err, &re) || s.Rotations() != 0 {
			t.Fatalf("rotations %d, %v", s.Rotations(), err)
		}
	})
	t.Run("concurrent failures share one handshake", func(t *testing.T) {
		// Node 0 refuses every session signature minted before the next
		// handshake, like a node that moved.
		var moved atomic.Bool
		moved.Store(true)
		f.faults.set(func(req node.Request) (node.Response, error, bool) {
			switch {
			case req.URL == nodes[0]+handshake:
				moved.Store(false)
			case req.URL == signURL(0) && moved.Load():
				return litError(401, devnet.CodeInvalidSessionSig, "session signature rejected (wrong_node): …"), nil, true
			}
			return node.Response{}, nil, false
		})
		defer f.faults.set(nil)
		s := delegation.NewSigner(f.client)
		before := f.faults.count(nodes[0] + handshake)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				d := randomDigest()
				sig, err := s.PkpSign(ctx, ac, d)
				if err == nil {
					err = f.sigErr(d, sig.Signature)
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := f.faults.count(nodes[0]+handshake) - before; n != 1 {
			t.Fatalf("%d handshakes for 8 concurrent failures, want 1", n)
		}
	})
}

func TestSignerConnects(t *testing.T) {
	f := setup(t)
	_, b := f.delegate(t, time.Now().Add(time.Hour))
	ac := f.context(t, b)
	c, err := node.New(node.Config{Transport: httptransport.New(nil), RPCURL: f.net.RPCURL})
	if err != nil {
		t.Fatal(err)
	}
	s := delegation.NewSigner(c)
	d := randomDigest()
	sig, err := s.PkpSign(context.Background(), ac, d)
	if err != nil {
		t.Fatal(err)
	}
	f.checkSig(t, d, sig.Signature)
	if s.Rotations() != 0 || len(c.ConnectedNodes()) != 3 {
		t.Fatalf("rotations %d, nodes %v", s.Rotations(), c.ConnectedNodes())
	}
}

func TestNeedsRotation(t *testing.T) {
	ne := func(code, msg string) error { return &node.NodeError{Code: code, Message: msg} }
	for _, c := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{context.Canceled, false},
		{&node.NotEnoughNodesError{}, true},
		{&node.NodesUnreachableError{}, true},
		{pkp.ErrBadShares, true},
		{delegation.ErrNodeSetChanged, true},
		{&delegation.DelegationError{Reason: delegation.ReasonExpired}, false},
		{ne("NodeInvalidSessionSig", "session signature rejected (wrong_node): x"), true},
		{ne("NodeInvalidSessionSig", "session signature rejected (not_authorized): x"), false},
		{ne("NodeInvalidSessionSig", "session signature rejected (capability_expired): x"), false},
		{ne("NodeInvalidAuthSig", "bad"), true},
		{ne("NodeInvalidEpoch", "epoch"), true},
		{ne("NodeNotAuthorized", "no"), false},
		{ne("NodePKPNotFound", "no"), false},
		{&pkp.RefusedError{Refusals: map[string]*node.NodeError{"a": {Code: "NodeInvalidSessionSig", Message: "session signature rejected (expired): x"}}}, true},
	} {
		if got := delegation.NeedsRotation(c.err); got != c.want {
			t.Errorf("NeedsRotation(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
