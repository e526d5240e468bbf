package turnstile_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/captchakit/captcha/internal/logtest"
	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
	"github.com/captchakit/captcha/providers/turnstile"
	"github.com/captchakit/captcha/providers/turnstile/turnstiletest"
)

func demoConfig(endpoint string) turnstile.Config {
	return turnstile.Config{
		Secret:    turnstiletest.DemoSecret,
		Hostnames: []string{"localhost"},
		Endpoint:  endpoint,
	}
}

func mustNew(t testing.TB, cfg turnstile.Config) *turnstile.Provider {
	t.Helper()
	p, err := turnstile.New(cfg)
	if err != nil {
		t.Fatalf("turnstile.New: %v", err)
	}
	return p
}

func ticketOf(token string) captcha.Ticket {
	return captcha.Ticket{Values: map[string]string{turnstile.DefaultField: token}, ClientIP: "203.0.113.7"}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, func(t *testing.T) *providertest.Harness {
		srv := turnstiletest.NewServer(t, turnstiletest.Config{})
		return &providertest.Harness{
			BaseURL: srv.URL,
			New: func(t *testing.T, baseURL string, wrongSecret bool) captcha.Provider {
				cfg := demoConfig(baseURL)
				if wrongSecret {
					cfg.Secret = "0x4AAAAAAAnot0the0secret0000000000"
				}
				return mustNew(t, cfg)
			},
			Pass:    func(*testing.T) captcha.Ticket { return ticketOf(srv.Mint("")) },
			Reject:  func(*testing.T) captcha.Ticket { return ticketOf("0.never-minted") },
			Inject:  srv.Inject,
			Secrets: []string{turnstiletest.DemoSecret},
		}
	})
}

func TestNewValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mutate  func(*turnstile.Config)
		wantErr string // substring naming the field; "" for success
	}{
		{"valid", func(*turnstile.Config) {}, ""},
		{"wildcard host", func(c *turnstile.Config) { c.Hostnames = []string{"*.example.com", "Example.com "} }, ""},
		{"any hostname", func(c *turnstile.Config) { c.Hostnames, c.AnyHostname = nil, true }, ""},
		{"full endpoint", func(c *turnstile.Config) { c.Endpoint = "https://proxy.example/cf/siteverify" }, ""},
		{"missing secret", func(c *turnstile.Config) { c.Secret = "" }, "Config.Secret is required"},
		{"secret with space", func(c *turnstile.Config) { c.Secret = "a b" }, "Config.Secret must be printable"},
		{"no hostnames", func(c *turnstile.Config) { c.Hostnames = nil }, "Config.Hostnames is required"},
		{"hostnames and any", func(c *turnstile.Config) { c.AnyHostname = true }, "exclusive"},
		{"hostname with scheme", func(c *turnstile.Config) { c.Hostnames = []string{"https://example.com"} }, "Config.Hostnames[0]"},
		{"hostname with port", func(c *turnstile.Config) { c.Hostnames = []string{"example.com:8080"} }, "Config.Hostnames[0]"},
		{"empty hostname", func(c *turnstile.Config) { c.Hostnames = []string{"example.com", " "} }, "Config.Hostnames[1]"},
		{"bare wildcard", func(c *turnstile.Config) { c.Hostnames = []string{"*.com"} }, "wildcard"},
		{"empty action", func(c *turnstile.Config) { c.Actions = []string{""} }, "Config.Actions[0]"},
		{"negative MaxAge", func(c *turnstile.Config) { c.MaxAge = -time.Second }, "Config.MaxAge"},
		{"negative Timeout", func(c *turnstile.Config) { c.Timeout = -1 }, "Config.Timeout"},
		{"endpoint ftp", func(c *turnstile.Config) { c.Endpoint = "ftp://h.example" }, "Config.Endpoint"},
		{"endpoint with query", func(c *turnstile.Config) { c.Endpoint = "https://h.example/?a=b" }, "Config.Endpoint"},
		{"endpoint with user", func(c *turnstile.Config) { c.Endpoint = "https://u:p@h.example" }, "Config.Endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := demoConfig("")
			cfg.Logger = slog.New(slog.DiscardHandler)
			tt.mutate(&cfg)
			p, err := turnstile.New(cfg)
			if tt.wantErr == "" {
				if err != nil || p == nil {
					t.Fatalf("New() = %v, %v; want a provider", p, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New() error = %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), turnstiletest.DemoSecret) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

func TestAnyHostnameWarns(t *testing.T) {
	t.Parallel()
	var buf logtest.Buffer
	cfg := demoConfig("")
	cfg.Hostnames, cfg.AnyHostname = nil, true
	cfg.Logger = slog.New(slog.NewTextHandler(&buf, nil))
	mustNew(t, cfg)
	if got := buf.String(); !strings.Contains(got, "level=WARN") || !strings.Contains(got, "any hostname") {
		t.Errorf("log = %q, want a warning about any hostname", got)
	}
}

func TestIdentity(t *testing.T) {
	t.Parallel()
	p := mustNew(t, demoConfig(""))
	if got := p.Name(); got != "turnstile" {
		t.Errorf("Name() = %q, want turnstile", got)
	}
	if got := strings.Join(p.Fields(), ","); got != "cf-turnstile-response" {
		t.Errorf("Fields() = %q, want cf-turnstile-response", got)
	}
	cfg := demoConfig("")
	cfg.Field = "token"
	if got := strings.Join(mustNew(t, cfg).Fields(), ","); got != "token" {
		t.Errorf("Fields() with Field set = %q", got)
	}
}

// TestOutcomes drives Verify against the emulator: test keys, bound
// hostnames, actions and cdata, expiry and reuse.
func TestOutcomes(t *testing.T) {
	t.Parallel()
	srv := turnstiletest.NewServer(t, turnstiletest.Config{})
	type want struct {
		passed bool
		code   string
	}
	tests := []struct {
		name   string
		cfg    func(*turnstile.Config)
		token  func() string
		want   want
		action string
	}{
		{"minted pass", nil, func() string { return srv.Mint("", turnstiletest.Action("login")) }, want{true, "success"}, "login"},
		{"never minted", nil, func() string { return "0.abc" }, want{false, "invalid-input-response"}, ""},
		{"dummy token with a production secret", nil, func() string { return turnstiletest.DummyToken }, want{false, "invalid-input-response"}, ""},
		{"test secret pass", func(c *turnstile.Config) { c.Secret = turnstiletest.TestSecretPass },
			func() string { return srv.Mint(turnstiletest.TestSitekeyPass) }, want{true, "success"}, "test"},
		{"test secret fail", func(c *turnstile.Config) { c.Secret = turnstiletest.TestSecretFail },
			func() string { return turnstiletest.DummyToken }, want{false, "invalid-input-response"}, ""},
		{"test secret spent", func(c *turnstile.Config) { c.Secret = turnstiletest.TestSecretSpent },
			func() string { return turnstiletest.DummyToken }, want{false, "timeout-or-duplicate"}, ""},
		{"test secret with a real token", func(c *turnstile.Config) { c.Secret = turnstiletest.TestSecretPass },
			func() string { return srv.Mint("") }, want{false, "invalid-input-response"}, ""},
		{"other hostname", nil, func() string { return srv.Mint("", turnstiletest.Hostname("evil.example")) }, want{false, "hostname-mismatch"}, ""},
		{"wildcard hostname", func(c *turnstile.Config) { c.Hostnames = []string{"*.example.com"} },
			func() string { return srv.Mint("", turnstiletest.Hostname("WWW.Example.com")) }, want{true, "success"}, ""},
		{"wildcard is not the apex", func(c *turnstile.Config) { c.Hostnames = []string{"*.example.com"} },
			func() string { return srv.Mint("", turnstiletest.Hostname("example.com")) }, want{false, "hostname-mismatch"}, ""},
		{"any hostname", func(c *turnstile.Config) { c.Hostnames, c.AnyHostname = nil, true },
			func() string { return srv.Mint("", turnstiletest.Hostname("evil.example")) }, want{true, "success"}, ""},
		{"expected action", func(c *turnstile.Config) { c.Actions = []string{"signup", "Login"} },
			func() string { return srv.Mint("", turnstiletest.Action("login")) }, want{true, "success"}, "login"},
		{"other action", func(c *turnstile.Config) { c.Actions = []string{"login"} },
			func() string { return srv.Mint("", turnstiletest.Action("signup")) }, want{false, "action-mismatch"}, "signup"},
		{"no action", func(c *turnstile.Config) { c.Actions = []string{"login"} },
			func() string { return srv.Mint("") }, want{false, "action-mismatch"}, ""},
		{"cdata", func(c *turnstile.Config) { c.CData = func(*http.Request) string { return "sess-1" } },
			func() string { return srv.Mint("", turnstiletest.CData("sess-1")) }, want{true, "success"}, ""},
		{"other cdata", func(c *turnstile.Config) { c.CData = func(*http.Request) string { return "sess-1" } },
			func() string { return srv.Mint("", turnstiletest.CData("sess-2")) }, want{false, "cdata-mismatch"}, ""},
		{"within MaxAge", func(c *turnstile.Config) { c.MaxAge, c.Now = time.Minute, srv.Now },
			func() string { return srv.Mint("", turnstiletest.IssuedAt(srv.Now().Add(-30*time.Second))) }, want{true, "success"}, ""},
		{"over MaxAge", func(c *turnstile.Config) { c.MaxAge, c.Now = time.Minute, srv.Now },
			func() string { return srv.Mint("", turnstiletest.IssuedAt(srv.Now().Add(-2*time.Minute))) }, want{false, "challenge-timeout"}, ""},
		{"past the lifetime", nil,
			func() string { return srv.Mint("", turnstiletest.IssuedAt(srv.Now().Add(-301*time.Second))) }, want{false, "timeout-or-duplicate"}, ""},
		{"token over 2048", nil, func() string { return "0." + strings.Repeat("a", 2047) }, want{false, "malformed"}, ""},
		{"token with a space", nil, func() string { return "0.a b" }, want{false, "malformed"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := demoConfig(srv.URL)
			cfg.Logger = slog.New(slog.DiscardHandler)
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			res, err := mustNew(t, cfg).Verify(t.Context(), ticketOf(tt.token()))
			if err != nil {
				t.Fatalf("Verify error = %v, want nil", err)
			}
			if got := (want{res.Passed, res.Code}); got != tt.want {
				t.Fatalf("Verify = %+v, want %+v", got, tt.want)
			}
			if res.Passed && (res.Hostname == "" || res.Action != tt.action) {
				t.Errorf("Result Hostname %q Action %q, want a hostname and action %q", res.Hostname, res.Action, tt.action)
			}
			if _, ok := res.Extra.(*turnstile.Extra); !ok && tt.want.code != "malformed" {
				t.Errorf("Result.Extra = %T, want *turnstile.Extra", res.Extra)
			}
		})
	}
}

// TestReplyMapping drives Verify against canned replies: every row of the
// mapping in the package documentation, including what the emulator never
// sends.
func TestReplyMapping(t *testing.T) {
	t.Parallel()
	const ok = `{"success":true,"challenge_ts":"2022-02-28T15:14:30.096Z","hostname":"localhost","error-codes":[],"action":"login","cdata":"x"}`
	tests := []struct {
		name      string
		status    int
		body      string
		wantPass  bool
		wantCode  string // Result.Code, or VerifyError.Code
		wantClass error  // nil for a verdict
	}{
		{"pass", 200, ok, true, "success", nil},
		{"pass, extra fields", 200, `{"success":true,"hostname":"localhost","metadata":{"ephemeral_id":"x:1","interactive":true},"messages":[]}`, true, "success", nil},
		{"reject", 200, `{"success":false,"error-codes":["invalid-input-response"]}`, false, "invalid-input-response", nil},
		{"duplicate", 200, `{"success":false,"error-codes":["timeout-or-duplicate"]}`, false, "timeout-or-duplicate", nil},
		{"unknown code", 200, `{"success":false,"error-codes":["new-code"]}`, false, "new-code", nil},
		{"no code", 200, `{"success":false}`, false, "unknown-error", nil},
		{"no verdict", 200, `{"hostname":"localhost"}`, false, "no-verdict", nil},
		{"mistyped verdict", 200, `{"success":"true","hostname":"localhost"}`, false, "no-verdict", nil},
		{"success with codes", 200, `{"success":true,"hostname":"localhost","error-codes":["invalid-input-response"]}`, false, "invalid-input-response", nil},
		{"success with a secret code", 200, `{"success":true,"hostname":"localhost","error-codes":["invalid-input-secret"]}`, false, "invalid-input-secret", captcha.ErrMisconfigured},
		{"bad secret", 200, `{"success":false,"error-codes":["invalid-input-secret"]}`, false, "invalid-input-secret", captcha.ErrMisconfigured},
		{"missing secret", 200, `{"success":false,"error-codes":["missing-input-secret"]}`, false, "missing-input-secret", captcha.ErrMisconfigured},
		{"bad request", 400, `{"success":false,"error-codes":["bad-request"]}`, false, "bad-request", captcha.ErrMisconfigured},
		{"internal error", 200, `{"success":false,"error-codes":["internal-error"]}`, false, "internal-error", captcha.ErrUnavailable},
		{"internal error beaten by a rejection", 200, `{"success":false,"error-codes":["internal-error","invalid-input-response"]}`, false, "invalid-input-response", nil},
		{"misconfiguration beats all", 200, `{"success":false,"error-codes":["invalid-input-response","timeout-or-duplicate","invalid-input-secret"]}`, false, "invalid-input-secret", captcha.ErrMisconfigured},
		{"duplicate beats a rejection", 200, `{"success":false,"error-codes":["invalid-input-response","timeout-or-duplicate"]}`, false, "timeout-or-duplicate", nil},
		{"HTML error page", 200, `<html>error</html>`, false, "malformed-reply", captcha.ErrUnavailable},
		{"JSON array", 200, `[]`, false, "malformed-reply", captcha.ErrUnavailable},
		{"empty body", 200, ``, false, "malformed-reply", captcha.ErrUnavailable},
		{"502 page", 502, `<html>Bad Gateway</html>`, false, "http-502", captcha.ErrUnavailable},
		{"503 with JSON no verdict", 503, `{"error":"x"}`, false, "http-503", captcha.ErrUnavailable},
		{"429", 429, `error code: 1015`, false, "http-429", captcha.ErrThrottled},
		{"403 WAF page", 403, `<html>blocked</html>`, false, "http-403", captcha.ErrMisconfigured},
		{"success outside a 200", 500, `{"success":true,"hostname":"localhost"}`, false, "http-500", captcha.ErrUnavailable},
		{"reject outside a 200", 400, `{"success":false,"error-codes":["invalid-input-response"]}`, false, "invalid-input-response", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			res, err := mustNew(t, demoConfig(srv.URL)).Verify(t.Context(), ticketOf("0.token"))
			if tt.wantClass == nil {
				if err != nil || res.Passed != tt.wantPass || res.Code != tt.wantCode {
					t.Fatalf("Verify = (passed %v, code %q, %v), want (passed %v, code %q, nil)", res.Passed, res.Code, err, tt.wantPass, tt.wantCode)
				}
				return
			}
			var ve *captcha.VerifyError
			if res.Passed || !errors.Is(err, tt.wantClass) || !errors.As(err, &ve) || ve.Code != tt.wantCode {
				t.Fatalf("Verify = (passed %v, %v), want an error wrapping %v with code %q", res.Passed, err, tt.wantClass, tt.wantCode)
			}
			if want := int64(1); errors.Is(err, captcha.ErrUnavailable) {
				want = 2 // retried once
				if calls.Load() != want {
					t.Errorf("%d calls, want %d", calls.Load(), want)
				}
			}
		})
	}
}

// TestIdempotentRetry: a call whose answer is lost after Cloudflare spent
// the token is retried with the same idempotency_key, and gets the first
// verdict, not "timeout-or-duplicate".
func TestIdempotentRetry(t *testing.T) {
	t.Parallel()
	emu := turnstiletest.NewServer(t, turnstiletest.Config{})
	var calls atomic.Int64
	// A proxy that forwards every call to the emulator and loses the first
	// answer, as a connection cut after Cloudflare spent the token would.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), r.Method, emu.URL+r.URL.Path, r.Body)
		if err != nil {
			t.Error(err)
			return
		}
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Error(err)
			return
		}
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(body)
	}))
	t.Cleanup(proxy.Close)

	res, err := mustNew(t, demoConfig(proxy.URL)).Verify(t.Context(), ticketOf(emu.Mint("")))
	if err != nil || !res.Passed {
		t.Fatalf("Verify through a proxy that lost the first answer = (%+v, %v), want a pass", res, err)
	}
	if calls.Load() != 2 || emu.Calls() != 2 {
		t.Errorf("proxy saw %d calls and the emulator %d, want 2 and 2", calls.Load(), emu.Calls())
	}

	// Without the retry, the lost answer is an outage, and the token is
	// spent.
	calls.Store(0)
	cfg := demoConfig(proxy.URL)
	cfg.NoRetry = true
	tk := ticketOf(emu.Mint(""))
	if _, err := mustNew(t, cfg).Verify(t.Context(), tk); !errors.Is(err, captcha.ErrUnavailable) {
		t.Fatalf("Verify without retry = %v, want ErrUnavailable", err)
	}
	res, err = mustNew(t, demoConfig(emu.URL)).Verify(t.Context(), tk)
	if err != nil || res.Passed || res.Code != "timeout-or-duplicate" {
		t.Errorf("a second call with a new key = (%+v, %v), want timeout-or-duplicate", res, err)
	}
}

