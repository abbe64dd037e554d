package devnet

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
)

// publishedABI parses contract's ABI from the embedded networkContext ABIs
// with go-ethereum's accounts/abi (tests only).
func publishedABI(t *testing.T, contract string) abi.ABI {
	t.Helper()
	var abis map[string]json.RawMessage
	if err := json.Unmarshal(nagaABIs, &abis); err != nil {
		t.Fatal(err)
	}
	a, err := abi.JSON(bytes.NewReader(abis[contract]))
	if err != nil {
		t.Fatalf("%s ABI: %v", contract, err)
	}
	return a
}

func TestNagaSelectors(t *testing.T) {
	for sig, sel := range map[string][4]byte{
		"getActiveUnkickedValidatorStructsAndCounts(uint256)": nagaValidatorsSelector,
		"getNodesForRequest(uint256,uint256[])":               nodesForRequestSelector,
	} {
		if got := [4]byte(crypto.Keccak256([]byte(sig))); got != sel {
			t.Errorf("%s: selector %x, want %x", sig, sel, got)
		}
	}
	if id := publishedABI(t, "Staking").Methods["getActiveUnkickedValidatorStructsAndCounts"].ID; !bytes.Equal(id, nagaValidatorsSelector[:]) {
		t.Errorf("published Staking ABI selector %x", id)
	}
	if id := publishedABI(t, "PriceFeed").Methods["getNodesForRequest"].ID; !bytes.Equal(id, nodesForRequestSelector[:]) {
		t.Errorf("published PriceFeed ABI selector %x", id)
	}
}

// abiValidator is the published Validator tuple as accounts/abi builds it.
func abiValidator(v nagaValidator) map[string]any {
	z := func() *big.Int { return new(big.Int) }
	return map[string]any{
		"ip": v.IP, "ipv6": z(), "port": v.Port, "nodeAddress": v.NodeAddress,
		"reward": z(), "senderPubKey": z(), "receiverPubKey": z(),
		"lastActiveEpoch": new(big.Int).SetUint64(v.LastActiveEpoch), "commissionRate": z(),
		"lastRewardEpoch": new(big.Int).SetUint64(v.LastActiveEpoch), "lastRealmId": new(big.Int).SetUint64(v.LastRealmID),
		"delegatedStakeAmount": z(), "delegatedStakeWeight": z(),
		"lastRewardEpochClaimedFixedCostRewards": z(), "lastRewardEpochClaimedCommission": z(),
		"operatorAddress": v.OperatorAddress, "uniqueDelegatingStakerCount": z(), "registerAttestedWalletDisabled": false,
	}
}

// toABIValue converts want (maps for tuples, slices for arrays) into the
// Go value of type typ that accounts/abi packs and unpacks.
func toABIValue(t *testing.T, typ abi.Type, want any) reflect.Value {
	t.Helper()
	switch typ.T {
	case abi.TupleTy:
		m := want.(map[string]any)
		v := reflect.New(typ.GetType()).Elem()
		if len(m) != len(typ.TupleElems) {
			t.Fatalf("tuple %s: %d values for %d fields", typ.TupleRawName, len(m), len(typ.TupleElems))
		}
		for i, el := range typ.TupleElems {
			x, ok := m[typ.TupleRawNames[i]]
			if !ok {
				t.Fatalf("tuple %s: no value for %s", typ.TupleRawName, typ.TupleRawNames[i])
			}
			v.Field(i).Set(toABIValue(t, *el, x))
		}
		return v
	case abi.SliceTy:
		xs := reflect.ValueOf(want)
		v := reflect.MakeSlice(typ.GetType(), xs.Len(), xs.Len())
		for i := range xs.Len() {
			v.Index(i).Set(toABIValue(t, *typ.Elem, xs.Index(i).Interface()))
		}
		return v
	}
	return reflect.ValueOf(want)
}

