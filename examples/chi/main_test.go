package main

import (
	"testing"

	"github.com/captchakit/captcha/examples/internal/browser"
	"github.com/captchakit/captcha/examples/internal/demo"
)

func TestMain(m *testing.M) { browser.Main(m) }

// startDemo serves the demo for cfg on its emulator through the wiring main
// uses.
func startDemo(t *testing.T, cfg demo.Config) (*demo.App, string) {
	return browser.Serve(t, cfg, newHandler)
}

// TestFullFlow clicks through the demo in the browser: a pass, three
// degraded passes during the outage, then the custom 403 page. The
// siteverify providers are shared out among the routers (net/http runs
// each in TestLogin and TestOutage).
func TestFullFlow(t *testing.T) {
	t.Parallel()
	for _, p := range []string{demo.Tencent, demo.GeeTest3, demo.Turnstile, demo.ReCaptcha3} {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			_, base := startDemo(t, demo.Config{Provider: p})
			browser.FullFlow(t, browser.Tab(t), base, p)
		})
	}
}

// TestCustomErrorPage posts a login without a ticket: the custom error page
// answers 403, in HTML.
func TestCustomErrorPage(t *testing.T) {
	t.Parallel()
	_, base := startDemo(t, demo.Config{Provider: demo.Aliyun})
	browser.CheckErrorPage(t, base)
}
