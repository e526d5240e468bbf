package geetestcompat_test

import (
	"testing"

	"github.com/captchakit/captcha/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }
