package node

import (
	"reflect"
	"testing"
)

// TestCombine checks that every field takes its own most common value
// (ties to the last), and that a field missing from a node does not count.
func TestCombine(t *testing.T) {
	hs := func(n int) HandshakeResponse {
		s := string(rune('a' + n))
		return HandshakeResponse{
			ServerPublicKey:     "server-" + s,
			SubnetPublicKey:     "subnet-" + s,
			NetworkPublicKey:    "network-" + s,
			NetworkPublicKeySet: "set-" + s,
			HDRootPubkeys:       []string{"hd1-" + s, "hd2-" + s},
			LatestBlockhash:     "hash-" + s,
			Epoch:               uint64(10 + n),
		}
	}
	a, b := hs(0), hs(1)
	b2 := b
	b2.Epoch = 0           // no epoch: does not count
	b2.HDRootPubkeys = nil // no keys: does not count
	peers := []Peer{{"u1", a}, {"u2", b}, {"u3", a}, {"u4", b2}}
	got := combine(peers)
	want := combined{
		serverPublicKeys: map[string]string{"u1": "server-a", "u2": "server-b", "u3": "server-a", "u4": "server-b"},
		// b wins the string fields 2:2 by occurring last; a wins hd and epoch 2:1.
		subnetPublicKey:     "subnet-b",
		networkPublicKey:    "network-b",
		networkPublicKeySet: "set-b",
		hdRootPubkeys:       []string{"hd1-a", "hd2-a"},
		latestBlockhash:     "hash-b",
		epoch:               10,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("combine =\n%+v\nwant\n%+v", got, want)
	}
	if got := combine(nil); got.hdRootPubkeys != nil || got.epoch != 0 || got.subnetPublicKey != "" {
		t.Errorf("combine(nil) = %+v, want empty", got)
	}
}
