package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/captchakit/captcha/examples/internal/browser"
	"github.com/captchakit/captcha/examples/internal/demo"
)

func TestMain(m *testing.M) { browser.Main(m) }

// startDemo serves the demo for cfg on its emulator, with the credentials
// hidden, through the same wiring main uses.
func startDemo(t *testing.T, cfg demo.Config) (*demo.App, string) {
	t.Helper()
	cfg.Getenv = func(string) string { return "" }
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	app, err := demo.New(cfg)
	if err != nil {
		t.Fatalf("demo.New(%+v): %v", cfg, err)
	}
	t.Cleanup(func() {
		if err := app.Close(); err != nil {
			t.Errorf("closing the emulator: %v", err)
		}
	})
	h, err := newHandler(app)
	if err != nil {
		t.Fatalf("newHandler: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return app, srv.URL
}

// TestFullFlow clicks through the demo in the browser: a pass, three
// degraded passes during the outage, then the custom 403 page.
func TestFullFlow(t *testing.T) {
	t.Parallel()
	for _, p := range []string{demo.Tencent, demo.GeeTest3} {
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
	resp, err := http.PostForm(base+"/login", url.Values{"username": {"demo"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status = %d, want 403", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q, want text/html", ct)
	}
	if !strings.Contains(string(body), `data-reason="missing"`) {
		t.Errorf("body does not name the reason \"missing\":\n%s", body)
	}
}

// TestOtherErrors checks that errors other than the captcha's still reach
// Echo's default error handler.
func TestOtherErrors(t *testing.T) {
	t.Parallel()
	_, base := startDemo(t, demo.Config{Provider: demo.Tencent})
	resp, err := http.Get(base + "/no-such-page")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), `"message"`) {
		t.Errorf("GET /no-such-page: %d %s, want Echo's JSON 404", resp.StatusCode, body)
	}
}
