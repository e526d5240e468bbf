package hcaptcha_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/hcaptcha"
	"github.com/captchakit/captcha/providers/hcaptcha/hcaptchatest"
	"github.com/captchakit/captcha/providers/providertest"
)

func demoConfig(endpoint string) hcaptcha.Config {
	return hcaptcha.Config{
		Secret:    hcaptchatest.DemoSecret,
		Sitekey:   hcaptchatest.DemoSitekey,
		Hostnames: []string{"localhost"},
		Endpoint:  endpoint,
	}
}

func mustNew(t testing.TB, cfg hcaptcha.Config) *hcaptcha.Provider {
	t.Helper()
	p, err := hcaptcha.New(cfg)
	if err != nil {
		t.Fatalf("hcaptcha.New: %v", err)
	}
	return p
}

func ticketOf(token string) captcha.Ticket {
	return captcha.Ticket{Values: map[string]string{hcaptcha.DefaultField: token}, ClientIP: "203.0.113.7"}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, func(t *testing.T) *providertest.Harness {
		srv := hcaptchatest.NewServer(t, hcaptchatest.Config{})
		return &providertest.Harness{
			BaseURL: srv.URL,
			New: func(t *testing.T, baseURL string, wrongSecret bool) captcha.Provider {
				cfg := demoConfig(baseURL)
				if wrongSecret {
					cfg.Secret = "0x1111111111111111111111111111111111111111"
				}
				return mustNew(t, cfg)
			},
			Pass:    func(*testing.T) captcha.Ticket { return ticketOf(srv.Mint("")) },
			Reject:  func(*testing.T) captcha.Ticket { return ticketOf("P1_never-minted") },
			Inject:  srv.Inject,
			Secrets: []string{hcaptchatest.DemoSecret},
		}
	})
}

func TestNewValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mutate  func(*hcaptcha.Config)
		wantErr string
	}{
		{"valid", func(*hcaptcha.Config) {}, ""},
		{"no sitekey", func(c *hcaptcha.Config) { c.Sitekey = "" }, ""},
		{"enterprise score", func(c *hcaptcha.Config) { c.MinScore = 0.5 }, ""},
		{"missing secret", func(c *hcaptcha.Config) { c.Secret = "" }, "Config.Secret is required"},
		{"secret with newline", func(c *hcaptcha.Config) { c.Secret = "0x\n" }, "Config.Secret must be printable"},
		{"sitekey with space", func(c *hcaptcha.Config) { c.Sitekey = "a b" }, "Config.Sitekey"},
		{"no hostnames", func(c *hcaptcha.Config) { c.Hostnames = nil }, "Config.Hostnames is required"},
		{"score over 1", func(c *hcaptcha.Config) { c.MinScore = 1.5 }, "Config.MinScore"},
		{"negative score", func(c *hcaptcha.Config) { c.MinScore = -0.1 }, "Config.MinScore"},
		{"negative MaxAge", func(c *hcaptcha.Config) { c.MaxAge = -1 }, "Config.MaxAge"},
		{"negative Timeout", func(c *hcaptcha.Config) { c.Timeout = -1 }, "Config.Timeout"},
		{"bad endpoint", func(c *hcaptcha.Config) { c.Endpoint = "hcaptcha.com" }, "Config.Endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := demoConfig("")
			tt.mutate(&cfg)
			p, err := hcaptcha.New(cfg)
			if tt.wantErr == "" {
				if err != nil || p == nil {
					t.Fatalf("New() = %v, %v; want a provider", p, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New() error = %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), hcaptchatest.DemoSecret) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	t.Parallel()
	p := mustNew(t, demoConfig(""))
	if p.Name() != "hcaptcha" || strings.Join(p.Fields(), ",") != "h-captcha-response" {
		t.Errorf("Name, Fields = %q, %q; want hcaptcha, h-captcha-response (never g-recaptcha-response)", p.Name(), p.Fields())
	}
}

// TestOutcomes drives Verify against the emulator: the test set, sitekeys,
// Enterprise scores, expiry and reuse.
func TestOutcomes(t *testing.T) {
	t.Parallel()
	const other = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
	const otherSecret = "0x2222222222222222222222222222222222222222"
	srv := hcaptchatest.NewServer(t, hcaptchatest.Config{Sites: []hcaptchatest.Site{
		{Sitekey: hcaptchatest.DemoSitekey, Secret: hcaptchatest.DemoSecret},
		{Sitekey: "e0e0e0e0-1111-4222-8333-444455556666", Secret: hcaptchatest.DemoSecret, Enterprise: true},
		{Sitekey: other, Secret: otherSecret},
	}})
	const ent = "e0e0e0e0-1111-4222-8333-444455556666"
	tests := []struct {
		name      string
		cfg       func(*hcaptcha.Config)
		token     func() string
		passed    bool
		code      string
		wantClass error
	}{
		{"minted pass", nil, func() string { return srv.Mint("") }, true, "success", nil},
		{"never minted", nil, func() string { return "P1_abc" }, false, "invalid-input-response", nil},
		{"test token, production secret", nil, func() string { return hcaptchatest.TestToken }, false, "not-using-dummy-secret", nil},
		{"test set", func(c *hcaptcha.Config) {
			c.Secret, c.Sitekey, c.Hostnames = hcaptchatest.TestSecret, hcaptchatest.TestSitekey, []string{hcaptchatest.TestHostname}
		}, func() string { return srv.Mint(hcaptchatest.TestSitekey) }, true, "success", nil},
		{"test secret, real token", func(c *hcaptcha.Config) { c.Secret, c.Sitekey = hcaptchatest.TestSecret, "" },
			func() string { return srv.Mint("") }, false, "not-using-dummy-passcode", captcha.ErrMisconfigured},
		{"token of our other sitekey", nil, func() string { return srv.Mint(ent) }, false, "invalid-input-response", nil},
		{"token of another account, no sitekey sent", func(c *hcaptcha.Config) { c.Sitekey = "" },
			func() string { return srv.Mint(other) }, false, "sitekey-secret-mismatch", nil},
		{"our sitekey is another account's", func(c *hcaptcha.Config) { c.Sitekey = other },
			func() string { return srv.Mint(other) }, false, "sitekey-secret-mismatch", captcha.ErrMisconfigured},
		{"unknown sitekey configured", func(c *hcaptcha.Config) { c.Sitekey = "00000000-0000-4000-8000-000000000000" },
			func() string { return srv.Mint("") }, false, "invalid-sitekey", captcha.ErrMisconfigured},
		{"other hostname", nil, func() string { return srv.Mint("", hcaptchatest.Hostname("evil.example")) }, false, "hostname-mismatch", nil},
		{"expired", nil, func() string { return srv.Mint("", hcaptchatest.IssuedAt(srv.Now().Add(-121*time.Second))) }, false, "expired-input-response", nil},
		{"enterprise low risk", func(c *hcaptcha.Config) { c.Sitekey, c.MinScore = ent, 0.5 },
			func() string { return srv.Mint(ent, hcaptchatest.Score(0.2)) }, true, "success", nil},
		{"enterprise high risk", func(c *hcaptcha.Config) { c.Sitekey, c.MinScore = ent, 0.5 },
			func() string { return srv.Mint(ent, hcaptchatest.Score(0.9)) }, false, "score-threshold-not-met", nil},
		{"score required, none sent", func(c *hcaptcha.Config) { c.MinScore = 0.5 },
			func() string { return srv.Mint("") }, false, "score-threshold-not-met", nil},
		{"over MaxAge", func(c *hcaptcha.Config) { c.MaxAge, c.Now = 10*time.Second, srv.Now },
			func() string { return srv.Mint("", hcaptchatest.IssuedAt(srv.Now().Add(-20*time.Second))) }, false, "challenge-timeout", nil},
		{"malformed", nil, func() string { return "P1_\x00" }, false, "malformed", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := demoConfig(srv.URL)
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			res, err := mustNew(t, cfg).Verify(t.Context(), ticketOf(tt.token()))
			if tt.wantClass != nil {
				var ve *captcha.VerifyError
				if res.Passed || !errors.Is(err, tt.wantClass) || !errors.As(err, &ve) || ve.Code != tt.code {
					t.Fatalf("Verify = (%+v, %v), want an error wrapping %v with code %q", res, err, tt.wantClass, tt.code)
				}
				return
			}
			if err != nil || res.Passed != tt.passed || res.Code != tt.code {
				t.Fatalf("Verify = (passed %v, code %q, %v), want (passed %v, code %q, nil)", res.Passed, res.Code, err, tt.passed, tt.code)
			}
		})
	}
}

// TestScore checks the normalisation: hCaptcha's risk 0.2 is Score 0.8.
func TestScore(t *testing.T) {
	t.Parallel()
	const ent = "e0e0e0e0-1111-4222-8333-444455556666"
	srv := hcaptchatest.NewServer(t, hcaptchatest.Config{Sites: []hcaptchatest.Site{{Sitekey: ent, Secret: hcaptchatest.DemoSecret, Enterprise: true}}})
	cfg := demoConfig(srv.URL)
	cfg.Sitekey = ent
	res, err := mustNew(t, cfg).Verify(t.Context(), ticketOf(srv.Mint("", hcaptchatest.Score(0.2))))
	if err != nil || !res.Passed || !res.HasScore || res.RawScore != 0.2 || res.Score < 0.79 || res.Score > 0.81 {
		t.Fatalf("Verify = (%+v, %v), want a pass with RawScore 0.2 and Score 0.8", res, err)
	}
	if ex, ok := res.Extra.(*hcaptcha.Extra); !ok || ex.ScoreReason == nil || ex.ChallengeTS.IsZero() {
		t.Errorf("Extra = %#v", res.Extra)
	}
}

// TestReplyMapping covers hCaptcha's own codes with canned replies.
func TestReplyMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		sitekey   string
		status    int
		body      string
		code      string
		wantClass error
	}{
		{"already seen", "", 200, `{"success":false,"error-codes":["already-seen-response"]}`, "already-seen-response", nil},
		{"old combined code", "", 200, `{"success":false,"error-codes":["invalid-or-already-seen-response"]}`, "invalid-or-already-seen-response", nil},
		{"missing remoteip", "", 200, `{"success":false,"error-codes":["missing-remoteip"]}`, "missing-remoteip", captcha.ErrMisconfigured},
		{"invalid remoteip", "", 200, `{"success":false,"error-codes":["invalid-remoteip"]}`, "invalid-remoteip", captcha.ErrMisconfigured},
		{"invalid sitekey, none sent", "", 200, `{"success":false,"error-codes":["invalid-sitekey"]}`, "invalid-sitekey", nil},
		{"invalid sitekey, ours", hcaptchatest.DemoSitekey, 200, `{"success":false,"error-codes":["invalid-sitekey"]}`, "invalid-sitekey", captcha.ErrMisconfigured},
		{"bad request", "", 200, `{"success":false,"error-codes":["bad-request"]}`, "bad-request", captcha.ErrMisconfigured},
		{"500 with internal-error", "", 500, `{"success":false,"error-codes":["internal-error"]}`, "internal-error", captcha.ErrUnavailable},
		{"429", "", 429, `Too Many Requests`, "http-429", captcha.ErrThrottled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			cfg := demoConfig(srv.URL)
			cfg.Sitekey = tt.sitekey
			res, err := mustNew(t, cfg).Verify(t.Context(), ticketOf("P1_token"))
			if tt.wantClass == nil {
				if err != nil || res.Passed || res.Code != tt.code {
					t.Fatalf("Verify = (%+v, %v), want a rejection with code %q", res, err, tt.code)
				}
				return
			}
			var ve *captcha.VerifyError
			if !errors.Is(err, tt.wantClass) || !errors.As(err, &ve) || ve.Code != tt.code {
				t.Fatalf("Verify = (%+v, %v), want %v with code %q", res, err, tt.wantClass, tt.code)
			}
		})
	}
}

