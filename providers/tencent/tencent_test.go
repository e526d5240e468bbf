package tencent_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
	"github.com/captchakit/captcha/providers/tencent"
	"github.com/captchakit/captcha/providers/tencent/tencenttest"
)

func demoConfig(endpoint string) tencent.Config {
	return tencent.Config{
		SecretID:     tencenttest.DemoSecretID,
		SecretKey:    tencenttest.DemoSecretKey,
		AppID:        tencenttest.DemoAppID,
		AppSecretKey: tencenttest.DemoAppSecretKey,
		Endpoint:     endpoint,
	}
}

func mustNew(t testing.TB, cfg tencent.Config) *tencent.Provider {
	t.Helper()
	p, err := tencent.New(cfg)
	if err != nil {
		t.Fatalf("tencent.New: %v", err)
	}
	return p
}

func ticketOf(tk tencenttest.Ticket) captcha.Ticket {
	return captcha.Ticket{
		Values:   map[string]string{"ticket": tk.Ticket, "randstr": tk.Randstr},
		ClientIP: "203.0.113.7",
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, func(t *testing.T) *providertest.Harness {
		srv := tencenttest.NewServer(t, tencenttest.Config{})
		return &providertest.Harness{
			BaseURL: srv.URL,
			New: func(t *testing.T, baseURL string, wrongSecret bool) captcha.Provider {
				cfg := demoConfig(baseURL)
				if wrongSecret {
					cfg.SecretKey = "not-the-secret-key"
				}
				return mustNew(t, cfg)
			},
			Pass: func(*testing.T) captcha.Ticket { return ticketOf(srv.Mint(0)) },
			Reject: func(*testing.T) captcha.Ticket {
				return ticketOf(tencenttest.Ticket{Ticket: "tr03garbage*", Randstr: "@abc"})
			},
			Inject:  srv.Inject,
			Secrets: []string{tencenttest.DemoSecretKey, tencenttest.DemoAppSecretKey},
		}
	})
}

func TestNewValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mutate  func(*tencent.Config)
		wantErr string // substring naming the field; "" for success
	}{
		{"valid", func(*tencent.Config) {}, ""},
		{"international host", func(c *tencent.Config) { c.Endpoint = tencent.InternationalEndpoint }, ""},
		{"base URL", func(c *tencent.Config) { c.Endpoint = "http://127.0.0.1:1234" }, ""},
		{"base URL with slash", func(c *tencent.Config) { c.Endpoint = "https://proxy.example:8443/" }, ""},
		{"missing SecretID", func(c *tencent.Config) { c.SecretID = "" }, "Config.SecretID is required"},
		{"SecretID with space", func(c *tencent.Config) { c.SecretID = "AKID x" }, "Config.SecretID"},
		{"SecretID with slash", func(c *tencent.Config) { c.SecretID = "AKID/x" }, "Config.SecretID"},
		{"missing SecretKey", func(c *tencent.Config) { c.SecretKey = "" }, "Config.SecretKey is required"},
		{"Token with newline", func(c *tencent.Config) { c.Token = "a\nb" }, "Config.Token"},
		{"missing AppID", func(c *tencent.Config) { c.AppID = 0 }, "Config.AppID is required"},
		{"missing AppSecretKey", func(c *tencent.Config) { c.AppSecretKey = "" }, "Config.AppSecretKey is required"},
		{"Endpoint with path", func(c *tencent.Config) { c.Endpoint = "https://h.example/api" }, "Config.Endpoint"},
		{"Endpoint with query", func(c *tencent.Config) { c.Endpoint = "https://h.example/?a=b" }, "Config.Endpoint"},
		{"Endpoint ftp", func(c *tencent.Config) { c.Endpoint = "ftp://h.example" }, "Config.Endpoint"},
		{"Endpoint with user", func(c *tencent.Config) { c.Endpoint = "https://u:p@h.example" }, "Config.Endpoint"},
		{"Endpoint empty host", func(c *tencent.Config) { c.Endpoint = "http://" }, "Config.Endpoint"},
		{"negative Timeout", func(c *tencent.Config) { c.Timeout = -1 }, "Config.Timeout"},
		{"negative DisasterMaxAge", func(c *tencent.Config) { c.DisasterMaxAge = -1 }, "Config.DisasterMaxAge"},
		{"negative ClockSkew", func(c *tencent.Config) { c.ClockSkew = -1 }, "Config.ClockSkew"},
		{"same field names", func(c *tencent.Config) { c.TicketField, c.RandstrField = "t", "t" }, "Config.TicketField"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := demoConfig("")
			tt.mutate(&cfg)
			p, err := tencent.New(cfg)
			if tt.wantErr == "" {
				if err != nil || p == nil {
					t.Fatalf("New() = %v, %v; want a provider", p, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New() error = %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), tencenttest.DemoSecretKey) || strings.Contains(err.Error(), tencenttest.DemoAppSecretKey) {
				t.Errorf("error %q contains a secret", err)
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	t.Parallel()
	p := mustNew(t, demoConfig(""))
	if got := p.Name(); got != "tencent" {
		t.Errorf("Name() = %q, want tencent", got)
	}
	if got := strings.Join(p.Fields(), ","); got != "ticket,randstr" {
		t.Errorf("Fields() = %q, want ticket,randstr", got)
	}
	cfg := demoConfig("")
	cfg.TicketField, cfg.RandstrField = "tc_ticket", "tc_randstr"
	if got := strings.Join(mustNew(t, cfg).Fields(), ","); got != "tc_ticket,tc_randstr" {
		t.Errorf("Fields() with custom names = %q", got)
	}
	a := captcha.Ticket{Values: map[string]string{"ticket": "tr03abc", "randstr": "@1"}}
	b := captcha.Ticket{Values: map[string]string{"ticket": "tr03abc", "randstr": "@2"}}
	c := captcha.Ticket{Values: map[string]string{"ticket": "tr03abd", "randstr": "@1"}}
	if p.TicketID(a) != p.TicketID(b) {
		t.Error("TicketID differs for the same ticket with another randstr")
	}
	if p.TicketID(a) == p.TicketID(c) || p.TicketID(a) == "" {
		t.Error("TicketID is the same for different tickets, or empty")
	}
}

// TestOutcomeMapping drives Verify against canned replies: every row of the
// mapping in the package documentation.
func TestOutcomeMapping(t *testing.T) {
	t.Parallel()
	const rid = `"RequestId":"3c140219-cfe9-470e-b241-907877d6fb03"`
	verdict := func(code, evil string) string {
		return `{"Response":{"CaptchaCode":` + code + `,"CaptchaMsg":"x","EvilLevel":` + evil + `,` + rid + `}}`
	}
	envelope := func(code string) string {
		return `{"Response":{"Error":{"Code":"` + code + `","Message":"m"},` + rid + `}}`
	}
	type want struct {
		passed bool
		code   string // Result.Code, or VerifyError.Code
		risk   int
		err    error
	}
	tests := []struct {
		name   string
		status int
		body   string
		want   want
	}{
		{"code 1 pass", 200, verdict("1", "0"), want{passed: true, code: "1"}},
		{"code 1 risky pass", 200, verdict("1", "100"), want{passed: true, code: "1", risk: 100}},
		{"code 1 null EvilLevel pass", 200, verdict("1", "null"), want{passed: true, code: "1"}},
		{"code 6 reject", 200, verdict("6", "0"), want{code: "6"}},
		{"code 7 reject", 200, verdict("7", "0"), want{code: "7"}},
		{"code 8 reject", 200, verdict("8", "0"), want{code: "8"}},
		{"code 9 reject", 200, verdict("9", "0"), want{code: "9"}},
		{"code 15 reject", 200, verdict("15", "0"), want{code: "15"}},
		{"code 16 reject", 200, verdict("16", "0"), want{code: "16"}},
		{"code 21 reject", 200, verdict("21", "0"), want{code: "21"}},
		{"code 100 reject", 200, verdict("100", "0"), want{code: "100"}},
		{"code 104 reject", 200, verdict("104", "0"), want{code: "104"}},
		{"code 0 reject", 200, verdict("0", "0"), want{code: "0"}},
		{"code -1 reject", 200, verdict("-1", "0"), want{code: "-1"}},
		{"code 26 unavailable", 200, verdict("26", "0"), want{code: "26", err: captcha.ErrUnavailable}},
		{"InternalError unavailable", 200, envelope("InternalError"), want{code: "InternalError", err: captcha.ErrUnavailable}},
		{"InternalError.Sub unavailable", 200, envelope("InternalError.DbError"), want{code: "InternalError.DbError", err: captcha.ErrUnavailable}},
		{"ServiceUnavailable unavailable", 200, envelope("ServiceUnavailable"), want{code: "ServiceUnavailable", err: captcha.ErrUnavailable}},
		{"RequestLimitExceeded throttled", 200, envelope("RequestLimitExceeded"), want{code: "RequestLimitExceeded", err: captcha.ErrThrottled}},
		{"RequestLimitExceeded.IPLimitExceeded throttled", 200, envelope("RequestLimitExceeded.IPLimitExceeded"), want{code: "RequestLimitExceeded.IPLimitExceeded", err: captcha.ErrThrottled}},
		{"LimitExceeded throttled", 200, envelope("LimitExceeded"), want{code: "LimitExceeded", err: captcha.ErrThrottled}},
		{"AuthFailure.SignatureFailure misconfigured", 200, envelope("AuthFailure.SignatureFailure"), want{code: "AuthFailure.SignatureFailure", err: captcha.ErrMisconfigured}},
		{"AuthFailure.SecretIdNotFound misconfigured", 200, envelope("AuthFailure.SecretIdNotFound"), want{code: "AuthFailure.SecretIdNotFound", err: captcha.ErrMisconfigured}},
		{"AuthFailure.SignatureExpire misconfigured", 200, envelope("AuthFailure.SignatureExpire"), want{code: "AuthFailure.SignatureExpire", err: captcha.ErrMisconfigured}},
		{"UnauthorizedOperation.ErrAuth misconfigured", 200, envelope("UnauthorizedOperation.ErrAuth"), want{code: "UnauthorizedOperation.ErrAuth", err: captcha.ErrMisconfigured}},
		{"UnauthorizedOperation.Unauthorized misconfigured", 200, envelope("UnauthorizedOperation.Unauthorized"), want{code: "UnauthorizedOperation.Unauthorized", err: captcha.ErrMisconfigured}},
		{"InvalidParameter misconfigured", 200, envelope("InvalidParameter"), want{code: "InvalidParameter", err: captcha.ErrMisconfigured}},
		{"InvalidParameterValue misconfigured", 200, envelope("InvalidParameterValue"), want{code: "InvalidParameterValue", err: captcha.ErrMisconfigured}},
		{"MissingParameter misconfigured", 200, envelope("MissingParameter"), want{code: "MissingParameter", err: captcha.ErrMisconfigured}},
		{"unknown envelope misconfigured", 200, envelope("FailedOperation.Whatever"), want{code: "FailedOperation.Whatever", err: captcha.ErrMisconfigured}},
		{"InternalErrorX is not InternalError", 200, envelope("InternalErrorX"), want{code: "InternalErrorX", err: captcha.ErrMisconfigured}},
		{"envelope wins over 500", 500, envelope("AuthFailure.SignatureFailure"), want{code: "AuthFailure.SignatureFailure", err: captcha.ErrMisconfigured}},
		{"envelope wins over 403", 403, envelope("InternalError"), want{code: "InternalError", err: captcha.ErrUnavailable}},
		{"envelope wins over 429", 429, envelope("RequestLimitExceeded"), want{code: "RequestLimitExceeded", err: captcha.ErrThrottled}},
		{"HTTP 500 html unavailable", 500, "<html>oops</html>", want{code: "http-500", err: captcha.ErrUnavailable}},
		{"HTTP 502 empty unavailable", 502, "", want{code: "http-502", err: captcha.ErrUnavailable}},
		{"HTTP 503 unavailable", 503, "busy", want{code: "http-503", err: captcha.ErrUnavailable}},
		{"HTTP 429 no envelope throttled", 429, "slow down", want{code: "http-429", err: captcha.ErrThrottled}},
		{"HTTP 500 with a pass verdict unavailable", 500, verdict("1", "0"), want{code: "http-500", err: captcha.ErrUnavailable}},
		{"not JSON unavailable", 200, "<html>", want{code: "malformed-reply", err: captcha.ErrUnavailable}},
		{"truncated unavailable", 200, `{"Response":{"CaptchaCode":1,`, want{code: "malformed-reply", err: captcha.ErrUnavailable}},
		{"empty object unavailable", 200, `{}`, want{code: "malformed-reply", err: captcha.ErrUnavailable}},
		{"empty Response unavailable", 200, `{"Response":{}}`, want{code: "malformed-reply", err: captcha.ErrUnavailable}},
		{"RequestId only unavailable", 200, `{"Response":{` + rid + `}}`, want{code: "malformed-reply", err: captcha.ErrUnavailable}},
		{"Error without Code unavailable", 200, `{"Response":{"Error":{}}}`, want{code: "malformed-reply", err: captcha.ErrUnavailable}},
		{"legacy body unavailable", 200, `{"code":4000,"message":"bad","codeDesc":"x"}`, want{code: "malformed-reply", err: captcha.ErrUnavailable}},
		{"CaptchaCode as string unavailable", 200, `{"Response":{"CaptchaCode":"1"}}`, want{code: "malformed-reply", err: captcha.ErrUnavailable}},
		{"oversized body unavailable", 200, `{"Response":{"CaptchaCode":1,"X":"` + strings.Repeat("a", 70<<10) + `"}}`, want{code: "transport", err: captcha.ErrUnavailable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			p := mustNew(t, demoConfig(srv.URL))
			tk := ticketOf(tencenttest.Ticket{Ticket: "tr03secretticket*", Randstr: "@Vki"})
			res, err := p.Verify(t.Context(), tk)
			if tt.want.err == nil {
				if err != nil {
					t.Fatalf("Verify() error = %v, want nil", err)
				}
				if res.Passed != tt.want.passed || res.Code != tt.want.code || res.Risk != tt.want.risk {
					t.Fatalf("Verify() = passed %v code %q risk %d, want passed %v code %q risk %d",
						res.Passed, res.Code, res.Risk, tt.want.passed, tt.want.code, tt.want.risk)
				}
				if res.RequestID != "3c140219-cfe9-470e-b241-907877d6fb03" {
					t.Errorf("Result = %+v, want the RequestId", res)
				}
				return
			}
			if res.Passed {
				t.Fatal("Passed = true on an error")
			}
			if !errors.Is(err, tt.want.err) {
				t.Fatalf("Verify() error = %v, want one wrapping %v", err, tt.want.err)
			}
			for _, other := range []error{captcha.ErrUnavailable, captcha.ErrThrottled, captcha.ErrMisconfigured, captcha.ErrRejected} {
				if other != tt.want.err && errors.Is(err, other) {
					t.Errorf("error %v also wraps %v", err, other)
				}
			}
			var ve *captcha.VerifyError
			if !errors.As(err, &ve) || ve.Provider != "tencent" || ve.Code != tt.want.code {
				t.Fatalf("error = %#v, want a *VerifyError from tencent with Code %q", err, tt.want.code)
			}
			for _, s := range []string{"tr03secretticket", tencenttest.DemoSecretKey, tencenttest.DemoAppSecretKey} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q contains a secret or the ticket", err)
				}
			}
		})
	}
}

// TestEmulatorVerdicts runs the provider against the emulator for every
// verdict the emulator gives, and for the local rejections.
func TestEmulatorVerdicts(t *testing.T) {
	t.Parallel()
	const otherApp = 190000001
	type setup struct {
		srv *tencenttest.Server
		cfg *tencent.Config
	}
	tests := []struct {
		name      string
		prepare   func(s setup) captcha.Ticket
		wantPass  bool
		wantCode  string
		wantRisk  int
		wantErr   error
		wantCalls int64
	}{
		{"minted pass", func(s setup) captcha.Ticket { return ticketOf(s.srv.Mint(0)) }, true, "1", 0, nil, 1},
		{"risky pass", func(s setup) captcha.Ticket { return ticketOf(s.srv.Mint(0, tencenttest.Risky())) }, true, "1", 100, nil, 1},
		{"replay reject", func(s setup) captcha.Ticket {
			tk := s.srv.Mint(0)
			s.srv.Mint(0) // unrelated
			p := mustNew(t, *s.cfg)
			if res, err := p.Verify(context.Background(), ticketOf(tk)); err != nil || !res.Passed {
				t.Errorf("first use = %+v, %v", res, err)
			}
			return ticketOf(tk)
		}, false, "9", 0, nil, 1},
		{"expired reject", func(s setup) captcha.Ticket {
			tk := s.srv.Mint(0)
			s.srv.Advance(5*time.Minute + time.Second)
			return ticketOf(tk)
		}, false, "8", 0, nil, 1},
		{"randstr mismatch reject", func(s setup) captcha.Ticket {
			tk := s.srv.Mint(0)
			tk.Randstr = "@nope"
			return ticketOf(tk)
		}, false, "7", 0, nil, 1},
		{"ticket of another app reject", func(s setup) captcha.Ticket { return ticketOf(s.srv.Mint(otherApp)) }, false, "16", 0, nil, 1},
		{"wrong AppSecretKey reject", func(s setup) captcha.Ticket {
			s.cfg.AppSecretKey = "wrong-app-secret"
			return ticketOf(s.srv.Mint(0))
		}, false, "100", 0, nil, 1},
		{"garbage reject", func(setup) captcha.Ticket {
			return ticketOf(tencenttest.Ticket{Ticket: "tr03garbage*", Randstr: "@a"})
		}, false, "15", 0, nil, 1},
		{"fresh disaster ticket sent reject", func(s setup) captcha.Ticket { return ticketOf(s.srv.DisasterTicket(0)) }, false, "21", 0, nil, 1},
		{"stale disaster ticket local reject", func(s setup) captcha.Ticket {
			tk := s.srv.DisasterTicket(0)
			s.srv.Advance(6 * time.Minute)
			return ticketOf(tk)
		}, false, tencent.CodeDisasterInvalid, 0, nil, 0},
		{"future disaster ticket local reject", func(s setup) captcha.Ticket {
			s.srv.Advance(2 * time.Minute)
			tk := s.srv.DisasterTicket(0)
			s.srv.Advance(-2 * time.Minute)
			return ticketOf(tk)
		}, false, tencent.CodeDisasterInvalid, 0, nil, 0},
		{"disaster ticket of another app local reject", func(s setup) captcha.Ticket { return ticketOf(s.srv.DisasterTicket(otherApp)) },
			false, tencent.CodeDisasterInvalid, 0, nil, 0},
		{"malformed disaster ticket local reject", func(setup) captcha.Ticket {
			return ticketOf(tencenttest.Ticket{Ticket: "trerror_x", Randstr: "@a"})
		}, false, tencent.CodeDisasterInvalid, 0, nil, 0},
		{"ticket with a space local reject", func(setup) captcha.Ticket {
			return ticketOf(tencenttest.Ticket{Ticket: "tr03 a", Randstr: "@a"})
		}, false, tencent.CodeTicketMalformed, 0, nil, 0},
		{"empty randstr local reject", func(s setup) captcha.Ticket {
			tk := s.srv.Mint(0)
			tk.Randstr = ""
			return ticketOf(tk)
		}, false, tencent.CodeTicketMalformed, 0, nil, 0},
		{"oversized ticket local reject", func(setup) captcha.Ticket {
			return ticketOf(tencenttest.Ticket{Ticket: "tr03" + strings.Repeat("a", tencent.MaxTicketLen), Randstr: "@a"})
		}, false, tencent.CodeTicketMalformed, 0, nil, 0},
		{"system busy unavailable", func(s setup) captcha.Ticket {
			s.srv.SetSystemBusy(true)
			return ticketOf(s.srv.Mint(0))
		}, false, "26", 0, captcha.ErrUnavailable, 1},
		{"clock skew misconfigured", func(s setup) captcha.Ticket {
			s.cfg.Now = func() time.Time { return s.srv.Now().Add(-301 * time.Second) }
			return ticketOf(s.srv.Mint(0))
		}, false, "AuthFailure.SignatureExpire", 0, captcha.ErrMisconfigured, 1},
		{"unknown SecretId misconfigured", func(s setup) captcha.Ticket {
			s.cfg.SecretID = "AKIDunknown"
			return ticketOf(s.srv.Mint(0))
		}, false, "AuthFailure.SecretIdNotFound", 0, captcha.ErrMisconfigured, 1},
		{"wrong SecretKey misconfigured", func(s setup) captcha.Ticket {
			s.cfg.SecretKey = "wrong"
			return ticketOf(s.srv.Mint(0))
		}, false, "AuthFailure.SignatureFailure", 0, captcha.ErrMisconfigured, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := tencenttest.NewServer(t, tencenttest.Config{Apps: []tencenttest.App{
				{AppID: tencenttest.DemoAppID, AppSecretKey: tencenttest.DemoAppSecretKey},
				{AppID: otherApp, AppSecretKey: "other-app-secret"},
			}})
			cfg := demoConfig(srv.URL)
			cfg.Now = srv.Now
			tk := tt.prepare(setup{srv, &cfg})
			before := srv.Calls()
			res, err := mustNew(t, cfg).Verify(t.Context(), tk)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Verify() error = %v, want %v", err, tt.wantErr)
			}
			code := res.Code
			var ve *captcha.VerifyError
			if errors.As(err, &ve) {
				code = ve.Code
			}
			if res.Passed != tt.wantPass || code != tt.wantCode || res.Risk != tt.wantRisk {
				t.Errorf("Verify() = passed %v code %q risk %d, want passed %v code %q risk %d",
					res.Passed, code, res.Risk, tt.wantPass, tt.wantCode, tt.wantRisk)
			}
			if err == nil && !res.Passed && res.RequestID == "" && tt.wantCalls > 0 {
				t.Error("RequestID is empty on a vendor rejection")
			}
			if got := srv.Calls() - before; got != tt.wantCalls {
				t.Errorf("emulator received %d calls, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestSTSToken(t *testing.T) {
	t.Parallel()
	srv := tencenttest.NewServer(t, tencenttest.Config{Credentials: []tencenttest.Credential{
		{SecretID: "AKIDtemporary", SecretKey: "temporary-key", Token: "session-token"},
	}})
	cfg := demoConfig(srv.URL)
	cfg.SecretID, cfg.SecretKey, cfg.Token = "AKIDtemporary", "temporary-key", "session-token"
	res, err := mustNew(t, cfg).Verify(t.Context(), ticketOf(srv.Mint(0)))
	if err != nil || !res.Passed {
		t.Fatalf("Verify with token = %+v, %v; want a pass", res, err)
	}
	cfg.Token = ""
	_, err = mustNew(t, cfg).Verify(t.Context(), ticketOf(srv.Mint(0)))
	var ve *captcha.VerifyError
	if !errors.Is(err, captcha.ErrMisconfigured) || !errors.As(err, &ve) || ve.Code != "AuthFailure.TokenFailure" {
		t.Fatalf("Verify without token error = %v, want AuthFailure.TokenFailure", err)
	}
}

// TestTimeout checks that Config.Timeout bounds a call whose context has no
// deadline.
func TestTimeout(t *testing.T) {
	t.Parallel()
	srv := tencenttest.NewServer(t, tencenttest.Config{})
	srv.Inject(providertest.FaultHang)
	cfg := demoConfig(srv.URL)
	cfg.Timeout = 50 * time.Millisecond
	_, err := mustNew(t, cfg).Verify(context.Background(), ticketOf(srv.Mint(0)))
	var ve *captcha.VerifyError
	if !errors.Is(err, captcha.ErrUnavailable) || !errors.As(err, &ve) || ve.Code != "timeout" {
		t.Fatalf("Verify() error = %v, want a timeout wrapping ErrUnavailable", err)
	}
}

func TestCheckFailback(t *testing.T) {
	t.Parallel()
	now := time.Unix(1551113065, 0)
	cfg := demoConfig("http://127.0.0.1:1") // never called
	cfg.Now = func() time.Time { return now }
	p := mustNew(t, cfg)
	tests := []struct {
		name, ticket, randstr string
		wantCode              string // "" for nil
	}{
		{"disaster ticket pass", "trerror_1001_199999164_1551113065", "@k3j9x0q1", ""},
		{"older prefix pass", "terror_1001_199999164_1551113000", "@k3j9x0q1", ""},
		{"glued variant pass", "trerror_1001_1999991641551113000", "@k3j9x0q1", ""},
		{"5 minutes old pass", "trerror_1001_199999164_1551112765", "@a", ""},
		{"within skew pass", "trerror_1001_199999164_1551113125", "@a", ""},
		{"normal ticket pass", "tr03XaCUZq8Ux-3Zb2*", "@Vki", ""},
		{"too old reject", "trerror_1001_199999164_1551112764", "@a", tencent.CodeDisasterInvalid},
		{"future reject", "trerror_1001_199999164_1551113126", "@a", tencent.CodeDisasterInvalid},
		{"another app reject", "trerror_1001_199999165_1551113065", "@a", tencent.CodeDisasterInvalid},
		{"malformed disaster reject", "trerror_1001_199999164", "@a", tencent.CodeDisasterInvalid},
		{"empty ticket reject", "", "@a", tencent.CodeTicketMalformed},
		{"empty randstr reject", "tr03abc", "", tencent.CodeTicketMalformed},
		{"control character reject", "tr03\x00abc", "@a", tencent.CodeTicketMalformed},
		{"non-ASCII reject", "tr03é", "@a", tencent.CodeTicketMalformed},
		{"oversized reject", strings.Repeat("a", tencent.MaxTicketLen+1), "@a", tencent.CodeTicketMalformed},
		{"oversized randstr reject", "tr03abc", strings.Repeat("a", tencent.MaxRandstrLen+1), tencent.CodeTicketMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := p.CheckFailback(t.Context(), captcha.Ticket{Values: map[string]string{"ticket": tt.ticket, "randstr": tt.randstr}})
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("CheckFailback() = %v, want nil", err)
				}
				return
			}
			var ve *captcha.VerifyError
			if !errors.Is(err, captcha.ErrRejected) || !errors.As(err, &ve) || ve.Code != tt.wantCode {
				t.Fatalf("CheckFailback() = %v, want a VerifyError wrapping ErrRejected with Code %q", err, tt.wantCode)
			}
			if tt.ticket != "" && strings.Contains(err.Error(), tt.ticket) {
				t.Errorf("error %q contains the ticket", err)
			}
		})
	}
}

// TestRequestShape checks what goes on the wire: headers and a body whose
// CaptchaAppId is a number and whose UserIp is the ticket's client IP.
func TestRequestShape(t *testing.T) {
	t.Parallel()
	var got atomic.Pointer[http.Request]
	var body atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, r.ContentLength)
		_, _ = r.Body.Read(b)
		body.Store(string(b))
		got.Store(r)
		_, _ = w.Write([]byte(`{"Response":{"CaptchaCode":1,"RequestId":"r"}}`))
	}))
	t.Cleanup(srv.Close)
	cfg := demoConfig(srv.URL)
	cfg.Token = "tok"
	cfg.Now = func() time.Time { return time.Unix(1551113065, 0) }
	if _, err := mustNew(t, cfg).Verify(t.Context(), ticketOf(tencenttest.Ticket{Ticket: "tr03XaCUZ", Randstr: "@Vki"})); err != nil {
		t.Fatal(err)
	}
	r := got.Load()
	for k, want := range map[string]string{
		"Content-Type":   "application/json",
		"X-TC-Action":    "DescribeCaptchaResult",
		"X-TC-Version":   "2019-07-22",
		"X-TC-Timestamp": "1551113065",
		"X-TC-Token":     "tok",
	} {
		if v := r.Header.Get(k); v != want {
			t.Errorf("header %s = %q, want %q", k, v, want)
		}
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" || r.Host != strings.TrimPrefix(srv.URL, "http://") {
		t.Errorf("request = %s %s Host %s", r.Method, r.URL.Path, r.Host)
	}
	wantBody := `{"CaptchaType":9,"Ticket":"tr03XaCUZ","UserIp":"203.0.113.7","Randstr":"@Vki","CaptchaAppId":199999164,"AppSecretKey":"E4kwK9AcXQMHkktiItyMEyQPn"}`
	if b := body.Load().(string); b != wantBody {
		t.Errorf("body = %s, want %s", b, wantBody)
	}
	if a := r.Header.Get("Authorization"); !strings.HasPrefix(a, "TC3-HMAC-SHA256 Credential="+tencenttest.DemoSecretID+"/2019-02-25/captcha/tc3_request, SignedHeaders=content-type;host, Signature=") {
		t.Errorf("Authorization = %q", a)
	}
}
