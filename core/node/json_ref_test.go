package node

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/litgo/litsession/core/jsjson"
)

// The node package reads JSON with jsjson. These tests compare it with
// encoding/json readers of the same documents (ref*): same results for
// every document encoding/json reads the same way. The documented
// differences: jsjson refuses duplicate keys, invalid UTF-8 and lone
// surrogates, and matches member names exactly where encoding/json
// ignores case.

func refParseHandshakeResponse(body []byte) (HandshakeResponse, error) {
	var raw struct {
		ServerPublicKey     json.RawMessage `json:"serverPublicKey"`
		SubnetPublicKey     json.RawMessage `json:"subnetPublicKey"`
		NetworkPublicKey    json.RawMessage `json:"networkPublicKey"`
		NetworkPublicKeySet json.RawMessage `json:"networkPublicKeySet"`
		HDRootPubkeys       json.RawMessage `json:"hdRootPubkeys"`
		LatestBlockhash     json.RawMessage `json:"latestBlockhash"`
		ClientSDKVersion    json.RawMessage `json:"clientSdkVersion"`
		NodeVersion         json.RawMessage `json:"nodeVersion"`
		NodeIdentityKey     json.RawMessage `json:"nodeIdentityKey"`
		Epoch               json.RawMessage `json:"epoch"`
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return HandshakeResponse{}, errors.New("handshake answer is not a JSON object")
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return HandshakeResponse{}, fmt.Errorf("handshake answer is not valid JSON: %v", err)
	}
	optionalString := func(name string, raw json.RawMessage) (string, error) {
		if len(raw) == 0 || string(raw) == "null" {
			return "", nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("handshake field %s is not a string", name)
		}
		if s == "ERR" {
			return "", nil
		}
		return s, nil
	}
	hexField := func(name string, raw json.RawMessage, size int) (string, error) {
		s, err := optionalString(name, raw)
		if err != nil || s == "" {
			return "", err
		}
		return checkHex(name, s, size)
	}
	hdRoot := func(raw json.RawMessage) ([]string, error) {
		if len(raw) == 0 || string(raw) == "null" || string(raw) == `"ERR"` {
			return nil, nil
		}
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, errors.New("handshake field hdRootPubkeys is not an array of strings")
		}
		if len(list) > maxHDRootPubkeys {
			return nil, fmt.Errorf("handshake field hdRootPubkeys has %d entries, more than %d", len(list), maxHDRootPubkeys)
		}
		out := make([]string, len(list))
		for i, k := range list {
			name := fmt.Sprintf("hdRootPubkeys[%d]", i)
			h, err := checkHex(name, k, 0)
			if err != nil {
				return nil, err
			}
			switch {
			case len(h) == 66 && (h[:2] == "02" || h[:2] == "03"):
			case len(h) == 130 && h[:2] == "04":
			default:
				return nil, fmt.Errorf("handshake field %s is not a secp256k1 public key (33 bytes 02/03… or 65 bytes 04…)", name)
			}
			out[i] = h
		}
		return out, nil
	}
	blockhash := func(name string, raw json.RawMessage) (string, error) {
		s, err := optionalString(name, raw)
		if err != nil || s == "" {
			return "", err
		}
		if !ValidBlockhash(s) {
			return "", fmt.Errorf("%s %q is not 0x followed by 64 hex digits", name, sanitize(s, 80))
		}
		return strings.ToLower(s), nil
	}
	info := func(raw json.RawMessage) string {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return ""
		}
		return sanitize(s, 100)
	}
	var h HandshakeResponse
	var err error
	if h.ServerPublicKey, err = hexField("serverPublicKey", raw.ServerPublicKey, 0); err != nil {
		return HandshakeResponse{}, err
	}
	if h.SubnetPublicKey, err = hexField("subnetPublicKey", raw.SubnetPublicKey, 48); err != nil {
		return HandshakeResponse{}, err
	}
	if h.NetworkPublicKey, err = hexField("networkPublicKey", raw.NetworkPublicKey, 48); err != nil {
		return HandshakeResponse{}, err
	}
	if h.NetworkPublicKeySet, err = hexField("networkPublicKeySet", raw.NetworkPublicKeySet, 0); err != nil {
		return HandshakeResponse{}, err
	}
	if h.HDRootPubkeys, err = hdRoot(raw.HDRootPubkeys); err != nil {
		return HandshakeResponse{}, err
	}
	if h.LatestBlockhash, err = blockhash("latestBlockhash", raw.LatestBlockhash); err != nil {
		return HandshakeResponse{}, err
	}
	h.ClientSDKVersion = info(raw.ClientSDKVersion)
	h.NodeVersion = info(raw.NodeVersion)
	h.NodeIdentityKey = info(raw.NodeIdentityKey)
	var epoch uint64
	if json.Unmarshal(raw.Epoch, &epoch) == nil {
		h.Epoch = epoch
	}
	return h, nil
}

