package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/internal/envstore"
	"github.com/litgo/litsession/internal/netlimit"
)

func init() {
	register("serve", "run an HTTP worker that stores envelopes and pkpSigns with them (POST /envelopes, POST /sign)", cmdServe)
}

// maxWorkerConns caps the worker's open connections; more callers wait in
// the kernel's backlog.
const maxWorkerConns = 256

func cmdServe(e *env, args []string) error {
	fs := newFlags("serve")
	listen := fs.String("listen", "127.0.0.1:8787", "address to listen on, HOST:PORT (port 0: any free port); off loopback it needs --tls-cert, --tls-key and an API token")
	storeArg := fs.String("store", "", "where envelopes live: a directory (created 0700; files 0600) or redis://[user:pass@]HOST:PORT/DB (rediss:// for TLS) shared by a fleet (required)")
	storeCA := fs.String("store-ca-file", "", "PEM file of the CA(s) trusted for a rediss:// store instead of the system pool (which honours SSL_CERT_FILE)")
	keyFile := fs.String("key-file", "", "key ring encrypting the stored envelopes, one \"<id> <base64 key>\" a line, the first sealing new records (or $"+keysEnv+"; default for a directory store: <dir>.key, created)")
	rotate := fs.Bool("rotate-keys", false, "re-encrypt every stored envelope with the key ring's first key, print a summary and exit")
	tlsCert := fs.String("tls-cert", "", "PEM certificate chain: serve HTTPS")
	tlsKey := fs.String("tls-key", "", "PEM private key of --tls-cert")
	tokenFile := fs.String("token-file", "", "file holding the API token callers send as Authorization: Bearer (or $"+tokenEnv+"); required off loopback")
	origins := fs.String("cors-origins", "", "comma-separated origins browsers may call from (default on loopback: any; off loopback: none)")
	drain := fs.Duration("drain-timeout", 30*time.Second, "on SIGTERM, how long in-flight requests may take to finish")
	connectWait := fs.Duration("connect-wait", 2*time.Minute, "at start, how long to keep retrying the Lit network (0: until stopped)")
	logLevel := fs.String("log-level", "info", "debug (adds /healthz, /readyz and /metrics requests), info, warn or error")
	conn := addConnectFlags(fs)
	if help, err := parse(e, fs, args); help || err != nil {
		return err
	}
	if err := required(fs, "store"); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usagef("--log-level must be debug, info, warn or error")
	}
	logger := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: level})).With("component", "serve")
	ac := accessConfig{listen: *listen, tlsCert: *tlsCert, tlsKey: *tlsKey, tokenFile: *tokenFile, origins: *origins}
	policy, tlsConf, err := ac.build()
	if err != nil && !*rotate {
		return err
	}
	if !*rotate && *conn.rpcURL == "" && *conn.bootstrap == "" {
		return usagef("--rpc-url or --bootstrap is required to reach the Lit network")
	}
	envstore.LogRedisTo(logger)
	store, err := openStore(*storeArg, *storeCA)
	if err != nil {
		return err
	}
	defer store.Close()
	keys, err := loadKeyring(logger, *keyFile, store)
	if err != nil {
		return err
	}
	if *rotate {
		c, cancel := context.WithTimeout(e.ctx, probeTimeout)
		err := store.Ping(c)
		cancel()
		if err != nil {
			return storeError(store, err)
		}
		return runRotation(e, logger, store, keys)
	}
	if err := waitStore(e.ctx, logger, store, *connectWait); err != nil {
		return err
	}
	cl, err := connectRetrying(e, logger, conn, *connectWait)
	if err != nil {
		return err
	}
	w := newWorker(logger, store, keys, cl, *conn.timeout)
	w.access = policy
	w.health.rpcURL = *conn.rpcURL
	kept, removed := w.sweep(e.ctx)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return usagef("--listen %s: %v", *listen, err)
	}
	srv := &http.Server{
		Handler:           w,
		TLSConfig:         tlsConf,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second, // a sign request waits for the nodes
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          log.New(slogWriter{logger}, "", 0),
	}
	served := make(chan error, 1)
	go func() {
		lim := netlimit.Listener(ln, maxWorkerConns)
		if tlsConf != nil {
			served <- srv.ServeTLS(lim, "", "")
		} else {
			served <- srv.Serve(lim)
		}
	}()
	url := ac.scheme(tlsConf) + "://" + ln.Addr().String()
	fmt.Fprintf(e.stdout, "%s\n", readyJSON(url, store.String(), kept, len(cl.ConnectedNodes()), cl.Generation().Name()))
	logger.Info("listening", "url", url, "network", cl.Generation().Name(), "store", store.String(), "envelopes", kept,
		"expired_removed", removed, "key_id", keys.Primary(), "token_required", policy.hasToken)
	select {
	case <-e.ctx.Done():
		logger.Info("stopping: draining in-flight requests", "drain_timeout", drain.String())
		w.draining.Store(true)
		ctx, cancel := context.WithTimeout(context.Background(), *drain)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
			return fmt.Errorf("stopping: requests still running after --drain-timeout %s: %w", *drain, err)
		}
		logger.Info("stopped")
		return nil
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	}
}

