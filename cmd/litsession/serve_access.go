package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
)

// accessPolicy is who may call the worker: an API token (required off
// loopback) and the origins browsers may call from.
type accessPolicy struct {
	tokenHash [32]byte // SHA-256 of the token; zero: no token required
	hasToken  bool
	origins   []string // allowed Origin values; "*" allows any
}

// loopbackPolicy is the default on loopback: no token, any origin.
func loopbackPolicy() accessPolicy { return accessPolicy{origins: []string{"*"}} }

// authorized checks Authorization: Bearer <token>. It compares SHA-256
// digests in constant time, so neither the token's content nor its length
// shows in the timing.
func (p accessPolicy) authorized(r *http.Request) bool {
	if !p.hasToken {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	sum := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(sum[:], p.tokenHash[:]) == 1 && ok
}

// cors sets the CORS headers for r's Origin.
func (p accessPolicy) cors(h http.Header, r *http.Request) {
	if slices.Contains(p.origins, "*") {
		h.Set("Access-Control-Allow-Origin", "*")
		return
	}
	h.Add("Vary", "Origin")
	if o := r.Header.Get("Origin"); o != "" && slices.Contains(p.origins, o) {
		h.Set("Access-Control-Allow-Origin", o)
	}
}

// tokenEnv names the environment variable that may hold the API token.
const tokenEnv = "LITSESSION_API_TOKEN"

// loadToken reads the API token from --token-file or $LITSESSION_API_TOKEN
// ("" if neither is set).
func loadToken(file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", usagef("--token-file: %v", err)
		}
		tok := strings.TrimSpace(string(b))
		if len(tok) < 16 {
			return "", usagef("--token-file %s holds fewer than 16 characters; use a long random token (e.g. openssl rand -hex 32)", file)
		}
		return tok, nil
	}
	tok := strings.TrimSpace(os.Getenv(tokenEnv))
	if tok != "" && len(tok) < 16 {
		return "", usagef("$%s holds fewer than 16 characters; use a long random token (e.g. openssl rand -hex 32)", tokenEnv)
	}
	return tok, nil
}

// isLoopback reports whether the listen address is reachable from this
// host only.
func isLoopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, usagef("--listen %q is not HOST:PORT (e.g. 127.0.0.1:8787)", addr)
	}
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

// accessConfig is the flags that decide accessPolicy and TLS.
type accessConfig struct {
	listen, tlsCert, tlsKey, tokenFile, origins string
}

// build checks the rules: off loopback, TLS and a token are required and
// CORS origins are explicit (none unless --cors-origins).
func (c accessConfig) build() (accessPolicy, *tls.Config, error) {
	loop, err := isLoopback(c.listen)
	if err != nil {
		return accessPolicy{}, nil, err
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return accessPolicy{}, nil, usagef("pass both --tls-cert and --tls-key, or neither")
	}
	var tlsConf *tls.Config
	if c.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(c.tlsCert, c.tlsKey)
		if err != nil {
			return accessPolicy{}, nil, usagef("--tls-cert/--tls-key: %v", err)
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	tok, err := loadToken(c.tokenFile)
	if err != nil {
		return accessPolicy{}, nil, err
	}
	if !loop && tlsConf == nil {
		return accessPolicy{}, nil, usagef("--listen %s is not a loopback address; the worker holds session secrets, so off loopback it needs TLS: pass --tls-cert and --tls-key (and an API token)", c.listen)
	}
	if !loop && tok == "" {
		return accessPolicy{}, nil, usagef("--listen %s is not a loopback address; callers must authenticate off loopback: pass --token-file or set $%s", c.listen, tokenEnv)
	}
	p := accessPolicy{}
	if tok != "" {
		p.tokenHash, p.hasToken = sha256.Sum256([]byte(tok)), true
	}
	switch {
	case c.origins != "":
		for _, o := range strings.Split(c.origins, ",") {
			if o = strings.TrimSpace(o); o != "" {
				if o != "*" && !strings.HasPrefix(o, "https://") && !strings.HasPrefix(o, "http://") {
					return accessPolicy{}, nil, usagef("--cors-origins: %q is not an origin such as https://app.example.com", o)
				}
				p.origins = append(p.origins, o)
			}
		}
	case loop:
		p.origins = []string{"*"}
	}
	if !loop && slices.Contains(p.origins, "*") {
		return accessPolicy{}, nil, usagef("--cors-origins *: off loopback, list the origins that may call the worker")
	}
	return p, tlsConf, nil
}

func (c accessConfig) scheme(tlsConf *tls.Config) string {
	if tlsConf != nil {
		return "https"
	}
	return "http"
}
