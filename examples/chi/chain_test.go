package main

import (
	"testing"

	"github.com/captchakit/captcha/examples/internal/browser"
)

// TestChain runs the failover chain's four paths in the browser through
// chi's wiring (see browser.ChainPaths).
func TestChain(t *testing.T) {
	t.Parallel()
	browser.ChainPaths(t, newHandler)
}
