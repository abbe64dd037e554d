package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/internal/envstore"
)

// health answers /readyz: the store answers a ping, the chain RPC (with
// --rpc-url) answers eth_chainId, and the worker is not draining. Each
// /readyz checks both again, with a short timeout, so it turns false as
// soon as Redis or the RPC stops answering and true as soon as they answer.
type health struct {
	store  envstore.Store
	client *node.Client
	rpcURL string
	http   *http.Client
}

const probeTimeout = time.Second

func newHealth(store envstore.Store, cl *node.Client) *health {
	return &health{store: store, client: cl, http: &http.Client{Timeout: probeTimeout}}
}

// check returns "" when ready, else the reason.
func (h *health) check(ctx context.Context) (reasons []string) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	if err := h.store.Ping(ctx); err != nil {
		reasons = append(reasons, fmt.Sprintf("the envelope store (%s) does not answer: %s", h.store, oneLine(err.Error(), 200)))
	}
	if len(h.client.ConnectedNodes()) == 0 {
		reasons = append(reasons, "no Lit node is connected")
	}
	if h.rpcURL != "" {
		if err := h.pingRPC(ctx); err != nil {
			reasons = append(reasons, "the chain RPC does not answer: "+oneLine(err.Error(), 200))
		}
	}
	return reasons
}

func (h *health) pingRPC(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.rpcURL,
		bytes.NewReader([]byte(`{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}`)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.http.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

// readyz: GET /readyz → 200 {"ready":true} or 503 {"ready":false,"reasons":[…]}.
func (w *worker) readyz(rw *status) {
	var reasons []string
	if w.draining.Load() {
		reasons = append(reasons, "draining: the worker is shutting down")
	}
	reasons = append(reasons, w.health.check(context.Background())...)
	if len(reasons) > 0 {
		w.reply(rw, http.StatusServiceUnavailable, map[string]any{"ready": false, "reasons": reasons})
		return
	}
	w.reply(rw, http.StatusOK, map[string]any{"ready": true})
}