func refParseNodeError(url string, resp Response) *NodeError {
	e := &NodeError{URL: url, HTTPStatus: resp.Status}
	var body struct {
		Kind          any `json:"errorKind"`
		Code          any `json:"errorCode"`
		Status        any `json:"status"`
		Message       any `json:"message"`
		CorrelationID any `json:"correlationId"`
	}
	if err := json.Unmarshal(resp.Body, &body); err != nil {
		if len(resp.Body) == 0 {
			e.Message = "empty body"
		} else {
			e.Message = "body is not a Lit JSON error: " + sanitize(string(resp.Body), 120)
		}
		return e
	}
	str := func(v any) string {
		switch v := v.(type) {
		case string:
			return sanitize(v, 300)
		case float64:
			return sanitize(fmt.Sprint(v), 40)
		}
		return ""
	}
	e.Kind, e.Code = str(body.Kind), str(body.Code)
	e.Message, e.CorrelationID = str(body.Message), str(body.CorrelationID)
	if f, ok := body.Status.(float64); ok && f >= 0 && f < 1000 && f == float64(int(f)) {
		e.Status = int(f)
	}
	return e
}

// refParseRPC is the previous decoding of a JSON-RPC response.
func refParseRPC(body []byte) (result json.RawMessage, rpcErr *RPCError, ok bool) {
	var out struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, nil, false
	}
	if out.Error != nil {
		return nil, &RPCError{Code: out.Error.Code, Message: sanitize(out.Error.Message, 300)}, true
	}
	return out.Result, nil, true
}

// sameReading reports whether encoding/json and jsjson read data alike:
// jsjson accepts it (parsed), and no member name differs from a known one
// only in case (encoding/json would match it).
func sameReading(data []byte, known ...string) (same, parsed bool) {
	v, err := jsjson.Parse(data)
	if err != nil {
		return false, false
	}
	var caseFolds func(v jsjson.Value) bool
	caseFolds = func(v jsjson.Value) bool {
		ms, _ := v.Members()
		for _, m := range ms {
			for _, k := range known {
				if m.Key != k && strings.EqualFold(m.Key, k) {
					return true
				}
			}
			if caseFolds(m.Value) {
				return true
			}
		}
		return false
	}
	return !caseFolds(v), true
}

var handshakeFields = []string{"serverPublicKey", "subnetPublicKey", "networkPublicKey", "networkPublicKeySet", "hdRootPubkeys", "latestBlockhash", "clientSdkVersion", "nodeVersion", "nodeIdentityKey", "epoch"}

func FuzzHandshakeMatchesEncodingJSON(f *testing.F) {
	good, _ := json.Marshal(handshakeAnswer("0x" + strings.Repeat("ab", 32)))
	f.Add(good)
	f.Add([]byte(`{"latestBlockhash":"0x` + strings.Repeat("Ab", 32) + `","epoch":10,"hdRootPubkeys":"ERR","serverPublicKey":null,"nodeVersion":7}`))
	f.Add([]byte(`{"hdRootPubkeys":[null],"epoch":1.5,"networkPublicKey":"ERR"}`))
	f.Add([]byte(` {"LatestBlockhash":"x"} `))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseHandshakeResponse(data)
		want, wantErr := refParseHandshakeResponse(data)
		// ParseHandshakeResponse trims Unicode white space (\v too) first.
		if same, parsed := sameReading(bytes.TrimSpace(data), handshakeFields...); !same {
			if !parsed && err == nil {
				t.Fatalf("%q: accepted, but jsjson does not parse it", data)
			}
			return
		}
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%q: error %v, previously %v", data, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %+v, previously %+v", data, got, want)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "handshake answer is not valid JSON") && err.Error() != wantErr.Error() {
			t.Fatalf("%q: error %q, previously %q", data, err, wantErr)
		}
	})
}

func FuzzNodeErrorMatchesEncodingJSON(f *testing.F) {
	f.Add([]byte(`{"errorKind":"Validation","errorCode":"NodeInvalidAuthSig","status":400,"message":"bad\nsig","correlationId":"lit_1","details":["x"]}`))
	f.Add([]byte(`{"errorCode":12,"status":"400","message":null}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[1]`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		resp := Response{Status: 503, Body: data}
		got, want := parseNodeError("http://n", resp), refParseNodeError("http://n", resp)
		if same, _ := sameReading(data, "errorKind", "errorCode", "status", "message", "correlationId"); !same {
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %+v, previously %+v", data, got, want)
		}
	})
}

func FuzzRPCResponseMatchesEncodingJSON(f *testing.F) {
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"result":"0x12"}`))
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"execution reverted"}}`))
	f.Add([]byte(`{"error":{"code":1.5},"result":null}`))
	f.Add([]byte(`{"error":null,"result":[1,{"a":"\u00e9"}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, gotErr, ok := parseRPCResponse(data)
		want, wantErr, wantOK := refParseRPC(data)
		if same, parsed := sameReading(data, "result", "error", "code", "message"); !same {
			if !parsed && ok {
				t.Fatalf("%q: accepted, but jsjson does not parse it", data)
			}
			return
		}
		if ok != wantOK || !reflect.DeepEqual(gotErr, wantErr) {
			t.Fatalf("%q: %v %+v, previously %v %+v", data, ok, gotErr, wantOK, wantErr)
		}
		if !ok || gotErr != nil {
			return
		}
		if got.Exists() != (len(want) > 0) {
			t.Fatalf("%q: result %v, previously %q", data, got.Exists(), want)
		}
		if got.Exists() {
			var a, b any
			json.Unmarshal(want, &a)
			raw, _ := got.MarshalJSON()
			json.Unmarshal(raw, &b)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%q: result %s, previously %s", data, raw, want)
			}
		}
	})
}
