package node

import (
	"bytes"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// The hand-written naga codecs are checked against go-ethereum's generic
// ABI implementation of the same types.

func nagaABITypes(t *testing.T) (epoch, validator abi.Type, validatorComps []abi.ArgumentMarshaling) {
	t.Helper()
	u := func(name string) abi.ArgumentMarshaling { return abi.ArgumentMarshaling{Name: name, Type: "uint256"} }
	epochComps := []abi.ArgumentMarshaling{u("epochLength"), u("number"), u("rewardEpochNumber"), u("nextRewardEpochNumber"),
		u("endTime"), u("retries"), u("timeout"), u("startTime"), u("lastAdvanceVoteTime")}
	validatorComps = []abi.ArgumentMarshaling{
		{Name: "ip", Type: "uint32"}, {Name: "ipv6", Type: "uint128"}, {Name: "port", Type: "uint32"}, {Name: "nodeAddress", Type: "address"},
		u("reward"), u("senderPubKey"), u("receiverPubKey"), u("lastActiveEpoch"), u("commissionRate"), u("lastRewardEpoch"),
		u("lastRealmId"), u("delegatedStakeAmount"), u("delegatedStakeWeight"), u("lastRewardEpochClaimedFixedCostRewards"),
		u("lastRewardEpochClaimedCommission"), {Name: "operatorAddress", Type: "address"}, u("uniqueDelegatingStakerCount"),
		{Name: "registerAttestedWalletDisabled", Type: "bool"},
	}
	var err error
	if epoch, err = abi.NewType("tuple", "", epochComps); err != nil {
		t.Fatal(err)
	}
	if validator, err = abi.NewType("tuple[]", "", validatorComps); err != nil {
		t.Fatal(err)
	}
	return epoch, validator, validatorComps
}

func TestNagaSelectors(t *testing.T) {
	for sig, sel := range map[string][4]byte{
		"getActiveUnkickedValidatorStructsAndCounts(uint256)": NagaValidatorsSelector,
		"getNodesForRequest(uint256,uint256[])":               NodesForRequestSelector,
	} {
		if got := crypto.Keccak256([]byte(sig))[:4]; !bytes.Equal(got, sel[:]) {
			t.Errorf("%s: selector %x, keccak says %x", sig, sel, got)
		}
	}
	u256, _ := abi.NewType("uint256", "", nil)
	u256s, _ := abi.NewType("uint256[]", "", nil)
	args, err := abi.Arguments{{Type: u256}, {Type: u256s}}.Pack(big.NewInt(1), []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(2), big.NewInt(3)})
	if err != nil {
		t.Fatal(err)
	}
	if got := NodesForRequestCallData(); !bytes.Equal(got[4:], args) {
		t.Errorf("getNodesForRequest args\n got %x\nwant %x", got[4:], args)
	}
	one, _ := abi.Arguments{{Type: u256}}.Pack(big.NewInt(1))
	if got := NagaValidatorsCallData(); !bytes.Equal(got[4:], one) {
		t.Errorf("staking args %x, want %x", got[4:], one)
	}
}

// abiNagaValidator is the struct accounts/abi packs for one Validator.
type abiNagaValidator struct {
	Ip                                     uint32
	Ipv6                                   *big.Int
	Port                                   uint32
	NodeAddress                            common.Address
	Reward, SenderPubKey, ReceiverPubKey   *big.Int
	LastActiveEpoch, CommissionRate        *big.Int
	LastRewardEpoch, LastRealmId           *big.Int
	DelegatedStakeAmount                   *big.Int
	DelegatedStakeWeight                   *big.Int
	LastRewardEpochClaimedFixedCostRewards *big.Int
	LastRewardEpochClaimedCommission       *big.Int
	OperatorAddress                        common.Address
	UniqueDelegatingStakerCount            *big.Int
	RegisterAttestedWalletDisabled         bool
}

func sampleValidators() []Validator {
	return []Validator{
		{IP: 0x7f000001, IPv6: big.NewInt(0), Port: 7470, NodeAddress: common.HexToAddress("0x1111111111111111111111111111111111111111"), Reward: big.NewInt(5), SenderPubKey: big.NewInt(6), ReceiverPubKey: big.NewInt(7)},
		{IP: 0x7f000001, IPv6: new(big.Int).Lsh(big.NewInt(1), 127), Port: 7471, NodeAddress: common.HexToAddress("0x2222222222222222222222222222222222222222"), Reward: big.NewInt(0), SenderPubKey: big.NewInt(0), ReceiverPubKey: big.NewInt(0)},
	}
}

