package devnet

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/core/e2ee"
	"github.com/litgo/litsession/internal/testutil"
)

// echoPath is the test route: it answers {"node":i,"got":<the decrypted
// body>}, and refuses bodies with "refuse":true with a 402 NagaError.
const echoPath = "/web/echo/v2"

func echoHandler(n *Node, r *http.Request, body []byte) (any, *NagaError) {
	var req struct{ Refuse bool }
	json.Unmarshal(body, &req)
	if req.Refuse {
		return nil, &NagaError{Status: http.StatusPaymentRequired, Msg: "maxPrice is below this node's price", Details: "sign: 1 < 2000"}
	}
	return map[string]any{"node": n.Index, "got": json.RawMessage(body)}, nil
}

// nagaClient is a Go client of the naga E2EE layer, built on core/e2ee
// alone: a fresh key pair per node, as the official client makes.
type nagaClient struct {
	t    *testing.T
	nw   *Network
	http *http.Client
	keys e2ee.Keyring // node identity key → this client's channel to it
	mine map[int]*e2ee.KeyPair
}

func newNagaClient(t *testing.T, nw *Network) *nagaClient {
	c := &nagaClient{t: t, nw: nw, http: httpClient(t), keys: e2ee.Keyring{}, mine: map[int]*e2ee.KeyPair{}}
	for i := range nw.Nodes {
		nodeKey := c.handshake(i).NodeIdentityKey
		b, err := hex.DecodeString(nodeKey)
		if err != nil || len(b) != e2ee.KeySize {
			t.Fatalf("node %d: nodeIdentityKey %q is not 32 bytes of hex", i, nodeKey)
		}
		kp, err := e2ee.GenerateKeyPair()
		if err != nil {
			t.Fatal(err)
		}
		ch, err := e2ee.NewChannel(kp, [e2ee.KeySize]byte(b))
		if err != nil {
			t.Fatal(err)
		}
		c.keys.Add(ch)
		c.mine[i] = kp
	}
	return c
}

