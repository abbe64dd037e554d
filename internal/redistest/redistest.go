// Package redistest runs a real redis-server on a free loopback port for
// tests, with append-only persistence so a restart keeps every write.
package redistest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// Server is one redis-server process.
type Server struct {
	t    testing.TB
	dir  string
	port int
	cmd  *exec.Cmd
}

// Start runs redis-server, or skips the test when it is not installed
// (unless LITSESSION_REQUIRE_REDIS is set: then it fails).
func Start(t *testing.T) *Server { return StartB(t) }

// StartB is Start for tests and benchmarks.
func StartB(t testing.TB) *Server {
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
	s := &Server{t: t, dir: t.TempDir(), port: port}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

// URL is redis://127.0.0.1:PORT/0.
func (s *Server) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.port) }

// Addr is 127.0.0.1:PORT.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

func (s *Server) start() {
	s.t.Helper()
	s.cmd = exec.Command("redis-server", "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--dir", s.dir, "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no", "--loglevel", "warning")
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("starting redis-server: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr(), 200*time.Millisecond)
		if err == nil {
			c.Write([]byte("PING\r\n"))
			buf := make([]byte, 16)
			c.SetReadDeadline(time.Now().Add(time.Second))
			n, _ := c.Read(buf)
			c.Close()
			if string(buf[:n]) == "+PONG\r\n" {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server did not answer on %s", s.Addr())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop ends redis-server with SIGTERM (it flushes its append-only file).
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-done
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
