package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/captchakit/captcha/examples/internal/demo"
	"github.com/captchakit/captcha/providers/tencent/tencenttest"
)

// syncBuffer collects the exported spans.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMetricsOfTheDemo logs in on Tencent's emulator, turns the outage on,
// logs in degraded, and reads the metrics and the spans of both.
func TestMetricsOfTheDemo(t *testing.T) {
	app, err := demo.New(demo.Config{Provider: demo.Tencent, Logger: nil})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Close() })
	spans := &syncBuffer{}
	h, err := newHandler(app, spans)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	login := func(ticket, randstr string) int {
		t.Helper()
		resp, err := http.PostForm(srv.URL+"/login", url.Values{"username": {"alice"}, "ticket": {ticket}, "randstr": {randstr}})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	tk := app.Emulators().Tencent.Mint(tencenttest.DemoAppID)
	if code := login(tk.Ticket, tk.Randstr); code != http.StatusOK {
		t.Fatalf("login: status %d, want 200", code)
	}
	if code := login(tk.Ticket, tk.Randstr); code != http.StatusForbidden {
		t.Fatalf("replayed login: status %d, want 403", code)
	}
	app.SetOutage(true)
	if code := login("invented-ticket", "invented-randstr"); code != http.StatusOK {
		t.Fatalf("degraded login: status %d, want 200", code)
	}

	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	metrics := string(body)
	for _, want := range []string{
		`captcha_verifications_total{captcha_outcome="pass",captcha_provider="tencent"`,
		`captcha_verifications_total{captcha_outcome="replayed",captcha_provider="tencent"`,
		`captcha_verifications_total{captcha_outcome="degraded",captcha_provider="tencent"`,
		`captcha_passes_degraded_total{captcha_provider="tencent"`,
		`captcha_breaker_state{captcha_provider="tencent"`,
		`captcha_verification_duration_seconds_bucket{`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	out := spans.String()
	if !strings.Contains(out, `"Name":"captcha.verify"`) || !strings.Contains(out, `"degraded"`) {
		t.Errorf("spans lack the verifications:\n%.2000s", out)
	}
	for _, secret := range []string{tk.Ticket, "invented-ticket", tencenttest.DemoSecretKey, tencenttest.DemoAppSecretKey} {
		if strings.Contains(metrics, secret) || strings.Contains(out, secret) {
			t.Errorf("metrics or spans carry %q", secret)
		}
	}
}
