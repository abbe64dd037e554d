package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/litgo/litsession/core/errcode"
)

// stubGen is a generation unlike Datil in every choice, so that a test can
// see each choice reach the wire.
type stubGen struct{}

func (stubGen) Name() string           { return "stub" }
func (stubGen) SDKVersion() string     { return "stub/1" }
func (stubGen) StakingAddress() string { return "" }

func (stubGen) Path(op Endpoint) string {
	return map[Endpoint]string{EndpointHandshake: "/stub/hello", EndpointPKPSign: "/stub/sign"}[op]
}

func (stubGen) ReadValidators(ctx context.Context, ch Chain, staking common.Address) (ValidatorSet, error) {
	data, err := ch.Call(ctx, staking, []byte{0xde, 0xad})
	if err != nil {
		return ValidatorSet{}, err
	}
	return DecodeValidatorSet(data)
}

func (stubGen) EpochToSend(e Epoch, now int64) uint64 { return e.Number + 1000 }

func (stubGen) HandshakeBody(_ [32]byte, epoch uint64) []byte {
	return []byte(`{"hello":` + strconv.FormatUint(epoch, 10) + `}`)
}

// ParseHandshake reads {"data":<flat answer>}.
func (stubGen) ParseHandshake(url string, resp Response) (HandshakeResponse, error) {
	var env struct{ Data json.RawMessage }
	if err := json.Unmarshal(resp.Body, &env); err != nil || env.Data == nil {
		return HandshakeResponse{}, errors.New("no data envelope")
	}
	return ParseHandshakeResponse(env.Data)
}

// Select picks the last need peers, priced by position.
func (stubGen) Select(_ context.Context, _ Chain, _ Endpoint, peers []Peer, need int) ([]Choice, error) {
	var out []Choice
	for i, p := range peers[len(peers)-need:] {
		out = append(out, Choice{URL: p.URL, Price: big.NewInt(int64(100 + i))})
	}
	return out, nil
}

// Seal wraps body with the peer's identity key; the answer is
// {"sealed":<payload>}.
func (stubGen) Seal(peer Peer, body []byte, epoch uint64) ([]byte, Opener, error) {
	wire := fmt.Sprintf(`{"to":%q,"key":%q,"epoch":%d,"inner":%s}`, peer.URL, peer.Handshake.NodeIdentityKey, epoch, body)
	open := func(resp Response) ([]byte, error) {
		var env struct{ Sealed json.RawMessage }
		if err := json.Unmarshal(resp.Body, &env); err != nil || env.Sealed == nil {
			return resp.Body, errors.New("not sealed")
		}
		return env.Sealed, nil
	}
	return []byte(wire), open, nil
}

