package tencenttest

import (
	"testing"

	"github.com/captchakit/captcha/internal/emulator"
)

// Server is an Emulator served on 127.0.0.1.
type Server struct {
	*Emulator
	// URL is the base URL, "http://127.0.0.1:<port>": use it as the
	// provider's Endpoint, and URL+ScriptPath as the page's script.
	URL string
	// Addr is "127.0.0.1:<port>", the Host a client signs (the official
	// SDK's HttpProfile.Endpoint).
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

// NewServer starts an emulator for cfg and closes it when the test ends.
func NewServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	s, err := Start(cfg)
	if err != nil {
		t.Fatalf("tencenttest: start emulator: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Close stops the server, its connections and any request held by
// FaultHang.
func (s *Server) Close() error { return s.srv.Close() }
