package devnet

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/litgo/litsession/core/e2ee"
	"github.com/litgo/litsession/core/node"
)

// nagaIdentity is a naga node's E2EE identity: its X25519 key pair (the
// handshake's nodeIdentityKey) and the replay guard of its /v2 routes.
type nagaIdentity struct {
	key   *e2ee.KeyPair
	guard *e2ee.ReplayGuard
}

// initNaga gives a node of a naga network its E2EE identity, the v8
// handshake and the two /v2 PKP endpoints behind the E2EE layer. It does
// nothing on datil.
func (n *Node) initNaga() error {
	if n.network.generation != NetworkNaga {
		return nil
	}
	kp, err := e2ee.GenerateKeyPair()
	if err != nil {
		return fmt.Errorf("devnet: node %d: %w", n.Index, err)
	}
	n.naga = &nagaIdentity{key: kp, guard: e2ee.NewReplayGuard(n.network.freshness(), 0)}
	n.IdentityKey = kp.PublicHex()
	n.HandleFunc(http.MethodPost, node.HandshakePath, n.serveNagaHandshake)
	n.HandleNaga(NagaSignSessionKeyPath, ServeNagaSignSessionKey)
	n.HandleNaga(NagaPKPSignPath, ServeNagaPKPSign)
	return nil
}

// freshness is the created_at window of /v2 requests, on the chain's
// clock (Config.Now).
func (nw *Network) freshness() e2ee.Freshness {
	return e2ee.Freshness{Now: nw.Chain.now}
}

// nagaHandshakeData is the data of the v8 handshake answer, in the order
// real nodes write it. Every member but attestation is required by the
// v8 client's schema.
type nagaHandshakeData struct {
	ServerPublicKey     string   `json:"serverPublicKey"`
	SubnetPublicKey     string   `json:"subnetPublicKey"`
	NetworkPublicKey    string   `json:"networkPublicKey"`
	NetworkPublicKeySet string   `json:"networkPublicKeySet"`
	ClientSDKVersion    string   `json:"clientSdkVersion"`
	HDRootPubkeys       []string `json:"hdRootPubkeys"`
	Attestation         any      `json:"attestation"` // always null: no SEV-SNP
	LatestBlockhash     string   `json:"latestBlockhash"`
	NodeIdentityKey     string   `json:"nodeIdentityKey"`
	NodeVersion         string   `json:"nodeVersion"`
	Epoch               uint64   `json:"epoch"`
}

// nagaEnvelope is the {ok,error,errorObject,data} wrapper of every naga
// answer: the handshake's in the clear, the /v2 routes' sealed.
type nagaEnvelope struct {
	OK          bool    `json:"ok"`
	Error       *string `json:"error"`
	ErrorObject *string `json:"errorObject"`
	Data        any     `json:"data"`
}

func nagaOK(data any) nagaEnvelope { return nagaEnvelope{OK: true, Data: data} }

func nagaFailed(e *NagaError) nagaEnvelope {
	env := nagaEnvelope{Error: &e.Msg}
	if e.Details != "" {
		env.ErrorObject = &e.Details
	}
	return env
}

// marshalNaga writes v as JSON without encoding/json's HTML escaping, as
// the nodes' serde does.
func marshalNaga(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// writeNaga writes an unsealed naga envelope.
func writeNaga(w http.ResponseWriter, status int, env nagaEnvelope) {
	b, err := marshalNaga(env)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"ok":false,"error":"devnet: cannot encode the response","errorObject":null,"data":null}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// serveNagaHandshake answers POST /web/handshake/ on naga: the same checks
// as v7 (challenge of 64 hex digits; epoch 0, current or previous), the
// answer in the {ok,error,errorObject,data} envelope, refusals as ok:false
// with status 400.
func (n *Node) serveNagaHandshake(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, msg string) {
		writeNaga(w, status, nagaFailed(&NagaError{Status: status, Msg: msg}))
	}
	body, berr := readBody(r)
	if berr != nil {
		fail(berr.status, berr.msg)
		return
	}
	var req struct {
		ClientPublicKey *string `json:"clientPublicKey"`
		Challenge       *string `json:"challenge"`
		Epoch           *uint64 `json:"epoch"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		fail(http.StatusBadRequest, `the handshake body must be {"clientPublicKey":string,"challenge":"<64 hex>","epoch":N}: `+err.Error())
		return
	}
	if req.Challenge == nil {
		fail(http.StatusBadRequest, "challenge is missing; send 64 random hex digits")
		return
	}
	if b, err := hex.DecodeString(*req.Challenge); err != nil || len(b) != 32 {
		fail(http.StatusBadRequest, "challenge must be 64 hex digits (32 bytes)")
		return
	}
	nw := n.network
	if req.Epoch != nil && *req.Epoch != 0 && !nw.currentEpoch(*req.Epoch) {
		fail(http.StatusBadRequest, fmt.Sprintf("epoch %d is not the current epoch %d; read the epoch from the staking contract again", *req.Epoch, nw.epoch))
		return
	}
	sdk := r.Header.Get("X-Lit-SDK-Version")
	if !sdkVersionPattern.MatchString(sdk) {
		sdk = ""
	}
	writeNaga(w, http.StatusOK, nagaOK(nagaHandshakeData{
		ServerPublicKey:     n.ServerPublicKey,
		SubnetPublicKey:     nw.NetworkPublicKey,
		NetworkPublicKey:    nw.NetworkPublicKey,
		NetworkPublicKeySet: nw.NetworkPublicKey,
		ClientSDKVersion:    sdk,
		HDRootPubkeys:       nw.HDRootPubkeys,
		LatestBlockhash:     nw.Chain.Latest().Hash.Hex(),
		NodeIdentityKey:     n.IdentityKey,
		NodeVersion:         NodeVersion,
		Epoch:               nw.epoch,
	}))
}
