package aliyuntest

import (
	"testing"

	"github.com/captchakit/captcha/internal/emulator"
)

// Server is an Emulator served on 127.0.0.1. Its URL is the base URL,
// "http://127.0.0.1:<port>": the provider's Endpoint, and the origin of the
// stand-in script for pages. Its Addr is "127.0.0.1:<port>", the host a
// client signs. Close stops it and releases requests held by FaultHang.
type Server struct {
	*Emulator
	*emulator.Server
}

// Start serves a new emulator for cfg on a free loopback port. Close it when
// done.
func Start(cfg Config) (*Server, error) {
	e := New(cfg)
	srv, err := emulator.Serve(e, e.faults)
	if err != nil {
		return nil, err
	}
	return &Server{Emulator: e, Server: srv}, nil
}

// NewServer is Start for tests: it fails t on error and closes the server
// when the test ends.
func NewServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	return emulator.ForTest(t, "aliyuntest", func() (*Server, error) { return Start(cfg) })
}
