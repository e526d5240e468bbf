package demo

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/hcaptcha/hcaptchatest"
	"github.com/captchakit/captcha/providers/recaptcha/recaptchatest"
	"github.com/captchakit/captcha/providers/turnstile/turnstiletest"
)

// siteverifyDemos are the siteverify providers of the demo: the page they
// render offline and the token their emulator mints for a page on
// hostname with action.
var siteverifyDemos = []struct {
	provider string
	widget   string // the implicit widget's class, "" for none
	field    string // the ticket field
	sitekey  string
	script   string // the stand-in script's path and query on the emulator
	mint     func(a *App, hostname, action string) string
}{
	{Turnstile, "cf-turnstile", "cf-turnstile-response", turnstiletest.DemoSitekey, turnstiletest.ScriptPath,
		func(a *App, h, act string) string {
			return a.Emulators().Turnstile.Mint("", turnstiletest.Hostname(h), turnstiletest.Action(act))
		}},
	{HCaptcha, "h-captcha", "h-captcha-response", hcaptchatest.DemoSitekey, hcaptchatest.ScriptPath,
		func(a *App, h, _ string) string { return a.Emulators().HCaptcha.Mint("", hcaptchatest.Hostname(h)) }},
	{ReCaptcha2, "g-recaptcha", "g-recaptcha-response", recaptchatest.DemoSitekeyV2, recaptchatest.ScriptPath,
		func(a *App, h, _ string) string {
			return a.Emulators().ReCaptcha.Mint(recaptchatest.DemoSitekeyV2, recaptchatest.Hostname(h))
		}},
	{ReCaptcha3, "", "g-recaptcha-response", recaptchatest.DemoSitekeyV3,
		recaptchatest.ScriptPath + "?render=" + recaptchatest.DemoSitekeyV3,
		func(a *App, h, act string) string {
			return a.Emulators().ReCaptcha.Mint(recaptchatest.DemoSitekeyV3, recaptchatest.Hostname(h), recaptchatest.Action(act))
		}},
}

// TestSiteverifyVerdicts verifies tokens of each siteverify provider's
// emulator: one from a page on the demo's loopback hostnames passes, one
// solved on another site or (Turnstile, reCAPTCHA v3) for another action is
// refused, and during the outage a fresh token is ErrUnavailable.
func TestSiteverifyVerdicts(t *testing.T) {
	t.Parallel()
	for _, d := range siteverifyDemos {
		t.Run(d.provider, func(t *testing.T) {
			t.Parallel()
			a, err := New(Config{Provider: d.provider, Getenv: env(nil)})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if got := a.Provider().Fields(); len(got) != 1 || got[0] != d.field {
				t.Fatalf("Fields() = %q, want [%q]", got, d.field)
			}
			verify := func(token string) (captcha.Result, error) {
				return a.Provider().Verify(t.Context(), captcha.Ticket{
					Values: map[string]string{d.field: token}, ClientIP: "127.0.0.1"})
			}
			cases := []struct {
				name, hostname, action string
				wantCode               string
			}{
				{"page on 127.0.0.1", "127.0.0.1", LoginAction, "success"},
				{"page on localhost", "localhost", LoginAction, "success"},
				{"page on another site", "evil.example", LoginAction, "hostname-mismatch"},
			}
			if d.provider == Turnstile || d.provider == ReCaptcha3 {
				cases = append(cases, struct{ name, hostname, action, wantCode string }{
					"another action", "127.0.0.1", "signup", "action-mismatch"})
			}
			for _, c := range cases {
				res, err := verify(d.mint(a, c.hostname, c.action))
				if err != nil || res.Code != c.wantCode || res.Passed != (c.wantCode == "success") {
					t.Errorf("%s: Verify = (passed %t, code %q, %v), want code %q", c.name, res.Passed, res.Code, err, c.wantCode)
				}
			}
			// The demo's own mint, which the outage switch uses to open
			// the breaker, is a token that passes.
			tk, err := a.mintTicket()
			if err != nil {
				t.Fatal(err)
			}
			if res, err := a.Provider().Verify(t.Context(), tk); err != nil || !res.Passed {
				t.Errorf("Verify(mintTicket()) = (%+v, %v), want a pass", res, err)
			}
			a.SetOutage(true)
			if _, err := verify(d.mint(a, "127.0.0.1", LoginAction)); !errors.Is(err, captcha.ErrUnavailable) {
				t.Errorf("Verify during the outage: err %v, want ErrUnavailable", err)
			}
			a.SetOutage(false)
			if res, err := verify(d.mint(a, "127.0.0.1", LoginAction)); err != nil || !res.Passed {
				t.Errorf("Verify after the outage = (%+v, %v), want a pass", res, err)
			}
		})
	}
}