func sampleValidators() []nagaValidator {
	return []nagaValidator{
		{IP: 0x7f000001, Port: 7470, NodeAddress: common.HexToAddress("0x1111111111111111111111111111111111111111"), OperatorAddress: common.HexToAddress("0x2222222222222222222222222222222222222222"), LastActiveEpoch: 10, LastRealmID: 1},
		{IP: 0x0a000002, Port: 65535, NodeAddress: common.HexToAddress("0x3333333333333333333333333333333333333333"), OperatorAddress: common.HexToAddress("0x4444444444444444444444444444444444444444"), LastActiveEpoch: 11, LastRealmID: 1},
	}
}

// TestNagaValidatorsMatchABI: our hand encoding of the staking answer is
// byte for byte what accounts/abi packs from the published ABI.
func TestNagaValidatorsMatchABI(t *testing.T) {
	out := publishedABI(t, "Staking").Methods["getActiveUnkickedValidatorStructsAndCounts"].Outputs
	e := nagaEpoch{3600, 10, 10, 11, 1700003600, 0, 60, 1700000000, 1700000000}
	for _, vs := range [][]nagaValidator{nil, sampleValidators()[:1], sampleValidators()} {
		epoch := map[string]any{}
		for i, name := range []string{"epochLength", "number", "rewardEpochNumber", "nextRewardEpochNumber", "endTime", "retries", "timeout", "startTime", "lastAdvanceVoteTime"} {
			epoch[name] = new(big.Int).SetUint64(e[i])
		}
		list := make([]any, len(vs))
		for i, v := range vs {
			list[i] = abiValidator(v)
		}
		want, err := out.Pack(toABIValue(t, out[0].Type, epoch).Interface(), big.NewInt(3), toABIValue(t, out[2].Type, list).Interface())
		if err != nil {
			t.Fatal(err)
		}
		got := encodeNagaValidators(e, 3, vs)
		if !bytes.Equal(got, want) {
			t.Fatalf("%d validators:\n got %x\nwant %x", len(vs), got, want)
		}
		if _, err := out.Unpack(got); err != nil {
			t.Fatalf("accounts/abi cannot decode our encoding: %v", err)
		}
	}
}

// TestNodesForRequestMatchesABI: the same for the price feed's answer, a
// dynamic array of dynamic tuples.
func TestNodesForRequestMatchesABI(t *testing.T) {
	m := publishedABI(t, "PriceFeed").Methods["getNodesForRequest"]
	big128 := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))
	for _, prices := range [][][]*big.Int{
		{},
		{{big.NewInt(1)}},
		{{big.NewInt(1000), big.NewInt(2000), big128, big.NewInt(0)}, {}},
	} {
		vs := sampleValidators()[:len(prices)]
		entries := make([]nodePrices, len(vs))
		list := make([]any, len(vs))
		for i, v := range vs {
			entries[i] = nodePrices{v, prices[i]}
			ps := prices[i]
			if ps == nil {
				ps = []*big.Int{}
			}
			list[i] = map[string]any{"validator": abiValidator(v), "prices": ps}
		}
		want, err := m.Outputs.Pack(big.NewInt(10), big.NewInt(2), toABIValue(t, m.Outputs[2].Type, list).Interface())
		if err != nil {
			t.Fatal(err)
		}
		if got := encodeNodesForRequest(10, 2, entries); !bytes.Equal(got, want) {
			t.Fatalf("%d entries:\n got %x\nwant %x", len(entries), got, want)
		}
	}
	// Our decoder reads what accounts/abi packs, and nothing else.
	args, err := m.Inputs.Pack(big.NewInt(1), []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(2), big.NewInt(3)})
	if err != nil {
		t.Fatal(err)
	}
	realm, products, err := decodeNodesForRequest(args)
	if err != nil || realm != 1 || !reflect.DeepEqual(products, []Product{ProductDecryption, ProductSign, ProductLitAction, ProductSignSessionKey}) {
		t.Fatalf("decode: %d %v %v", realm, products, err)
	}
}