// openStore opens --store: a Redis URL or a directory. caFile
// (--store-ca-file) is only for rediss://.
func openStore(arg, caFile string) (envstore.Store, error) {
	if strings.HasPrefix(arg, "redis://") || strings.HasPrefix(arg, "rediss://") {
		s, err := envstore.NewRedisWith(arg, envstore.RedisConfig{CAFile: caFile})
		if err != nil {
			return nil, usagef("--store %s: %v", redactURL(arg), err)
		}
		return s, nil
	}
	if caFile != "" {
		return nil, usagef("--store-ca-file is for a rediss:// store, not %s", redactURL(arg))
	}
	if strings.Contains(arg, "://") {
		return nil, usagef("--store %s: use a directory or redis://[user:pass@]HOST:PORT/DB (rediss:// for TLS)", redactURL(arg))
	}
	s, err := envstore.NewFile(arg)
	if err != nil {
		return nil, usagef("--store: %v", err)
	}
	return s, nil
}

// redactURL drops the user info of a URL for messages.
func redactURL(s string) string {
	if scheme, rest, ok := strings.Cut(s, "://"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			return scheme + "://…@" + rest[at+1:]
		}
	}
	return s
}

// runRotation is serve --rotate-keys: re-seal, print the summary.
func runRotation(e *env, logger *slog.Logger, store envstore.Store, k *envstore.Keyring) error {
	r, err := rotateKeys(e.ctx, logger, store, k)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(struct {
		rotation
		KeyID string `json:"keyId"`
	}{r, k.Primary()})
	fmt.Fprintf(e.stdout, "%s\n", b)
	if r.Failed > 0 {
		return fmt.Errorf("%d record(s) did not open with the key ring; add their keys below the first one and run --rotate-keys again", r.Failed)
	}
	return nil
}

// backoff is the wait before retry n (from 0): 0.5 s doubling to 15 s.
func backoff(n int) time.Duration {
	d := 500 * time.Millisecond << min(n, 5)
	return min(d, 15*time.Second)
}

// retrying calls try until it succeeds, returns a usage error, ctx ends,
// or wait (0: no limit) has passed, logging each failure.
func retrying(ctx context.Context, logger *slog.Logger, what string, wait time.Duration, try func() error) error {
	start := time.Now()
	for n := 0; ; n++ {
		err := try()
		var ue *usageError
		if err == nil || errors.As(err, &ue) {
			return err
		}
		if wait > 0 && time.Since(start)+backoff(n) > wait {
			return fmt.Errorf("%s: still failing after %s (--connect-wait): %w", what, wait.Round(time.Second), err)
		}
		logger.Warn(what+" failed; retrying", "attempt", n+1, "retry_in", backoff(n).String(), "error", oneLine(err.Error(), 300))
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: stopped while retrying: %w", what, err)
		case <-time.After(backoff(n)):
		}
	}
}

// connectRetrying connects to the Lit network, retrying with back-off.
func connectRetrying(e *env, logger *slog.Logger, conn connectFlags, wait time.Duration) (*node.Client, error) {
	var cl *node.Client
	err := retrying(e.ctx, logger, "connecting to the Lit network", wait, func() error {
		var err error
		cl, err = conn.connect(e)
		return err
	})
	return cl, err
}

// waitStore waits for the store to answer, retrying with back-off.
func waitStore(ctx context.Context, logger *slog.Logger, store envstore.Store, wait time.Duration) error {
	return retrying(ctx, logger, "reaching the envelope store "+store.String(), wait, func() error {
		c, cancel := context.WithTimeout(ctx, probeTimeout)
		defer cancel()
		return storeError(store, store.Ping(c))
	})
}

// storeError makes a TLS failure reaching the store, which retrying cannot
// cure, a usage error that says what to do.
func storeError(store envstore.Store, err error) error {
	var te *envstore.TLSError
	switch {
	case errors.As(err, &te) && te.Untrusted:
		return usagef("--store %s: %v; trust the CA that signed the server's certificate with --store-ca-file FILE (PEM) or the system pool (SSL_CERT_FILE)", store, te)
	case errors.As(err, &te):
		return usagef("--store %s: %v", store, te)
	}
	return err
}

// slogWriter sends net/http's own error lines to the JSON log.
type slogWriter struct{ l *slog.Logger }

func (s slogWriter) Write(p []byte) (int, error) {
	s.l.Warn("http: " + strings.TrimSpace(string(p)))
	return len(p), nil
}
