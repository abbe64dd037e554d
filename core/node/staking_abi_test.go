package node

import (
	"bytes"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
)

// The hand-written encoder and decoder in staking.go are checked here against
// go-ethereum's generic ABI implementation of the same return type.

var stakingOutputs = func() abi.Arguments {
	mustType := func(t string, comps []abi.ArgumentMarshaling) abi.Type {
		typ, err := abi.NewType(t, "", comps)
		if err != nil {
			panic("node: bad staking ABI: " + err.Error())
		}
		return typ
	}
	u256 := func(name string) abi.ArgumentMarshaling {
		return abi.ArgumentMarshaling{Name: name, Type: "uint256"}
	}
	epoch := mustType("tuple", []abi.ArgumentMarshaling{
		u256("epochLength"), u256("number"), u256("endTime"), u256("retries"), u256("timeout"),
	})
	validators := mustType("tuple[]", []abi.ArgumentMarshaling{
		{Name: "ip", Type: "uint32"},
		{Name: "ipv6", Type: "uint128"},
		{Name: "port", Type: "uint32"},
		{Name: "nodeAddress", Type: "address"},
		u256("reward"), u256("senderPubKey"), u256("receiverPubKey"),
	})
	return abi.Arguments{
		{Name: "epoch", Type: epoch},
		{Name: "minNodeCount", Type: mustType("uint256", nil)},
		{Name: "validators", Type: validators},
	}
}()

// abiEpoch, abiValidator and abiResult mirror the ABI tuples field by field,
// with the Go types go-ethereum's abi package uses.
type abiEpoch struct {
	EpochLength *big.Int
	Number      *big.Int
	EndTime     *big.Int
	Retries     *big.Int
	Timeout     *big.Int
}

type abiValidator struct {
	Ip             uint32
	Ipv6           *big.Int
	Port           uint32
	NodeAddress    common.Address
	Reward         *big.Int
	SenderPubKey   *big.Int
	ReceiverPubKey *big.Int
}

type abiResult struct {
	Epoch        abiEpoch
	MinNodeCount *big.Int
	Validators   []abiValidator
}

func orZero(x *big.Int) *big.Int {
	if x == nil {
		return new(big.Int)
	}
	return x
}

// abiEncode encodes s with go-ethereum's abi package.
func abiEncode(t *testing.T, s ValidatorSet) []byte {
	t.Helper()
	u64 := func(v uint64) *big.Int { return new(big.Int).SetUint64(v) }
	e := abiEpoch{u64(s.Epoch.Length), u64(s.Epoch.Number), u64(s.Epoch.EndTime), u64(s.Epoch.Retries), u64(s.Epoch.Timeout)}
	vs := make([]abiValidator, len(s.Validators))
	for i, v := range s.Validators {
		vs[i] = abiValidator{v.IP, orZero(v.IPv6), v.Port, v.NodeAddress, orZero(v.Reward), orZero(v.SenderPubKey), orZero(v.ReceiverPubKey)}
	}
	data, err := stakingOutputs.Pack(e, u64(s.MinNodeCount), vs)
	if err != nil {
		t.Fatalf("abi.Pack: %v", err)
	}
	return data
}

// abiDecode decodes data with go-ethereum's abi package into a ValidatorSet;
// ok is false when abi rejects the data or a value does not fit the Go type.
func abiDecode(data []byte) (s ValidatorSet, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	values, err := stakingOutputs.Unpack(data)
	if err != nil {
		return s, false
	}
	var raw abiResult
	if err := stakingOutputs.Copy(&raw, values); err != nil {
		return s, false
	}
	for _, f := range []struct {
		dst *uint64
		src *big.Int
	}{
		{&s.Epoch.Length, raw.Epoch.EpochLength},
		{&s.Epoch.Number, raw.Epoch.Number},
		{&s.Epoch.EndTime, raw.Epoch.EndTime},
		{&s.Epoch.Retries, raw.Epoch.Retries},
		{&s.Epoch.Timeout, raw.Epoch.Timeout},
		{&s.MinNodeCount, raw.MinNodeCount},
	} {
		if !f.src.IsUint64() {
			return s, false
		}
		*f.dst = f.src.Uint64()
	}
	s.Validators = make([]Validator, len(raw.Validators))
	for i, v := range raw.Validators {
		s.Validators[i] = Validator{v.Ip, v.Ipv6, v.Port, v.NodeAddress, v.Reward, v.SenderPubKey, v.ReceiverPubKey}
	}
	return s, true
}

func randomSet(r *rand.Rand, n int) ValidatorSet {
	bigN := func(bits int) *big.Int {
		switch r.IntN(4) {
		case 0:
			return nil
		case 1: // the maximum value
			return new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(bits)), big.NewInt(1))
		}
		b := make([]byte, bits/8)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return new(big.Int).SetBytes(b[r.IntN(len(b)):])
	}
	s := ValidatorSet{
		Epoch:        Epoch{r.Uint64(), r.Uint64(), r.Uint64() >> r.IntN(64), r.Uint64() >> 60, ^uint64(0)},
		MinNodeCount: uint64(r.IntN(n + 1)),
	}
	for range n {
		var addr common.Address
		for i := range addr {
			addr[i] = byte(r.Uint32())
		}
		s.Validators = append(s.Validators, Validator{
			IP: r.Uint32(), IPv6: bigN(128), Port: r.Uint32() >> r.IntN(32), NodeAddress: addr,
			Reward: bigN(256), SenderPubKey: bigN(256), ReceiverPubKey: bigN(256),
		})
	}
	return s
}

