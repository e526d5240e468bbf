package faultmatrix_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/captchakit/captcha/providers/hcaptcha"
	"github.com/captchakit/captcha/providers/hcaptcha/hcaptchatest"
	"github.com/captchakit/captcha/providers/recaptcha"
	"github.com/captchakit/captcha/providers/recaptcha/recaptchatest"
	"github.com/captchakit/captcha/providers/turnstile"
	"github.com/captchakit/captcha/providers/turnstile/turnstiletest"
)

// The rigs of the siteverify providers. Their emulators mint tokens bound
// to the hostname the providers allow ("localhost").

func turnstileRig(t testing.TB, unreachable bool) rig {
	srv := turnstiletest.NewServer(t, turnstiletest.Config{})
	p, err := turnstile.New(turnstile.Config{
		Secret: turnstiletest.DemoSecret, Sitekey: turnstiletest.DemoSitekey, Hostnames: []string{"localhost"},
		Endpoint: base(t, srv.URL, unreachable), Timeout: providerTimeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	return rig{
		provider: p,
		request: func(testing.TB) *http.Request {
			return formRequest(url.Values{turnstile.DefaultField: {srv.Mint("")}})
		},
		inject: srv.Inject,
		calls:  srv.Calls,
	}
}

func hcaptchaRig(t testing.TB, unreachable bool) rig {
	srv := hcaptchatest.NewServer(t, hcaptchatest.Config{})
	p, err := hcaptcha.New(hcaptcha.Config{
		Secret: hcaptchatest.DemoSecret, Sitekey: hcaptchatest.DemoSitekey, Hostnames: []string{"localhost"},
		Endpoint: base(t, srv.URL, unreachable), Timeout: providerTimeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	return rig{
		provider: p,
		request: func(testing.TB) *http.Request {
			return formRequest(url.Values{hcaptcha.DefaultField: {srv.Mint("")}})
		},
		inject: srv.Inject,
		calls:  srv.Calls,
	}
}

func recaptcha2Rig(t testing.TB, unreachable bool) rig {
	return recaptchaRig(t, unreachable, recaptcha.Config{
		Secret: recaptchatest.DemoSecretV2, Sitekey: recaptchatest.DemoSitekeyV2, Version: recaptcha.V2,
	})
}

func recaptcha3Rig(t testing.TB, unreachable bool) rig {
	return recaptchaRig(t, unreachable, recaptcha.Config{
		Secret: recaptchatest.DemoSecretV3, Sitekey: recaptchatest.DemoSitekeyV3, Version: recaptcha.V3,
		Actions: []string{"login"},
	})
}

func recaptchaRig(t testing.TB, unreachable bool, cfg recaptcha.Config) rig {
	srv := recaptchatest.NewServer(t, recaptchatest.Config{})
	cfg.Hostnames, cfg.Endpoint, cfg.Timeout = []string{"localhost"}, base(t, srv.URL, unreachable), providerTimeout
	p, err := recaptcha.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rig{
		provider: p,
		request: func(testing.TB) *http.Request {
			return formRequest(url.Values{recaptcha.DefaultField: {srv.Mint(cfg.Sitekey, recaptchatest.Action("login"))}})
		},
		inject: srv.Inject,
		calls:  srv.Calls,
	}
}
