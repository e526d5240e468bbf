package aliyuntest

import (
	"testing"

	"github.com/captchakit/captcha/internal/emulator"
)

// Server is an Emulator served on 127.0.0.1.
type Server struct {
	*Emulator
	// URL is the base URL, "http://127.0.0.1:<port>": the provider's
	// Config.Endpoint, and the origin of ScriptPath for pages.
	URL string
	// Addr is "127.0.0.1:<port>", the endpoint host the official SDK takes
	// (with Protocol "HTTP").
	Addr string

	srv *emulator.Server
}

// Start serves a new emulator for cfg on a free loopback port. Close it when
// done.
func Start(cfg Config) (*Server, error) {
	e := New(cfg)
	srv, err := emulator.Serve(e, e.faults)
	if err != nil {
		return nil, err
	}
	return &Server{Emulator: e, URL: srv.URL, Addr: srv.Addr, srv: srv}, nil
}

// NewServer is Start for tests: it fails t on error and closes the server in
// t.Cleanup.
func NewServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	s, err := Start(cfg)
	if err != nil {
		t.Fatalf("aliyuntest: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Close stops the server and releases requests held by FaultHang.
func (s *Server) Close() error { return s.srv.Close() }
