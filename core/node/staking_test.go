package node

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

func TestValidatorsSelector(t *testing.T) {
	want := crypto.Keccak256([]byte("getActiveUnkickedValidatorStructsAndCounts()"))[:4]
	if !bytes.Equal(ValidatorsSelector[:], want) {
		t.Fatalf("selector = %x, want %x", ValidatorsSelector, want)
	}
	if hex.EncodeToString(ValidatorsCallData()) != "c51d020e" {
		t.Fatalf("call data = %x", ValidatorsCallData())
	}
}

// exampleSet is the two-validator example of docs/protocol.md#validator-struct.
func exampleSet() ValidatorSet {
	return ValidatorSet{
		Epoch:        Epoch{Length: 3600, Number: 10, EndTime: 1700003600, Retries: 0, Timeout: 60},
		MinNodeCount: 2,
		Validators: []Validator{
			{IP: 0x7f000001, Port: 7470, NodeAddress: common.HexToAddress("0x" + strings.Repeat("11", 20))},
			{IP: 0x7f000001, Port: 7471, NodeAddress: common.HexToAddress("0x" + strings.Repeat("22", 20))},
		},
	}
}

func TestEncodeValidatorSetLayout(t *testing.T) {
	data, err := EncodeValidatorSet(exampleSet())
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != 22*32 {
		t.Fatalf("encoding is %d bytes, want %d", len(data), 22*32)
	}
	word := func(i int) *big.Int { return new(big.Int).SetBytes(data[i*32 : (i+1)*32]) }
	for i, want := range map[int]int64{
		0: 3600, 1: 10, 2: 1700003600, 3: 0, 4: 60, // epoch
		5: 2,                                 // minNodeCount
		6: 224,                               // offset of the array
		7: 2,                                 // array length
		8: 0x7f000001, 9: 0, 10: 7470, 12: 0, // first validator
		15: 0x7f000001, 17: 7471,
	} {
		if word(i).Cmp(big.NewInt(want)) != 0 {
			t.Errorf("word %d = %v, want %d", i, word(i), want)
		}
	}
	if got := hex.EncodeToString(data[11*32+12 : 12*32]); got != strings.Repeat("11", 20) {
		t.Errorf("first nodeAddress = %s", got)
	}
}

func TestValidatorSetRoundTrip(t *testing.T) {
	in := exampleSet()
	in.Validators[1].Reward = big.NewInt(5)
	in.Validators[1].IPv6 = new(big.Int).Lsh(big.NewInt(1), 127)
	in.Validators[0].ReceiverPubKey = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	data, err := EncodeValidatorSet(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := DecodeValidatorSet(data)
	if err != nil {
		t.Fatal(err)
	}
	// Nil big integers decode as zero.
	zero := func(x **big.Int) {
		if *x == nil {
			*x = new(big.Int)
		}
	}
	for i := range in.Validators {
		v := &in.Validators[i]
		zero(&v.IPv6)
		zero(&v.Reward)
		zero(&v.SenderPubKey)
		zero(&v.ReceiverPubKey)
	}
	// big.Int internals differ between equal values; compare printed forms.
	if fmt.Sprintf("%+v", in) != fmt.Sprintf("%+v", out) {
		t.Fatalf("round trip:\n in  %+v\n out %+v", in, out)
	}
	urls, err := out.URLs()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"http://127.0.0.1:7470", "http://127.0.0.1:7471"}; !reflect.DeepEqual(urls, want) {
		t.Fatalf("URLs = %v, want %v", urls, want)
	}
}

func TestEncodeValidatorSetRejectsOverflow(t *testing.T) {
	s := exampleSet()
	s.Validators[0].IPv6 = new(big.Int).Lsh(big.NewInt(1), 128)
	if _, err := EncodeValidatorSet(s); err == nil || !strings.Contains(err.Error(), "ipv6") {
		t.Fatalf("err = %v, want ipv6 overflow", err)
	}
	s = exampleSet()
	s.Validators[0].Reward = big.NewInt(-1)
	if _, err := EncodeValidatorSet(s); err == nil {
		t.Fatal("negative reward encoded")
	}
}

