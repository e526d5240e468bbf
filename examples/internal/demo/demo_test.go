package demo

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/providers/geetest/geetesttest"
	"github.com/captchakit/captcha/providers/providertest"
	"github.com/captchakit/captcha/session"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		provider string
		addr     string
		wantErr  bool
	}{
		{name: "defaults", provider: Tencent, addr: DefaultAddr},
		{name: "flags", args: []string{"-provider", "geetest4", "-addr", "127.0.0.1:0"}, provider: GeeTest4, addr: "127.0.0.1:0"},
		{name: "environment", env: map[string]string{ProviderEnv: "aliyun"}, provider: Aliyun, addr: DefaultAddr},
		{name: "flag beats environment", args: []string{"-provider", "geetest3"}, env: map[string]string{ProviderEnv: "aliyun"}, provider: GeeTest3, addr: DefaultAddr},
		{name: "chain", args: []string{"-provider", "chain"}, provider: Chain, addr: DefaultAddr},
		{name: "unknown provider", args: []string{"-provider", "recaptcha"}, wantErr: true},
		{name: "unknown provider from environment", env: map[string]string{ProviderEnv: "friendlycaptcha"}, wantErr: true},
		{name: "turnstile", args: []string{"-provider", "turnstile"}, provider: Turnstile, addr: DefaultAddr},
		{name: "hcaptcha from environment", env: map[string]string{ProviderEnv: "hcaptcha"}, provider: HCaptcha, addr: DefaultAddr},
		{name: "recaptcha2", args: []string{"-provider", "recaptcha2"}, provider: ReCaptcha2, addr: DefaultAddr},
		{name: "recaptcha3", args: []string{"-provider", "recaptcha3"}, provider: ReCaptcha3, addr: DefaultAddr},
		{name: "stray argument", args: []string{"tencent"}, wantErr: true},
		{name: "unknown flag", args: []string{"-port", "80"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := ParseFlags("test", tt.args, env(tt.env), io.Discard)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseFlags(%q) = %+v, want an error", tt.args, cfg)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseFlags(%q): %v", tt.args, err)
			}
			if cfg.Provider != tt.provider || cfg.Addr != tt.addr {
				t.Errorf("ParseFlags(%q) = provider %q addr %q, want %q %q", tt.args, cfg.Provider, cfg.Addr, tt.provider, tt.addr)
			}
		})
	}
}