// TestRequestForm checks what is posted: the sitekey when configured, and
// no retry after an outage.
func TestRequestForm(t *testing.T) {
	t.Parallel()
	calls := 0
	var got map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		_ = r.ParseForm()
		got = map[string]string{"path": r.URL.Path}
		for k := range r.PostForm {
			got[k] = r.PostForm.Get(k)
		}
		w.WriteHeader(http.StatusBadGateway)
	}))
	t.Cleanup(srv.Close)
	_, err := mustNew(t, demoConfig(srv.URL)).Verify(t.Context(), ticketOf("P1_token"))
	if !errors.Is(err, captcha.ErrUnavailable) || calls != 1 {
		t.Fatalf("Verify = %v after %d calls, want ErrUnavailable after 1 (no retry)", err, calls)
	}
	if got["path"] != "/siteverify" || got["sitekey"] != hcaptchatest.DemoSitekey || got["secret"] != hcaptchatest.DemoSecret ||
		got["response"] != "P1_token" || got["remoteip"] != "203.0.113.7" || got["idempotency_key"] != "" {
		t.Errorf("posted %v", got)
	}
}

func TestCheckFailback(t *testing.T) {
	t.Parallel()
	p := mustNew(t, demoConfig(""))
	if err := p.CheckFailback(context.Background(), ticketOf("P1_abc")); err != nil {
		t.Errorf("CheckFailback(plausible) = %v", err)
	}
	for _, tk := range []string{hcaptchatest.TestToken, strings.Repeat("a", hcaptcha.MaxTokenLen+1), "a b"} {
		if err := p.CheckFailback(context.Background(), ticketOf(tk)); !errors.Is(err, captcha.ErrRejected) {
			t.Errorf("CheckFailback(%.20q) = %v, want ErrRejected", tk, err)
		}
	}
}

func TestAnyHostname(t *testing.T) {
	t.Parallel()
	srv := hcaptchatest.NewServer(t, hcaptchatest.Config{})
	cfg := demoConfig(srv.URL)
	cfg.Hostnames, cfg.AnyHostname, cfg.Logger = nil, true, slog.New(slog.DiscardHandler)
	res, err := mustNew(t, cfg).Verify(t.Context(), ticketOf(srv.Mint("", hcaptchatest.Hostname("anything.example"))))
	if err != nil || !res.Passed || res.Hostname != "anything.example" {
		t.Errorf("Verify with AnyHostname = (%+v, %v), want a pass", res, err)
	}
}

func TestPageParams(t *testing.T) {
	t.Parallel()
	got := mustNew(t, demoConfig("")).PageParams()
	if len(got) != 1 || got["sitekey"] != hcaptchatest.DemoSitekey {
		t.Errorf("PageParams() = %v, want the sitekey alone", got)
	}
}
