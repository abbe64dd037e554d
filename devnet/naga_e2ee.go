package devnet

import (
	"errors"
	"net/http"

	"github.com/litgo/litsession/core/e2ee"
	"github.com/litgo/litsession/core/jsjson"
)

// Lit error codes of /v2 requests refused before they are opened (plain
// Lit JSON errors: there is no key to seal them to).
const (
	codeE2EEFormat  = "NodeInvalidE2EEPayload"
	codeE2EEOpen    = "NodeE2EEDecryptionFailed"
	codeE2EEStale   = "NodeE2EEStaleRequest"
	codeE2EEReplay  = "NodeE2EEReplayedRequest"
	codeE2EEBusy    = "NodeBusy"
	codeE2EEBadSeal = "NodeUnknownError"
)

// HandleNaga registers h for POST path (e.g. "/web/pkp/sign/v2") behind
// the naga E2EE layer. The layer:
//
//   - parses {"version":"1","payload":{…},"epoch":N} strictly and opens the
//     payload with the node's key: created_at within the freshness window
//     (e2ee.DefaultMaxAge old, e2ee.DefaultMaxSkew ahead), a box that opens,
//     never seen before. A request that fails here gets a plain Lit JSON
//     error (400; 413 for a body over MaxBodyBytes; 503 when the replay
//     guard is full), since there is no opened request to answer to;
//   - checks that epoch is the current or the previous epoch and that the
//     decrypted body is a JSON object;
//   - calls h with the decrypted body and seals its answer to the request's
//     verification_key: {"ok":true,"error":null,"errorObject":null,"data":…}
//     with 200, or {"ok":false,"error":Msg,"errorObject":Details,"data":null}
//     with the NagaError's status (refusals of the layer itself: 400).
//
// Decrypted bodies and answers are never logged. It panics on a datil
// network: start it with Config{Network: NetworkNaga}.
func (n *Node) HandleNaga(path string, h NagaHandler) {
	if n.naga == nil {
		panic("devnet: HandleNaga on a datil node " + n.URL + "; start the network with Config{Network: NetworkNaga}")
	}
	if h == nil {
		panic("devnet: HandleNaga: nil handler for " + path)
	}
	n.HandleFunc(http.MethodPost, path, func(w http.ResponseWriter, r *http.Request) { n.serveNaga(w, r, h) })
}

// HandleNaga registers h for POST path on every node (see Node.HandleNaga).
func (nw *Network) HandleNaga(path string, h NagaHandler) {
	nw.members.mu.Lock()
	defer nw.members.mu.Unlock()
	for _, nd := range nw.members.all {
		nd.HandleNaga(path, h)
	}
	if nw.members.all != nil {
		nw.members.routes = append(nw.members.routes, func(nd *Node) { nd.HandleNaga(path, h) })
	}
}

func (n *Node) serveNaga(w http.ResponseWriter, r *http.Request, h NagaHandler) {
	body, berr := readBody(r)
	if berr != nil {
		berr.write(w, r)
		return
	}
	req, err := e2ee.ParseRequest(body)
	if err != nil {
		WriteError(w, r, http.StatusBadRequest, KindValidation, codeE2EEFormat,
			err.Error()+`; send {"version":"1","payload":{verification_key,random,created_at,ciphertext_and_tag},"epoch":N} as walletEncrypt writes it`)
		return
	}
	msg, ch, err := n.naga.guard.Open(req.Payload, n.naga.key)
	if err != nil {
		status, code, hint := http.StatusBadRequest, codeE2EEOpen, "; seal the request to this node's nodeIdentityKey from the handshake"
		var stale *e2ee.StaleError
		switch {
		case errors.As(err, &stale):
			code, hint = codeE2EEStale, ""
		case errors.Is(err, e2ee.ErrReplay):
			code, hint = codeE2EEReplay, ""
		case errors.Is(err, e2ee.ErrReplayFull):
			status, code, hint = http.StatusServiceUnavailable, codeE2EEBusy, ""
		}
		WriteError(w, r, status, KindValidation, code, err.Error()+hint)
		return
	}

	var data any
	nerr := n.checkNagaRequest(req.Epoch, msg)
	if nerr == nil {
		data, nerr = h(n, r, msg)
	}
	status, env := http.StatusOK, nagaOK(data)
	if nerr != nil {
		status = nerr.Status
		if status < 400 || status > 599 {
			status = http.StatusInternalServerError
		}
		env = nagaFailed(nerr)
	}
	plain, err := marshalNaga(env)
	if err != nil {
		status = http.StatusInternalServerError
		plain, _ = marshalNaga(nagaFailed(&NagaError{Msg: "devnet: cannot encode the answer"}))
	}
	sealed, err := n.sealNaga(plain, ch)
	if err != nil {
		WriteError(w, r, http.StatusInternalServerError, KindUnexpected, codeE2EEBadSeal, "devnet: cannot seal the answer: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(sealed)
}

// checkNagaRequest checks what the layer checks of an opened request: the
// epoch, and a decrypted body that is a JSON object.
func (n *Node) checkNagaRequest(epoch uint64, msg []byte) *NagaError {
	if !n.network.currentEpoch(epoch) {
		return nagaBad("epoch %d is not the current epoch %d; read the epoch from the staking contract again", epoch, n.network.epoch)
	}
	v, err := jsjson.Parse(msg)
	if err != nil {
		return nagaBad("the decrypted request is not valid JSON: %v", err)
	}
	if _, ok := v.Members(); !ok {
		return nagaBad("the decrypted request must be a JSON object, got %s", v.Kind())
	}
	return nil
}

// sealNaga seals an answer over the channel the request came on (to its
// verification_key), dated by the chain's clock: {"version":"1","payload":{…}}.
func (n *Node) sealNaga(plain []byte, ch *e2ee.Channel) ([]byte, error) {
	random, err := e2ee.NewRandom()
	if err != nil {
		return nil, err
	}
	p, err := ch.Seal(plain, random, n.network.Chain.now())
	if err != nil {
		return nil, err
	}
	return p.ResponseJSON(), nil
}
