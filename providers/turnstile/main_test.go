package turnstile_test

import (
	"testing"

	"github.com/captchakit/captcha/internal/leakcheck"
)

// TestMain fails the package's tests if one of them leaves a goroutine
// running.
func TestMain(m *testing.M) { leakcheck.Main(m) }