// TestSiteverifyLoginPage renders each siteverify provider's login page
// offline: the stand-in script at the vendor's path on the emulator, the
// widget in the form with the demo sitekey, and the response field only
// where no widget adds it (a second one would be refused as a bad request).
func TestSiteverifyLoginPage(t *testing.T) {
	t.Parallel()
	for _, d := range siteverifyDemos {
		t.Run(d.provider, func(t *testing.T) {
			t.Parallel()
			a, err := New(Config{Provider: d.provider, Getenv: env(nil)})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			page := a.Login()
			base := emulatorURL(a)
			if want := base + d.script; page.ScriptURL != want {
				t.Errorf("script URL %q, want %q", page.ScriptURL, want)
			}
			if page.Widget != d.widget || page.JS.Sitekey != d.sitekey {
				t.Errorf("widget %q sitekey %q, want %q %q", page.Widget, page.JS.Sitekey, d.widget, d.sitekey)
			}
			rec := httptest.NewRecorder()
			Render(rec, http.StatusOK, LoginTemplate, page)
			body := rec.Body.String()
			hidden := `<input type="hidden" name="` + d.field + `">`
			if d.widget != "" {
				div := `<div class="` + d.widget + `" id="captcha-widget" data-sitekey="` + d.sitekey + `"`
				if !strings.Contains(body, div) {
					t.Errorf("the page lacks %s:\n%s", div, body)
				}
				if strings.Contains(body, hidden) {
					t.Errorf("the page has its own %s beside the widget's", hidden)
				}
			} else if !strings.Contains(body, hidden) || strings.Contains(body, `id="captcha-widget"`) {
				t.Errorf("the page lacks %s, or has a widget:\n%s", hidden, body)
			}
		})
	}
}

// emulatorURL returns the base URL of the siteverify emulator a runs on.
func emulatorURL(a *App) string {
	e := a.Emulators()
	switch {
	case e.Turnstile != nil:
		return e.Turnstile.URL
	case e.HCaptcha != nil:
		return e.HCaptcha.URL
	case e.ReCaptcha != nil:
		return e.ReCaptcha.URL
	}
	return ""
}

// TestSiteverifyCredentials checks each siteverify provider's variables:
// all set goes online with the vendor's script, part of them is an error
// naming the missing one without the values.
func TestSiteverifyCredentials(t *testing.T) {
	t.Parallel()
	scripts := map[string]string{
		Turnstile: TurnstileScriptURL, HCaptcha: HCaptchaScriptURL, ReCaptcha2: ReCaptchaScriptURL,
		ReCaptcha3: ReCaptchaScriptURL + "?render=6Lsitekey-of-the-operator",
	}
	for _, p := range []string{Turnstile, HCaptcha, ReCaptcha2, ReCaptcha3} {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			vars := Credentials[p]
			if len(vars) != 2 {
				t.Fatalf("Credentials[%s] = %q, want a secret and a sitekey", p, vars)
			}
			secretVar, sitekeyVar := vars[0], vars[1]
			all := map[string]string{secretVar: "0xsecret-of-the-operator", sitekeyVar: "6Lsitekey-of-the-operator"}
			a, err := New(Config{Provider: p, Getenv: env(all)})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			page := a.Login()
			if a.Offline() || a.Emulators() != (Emulators{}) || page.ScriptURL != scripts[p] || page.JS.Sitekey != all[sitekeyVar] {
				t.Errorf("online: offline %t, emulators %+v, script %q, sitekey %q; want online, none, %q, %q",
					a.Offline(), a.Emulators(), page.ScriptURL, page.JS.Sitekey, scripts[p], all[sitekeyVar])
			}
			_, err = New(Config{Provider: p, Getenv: env(map[string]string{secretVar: all[secretVar]})})
			if !errors.Is(err, errPartialCredentials) || !strings.Contains(err.Error(), sitekeyVar) {
				t.Fatalf("New with only %s: err %v, want errPartialCredentials naming %s", secretVar, err, sitekeyVar)
			}
			if strings.Contains(err.Error(), all[secretVar]) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}