func TestGenerationIsUsed(t *testing.T) {
	const rpcURL = "http://127.0.0.1:8545"
	f := newFake()
	urls := nodeURLs(3)
	set := ValidatorSet{Epoch: Epoch{Length: 3600, Number: 5, EndTime: 1 << 40}, MinNodeCount: 2}
	for i := range urls {
		set.Validators = append(set.Validators, Validator{IP: 0x7f000001, Port: uint32(7470 + i)})
		h := handshakeAnswer(hash1)
		h.NodeIdentityKey = fmt.Sprintf("key%d", i)
		f.set(urls[i]+"/stub/hello", func(context.Context, Request) (Response, error) {
			return jsonResponse(200, map[string]any{"data": h}), nil
		})
		f.set(urls[i]+"/stub/sign", func(_ context.Context, req Request) (Response, error) {
			return Response{Status: 200, Body: append(append([]byte(`{"sealed":`), req.Body...), '}')}, nil
		})
	}
	f.serveStaking(t, rpcURL, set)

	_, err := New(Config{Transport: f, RPCURL: rpcURL, Generation: stubGen{}})
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "StakingAddress" || !strings.Contains(err.Error(), "stub") {
		t.Fatalf("New without the generation's staking address: %v", err)
	}
	c, err := New(Config{Transport: f, RPCURL: rpcURL, StakingAddress: DefaultStakingAddress, Generation: stubGen{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.Generation().Name() != "stub" || c.Epoch() != 1005 || len(c.ConnectedNodes()) != 3 {
		t.Fatalf("generation %s, epoch %d, nodes %v", c.Generation().Name(), c.Epoch(), c.ConnectedNodes())
	}
	if rpc := f.requests(rpcURL); len(rpc) != 1 || !bytes.Contains(rpc[0].Body, []byte(`"data":"0xdead"`)) {
		t.Fatalf("staking read did not use the generation's call: %q", rpc)
	}
	hello := f.requests("/stub/hello")
	if len(hello) != 3 || string(hello[0].Body) != `{"hello":1005}` || hello[0].Header["X-Lit-SDK-Version"] != "stub/1" {
		t.Fatalf("handshake requests: %+v", hello)
	}

	choices, err := c.SelectNodes(context.Background(), EndpointPKPSign)
	if err != nil || len(choices) != 2 || choices[0].URL != urls[1] || choices[1].Price.Int64() != 101 {
		t.Fatalf("SelectNodes = %+v, %v", choices, err)
	}
	bodies := map[string][]byte{}
	for _, ch := range choices {
		bodies[ch.URL] = []byte(`{"price":` + ch.Price.String() + `}`)
	}
	replies, err := c.Send(context.Background(), EndpointPKPSign, bodies)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckQuorum(string(EndpointPKPSign), replies, 2); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`{"to":%q,"key":"key2","epoch":1005,"inner":{"price":101}}`, urls[2])
	if len(replies) != 2 || string(replies[1].Body) != want {
		t.Fatalf("reply = %s, want the opened %s", replies[1].Body, want)
	}
	if len(f.requests("/stub/sign")) != 2 || len(f.requests(HandshakePath)) != 0 {
		t.Fatal("requests did not take the generation's paths")
	}

	_, err = c.Send(context.Background(), EndpointSignSessionKey, bodies)
	if errcode.Of(err) != errcode.InvalidParams || !strings.Contains(err.Error(), `stub protocol has no "sign session key" endpoint`) {
		t.Fatalf("Send to a missing endpoint: %v", err)
	}
}

func TestGenerationByName(t *testing.T) {
	if g, err := GenerationByName("datil"); err != nil || g != Datil {
		t.Fatalf("datil: %v, %v", g, err)
	}
	if g, err := GenerationByName("naga"); err != nil || g != Naga {
		t.Fatalf("naga: %v, %v", g, err)
	}
	_, err := GenerationByName("nagaa")
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "Generation" || !strings.Contains(err.Error(), `"datil", "naga"`) || errcode.Of(err) != errcode.InvalidParams {
		t.Fatalf("unknown name: %v", err)
	}
	c, err := New(Config{Transport: newFake(), RPCURL: "http://x"})
	if err != nil || c.Generation() != Datil || c.stakingAddr != common.HexToAddress(DefaultStakingAddress) {
		t.Fatalf("zero Config.Generation is not Datil: %v", err)
	}
	for op, want := range map[Endpoint]string{EndpointHandshake: HandshakePath, EndpointSignSessionKey: "/web/sign_session_key/v1", EndpointPKPSign: "/web/pkp/sign/v1"} {
		if got := Datil.Path(op); got != want {
			t.Errorf("Datil.Path(%s) = %q, want %q", op, got, want)
		}
	}
}

func TestNotConnectedHasCode(t *testing.T) {
	c := newBootstrapClient(t, newFake(), nodeURLs(1), 1)
	_, err1 := c.LatestBlockhash(context.Background())
	_, err2 := c.SendToNodes(context.Background(), "/x", nil)
	_, err3 := c.SelectNodes(context.Background(), EndpointPKPSign)
	_, err4 := c.Send(context.Background(), EndpointPKPSign, nil)
	for _, err := range []error{err1, err2, err3, err4} {
		if errcode.Of(err) != errcode.NotConnected || err.Error() != "node: client is not connected; call Connect first" {
			t.Errorf("err = %v (%s)", err, errcode.Of(err))
		}
	}
}
