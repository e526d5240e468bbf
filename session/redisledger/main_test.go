package redisledger_test

import (
	"os"
	"testing"

	"github.com/captchakit/captcha/internal/leakcheck"
)

// TestMain fails the package's tests if one of them leaves a goroutine
// running, then stops the shared Redis servers the tests or benchmarks
// started.
func TestMain(m *testing.M) {
	code := leakcheck.Run(m)
	stopCluster()
	stopStandalone()
	os.Exit(code)
}
