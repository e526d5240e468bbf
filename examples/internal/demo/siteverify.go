package demo

import (
	"net/url"

	"github.com/captchakit/captcha/providers/hcaptcha"
	"github.com/captchakit/captcha/providers/hcaptcha/hcaptchatest"
	"github.com/captchakit/captcha/providers/recaptcha"
	"github.com/captchakit/captcha/providers/recaptcha/recaptchatest"
	"github.com/captchakit/captcha/providers/turnstile"
	"github.com/captchakit/captcha/providers/turnstile/turnstiletest"
)

// The siteverify vendors' client scripts, loaded by the login page when the
// demo talks to the real vendor. Offline the page loads the emulator's
// stand-in from the same path on the emulator's URL, with the same query.
const (
	TurnstileScriptURL = "https://challenges.cloudflare.com/turnstile/v0/api.js"
	HCaptchaScriptURL  = "https://js.hcaptcha.com/1/api.js"
	// ReCaptchaScriptURL is reCAPTCHA's api.js; a v3 page loads it with
	// ?render=<sitekey>.
	ReCaptchaScriptURL = "https://www.google.com/recaptcha/api.js"
)

// LoginAction is the action of the login page's widget: reCAPTCHA v3's
// grecaptcha.execute action and Turnstile's data-action. The provider
// checks that the token carries it (their Config.Actions).
const LoginAction = "login"

// hostnames returns the sites whose Turnstile, hCaptcha and reCAPTCHA tokens
// the demo accepts (the providers' Config.Hostnames): the loopback names a
// browser opens the demo under. The stand-in scripts mint their tokens for
// location.hostname, as the vendors' scripts report it to siteverify.
func hostnames() []string { return []string{"127.0.0.1", "localhost"} }

// siteKeys returns the sitekey and secret of a siteverify vendor: the
// environment's (secretVar and sitekeyVar in creds) online, the emulator's
// demo keys offline.
func siteKeys(creds map[string]string, secretVar, sitekeyVar, demoSecret, demoSitekey string) (secret, sitekey string) {
	if creds != nil {
		return creds[secretVar], creds[sitekeyVar]
	}
	return demoSecret, demoSitekey
}

func (a *App) turnstile(creds map[string]string) error {
	secret, sitekey := siteKeys(creds, "TURNSTILE_SECRET", "TURNSTILE_SITEKEY", turnstiletest.DemoSecret, turnstiletest.DemoSitekey)
	c := turnstile.Config{
		Secret: secret, Sitekey: sitekey, Hostnames: hostnames(), Actions: []string{LoginAction},
		Logger: a.cfg.Logger,
	}
	a.page.scriptURL = TurnstileScriptURL
	if creds == nil {
		srv, err := turnstiletest.Start(turnstiletest.Config{})
		if err != nil {
			return err
		}
		a.emu.Turnstile = srv
		c.Endpoint = srv.URL // the provider appends turnstile.SiteverifyPath
		a.page.scriptURL = srv.URL + turnstiletest.ScriptPath
	}
	a.page.sitekey, a.page.action = sitekey, LoginAction
	p, err := turnstile.New(c)
	a.provider = p
	return err
}

func (a *App) hcaptcha(creds map[string]string) error {
	secret, sitekey := siteKeys(creds, "HCAPTCHA_SECRET", "HCAPTCHA_SITEKEY", hcaptchatest.DemoSecret, hcaptchatest.DemoSitekey)
	c := hcaptcha.Config{Secret: secret, Sitekey: sitekey, Hostnames: hostnames(), Logger: a.cfg.Logger}
	a.page.scriptURL = HCaptchaScriptURL
	if creds == nil {
		srv, err := hcaptchatest.Start(hcaptchatest.Config{})
		if err != nil {
			return err
		}
		a.emu.HCaptcha = srv
		c.Endpoint = srv.URL // the provider appends hcaptcha.SiteverifyPath
		a.page.scriptURL = srv.URL + hcaptchatest.ScriptPath
	}
	a.page.sitekey = sitekey
	p, err := hcaptcha.New(c)
	a.provider = p
	return err
}

// recaptcha builds reCAPTCHA v2 (the checkbox) or v3 (a score for the
// action LoginAction, executed when the form is submitted).
func (a *App) recaptcha(v recaptcha.Version, creds map[string]string) error {
	secret, sitekey := siteKeys(creds, "RECAPTCHA2_SECRET", "RECAPTCHA2_SITEKEY", recaptchatest.DemoSecretV2, recaptchatest.DemoSitekeyV2)
	c := recaptcha.Config{Version: v, Hostnames: hostnames(), Logger: a.cfg.Logger}
	if v == recaptcha.V3 {
		secret, sitekey = siteKeys(creds, "RECAPTCHA3_SECRET", "RECAPTCHA3_SITEKEY", recaptchatest.DemoSecretV3, recaptchatest.DemoSitekeyV3)
		c.Actions = []string{LoginAction}
		a.page.action = LoginAction
	}
	c.Secret, c.Sitekey = secret, sitekey
	base := ReCaptchaScriptURL
	if creds == nil {
		srv, err := recaptchatest.Start(recaptchatest.Config{})
		if err != nil {
			return err
		}
		a.emu.ReCaptcha = srv
		c.Endpoint = srv.URL // the provider appends recaptcha.SiteverifyPath
		base = srv.URL + recaptchatest.ScriptPath
	}
	a.page.scriptURL = base
	if v == recaptcha.V3 {
		a.page.scriptURL = base + "?render=" + url.QueryEscape(sitekey)
	}
	a.page.sitekey = sitekey
	p, err := recaptcha.New(c)
	a.provider = p
	return err
}