func TestDecodeValidatorSetRejects(t *testing.T) {
	good, _ := EncodeValidatorSet(exampleSet())
	for name, data := range map[string][]byte{
		"empty":     nil,
		"short":     good[:100],
		"truncated": good[:len(good)-32],
		"huge array length": func() []byte {
			b := bytes.Clone(good)
			b[7*32+1] = 0xff
			return b
		}(),
		"epoch over 64 bits": func() []byte {
			b := bytes.Clone(good)
			b[1*32] = 1
			return b
		}(),
	} {
		if _, err := DecodeValidatorSet(data); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

func TestNodeURL(t *testing.T) {
	for _, tc := range []struct {
		ip, port uint32
		want     string
	}{
		{0x7f000001, 7470, "http://127.0.0.1:7470"},
		{0xc0000201, 443, "https://192.0.2.1:443"},
		{0x0a000005, 80, "http://10.0.0.5:80"},
	} {
		got, err := NodeURL(tc.ip, tc.port)
		if err != nil || got != tc.want {
			t.Errorf("NodeURL(%#x, %d) = %q, %v; want %q", tc.ip, tc.port, got, err, tc.want)
		}
	}
	for _, tc := range [][2]uint32{{0x7f000001, 0}, {0x7f000001, 70000}, {0, 7470}} {
		if _, err := NodeURL(tc[0], tc[1]); err == nil {
			t.Errorf("NodeURL(%#x, %d) succeeded", tc[0], tc[1])
		}
	}
}

func TestURLsThreshold(t *testing.T) {
	for _, n := range []uint64{0, 3} {
		s := exampleSet()
		s.MinNodeCount = n
		if _, err := s.URLs(); err == nil || !strings.Contains(err.Error(), "threshold") {
			t.Errorf("minNodeCount %d: err = %v", n, err)
		}
	}
	s := exampleSet()
	s.Validators[1].Port = 7470
	if _, err := s.URLs(); err == nil {
		t.Error("duplicate validator accepted")
	}
	if _, err := (ValidatorSet{MinNodeCount: 1}).URLs(); err == nil {
		t.Error("empty validator set accepted")
	}
}

func TestEpochToSend(t *testing.T) {
	const end = 1_700_003_600
	e := Epoch{Length: 3600, Number: 10, EndTime: end} // starts at 1_700_000_000
	for _, tc := range []struct {
		name   string
		e      Epoch
		now    int64
		expect uint64
	}{
		{"just started", e, 1_700_000_010, 9},
		{"44 s in", e, 1_700_000_044, 9},
		{"45 s in", e, 1_700_000_045, 10},
		{"long ago", e, 1_700_001_000, 10},
		{"before start", e, 1_699_999_000, 9},
		{"number 2 never goes back", Epoch{Length: 3600, Number: 2, EndTime: end}, 1_700_000_010, 2},
		{"number 3 goes back", Epoch{Length: 3600, Number: 3, EndTime: end}, 1_700_000_010, 2},
		{"length beyond end", Epoch{Length: 10, Number: 5, EndTime: 5}, 1_700_000_000, 5},
		{"huge end time", Epoch{Length: 1, Number: 5, EndTime: ^uint64(0)}, 1_700_000_000, 4},
	} {
		if got := EpochToSend(tc.e, tc.now); got != tc.expect {
			t.Errorf("%s: EpochToSend = %d, want %d", tc.name, got, tc.expect)
		}
	}
}

func FuzzDecodeValidatorSet(f *testing.F) {
	good, _ := EncodeValidatorSet(exampleSet())
	f.Add(good)
	f.Add(good[:64])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeValidatorSet(data)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode, and URLs must not panic.
		if _, err := EncodeValidatorSet(s); err != nil {
			t.Fatalf("decoded set does not re-encode: %v", err)
		}
		s.URLs()
	})
}

// NodeURL writes the dotted quad as net/netip does.
func TestNodeURLMatchesNetip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 10000 {
		ip := r.Uint32()
		switch i {
		case 0:
			ip = 1
		case 1:
			ip = 0xffffffff
		case 2:
			ip = 0x0a00000a
		}
		port := uint32(1 + r.IntN(65535))
		got, err := NodeURL(ip, port)
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], ip)
		scheme := "http://"
		if port == 443 {
			scheme = "https://"
		}
		want := scheme + netip.AddrFrom4(b).String() + ":" + strconv.Itoa(int(port))
		if err != nil || got != want {
			t.Fatalf("NodeURL(%#x, %d) = %q, %v; want %q", ip, port, got, err, want)
		}
	}
}
