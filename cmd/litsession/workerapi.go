package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/siwe"
)

// The worker's API: every body it reads and writes is here. Every answer
// is JSON (but /metrics) with CORS headers for the allowed origins; errors
// are {"error":"<code>","message":"<one line>"} (plus "reason" for refused
// delegations).
//
//	POST   /envelopes       body: an envelope (≤ envelope.MaxSize)  → 201 {"id",…}
//	GET    /envelopes/{id}  → 200 what the envelope allows (no secret)
//	DELETE /envelopes/{id}  → 204
//	POST   /sign            body: {"id","toSign":"0x<64 hex>"} (≤ maxSignBody) → 200 pkpSign result
//	GET    /healthz         → 200 {"status":"alive"}
//	GET    /readyz          → 200 {"ready":true} or 503 {"ready":false,"reasons":[…]}
//	GET    /metrics         → Prometheus text format
//
// With an API token, every route but the last three needs
// Authorization: Bearer <token>.
//
// The envelope is core/envelope's format and the pkpSign result
// pkpsig.Signature's JSON; on start, serve writes one line to stdout,
// {"url","store","envelopes","nodes","network"}.
const maxSignBody = 4 << 10

// readyJSON is the line serve writes once it listens.
func readyJSON(url, store string, envelopes, nodes int, network string) []byte {
	b, _ := json.Marshal(struct {
		URL       string `json:"url"`
		Store     string `json:"store"`
		Envelopes int    `json:"envelopes"`
		Nodes     int    `json:"nodes"`
		Network   string `json:"network"`
	}{url, store, envelopes, nodes, network})
	return b
}

// signRequest is the body of POST /sign.
type signRequest struct {
	ID     string
	Digest [32]byte
}

// parseSignRequest reads {"id","toSign"} strictly: both members, no
// others, nothing after the object. On failure it returns the message of
// the 400 answer.
func parseSignRequest(b []byte) (signRequest, string) {
	var req struct {
		ID     *string `json:"id"`
		ToSign *string `json:"toSign"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || dec.More() {
		return signRequest{}, `the body must be {"id":"<id from POST /envelopes>","toSign":"0x<64 hex>"} and nothing else`
	}
	if req.ID == nil || req.ToSign == nil {
		return signRequest{}, `id and toSign are required: {"id":"<id from POST /envelopes>","toSign":"0x<64 hex>"}`
	}
	digest, err := parseDigest(*req.ToSign)
	if err != nil {
		return signRequest{}, "toSign: " + err.Error()
	}
	return signRequest{ID: *req.ID, Digest: digest}, ""
}

// envelopeInfo describes a stored envelope without its secret: the answer
// of POST /envelopes and GET /envelopes/{id}.
type envelopeInfo struct {
	ID           string   `json:"id"`
	PKPPublicKey string   `json:"pkpPublicKey"`
	EthAddress   string   `json:"ethAddress"`
	SessionKey   string   `json:"sessionKey"`
	Expiration   string   `json:"expiration"`
	Resources    []string `json:"resources"`
}

func info(id string, ac *delegation.AuthContext) envelopeInfo {
	res := make([]string, len(ac.AuthConfig.Resources))
	for i, q := range ac.AuthConfig.Resources {
		res[i] = q.Resource.Key() + "=" + string(q.Ability)
	}
	return envelopeInfo{ID: id, PKPPublicKey: ac.PKP.PublicKey, EthAddress: ac.PKP.EthAddress, SessionKey: ac.SessionKeyPair.URI(),
		Expiration: ac.AuthConfig.Expiration, Resources: res}
}

// errorBody is every error answer.
type errorBody struct {
	Error   string `json:"error"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message"`
}

func (w *worker) reply(rw *status, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"internal","message":"encoding the answer failed"}`)
	}
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(code)
	rw.Write(append(b, '\n'))
}

func (w *worker) fail(rw *status, code int, errCode, msg string) {
	rw.error = errCode
	w.reply(rw, code, errorBody{Error: errCode, Message: oneLine(msg, 1000)})
}

// failErr answers with the status that fits err.
func (w *worker) failErr(rw *status, err error) {
	var de *delegation.DelegationError
	switch {
	case errors.As(err, &de) && de.Reason == delegation.ReasonExpired:
		rw.error = "delegation_expired"
		w.reply(rw, http.StatusGone, errorBody{Error: rw.error, Reason: string(de.Reason), Message: oneLine(err.Error(), 1000)})
	case errors.As(err, &de):
		rw.error = "delegation_refused"
		w.reply(rw, http.StatusUnprocessableEntity, errorBody{Error: rw.error, Reason: string(de.Reason), Message: oneLine(err.Error(), 1000)})
	case errors.Is(err, context.DeadlineExceeded):
		w.fail(rw, http.StatusGatewayTimeout, "network_timeout", "the Lit network did not answer in time: "+err.Error())
	default:
		w.fail(rw, http.StatusBadGateway, "network", "the Lit network failed the request: "+err.Error())
	}
}

// fail410 answers for an envelope deleted because its delegation expired
// at exp.
func (w *worker) fail410(rw *status, exp time.Time) {
	rw.error = "delegation_expired"
	w.reply(rw, http.StatusGone, errorBody{Error: rw.error, Reason: string(delegation.ReasonExpired),
		Message: fmt.Sprintf("the delegation expired at %s and the envelope was deleted; ask the PKP's owner for a new delegation and POST the new envelope to /envelopes", siwe.FormatTime(exp))})
}