func toABI(v Validator) abiNagaValidator {
	z := big.NewInt(0)
	return abiNagaValidator{Ip: v.IP, Ipv6: v.IPv6, Port: v.Port, NodeAddress: v.NodeAddress, Reward: v.Reward, SenderPubKey: v.SenderPubKey,
		ReceiverPubKey: v.ReceiverPubKey, LastActiveEpoch: z, CommissionRate: z, LastRewardEpoch: z, LastRealmId: z,
		DelegatedStakeAmount: z, DelegatedStakeWeight: z, LastRewardEpochClaimedFixedCostRewards: z,
		LastRewardEpochClaimedCommission: z, UniqueDelegatingStakerCount: z}
}

func TestNagaValidatorSetMatchesABI(t *testing.T) {
	epochT, validatorsT, _ := nagaABITypes(t)
	u256, _ := abi.NewType("uint256", "", nil)
	z := big.NewInt(0)
	epoch := struct {
		EpochLength, Number, RewardEpochNumber, NextRewardEpochNumber, EndTime, Retries, Timeout, StartTime, LastAdvanceVoteTime *big.Int
	}{big.NewInt(3600), big.NewInt(10), z, z, big.NewInt(1_800_000_000), big.NewInt(1), big.NewInt(60), z, z}
	vals := sampleValidators()
	var av []abiNagaValidator
	for _, v := range vals {
		av = append(av, toABI(v))
	}
	want, err := abi.Arguments{{Type: epochT}, {Type: u256}, {Type: validatorsT}}.Pack(epoch, big.NewInt(2), av)
	if err != nil {
		t.Fatal(err)
	}
	set := ValidatorSet{Epoch: Epoch{Length: 3600, Number: 10, EndTime: 1_800_000_000, Retries: 1, Timeout: 60}, MinNodeCount: 2, Validators: vals}
	got, err := EncodeNagaValidatorSet(set)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encoding differs from accounts/abi\n got %x\nwant %x", got, want)
	}
	dec, err := DecodeNagaValidatorSet(want)
	if err != nil {
		t.Fatal(err)
	}
	if dec.Epoch != set.Epoch || dec.MinNodeCount != 2 || len(dec.Validators) != 2 || dec.Validators[1].IPv6.Cmp(vals[1].IPv6) != 0 || dec.Validators[0].Port != 7470 {
		t.Fatalf("decoded %+v", dec)
	}
	// A bool of 2, a port above 32 bits and a trailing word are refused.
	for name, mutate := range map[string]func([]byte) []byte{
		"bool 2":        func(b []byte) []byte { b[(12+17+1)*32-1] = 2; return b },
		"wide port":     func(b []byte) []byte { b[(12+2)*32+27] = 1; return b },
		"trailing word": func(b []byte) []byte { return append(b, make([]byte, 32)...) },
		"epoch number":  func(b []byte) []byte { b[32] = 1; return b },
	} {
		if _, err := DecodeNagaValidatorSet(mutate(bytes.Clone(want))); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestNodesForRequestMatchesABI(t *testing.T) {
	_, _, comps := nagaABITypes(t)
	entryT, err := abi.NewType("tuple[]", "", []abi.ArgumentMarshaling{
		{Name: "validator", Type: "tuple", Components: comps},
		{Name: "prices", Type: "uint256[]"},
	})
	if err != nil {
		t.Fatal(err)
	}
	u256, _ := abi.NewType("uint256", "", nil)
	vals := sampleValidators()
	prices := [][]*big.Int{{big.NewInt(1), big.NewInt(2000), big.NewInt(3), big.NewInt(4)}, {big.NewInt(9), big.NewInt(1999), big.NewInt(8), big.NewInt(7)}}
	type entry struct {
		Validator abiNagaValidator
		Prices    []*big.Int
	}
	var entries []entry
	var r NodesForRequest
	r.EpochID, r.MinNodeCount = 10, 2
	for i, v := range vals {
		entries = append(entries, entry{toABI(v), prices[i]})
		r.Nodes = append(r.Nodes, PricedValidator{Validator: v, Prices: prices[i]})
	}
	want, err := abi.Arguments{{Type: u256}, {Type: u256}, {Type: entryT}}.Pack(big.NewInt(10), big.NewInt(2), entries)
	if err != nil {
		t.Fatal(err)
	}
	got, err := EncodeNodesForRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encoding differs from accounts/abi\n got %x\nwant %x", got, want)
	}
	dec, err := DecodeNodesForRequest(want)
	if err != nil {
		t.Fatal(err)
	}
	if dec.EpochID != 10 || len(dec.Nodes) != 2 || dec.Nodes[1].Prices[1].Int64() != 1999 || dec.Nodes[1].Validator.Port != 7471 {
		t.Fatalf("decoded %+v", dec)
	}
	if _, err := DecodeNodesForRequest(append(bytes.Clone(want), make([]byte, 32)...)); err == nil {
		t.Error("trailing word accepted")
	}
	bad := bytes.Clone(want)
	bad[5*32-1] += 32 // the first entry's offset
	if _, err := DecodeNodesForRequest(bad); err == nil {
		t.Error("a moved entry accepted")
	}
}
