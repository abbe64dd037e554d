package node

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/ethereum/go-ethereum/common"

	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/jsjson"
)

// Datil is the v7 "datil" generation, the wire format of JS SDK 7.4.0:
// a flat JSON handshake answer, plain JSON request bodies with the epoch
// appended, the /v1 endpoints, and the argument-less staking call
// getActiveUnkickedValidatorStructsAndCounts(). Every request goes to all
// connected nodes, and nodes charge no price.
var Datil Generation = &datil{}

type datil struct{}

func (*datil) Name() string           { return "datil" }
func (*datil) SDKVersion() string     { return DefaultSDKVersion }
func (*datil) StakingAddress() string { return DefaultStakingAddress }

// Path returns the datil endpoints. The paths of sign session key and pkp
// sign equal pkp.SignSessionKeyPath and pkp.PKPSignPath. (A switch, not a
// map: a map literal is built at start-up in every program.)
func (*datil) Path(op Endpoint) string {
	switch op {
	case EndpointHandshake:
		return HandshakePath
	case EndpointSignSessionKey:
		return "/web/sign_session_key/v1"
	case EndpointPKPSign:
		return "/web/pkp/sign/v1"
	}
	return ""
}

func (*datil) ReadValidators(ctx context.Context, ch Chain, staking common.Address) (ValidatorSet, error) {
	data, err := ch.Call(ctx, staking, ValidatorsCallData())
	if err != nil {
		return ValidatorSet{}, err
	}
	return DecodeValidatorSet(data)
}

func (*datil) EpochToSend(e Epoch, now int64) uint64 { return EpochToSend(e, now) }

// HandshakeBody sends clientPublicKey "test", as the v7 client always does.
func (*datil) HandshakeBody(challenge [32]byte, epoch uint64) []byte {
	return HandshakeRequest{ClientPublicKey: "test", Challenge: hex.EncodeToString(challenge[:]), Epoch: epoch}.JSON()
}

func (*datil) ParseHandshake(url string, resp Response) (HandshakeResponse, error) {
	if !ok2xx(resp.Status) {
		return HandshakeResponse{}, parseNodeError(url, resp)
	}
	h, err := ParseHandshakeResponse(resp.Body)
	// Every handshake field is optional, so naga's envelope parses as an
	// answer without keys; only then is the body read again to say so.
	if err == nil && h.ServerPublicKey == "" && h.NetworkPublicKey == "" {
		if v, _ := jsjson.Parse(resp.Body); v.Get("ok").Exists() && v.Get("data").Exists() && !v.Get("serverPublicKey").Exists() {
			return HandshakeResponse{}, errors.New("the node answered in naga's (v8) handshake envelope {ok, data}: this network speaks naga, so use the naga generation")
		}
	}
	return h, err
}

// Select picks every connected node, in validator order.
func (*datil) Select(_ context.Context, _ Chain, _ Endpoint, peers []Peer, _ int) ([]Choice, error) {
	out := make([]Choice, len(peers))
	for i, p := range peers {
		out[i] = Choice{URL: p.URL}
	}
	return out, nil
}

// Seal appends "epoch":epoch to body; the answer must be 2xx JSON.
func (*datil) Seal(peer Peer, body []byte, epoch uint64) ([]byte, Opener, error) {
	wire, err := appendEpoch(body, epoch)
	if err != nil {
		return nil, nil, err
	}
	open := func(resp Response) ([]byte, error) {
		switch {
		case !ok2xx(resp.Status):
			return resp.Body, parseNodeError(peer.URL, resp)
		case !jsjson.Valid(resp.Body):
			return resp.Body, &errcode.Error{Code: errcode.NodeError, Msg: fmt.Sprintf("lit node %s answered HTTP %d with a body that is not JSON", peer.URL, resp.Status)}
		}
		return resp.Body, nil
	}
	return wire, open, nil
}

func ok2xx(status int) bool { return status >= 200 && status <= 299 }

// appendEpoch adds "epoch":epoch as the last member of a JSON object.
func appendEpoch(body []byte, epoch uint64) ([]byte, error) {
	v, err := jsjson.Parse(body)
	members, ok := v.Members()
	if err != nil || !ok {
		return nil, errors.New("not a JSON object")
	}
	if v.Get("epoch").Exists() {
		return nil, errors.New(`it already has an "epoch" member; SendToNodes adds the current epoch itself`)
	}
	b := bytes.TrimSpace(body)
	b = bytes.TrimSpace(b[:len(b)-1]) // drop the closing brace
	out := make([]byte, 0, len(b)+32)
	out = append(out, b...)
	if len(members) > 0 {
		out = append(out, ',')
	}
	out = append(out, `"epoch":`...)
	out = strconv.AppendUint(out, epoch, 10)
	return append(out, '}'), nil
}
