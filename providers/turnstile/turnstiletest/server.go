package turnstiletest

import (
	_ "embed"
	"testing"

	"github.com/captchakit/captcha/internal/emulator"
)

// script is the stand-in api.js: the turnstile object with render, execute,
// reset, remove, getResponse, isExpired and ready, implicit rendering of
// .cf-turnstile elements, the ?render=explicit and ?onload= parameters, and
// the hidden cf-turnstile-response input, minting through MintPath. Its
// header comment lists what it does and what it leaves out.
//
//go:embed api.js
var script []byte

// Server is an Emulator served on 127.0.0.1. Its URL is the base URL,
// "http://127.0.0.1:<port>": the provider's Endpoint (the provider appends
// SiteverifyPath), and the origin of the stand-in script for pages. Close
// stops it and releases requests held by FaultHang.
type Server struct {
	*Emulator
	*emulator.Server
}

// Start serves a new emulator for cfg on a free loopback port. Close it
// when done.
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
	return emulator.ForTest(t, "turnstiletest", func() (*Server, error) { return Start(cfg) })
}
