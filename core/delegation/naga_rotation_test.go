package delegation_test

import (
	"context"
	"math/big"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/devnet"
)

// TestNagaRotation runs the worker's Signer on a naga devnet whose node
// set really changes: two validators leave and two join between
// requests, then a chosen node dies while a request is on its way to it.
// Each time the Signer handshakes again once, signs for the nodes that
// are there, and every signature recovers to the PKP.
func TestNagaRotation(t *testing.T) {
	f := setupNaga(t, "sign=1,2,3,4")
	nw := f.net
	ctx := context.Background()
	_, b := f.delegate(t, time.Now().Add(time.Hour))
	ac := f.context(t, b)

	var causes []string
	var mu sync.Mutex
	s := delegation.NewSigner(f.client)
	s.OnRotate = func(err error) { mu.Lock(); causes = append(causes, err.Error()); mu.Unlock() }
	sign := func(t *testing.T) {
		t.Helper()
		dg := randomDigest()
		sig, err := s.PkpSign(ctx, ac, dg)
		if err != nil {
			t.Fatal(err)
		}
		f.checkSig(t, dg, sig.Signature)
	}
	sign(t)
	if s.Rotations() != 0 {
		t.Fatalf("%d rotations before any change", s.Rotations())
	}

	// Nodes 4 and 5 join (signing at 5 and 6 wei), nodes 0 and 1 leave:
	// of the nodes the client knows, two are left, one short of the
	// threshold. Eight concurrent requests cause one handshake.
	for _, price := range []int64{5, 6} {
		if _, err := nw.AddNode(devnet.NodeOptions{Prices: map[devnet.Product]*big.Int{devnet.ProductSign: big.NewInt(price)}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, i := range []int{0, 1} {
		if err := nw.RemoveNode(i); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dg := randomDigest()
			sig, err := s.PkpSign(ctx, ac, dg)
			if err == nil {
				err = f.sigErr(dg, sig.Signature)
			}
			if err != nil {
				failed.Add(1)
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if failed.Load() != 0 {
		t.FailNow()
	}
	if s.Rotations() != 1 {
		t.Fatalf("%d rotations after the node set changed, want 1 (causes %q)", s.Rotations(), causes)
	}
	if got, want := f.client.ConnectedNodes(), nw.ValidatorURLs(); !slices.Equal(got, want) {
		t.Fatalf("connected to %v, validators %v", got, want)
	}
	sign(t)
	if s.Rotations() != 1 {
		t.Fatalf("%d rotations on a stable node set, want 1", s.Rotations())
	}

	// Node 2, the cheapest signer now, dies when a pkp sign request is on
	// its way: the request fails, the Signer handshakes with the three
	// nodes left and signs with them.
	victim := nw.Node(2)
	var stopped atomic.Bool
	f.faults.set(func(req node.Request) (node.Response, error, bool) {
		if req.URL == victim.URL+devnet.NagaPKPSignPath && stopped.CompareAndSwap(false, true) {
			if err := nw.StopNode(victim.Index); err != nil {
				t.Error(err)
			}
		}
		return node.Response{}, nil, false
	})
	sign(t)
	if !stopped.Load() || s.Rotations() != 2 {
		t.Fatalf("node stopped %v, %d rotations, want 2 (causes %q)", stopped.Load(), s.Rotations(), causes)
	}
	if slices.Contains(f.client.ConnectedNodes(), victim.URL) {
		t.Fatalf("still connected to the stopped node %s", victim.URL)
	}
	f.faults.set(nil)

	// It comes back; the Signer keeps signing without another handshake.
	if err := nw.StartNode(victim.Index); err != nil {
		t.Fatal(err)
	}
	sign(t)
	if s.Rotations() != 2 {
		t.Fatalf("%d rotations after the node came back, want 2", s.Rotations())
	}
	t.Logf("rotation causes: %q", causes)
}
