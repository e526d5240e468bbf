package recaptcha_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
	"github.com/captchakit/captcha/providers/recaptcha"
	"github.com/captchakit/captcha/providers/recaptcha/recaptchatest"
)

func configV2(endpoint string) recaptcha.Config {
	return recaptcha.Config{Secret: recaptchatest.DemoSecretV2, Version: recaptcha.V2, Hostnames: []string{"localhost"}, Endpoint: endpoint}
}

func configV3(endpoint string) recaptcha.Config {
	return recaptcha.Config{Secret: recaptchatest.DemoSecretV3, Version: recaptcha.V3, Hostnames: []string{"localhost"},
		Actions: []string{"login"}, Endpoint: endpoint}
}

func mustNew(t testing.TB, cfg recaptcha.Config) *recaptcha.Provider {
	t.Helper()
	p, err := recaptcha.New(cfg)
	if err != nil {
		t.Fatalf("recaptcha.New: %v", err)
	}
	return p
}

func ticketOf(token string) captcha.Ticket {
	return captcha.Ticket{Values: map[string]string{recaptcha.DefaultField: token}, ClientIP: "203.0.113.7"}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	for _, v := range []struct {
		name    string
		cfg     func(string) recaptcha.Config
		sitekey string
		opts    []recaptchatest.MintOption
	}{
		{"v2", configV2, recaptchatest.DemoSitekeyV2, nil},
		{"v3", configV3, recaptchatest.DemoSitekeyV3, []recaptchatest.MintOption{recaptchatest.Action("login")}},
	} {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			providertest.Run(t, func(t *testing.T) *providertest.Harness {
				srv := recaptchatest.NewServer(t, recaptchatest.Config{})
				return &providertest.Harness{
					BaseURL: srv.URL,
					New: func(t *testing.T, baseURL string, wrongSecret bool) captcha.Provider {
						cfg := v.cfg(baseURL)
						if wrongSecret {
							cfg.Secret = "6LeNotTheSecret000000000000000000000000A"
						}
						return mustNew(t, cfg)
					},
					Pass:    func(*testing.T) captcha.Ticket { return ticketOf(srv.Mint(v.sitekey, v.opts...)) },
					Reject:  func(*testing.T) captcha.Ticket { return ticketOf("03AFcWeAnever-minted") },
					Inject:  srv.Inject,
					Secrets: []string{recaptchatest.DemoSecretV2, recaptchatest.DemoSecretV3},
				}
			})
		})
	}
}

func TestNewValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		base    func(string) recaptcha.Config
		mutate  func(*recaptcha.Config)
		wantErr string
	}{
		{"valid v2", configV2, func(*recaptcha.Config) {}, ""},
		{"valid v3", configV3, func(*recaptcha.Config) {}, ""},
		{"v3 score", configV3, func(c *recaptcha.Config) { c.MinScore = 0.7 }, ""},
		{"missing secret", configV2, func(c *recaptcha.Config) { c.Secret = "" }, "Config.Secret is required"},
		{"no version", configV2, func(c *recaptcha.Config) { c.Version = 0 }, "Config.Version must be"},
		{"version 1", configV2, func(c *recaptcha.Config) { c.Version = 1 }, "Config.Version must be"},
		{"v2 with actions", configV2, func(c *recaptcha.Config) { c.Actions = []string{"login"} }, "Config.Actions must be empty"},
		{"v2 with score", configV2, func(c *recaptcha.Config) { c.MinScore = 0.5 }, "Config.MinScore must be 0"},
		{"v3 without actions", configV3, func(c *recaptcha.Config) { c.Actions = nil }, "Config.Actions is required"},
		{"v3 score over 1", configV3, func(c *recaptcha.Config) { c.MinScore = 1.1 }, "Config.MinScore"},
		{"no hostnames", configV3, func(c *recaptcha.Config) { c.Hostnames = nil }, "Config.Hostnames is required"},
		{"negative MaxAge", configV2, func(c *recaptcha.Config) { c.MaxAge = -1 }, "Config.MaxAge"},
		{"bad endpoint", configV2, func(c *recaptcha.Config) { c.Endpoint = "https://www.google.com/x?y" }, "Config.Endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.base("")
			tt.mutate(&cfg)
			p, err := recaptcha.New(cfg)
			if tt.wantErr == "" {
				if err != nil || p == nil {
					t.Fatalf("New() = %v, %v; want a provider", p, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New() error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	t.Parallel()
	if p := mustNew(t, configV2("")); p.Name() != "recaptcha2" || strings.Join(p.Fields(), ",") != "g-recaptcha-response" {
		t.Errorf("v2 Name, Fields = %q, %q", p.Name(), p.Fields())
	}
	if p := mustNew(t, configV3("")); p.Name() != "recaptcha3" {
		t.Errorf("v3 Name = %q", p.Name())
	}
}

func TestOutcomes(t *testing.T) {
	t.Parallel()
	srv := recaptchatest.NewServer(t, recaptchatest.Config{})
	v2, v3 := recaptchatest.DemoSitekeyV2, recaptchatest.DemoSitekeyV3
	login := recaptchatest.Action("login")
	tests := []struct {
		name   string
		base   func(string) recaptcha.Config
		cfg    func(*recaptcha.Config)
		token  func() string
		passed bool
		code   string
		score  float64 // when passed with v3
	}{
		{"v2 pass", configV2, nil, func() string { return srv.Mint(v2) }, true, "success", 0},
		{"v3 pass", configV3, nil, func() string { return srv.Mint(v3, login, recaptchatest.Score(0.7)) }, true, "success", 0.7},
		{"v3 at the threshold", configV3, nil, func() string { return srv.Mint(v3, login, recaptchatest.Score(0.5)) }, true, "success", 0.5},
		{"v3 low score", configV3, nil, func() string { return srv.Mint(v3, login, recaptchatest.Score(0.3)) }, false, "score-threshold-not-met", 0},
		{"v3 custom threshold", configV3, func(c *recaptcha.Config) { c.MinScore = 0.8 },
			func() string { return srv.Mint(v3, login, recaptchatest.Score(0.7)) }, false, "score-threshold-not-met", 0},
		{"v3 action case", configV3, nil, func() string { return srv.Mint(v3, recaptchatest.Action("LOGIN")) }, true, "success", 0.9},
		{"v3 other action", configV3, nil, func() string { return srv.Mint(v3, recaptchatest.Action("signup")) }, false, "action-mismatch", 0},
		{"v2 token, v3 secret", configV3, nil, func() string { return srv.Mint(v2) }, false, "invalid-input-response", 0},
		{"v3 token, v2 secret", configV2, nil, func() string { return srv.Mint(v3, login) }, false, "invalid-input-response", 0},
		{"never minted", configV2, nil, func() string { return "03AFcWeAnope" }, false, "invalid-input-response", 0},
		{"other hostname", configV2, nil, func() string { return srv.Mint(v2, recaptchatest.Hostname("evil.example")) }, false, "hostname-mismatch", 0},
		{"expired", configV2, nil, func() string { return srv.Mint(v2, recaptchatest.IssuedAt(srv.Now().Add(-121*time.Second))) }, false, "timeout-or-duplicate", 0},
		{"over MaxAge", configV2, func(c *recaptcha.Config) { c.MaxAge, c.Now = 30*time.Second, srv.Now },
			func() string { return srv.Mint(v2, recaptchatest.IssuedAt(srv.Now().Add(-time.Minute))) }, false, "challenge-timeout", 0},
		{"test keys", configV2, func(c *recaptcha.Config) {
			c.Secret, c.Hostnames = recaptchatest.TestSecret, []string{recaptchatest.TestHostname}
		}, func() string { return "anything" }, true, "success", 0},
		{"malformed", configV2, nil, func() string { return strings.Repeat("t", recaptcha.MaxTokenLen+1) }, false, "malformed", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.base(srv.URL)
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			res, err := mustNew(t, cfg).Verify(t.Context(), ticketOf(tt.token()))
			if err != nil || res.Passed != tt.passed || res.Code != tt.code {
				t.Fatalf("Verify = (passed %v, code %q, %v), want (passed %v, code %q, nil)", res.Passed, res.Code, err, tt.passed, tt.code)
			}
			if res.Passed && cfg.Version == recaptcha.V3 && (!res.HasScore || res.Score != tt.score || res.RawScore != tt.score || res.Action == "") {
				t.Errorf("v3 Result score %v/%v (has %v), action %q; want %v and an action", res.Score, res.RawScore, res.HasScore, res.Action, tt.score)
			}
			if res.Passed && cfg.Version == recaptcha.V2 && res.HasScore {
				t.Errorf("v2 Result has a score")
			}
		})
	}
}

func TestReplyMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		body      string
		code      string
		wantClass error
	}{
		{"duplicate", 200, `{"success":false,"error-codes":["timeout-or-duplicate"]}`, "timeout-or-duplicate", nil},
		{"old success with a secret code", 200, `{"success":true,"error-codes":["invalid-input-secret"]}`, "invalid-input-secret", captcha.ErrMisconfigured},
		{"v3 score missing", 200, `{"success":true,"action":"login","hostname":"localhost"}`, "score-threshold-not-met", nil},
		{"v3 score as a string", 200, `{"success":true,"score":"0.9","action":"login","hostname":"localhost"}`, "score-threshold-not-met", nil},
		{"android key", 200, `{"success":true,"score":0.9,"action":"login","apk_package_name":"com.example"}`, "hostname-mismatch", nil},
		{"bad request", 200, `{"success":false,"error-codes":["bad-request"]}`, "bad-request", captcha.ErrMisconfigured},
		{"500", 500, `<html>Error</html>`, "http-500", captcha.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			res, err := mustNew(t, configV3(srv.URL)).Verify(t.Context(), ticketOf("03AFcWeAtoken"))
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

func TestCheckFailback(t *testing.T) {
	t.Parallel()
	p := mustNew(t, configV3(""))
	if err := p.CheckFailback(context.Background(), ticketOf("03AFcWeAabc")); err != nil {
		t.Errorf("CheckFailback(plausible) = %v", err)
	}
	if err := p.CheckFailback(context.Background(), ticketOf("a\tb")); !errors.Is(err, captcha.ErrRejected) {
		t.Errorf("CheckFailback(malformed) = %v, want ErrRejected", err)
	}
}

func TestPageParams(t *testing.T) {
	t.Parallel()
	cfg := configV3("")
	cfg.Sitekey = recaptchatest.DemoSitekeyV3
	got := mustNew(t, cfg).PageParams()
	if len(got) != 2 || got["sitekey"] != recaptchatest.DemoSitekeyV3 || got["version"] != "3" {
		t.Errorf("PageParams() = %v, want the sitekey and version 3", got)
	}
	if got := mustNew(t, configV2("")).PageParams(); len(got) != 1 || got["version"] != "2" {
		t.Errorf("v2 PageParams() without a sitekey = %v", got)
	}
}