// same compares two sets, treating nil big integers as zero.
func same(a, b ValidatorSet) bool {
	norm := func(s ValidatorSet) string {
		for i := range s.Validators {
			v := &s.Validators[i]
			v.IPv6, v.Reward, v.SenderPubKey, v.ReceiverPubKey = orZero(v.IPv6), orZero(v.Reward), orZero(v.SenderPubKey), orZero(v.ReceiverPubKey)
		}
		return fmt.Sprintf("%+v", s)
	}
	a.Validators = append([]Validator(nil), a.Validators...)
	b.Validators = append([]Validator(nil), b.Validators...)
	return norm(a) == norm(b)
}

func TestValidatorSetMatchesABI(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sets := []ValidatorSet{exampleSet(), {}, {Validators: []Validator{{}}}}
	for i := range 200 {
		sets = append(sets, randomSet(r, i%12))
	}
	for i, s := range sets {
		ours, err := EncodeValidatorSet(s)
		if err != nil {
			t.Fatalf("set %d: %v", i, err)
		}
		theirs := abiEncode(t, s)
		if !bytes.Equal(ours, theirs) {
			t.Fatalf("set %d: encodings differ\n ours   %x\n theirs %x", i, ours, theirs)
		}
		got, err := DecodeValidatorSet(theirs)
		if err != nil {
			t.Fatalf("set %d: decoding abi's encoding: %v", i, err)
		}
		if !same(got, s) {
			t.Fatalf("set %d: decoded\n %+v\nwant\n %+v", i, got, s)
		}
		back, ok := abiDecode(ours)
		if !ok || !same(back, s) {
			t.Fatalf("set %d: abi decodes our encoding as %+v (ok %v)", i, back, ok)
		}
	}
}

// TestDecodeValidatorSetStrict covers what the decoder refuses beyond the
// abi package: every word must fit its type, the array must be where
// Solidity puts it, the data must end with the array, and the count is capped.
func TestDecodeValidatorSetStrict(t *testing.T) {
	good, err := EncodeValidatorSet(exampleSet())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeValidatorSet(good); err != nil {
		t.Fatal(err)
	}
	const v0 = 8 * 32 // first validator
	for _, tc := range []struct {
		name string
		edit func(b []byte) []byte
		want string
	}{
		{"ip high bytes", func(b []byte) []byte { b[v0+27] = 1; return b }, "ip (word 8)"},
		{"ip word high byte", func(b []byte) []byte { b[v0] = 1; return b }, "ip (word 8)"},
		{"ipv6 over 128 bits", func(b []byte) []byte { b[v0+32+15] = 1; return b }, "ipv6 (word 9)"},
		{"port over 32 bits", func(b []byte) []byte { b[v0+64+27] = 1; return b }, "port (word 10)"},
		{"address high bytes", func(b []byte) []byte { b[v0+96+11] = 1; return b }, "nodeAddress (word 11)"},
		{"second validator address", func(b []byte) []byte { b[v0+7*32+96] = 1; return b }, "validator 1: nodeAddress (word 18)"},
		{"minNodeCount over 64 bits", func(b []byte) []byte { b[5*32+23] = 1; return b }, "minNodeCount (word 5)"},
		{"offset elsewhere", func(b []byte) []byte { b[6*32+31] = 0x00; b[6*32+30] = 1; return b }, "offset (word 6) is 256"},
		{"offset over 64 bits", func(b []byte) []byte { b[6*32] = 1; return b }, "offset (word 6)"},
		{"count over the cap", func(b []byte) []byte { b[7*32+30] = 0x04; b[7*32+31] = 1; return b }, "count (word 7) is 1025"},
		{"count too large for the data", func(b []byte) []byte { b[7*32+31] = 3; return b }, "3 validators take 928 bytes, but the data is 704 bytes"},
		{"count too small for the data", func(b []byte) []byte { b[7*32+31] = 1; return b }, "1 validators take 480 bytes"},
		{"trailing word", func(b []byte) []byte { return append(b, make([]byte, 32)...) }, "the data is 736 bytes"},
		{"partial word", func(b []byte) []byte { return append(b, 0) }, "not a whole number of 32-byte words"},
		{"head only", func(b []byte) []byte { return b[:7*32] }, "shorter than the 256-byte head"},
	} {
		_, err := DecodeValidatorSet(tc.edit(bytes.Clone(good)))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "node: malformed validator set: ") {
			t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.want)
		}
	}

	// The cap itself is accepted, in both directions.
	s := ValidatorSet{Validators: make([]Validator, MaxValidators)}
	data, err := EncodeValidatorSet(s)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DecodeValidatorSet(data); err != nil || len(got.Validators) != MaxValidators {
		t.Fatalf("decoding %d validators: %d, %v", MaxValidators, len(got.Validators), err)
	}
	s.Validators = append(s.Validators, Validator{})
	if _, err := EncodeValidatorSet(s); err == nil {
		t.Fatalf("encoded %d validators", len(s.Validators))
	}
}

// FuzzValidatorSetABI checks that whatever DecodeValidatorSet accepts, the
// abi package decodes to the same set, and that it re-encodes to the input.
func FuzzValidatorSetABI(f *testing.F) {
	good, _ := EncodeValidatorSet(exampleSet())
	f.Add(good)
	f.Add(good[:8*32])
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeValidatorSet(data)
		if err != nil {
			return
		}
		theirs, ok := abiDecode(data)
		if !ok || !same(s, theirs) {
			t.Fatalf("abi decodes to %+v (ok %v), we decode to %+v", theirs, ok, s)
		}
		again, err := EncodeValidatorSet(s)
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("re-encoding: %x, %v; want the input", again, err)
		}
	})
}
