package browser

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/captchakit/captcha/examples/internal/demo"
)

// Serve serves the demo for cfg on its emulator through newHandler, the
// wiring an example's main uses, with the developer's credentials hidden so
// every test runs offline. It returns the app and the demo's URL; both are
// closed when t ends.
func Serve(t *testing.T, cfg demo.Config, newHandler func(*demo.App) (http.Handler, error)) (*demo.App, string) {
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

// CheckErrorPage posts a login without a ticket to the demo at base and
// expects the example's custom 403 page, in HTML, naming the reason
// "missing".
func CheckErrorPage(t *testing.T, base string) {
	t.Helper()
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