func TestCheckFailback(t *testing.T) {
	t.Parallel()
	p := mustNew(t, demoConfig(""))
	tests := []struct {
		name, token string
		ok          bool
	}{
		{"real-looking token", "0.abcdef", true},
		{"dummy token", turnstiletest.DummyToken, false},
		{"too long", strings.Repeat("a", 2049), false},
		{"space", "a b", false},
	}
	for _, tt := range tests {
		err := p.CheckFailback(context.Background(), ticketOf(tt.token))
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, captcha.ErrRejected)) {
			t.Errorf("%s: CheckFailback = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
	cfg := demoConfig("")
	cfg.Secret = turnstiletest.TestSecretPass
	if err := mustNew(t, cfg).CheckFailback(context.Background(), ticketOf(turnstiletest.DummyToken)); err != nil {
		t.Errorf("CheckFailback(dummy token) with a test secret = %v, want nil", err)
	}
}

// TestRemoteIPSent checks the form the provider posts: secret, response,
// remoteip (a valid IP only), idempotency_key a UUID.
func TestRemoteIPSent(t *testing.T) {
	t.Parallel()
	got := make(chan map[string]string, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		m := map[string]string{"content-type": r.Header.Get("Content-Type"), "path": r.URL.Path}
		for k := range r.PostForm {
			m[k] = r.PostForm.Get(k)
		}
		got <- m
		_, _ = w.Write([]byte(`{"success":true,"hostname":"localhost"}`))
	}))
	t.Cleanup(srv.Close)
	p := mustNew(t, demoConfig(srv.URL))
	for _, ip := range []string{"203.0.113.7", "not an ip"} {
		tk := ticketOf("0.tok+/=")
		tk.ClientIP = ip
		if res, err := p.Verify(t.Context(), tk); err != nil || !res.Passed {
			t.Fatalf("Verify = %+v, %v", res, err)
		}
		m := <-got
		if m["path"] != turnstile.SiteverifyPath || m["content-type"] != "application/x-www-form-urlencoded" ||
			m["secret"] != turnstiletest.DemoSecret || m["response"] != "0.tok+/=" || len(m["idempotency_key"]) != 36 {
			t.Errorf("posted %v", m)
		}
		wantIP := ip
		if ip == "not an ip" {
			wantIP = ""
		}
		if m["remoteip"] != wantIP {
			t.Errorf("remoteip = %q, want %q", m["remoteip"], wantIP)
		}
	}
	cfg := demoConfig(srv.URL)
	cfg.OmitRemoteIP = true
	tk := ticketOf("0.tok")
	tk.ClientIP = "203.0.113.7"
	if res, err := mustNew(t, cfg).Verify(t.Context(), tk); err != nil || !res.Passed {
		t.Fatalf("Verify with OmitRemoteIP = %+v, %v", res, err)
	}
	if m := <-got; m["remoteip"] != "" {
		t.Errorf("OmitRemoteIP: remoteip = %q sent, want none", m["remoteip"])
	}
}

func TestPageParams(t *testing.T) {
	t.Parallel()
	if got := mustNew(t, demoConfig("")).PageParams(); got != nil {
		t.Errorf("PageParams() without a sitekey = %v, want nil", got)
	}
	cfg := demoConfig("")
	cfg.Sitekey = turnstiletest.DemoSitekey
	got := mustNew(t, cfg).PageParams()
	if len(got) != 1 || got["sitekey"] != turnstiletest.DemoSitekey {
		t.Errorf("PageParams() = %v, want the sitekey alone", got)
	}
}