// handshake posts the v8 handshake to node i and returns its data.
func (c *nagaClient) handshake(i int) nagaHandshakeData {
	c.t.Helper()
	a := do(c.t, c.http, "POST", c.nw.NodeURLs[i]+"/web/handshake/", map[string]string{"X-Lit-SDK-Version": "8.0.0-custom"}, handshakeBody(c.nw.Epoch()))
	if a.status != 200 || a.header.Get("Content-Type") != "application/json" {
		c.t.Fatalf("handshake: %d %s", a.status, a.body)
	}
	var env struct {
		OK          *bool
		Error       any
		ErrorObject any
		Data        nagaHandshakeData
	}
	dec := json.NewDecoder(bytes.NewReader(a.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil || env.OK == nil || !*env.OK || env.Error != nil || env.ErrorObject != nil {
		c.t.Fatalf("handshake envelope %s: %v", a.body, err)
	}
	return env.Data
}

// seal encrypts body for node i, created at the given time.
func (c *nagaClient) seal(i int, body []byte, created time.Time) e2ee.Payload {
	c.t.Helper()
	r, err := e2ee.NewRandom()
	if err != nil {
		c.t.Fatal(err)
	}
	nodeKey, _ := hex.DecodeString(c.nw.Nodes[i].IdentityKey)
	p, err := e2ee.Seal(body, [e2ee.KeySize]byte(nodeKey), c.mine[i], r, created)
	if err != nil {
		c.t.Fatal(err)
	}
	return p
}

type nagaAnswer struct {
	status      int
	raw         []byte
	OK          bool
	Error       *string
	ErrorObject *string
	Data        json.RawMessage
}

// post sends a request body to node i and opens the sealed answer.
func (c *nagaClient) post(i int, reqBody []byte) nagaAnswer {
	c.t.Helper()
	a := do(c.t, c.http, "POST", c.nw.NodeURLs[i]+echoPath, nil, reqBody)
	if a.header.Get("Content-Type") != "application/json" {
		c.t.Fatalf("Content-Type %q", a.header.Get("Content-Type"))
	}
	p, err := e2ee.ParseResponse(a.body)
	if err != nil {
		c.t.Fatalf("status %d: the answer is not sealed: %v: %s", a.status, err, a.body)
	}
	if hex.EncodeToString(p.VerificationKey[:]) != c.nw.Nodes[i].IdentityKey {
		c.t.Fatalf("answer sealed by %x, not node %d's key", p.VerificationKey, i)
	}
	plain, err := c.keys.Open(p, e2ee.Freshness{})
	if err != nil {
		c.t.Fatalf("cannot open the answer: %v", err)
	}
	ans := nagaAnswer{status: a.status, raw: plain}
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ans); err != nil {
		c.t.Fatalf("answer %s: %v", plain, err)
	}
	for _, k := range []string{`"ok":`, `"error":`, `"errorObject":`, `"data":`} {
		if !bytes.Contains(plain, []byte(k)) {
			c.t.Fatalf("answer %s lacks %s", plain, k)
		}
	}
	return ans
}

func (c *nagaClient) request(i int, body string, epoch uint64) []byte {
	return e2ee.Request{Payload: c.seal(i, []byte(body), time.Now()), Epoch: epoch}.JSON()
}

func startNagaEcho(t *testing.T, logs *testutil.SyncBuffer) *Network {
	if logs == nil {
		logs = &testutil.SyncBuffer{}
	}
	nw := start(t, Config{Network: NetworkNaga, Logger: logs})
	nw.HandleNaga(echoPath, echoHandler)
	return nw
}

func TestNagaHandshake(t *testing.T) {
	nw := startNagaEcho(t, nil)
	if len(nw.Nodes) != DefaultNagaNodes {
		t.Fatalf("%d nodes", len(nw.Nodes))
	}
	c := newNagaClient(t, nw)
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	seen := map[string]bool{}
	for i, nd := range nw.Nodes {
		h := c.handshake(i)
		want := nagaHandshakeData{
			ServerPublicKey: nd.ServerPublicKey, SubnetPublicKey: nw.NetworkPublicKey, NetworkPublicKey: nw.NetworkPublicKey,
			NetworkPublicKeySet: nw.NetworkPublicKey, ClientSDKVersion: "8.0.0-custom", HDRootPubkeys: nw.HDRootPubkeys,
			LatestBlockhash: h.LatestBlockhash, NodeIdentityKey: nd.IdentityKey, NodeVersion: NodeVersion, Epoch: DefaultEpoch,
		}
		if !reflect.DeepEqual(h, want) {
			t.Errorf("node %d handshake\n got %+v\nwant %+v", i, h, want)
		}
		if !nw.RecentBlockhash(h.LatestBlockhash) || !regexp.MustCompile(`^0x[0-9a-f]+$`).MatchString(h.LatestBlockhash) {
			t.Errorf("latestBlockhash %q is not a recent devnet block", h.LatestBlockhash)
		}
		if !hex64.MatchString(h.NodeIdentityKey) || seen[h.NodeIdentityKey] {
			t.Errorf("nodeIdentityKey %q is not a fresh X25519 key", h.NodeIdentityKey)
		}
		seen[h.NodeIdentityKey] = true
	}
	// Every data member is present, attestation as null.
	a := do(t, c.http, "POST", nw.NodeURLs[0]+"/web/handshake/", nil, handshakeBody(DefaultEpoch))
	for _, k := range []string{"serverPublicKey", "subnetPublicKey", "networkPublicKey", "networkPublicKeySet", "clientSdkVersion",
		"hdRootPubkeys", `attestation":null`, "latestBlockhash", "nodeIdentityKey", "nodeVersion", "epoch"} {
		if !strings.Contains(string(a.body), `"`+k) {
			t.Errorf("handshake lacks %s: %s", k, a.body)
		}
	}
	// Refusals are ok:false envelopes with 400.
	for name, body := range map[string]string{
		"bad challenge": `{"clientPublicKey":"test","challenge":"zz","epoch":10}`,
		"no challenge":  `{"clientPublicKey":"test","epoch":10}`,
		"old epoch":     `{"clientPublicKey":"test","challenge":"` + strings.Repeat("ab", 32) + `","epoch":3}`,
		"not JSON":      `{`,
	} {
		a := do(t, c.http, "POST", nw.NodeURLs[0]+"/web/handshake/", nil, []byte(body))
		var env map[string]any
		json.Unmarshal(a.body, &env)
		if a.status != 400 || env["ok"] != false || env["error"] == nil || env["data"] != nil {
			t.Errorf("%s: %d %s", name, a.status, a.body)
		}
	}
}

// The datil devnet keeps its flat v7 handshake and has no E2EE layer.
func TestNagaLeavesDatilAlone(t *testing.T) {
	nw := start(t, Config{})
	a := do(t, httpClient(t), "POST", nw.NodeURLs[0]+"/web/handshake/", nil, handshakeBody(DefaultEpoch))
	var m map[string]any
	json.Unmarshal(a.body, &m)
	if _, ok := m["ok"]; ok || m["networkPublicKey"] != nw.NetworkPublicKey {
		t.Fatalf("datil handshake changed: %s", a.body)
	}
	defer func() {
		if p := recover(); p == nil || !strings.Contains(p.(string), "NetworkNaga") {
			t.Fatalf("HandleNaga on datil: %v", p)
		}
	}()
	nw.HandleNaga(echoPath, echoHandler)
}

func TestNagaSealedRoundTrip(t *testing.T) {
	logs := &testutil.SyncBuffer{}
	nw := startNagaEcho(t, logs)
	c := newNagaClient(t, nw)
	const secret = "do-not-log-this-plaintext"
	for i := range nw.Nodes {
		body := `{"hello":"` + secret + `","pad":"0123456789abcdef0123456789abcdef"}`
		ans := c.post(i, c.request(i, body, DefaultEpoch))
		if ans.status != 200 || !ans.OK || ans.Error != nil || ans.ErrorObject != nil {
			t.Fatalf("node %d: %d %s", i, ans.status, ans.raw)
		}
		var data struct {
			Node int
			Got  json.RawMessage
		}
		json.Unmarshal(ans.Data, &data)
		if data.Node != i || string(data.Got) != body {
			t.Fatalf("node %d answered %s", i, ans.Data)
		}
	}
	// The previous epoch is accepted too.
	if ans := c.post(0, c.request(0, `{"pad":"0123456789abcdef0123456789abcdef0123456789"}`, DefaultEpoch-1)); !ans.OK {
		t.Fatalf("previous epoch: %s", ans.raw)
	}
	// A handler's refusal: its status, sealed ok:false.
	ans := c.post(1, c.request(1, `{"refuse":true,"pad":"0123456789abcdef0123456789abcdef"}`, DefaultEpoch))
	if ans.status != http.StatusPaymentRequired || ans.OK || ans.Error == nil || *ans.Error != "maxPrice is below this node's price" ||
		ans.ErrorObject == nil || *ans.ErrorObject != "sign: 1 < 2000" || string(ans.Data) != "null" {
		t.Fatalf("refusal: %d %s", ans.status, ans.raw)
	}
	// Refusals of the layer after opening: sealed ok:false, 400.
	for name, c2 := range map[string]struct {
		body  string
		epoch uint64
		want  string
	}{
		"wrong epoch":     {`{"pad":"0123456789abcdef0123456789abcdef0123456789"}`, 3, "epoch 3 is not the current epoch 10"},
		"not JSON inside": {`this is not JSON, but it is long enough to be sealed`, DefaultEpoch, "not valid JSON"},
		"array inside":    {`["0123456789abcdef0123456789abcdef0123456789abcdef"]`, DefaultEpoch, "must be a JSON object"},
	} {
		ans := c.post(2, c.request(2, c2.body, c2.epoch))
		if ans.status != 400 || ans.OK || ans.Error == nil || !strings.Contains(*ans.Error, c2.want) {
			t.Errorf("%s: %d %s", name, ans.status, ans.raw)
		}
	}
	if strings.Contains(logs.String(), secret) || !strings.Contains(logs.String(), echoPath) {
		t.Errorf("the log shows a plaintext, or no request:\n%s", logs.String())
	}
}

// Requests that cannot be opened get plain Lit JSON errors, never a crash
// or an answer to the wrong key.
func TestNagaRefusesUnopenable(t *testing.T) {
	logs := &testutil.SyncBuffer{}
	nw := startNagaEcho(t, logs)
	c := newNagaClient(t, nw)
	const secret = "do-not-echo-this-plaintext"
	body := `{"hello":"` + secret + `","pad":"0123456789abcdef0123456789abcdef"}`
	good := c.request(0, body, DefaultEpoch)
	if ans := c.post(0, good); !ans.OK {
		t.Fatalf("first send: %s", ans.raw)
	}
	stale := e2ee.Request{Payload: c.seal(0, []byte(body), time.Now().Add(-e2ee.DefaultMaxAge-time.Second)), Epoch: DefaultEpoch}.JSON()
	future := e2ee.Request{Payload: c.seal(0, []byte(body), time.Now().Add(e2ee.DefaultMaxSkew+10*time.Second)), Epoch: DefaultEpoch}.JSON()
	toNode1 := c.request(1, body, DefaultEpoch) // sealed to node 1, sent to node 0
	tampered := bytes.Clone(c.request(0, body, DefaultEpoch))
	i := bytes.LastIndex(tampered, []byte(`"}`)) - 1
	if tampered[i] == '0' { // the last hex digit of the box
		tampered[i] = '1'
	} else {
		tampered[i] = '0'
	}
	noPrefix := bytes.Replace(c.request(0, body, DefaultEpoch), []byte(`"ciphertext_and_tag":"00000000000000000000000000000000`), []byte(`"ciphertext_and_tag":"`), 1)
	for name, cse := range map[string]struct {
		body   []byte
		status int
		code   string
		msg    string
	}{
		"replay":           {good, 400, codeE2EEReplay, "already received"},
		"stale":            {stale, 400, codeE2EEStale, "old, more than"},
		"future":           {future, 400, codeE2EEStale, "in the future"},
		"other node's key": {toNode1, 400, codeE2EEOpen, "does not open"},
		"tampered":         {tampered, 400, codeE2EEOpen, "does not open"},
		"no zero prefix":   {noPrefix, 400, codeE2EEFormat, "16 zero bytes"},
		"not JSON":         {[]byte(`{"version":"1"`), 400, codeE2EEFormat, "not valid JSON"},
		"plain v7 body":    {[]byte(body), 400, codeE2EEFormat, "unknown member"},
		"empty":            {nil, 400, codeE2EEFormat, "not valid JSON"},
		"too big":          {bytes.Repeat([]byte(" "), MaxBodyBytes+1), 413, "NodeBodyTooLarge", "larger than"},
	} {
		t.Run(name, func(t *testing.T) {
			a := do(t, c.http, "POST", nw.NodeURLs[0]+echoPath, nil, cse.body)
			var e Error
			dec := json.NewDecoder(bytes.NewReader(a.body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&e); err != nil || a.status != cse.status || e.Code != cse.code || e.Status != cse.status || !strings.Contains(e.Message, cse.msg) {
				t.Fatalf("%d %s (%v); want %d %s containing %q", a.status, a.body, err, cse.status, cse.code, cse.msg)
			}
			if bytes.Contains(a.body, []byte(secret)) {
				t.Fatalf("the error echoes the plaintext: %s", a.body)
			}
		})
	}
	if strings.Contains(logs.String(), secret) || strings.Contains(logs.String(), "panic") {
		t.Errorf("log:\n%s", logs.String())
	}
	// The node still serves.
	if ans := c.post(0, c.request(0, body, DefaultEpoch)); !ans.OK {
		t.Fatalf("after the refusals: %s", ans.raw)
	}
}

// The naga PKP handlers are NagaHandlers and answer, sealed, through the
// layer: a body without the fields they need is refused with ok:false.
func TestNagaLayerCarriesPKPHandlers(t *testing.T) {
	nw := startNagaEcho(t, nil)
	c := newNagaClient(t, nw)
	for _, path := range []string{NagaSignSessionKeyPath, NagaPKPSignPath} {
		a := do(t, c.http, "POST", nw.NodeURLs[0]+path, map[string]string{"X-Request-Id": "lit_test"},
			c.request(0, `{"pad":"0123456789abcdef0123456789abcdef0123456789"}`, DefaultEpoch))
		p, err := e2ee.ParseResponse(a.body)
		if err != nil {
			t.Fatalf("%s: %d, not sealed: %s", path, a.status, a.body)
		}
		plain, err := c.keys.Open(p, e2ee.Freshness{})
		if err != nil {
			t.Fatal(err)
		}
		var env nagaAnswer
		if err := json.Unmarshal(plain, &env); err != nil || a.status < 400 || env.OK || env.Error == nil || string(env.Data) != "null" {
			t.Fatalf("%s: %d %s", path, a.status, plain)
		}
	}
}
