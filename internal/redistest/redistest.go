// Package redistest runs a real redis-server on a free loopback port for
// tests, with append-only persistence so a restart keeps every write, in
// clear (Start) or over TLS only (StartTLS).
package redistest

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/internal/testutil"
)

// Server is one redis-server process.
type Server struct {
	t    testing.TB
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	log  *testutil.SyncBuffer

	// ca, certFile and keyFile are set for a TLS server.
	ca                *CA
	certFile, keyFile string
}

// Start runs redis-server, or skips the test when it is not installed
// (unless LITSESSION_REQUIRE_REDIS is set: then it fails).
func Start(t *testing.T) *Server { return StartB(t) }

// StartB is Start for tests and benchmarks.
func StartB(t testing.TB) *Server {
	t.Helper()
	s := newServer(t)
	s.start()
	t.Cleanup(s.Stop)
	return s
}

// StartTLS runs redis-server that speaks TLS only (no plain-text port),
// with a certificate for 127.0.0.1 from a throw-away CA (CA, CAFile), and
// does not ask clients for certificates. It skips the test when
// redis-server was built without TLS, unless LITSESSION_REQUIRE_REDIS is
// set.
func StartTLS(t testing.TB) *Server {
	t.Helper()
	s := newServer(t)
	s.ca = NewCA(t, "redistest CA")
	s.certFile, s.keyFile = s.ca.IssueServer(t, s.dir)
	s.start()
	t.Cleanup(s.Stop)
	return s
}

func newServer(t testing.TB) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("LITSESSION_REQUIRE_REDIS") != "" {
			t.Fatal("redis-server is not installed; apt-get install redis-server")
		}
		t.Skip("redis-server is not installed (apt-get install redis-server)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return &Server{t: t, dir: t.TempDir(), port: port}
}

// URL is redis://127.0.0.1:PORT/0, or rediss://… for a TLS server.
func (s *Server) URL() string {
	scheme := "redis"
	if s.ca != nil {
		scheme = "rediss"
	}
	return fmt.Sprintf("%s://127.0.0.1:%d/0", scheme, s.port)
}

// CA is the authority that signed a TLS server's certificate (nil in clear).
func (s *Server) CA() *CA { return s.ca }

// CAFile is the path of the PEM file of CA.
func (s *Server) CAFile() string { return filepath.Join(s.dir, "ca.crt") }

// Addr is 127.0.0.1:PORT.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

func (s *Server) start() {
	s.t.Helper()
	args := []string{"--port", strconv.Itoa(s.port)}
	if s.ca != nil {
		s.ca.WriteFile(s.t, s.dir, "ca.crt")
		args = []string{"--port", "0", "--tls-port", strconv.Itoa(s.port), "--tls-cert-file", s.certFile,
			"--tls-key-file", s.keyFile, "--tls-ca-cert-file", s.CAFile(), "--tls-auth-clients", "no"}
	}
	args = append(args, "--bind", "127.0.0.1", "--dir", s.dir, "--save", "", "--appendonly", "yes",
		"--appendfsync", "always", "--daemonize", "no", "--loglevel", "warning")
	s.log = &testutil.SyncBuffer{}
	s.cmd = exec.Command("redis-server", args...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("starting redis-server: %v", err)
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(s.cmd, s.done)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if s.ping() {
			return
		}
		select {
		case <-s.done:
			s.cmd = nil
			out := s.log.String()
			if s.ca != nil && strings.Contains(out, "Bad directive") && strings.Contains(out, "tls-") {
				if os.Getenv("LITSESSION_REQUIRE_REDIS") != "" {
					s.t.Fatalf("redis-server was built without TLS support (BUILD_TLS=yes):\n%s", out)
				}
				s.t.Skipf("redis-server was built without TLS support (BUILD_TLS=yes); skipping the rediss:// test:\n%s", out)
			}
			s.t.Fatalf("redis-server exited at start:\n%s", out)
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server did not answer on %s:\n%s", s.Addr(), s.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ping sends PING (over TLS for a TLS server) and reports whether PONG came.
func (s *Server) ping() bool {
	c, err := net.DialTimeout("tcp", s.Addr(), 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	var rw io.ReadWriter = c
	if s.ca != nil {
		tc := tls.Client(c, &tls.Config{RootCAs: s.ca.Pool(), ServerName: "127.0.0.1"})
		if tc.Handshake() != nil {
			return false
		}
		rw = tc
	}
	rw.Write([]byte("PING\r\n"))
	buf := make([]byte, 16)
	n, _ := io.ReadAtLeast(rw, buf, 7)
	return string(buf[:n]) == "+PONG\r\n"
}

// Stop ends redis-server with SIGTERM (it flushes its append-only file).
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(interrupt)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// Restart stops redis-server, waits down, and starts it again on the same
// port with the same data.
func (s *Server) Restart(down time.Duration) {
	s.Stop()
	time.Sleep(down)
	s.start()
}
