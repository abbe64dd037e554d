package envstore

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"
)

// RedisConfig is how the worker reaches Redis beyond the URL.
type RedisConfig struct {
	// CAFile is a PEM file of the certificate authorities trusted for a
	// rediss:// server, instead of the system pool (which honours
	// SSL_CERT_FILE and SSL_CERT_DIR). Only for rediss://.
	CAFile string
}

// TLSError is a TLS failure reaching Redis that retrying cannot cure: the
// server's certificate is not trusted, or the server does not speak TLS.
// The client never falls back to plain text.
type TLSError struct {
	Addr string
	Msg  string
	Err  error
	// Untrusted: the server's certificate does not chain to a trusted CA
	// or does not name the host.
	Untrusted bool
}

func (e *TLSError) Error() string { return fmt.Sprintf("redis %s: %s (%v)", e.Addr, e.Msg, e.Err) }
func (e *TLSError) Unwrap() error { return e.Err }

// tlsConfig completes the TLS settings of a rediss:// URL: TLS 1.2 or
// later, the server's name checked, and the roots from cfg.CAFile or the
// system pool. It refuses certificate checks turned off (skip_verify) and a
// CA file for a plain-text redis:// URL.
func tlsConfig(u *url.URL, base *tls.Config, cfg RedisConfig) (*tls.Config, error) {
	if u.Query().Has("skip_verify") {
		return nil, errors.New("skip_verify turns the server's certificate check off; trust the CA that signed it instead")
	}
	if base == nil {
		if cfg.CAFile != "" {
			return nil, errors.New("a CA file is for rediss:// (TLS); redis:// sends everything, the password included, in clear")
		}
		return nil, nil
	}
	c := base.Clone()
	c.InsecureSkipVerify = false
	if c.MinVersion < tls.VersionTLS12 {
		c.MinVersion = tls.VersionTLS12
	}
	if c.ServerName == "" {
		c.ServerName = u.Hostname()
	}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading the CA file: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s holds no PEM certificate; give the CA certificate(s) that signed the Redis server's certificate", cfg.CAFile)
		}
		c.RootCAs = pool
	}
	return c, nil
}

// tlsDialer dials TCP and completes the TLS handshake within timeout,
// naming what went wrong: a certificate not trusted or a peer answering in
// clear is a *TLSError; any other handshake failure asks whether the port
// speaks TLS. It never retries in plain text.
func tlsDialer(conf *tls.Config, timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		d := net.Dialer{KeepAlive: 5 * time.Minute}
		raw, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		c := tls.Client(raw, conf)
		if err := c.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, classifyHandshake(addr, err)
		}
		return c, nil
	}
}

func classifyHandshake(addr string, err error) error {
	var verify *tls.CertificateVerificationError
	var record tls.RecordHeaderError
	switch {
	case errors.As(err, &verify):
		return &TLSError{Addr: addr, Msg: "the server's TLS certificate is not trusted", Err: verify.Err, Untrusted: true}
	case errors.As(err, &record):
		return &TLSError{Addr: addr, Msg: "the server does not speak TLS (it answered in clear); enable TLS on it, the worker never falls back to plain text", Err: err}
	}
	return fmt.Errorf("redis %s: TLS handshake failed: %w; is the server speaking TLS on this port?", addr, err)
}

// asTLSError returns the *TLSError inside err, if any, else err.
func asTLSError(err error) error {
	var te *TLSError
	if errors.As(err, &te) {
		return te
	}
	return err
}