func TestCredentials(t *testing.T) {
	t.Parallel()
	t.Run("none set runs on the emulator", func(t *testing.T) {
		t.Parallel()
		for _, p := range Providers {
			a, err := New(Config{Provider: p, Getenv: env(nil)})
			if err != nil {
				t.Fatalf("New(%s): %v", p, err)
			}
			if !a.Offline() {
				t.Errorf("New(%s) without credentials is online, want the emulator", p)
			}
			if err := a.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
	})
	t.Run("partial credentials are an error naming the missing ones", func(t *testing.T) {
		t.Parallel()
		_, err := New(Config{Provider: Tencent, Getenv: env(map[string]string{"TENCENT_SECRET_ID": "AKIDx"})})
		if !errors.Is(err, errPartialCredentials) || !strings.Contains(err.Error(), "TENCENT_APP_SECRET_KEY") {
			t.Fatalf("New with part of Tencent's credentials: err %v, want errPartialCredentials naming TENCENT_APP_SECRET_KEY", err)
		}
		if strings.Contains(err.Error(), "AKIDx") {
			t.Errorf("error %q contains a credential value", err)
		}
	})
	t.Run("full credentials go online without an emulator", func(t *testing.T) {
		t.Parallel()
		vals := map[string]string{"GEETEST4_ID": strings.Repeat("a", 32), "GEETEST4_KEY": strings.Repeat("b", 32)}
		a, err := New(Config{Provider: GeeTest4, Getenv: env(vals)})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		if a.Offline() || a.Emulators() != (Emulators{}) {
			t.Errorf("New with credentials: offline %t, emulators %+v; want online without emulator", a.Offline(), a.Emulators())
		}
		if got := a.Login().ScriptURL; got != GeeTest4ScriptURL {
			t.Errorf("script URL %q, want %q", got, GeeTest4ScriptURL)
		}
		for _, rt := range a.Routes() {
			if rt.Path == "/outage" {
				t.Error("the outage switch is offered online")
			}
		}
	})
}

// TestOutageSwitch flips the switch through its route and checks the page
// and the provider see it.
func TestOutageSwitch(t *testing.T) {
	t.Parallel()
	a, err := New(Config{Provider: Aliyun, Getenv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	mux := http.NewServeMux()
	for _, rt := range a.Routes() {
		mux.Handle(rt.Method+" "+rt.Path, rt.Handler)
	}
	for _, on := range []string{"on", "off", "on"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/outage", strings.NewReader(url.Values{"outage": {on}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("POST /outage %s: status %d, want 303", on, rec.Code)
		}
		if got := a.Outage(); got != (on == "on") {
			t.Errorf("after POST /outage %s: Outage() = %t", on, got)
		}
	}
	p := a.Provider()
	_, err = p.Verify(t.Context(), captcha.Ticket{
		Values:   map[string]string{"captchaVerifyParam": a.Emulators().Aliyun.MintParam("abc123")},
		ClientIP: "127.0.0.1",
	})
	if !errors.Is(err, captcha.ErrUnavailable) {
		t.Errorf("Verify during the outage: err %v, want ErrUnavailable", err)
	}
}

func TestDenied(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err    error
		status int
		reason string
	}{
		{&captcha.VerifyError{Provider: "tencent", Code: "21", Err: captcha.ErrRejected}, 403, "rejected"},
		{&captcha.VerifyError{Provider: "tencent", Err: captcha.ErrFailbackDenied}, 403, "failback-denied"},
		{captcha.ErrReplayed, 403, "replayed"},
		{captcha.ErrMissingTicket, 403, "missing"},
		{captcha.ErrNoServerStatus, 403, "no-server-status"},
		{captcha.ErrUnavailable, 503, "unavailable"},
		{captcha.ErrMisconfigured, 500, "misconfigured"},
		{errors.New("other"), 500, "error"},
	}
	for _, tt := range tests {
		got := Denied(tt.err)
		if got.Status != tt.status || got.Reason != tt.reason {
			t.Errorf("Denied(%v) = status %d reason %q, want %d %q", tt.err, got.Status, got.Reason, tt.status, tt.reason)
		}
		if got, want := IsCaptchaError(tt.err), tt.reason != "error"; got != want {
			t.Errorf("IsCaptchaError(%v) = %t, want %t", tt.err, got, want)
		}
	}
}

// TestPagesEscape renders user input and checks html/template escaped it.
func TestPagesEscape(t *testing.T) {
	t.Parallel()
	a, err := New(Config{Provider: Tencent, Getenv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rec := httptest.NewRecorder()
	Render(rec, http.StatusOK, SuccessTemplate, a.Success(`<script>alert(1)</script>`, &captcha.Result{Provider: "tencent", Passed: true, Code: "1"}))
	if body := rec.Body.String(); strings.Contains(body, "<script>alert(1)") || !strings.Contains(body, "&lt;script&gt;alert(1)") {
		t.Errorf("the user name was not escaped:\n%s", body)
	}
}

// TestUseProvider hands the App a GeeTest v3 provider built outside it, as
// examples/nethttp does: the App then serves it and leaves the register
// route to the caller; a nil provider or another vendor's is an error.
func TestUseProvider(t *testing.T) {
	t.Parallel()
	a, err := New(Config{Provider: GeeTest3, Getenv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	hasRegister := func() bool {
		for _, rt := range a.Routes() {
			if rt.Path == "/geetest/register" {
				return true
			}
		}
		return false
	}
	if !hasRegister() {
		t.Fatal("Routes offers no GET /geetest/register before UseProvider")
	}
	for _, bad := range []struct {
		name string
		p    captcha.Provider
	}{
		{"nil", nil},
		{"another vendor", &providertest.Fake{ProviderName: Tencent}},
	} {
		if err := a.UseProvider(bad.p); err == nil {
			t.Errorf("UseProvider(%s) = nil, want an error", bad.name)
		}
	}
	if !hasRegister() {
		t.Error("a refused UseProvider dropped the register route")
	}
	keys, err := session.NewCookieStore(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	st, err := session.New(keys)
	if err != nil {
		t.Fatal(err)
	}
	p, err := geetest.NewV3(geetest.V3Config{
		CaptchaID: geetesttest.DefaultV3CaptchaID, PrivateKey: geetesttest.DefaultV3PrivateKey,
		StatusStore: st, Endpoint: a.Emulators().GeeTest.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.UseProvider(p); err != nil {
		t.Fatalf("UseProvider(a GeeTest v3 provider): %v", err)
	}
	if a.Provider() != captcha.Provider(p) {
		t.Error("Provider() is not the provider given to UseProvider")
	}
	if hasRegister() {
		t.Error("Routes still offers GET /geetest/register after UseProvider")
	}
	if got, want := a.Login().Fields, p.Fields(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("login page fields %q, want the provider's %q", got, want)
	}
}