func TestDecodeNodesForRequestRefusesNonCanonical(t *testing.T) {
	word := func(v uint64) string {
		return strings.Repeat("0", 48) + hex.EncodeToString(new(big.Int).SetUint64(v).FillBytes(make([]byte, 8)))
	}
	args := func(ws ...string) []byte { b, _ := hex.DecodeString(strings.Join(ws, "")); return b }
	for name, a := range map[string][]byte{
		"offset 0x60":      args(word(1), word(0x60), word(0), word(1), word(1)),
		"trailing bytes":   args(word(1), word(0x40), word(1), word(1), word(0)),
		"short":            args(word(1), word(0x40), word(2), word(1)),
		"unknown product":  args(word(1), word(0x40), word(1), word(4)),
		"huge product id":  args(word(1), word(0x40), word(1), "01"+strings.Repeat("0", 62)),
		"too many":         args(append([]string{word(1), word(0x40), word(17)}, strings.Split(strings.Repeat(word(1)+",", 17), ",")[:17]...)...),
		"no array":         args(word(1)),
		"huge array count": args(word(1), word(0x40), "ff"+strings.Repeat("0", 62)),
	} {
		if _, _, err := decodeNodesForRequest(a); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := decodeRealm(args(word(1), word(0))); err == nil {
		t.Error("realm with trailing bytes accepted")
	}
}

func ethCallData(t *testing.T, rpcURL, to string, data []byte) rpcAnswer {
	t.Helper()
	return rpc(t, httpClient(t), rpcURL, "eth_call", map[string]string{"to": to, "data": hexutil.Encode(data)}, "latest")
}

// TestNagaChainServesTheContracts: over JSON-RPC, a naga devnet answers the
// staking and price-feed calls at their addresses with its nodes, epoch and
// prices, and reverts everything else.
func TestNagaChainServesTheContracts(t *testing.T) {
	prices, err := ParsePrices("sign=2000,2001,2002;signsessionkey=7")
	if err != nil {
		t.Fatal(err)
	}
	n := start(t, Config{Network: NetworkNaga, Nodes: 4, Threshold: 3, Prices: prices})
	staking := publishedABI(t, "Staking").Methods["getActiveUnkickedValidatorStructsAndCounts"]
	priceFeed := publishedABI(t, "PriceFeed").Methods["getNodesForRequest"]

	call, _ := staking.Inputs.Pack(big.NewInt(NagaRealmID))
	a := ethCallData(t, n.RPCURL, stakingAddress.Hex(), append(staking.ID, call...))
	if a.Error != nil {
		t.Fatalf("staking call: %+v", a.Error)
	}
	var raw hexutil.Bytes
	if err := json.Unmarshal(a.Result, &raw); err != nil {
		t.Fatal(err)
	}
	vals, err := staking.Outputs.Unpack(raw)
	if err != nil {
		t.Fatal(err)
	}
	epoch := reflect.ValueOf(vals[0])
	if num := epoch.FieldByName("Number").Interface().(*big.Int); num.Uint64() != n.Epoch() {
		t.Errorf("epoch number %v, want %d", num, n.Epoch())
	}
	if end, length := epoch.FieldByName("EndTime").Interface().(*big.Int), epoch.FieldByName("EpochLength").Interface().(*big.Int); end.Int64()-length.Int64() > n.Chain.now().Unix() {
		t.Errorf("the epoch starts in the future: end %v length %v", end, length)
	}
	if vals[1].(*big.Int).Int64() != 3 {
		t.Errorf("minNodeCount %v, want 3", vals[1])
	}
	validators := reflect.ValueOf(vals[2])
	if validators.Len() != 4 {
		t.Fatalf("%d validators, want 4", validators.Len())
	}
	for i, nd := range n.Nodes {
		v := validators.Index(i)
		if v.FieldByName("Ip").Interface().(uint32) != nd.ip || v.FieldByName("Port").Interface().(uint32) != nd.port || v.FieldByName("NodeAddress").Interface().(common.Address) != nd.Address {
			t.Errorf("validator %d: %+v, want node %s", i, v.Interface(), nd.URL)
		}
	}

	call, _ = priceFeed.Inputs.Pack(big.NewInt(NagaRealmID), []*big.Int{big.NewInt(1), big.NewInt(3), big.NewInt(0)})
	a = ethCallData(t, n.RPCURL, priceFeedAddress.Hex(), append(priceFeed.ID, call...))
	if a.Error != nil {
		t.Fatalf("price feed call: %+v", a.Error)
	}
	json.Unmarshal(a.Result, &raw)
	vals, err = priceFeed.Outputs.Unpack(raw)
	if err != nil {
		t.Fatal(err)
	}
	if vals[0].(*big.Int).Uint64() != n.Epoch() || vals[1].(*big.Int).Int64() != 3 {
		t.Errorf("epochId %v minNodeCount %v", vals[0], vals[1])
	}
	entries := reflect.ValueOf(vals[2])
	if entries.Len() != 4 {
		t.Fatalf("%d entries, want 4", entries.Len())
	}
	for i, nd := range n.Nodes {
		e := entries.Index(i)
		if e.FieldByName("Validator").FieldByName("Port").Interface().(uint32) != nd.port {
			t.Errorf("entry %d is not node %d", i, i)
		}
		var got []string
		for _, p := range e.FieldByName("Prices").Interface().([]*big.Int) {
			got = append(got, p.String())
		}
		want := []string{nd.Price(ProductSign).String(), "7", nd.Price(ProductDecryption).String()}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("node %d prices %v, want %v", i, got, want)
		}
	}
	if nd := n.Nodes[3]; nd.Price(ProductSign).String() != "2002" {
		t.Errorf("node 3 sign price %v: the last price repeats", nd.Price(ProductSign))
	}

	callStaking, _ := staking.Inputs.Pack(big.NewInt(NagaRealmID))
	callRealm2, _ := staking.Inputs.Pack(big.NewInt(2))
	for name, c := range map[string]struct {
		to   string
		data []byte
		want string
	}{
		"staking at the price feed": {priceFeedAddress.Hex(), append(staking.ID, callStaking...), "answers only"},
		"price feed at staking":     {stakingAddress.Hex(), append(priceFeed.ID, call...), "answers only"},
		"datil selector":            {stakingAddress.Hex(), []byte{0xc5, 0x1d, 0x02, 0x0e}, "answers only"},
		"realm 2":                   {stakingAddress.Hex(), append(staking.ID, callRealm2...), "realm 2 does not exist"},
		"no arguments":              {stakingAddress.Hex(), staking.ID, "one uint256 realmId"},
		"short selector":            {stakingAddress.Hex(), []byte{0xd0}, "4-byte selector"},
	} {
		a := ethCallData(t, n.RPCURL, c.to, c.data)
		if a.Error == nil || a.Error.Code != rpcExecution || !strings.Contains(a.Error.Message, c.want) {
			t.Errorf("%s: %+v, want a revert containing %q", name, a.Error, c.want)
		}
	}
	if a := ethCallData(t, n.RPCURL, "0x1234", append(staking.ID, callStaking...)); a.Error == nil || a.Error.Code != rpcInvalidParams {
		t.Errorf("a bad to address: %+v", a.Error)
	}

	c := httpClient(t)
	if a := rpc(t, c, n.RPCURL, "eth_chainId"); string(a.Result) != `"0x7a69"` {
		t.Errorf("eth_chainId %s, want 31337 (nagaLocal's Anvil chain)", a.Result)
	}
	if a := rpc(t, c, n.RPCURL, "eth_getLogs", map[string]any{"address": stakingAddress.Hex()}); string(a.Result) != "[]" {
		t.Errorf("eth_getLogs %s", a.Result)
	}
	if a := rpc(t, c, n.RPCURL, "eth_blockNumber"); a.Error != nil || len(a.Result) < 4 {
		t.Errorf("eth_blockNumber %s %+v", a.Result, a.Error)
	}
}

// TestDatilChainUnchanged: a datil devnet still answers the v7 call at any
// address and knows no naga call.
func TestDatilChainUnchanged(t *testing.T) {
	n := start(t, Config{})
	if a := ethCallData(t, n.RPCURL, "0x0000000000000000000000000000000000000001", []byte{0xc5, 0x1d, 0x02, 0x0e}); a.Error != nil {
		t.Errorf("v7 call: %+v", a.Error)
	}
	call := append(nagaValidatorsSelector[:], make([]byte, 31)...)
	if a := ethCallData(t, n.RPCURL, stakingAddress.Hex(), append(call, 1)); a.Error == nil {
		t.Error("a datil devnet answered the naga staking call")
	}
}
