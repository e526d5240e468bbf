package adapters_test

import (
	"net/url"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/hcaptcha"
	"github.com/captchakit/captcha/providers/hcaptcha/hcaptchatest"
	"github.com/captchakit/captcha/providers/recaptcha"
	"github.com/captchakit/captcha/providers/recaptcha/recaptchatest"
	"github.com/captchakit/captcha/providers/turnstile"
	"github.com/captchakit/captcha/providers/turnstile/turnstiletest"
)

// mintKind is the kind of token a siteverify row asks its emulator for.
type mintKind int

const (
	human     mintKind = iota // passes every check
	elsewhere                 // solved on a hostname the provider does not allow
	bot                       // reCAPTCHA v3: a score under the threshold
)

// newSiteverify builds the provider of a siteverify row against its own
// emulator, and sets s.mint and s.fault for it.
func newSiteverify(t *testing.T, s *site, kind providerKind) captcha.Provider {
	t.Helper()
	host := func(k mintKind) string {
		if k == elsewhere {
			return "evil.example"
		}
		return "localhost"
	}
	var (
		p   captcha.Provider
		err error
	)
	switch kind {
	case turnstileKind:
		emu := turnstiletest.NewServer(t, turnstiletest.Config{})
		p, err = turnstile.New(turnstile.Config{Secret: turnstiletest.DemoSecret, Hostnames: []string{"localhost"}, Endpoint: emu.URL})
		s.fault = emu.Inject
		s.mint = func(k mintKind) (string, string) {
			return turnstile.DefaultField, emu.Mint("", turnstiletest.Hostname(host(k)))
		}
	case hcaptchaKind:
		emu := hcaptchatest.NewServer(t, hcaptchatest.Config{})
		p, err = hcaptcha.New(hcaptcha.Config{Secret: hcaptchatest.DemoSecret, Sitekey: hcaptchatest.DemoSitekey,
			Hostnames: []string{"localhost"}, Endpoint: emu.URL})
		s.fault = emu.Inject
		s.mint = func(k mintKind) (string, string) {
			return hcaptcha.DefaultField, emu.Mint("", hcaptchatest.Hostname(host(k)))
		}
	case recaptchaV3Kind:
		emu := recaptchatest.NewServer(t, recaptchatest.Config{})
		p, err = recaptcha.New(recaptcha.Config{Secret: recaptchatest.DemoSecretV3, Version: recaptcha.V3,
			Hostnames: []string{"localhost"}, Actions: []string{"login"}, Endpoint: emu.URL})
		s.fault = emu.Inject
		s.mint = func(k mintKind) (string, string) {
			score := 0.9
			if k == bot {
				score = 0.2
			}
			return recaptcha.DefaultField, emu.Mint(recaptchatest.DemoSitekeyV3, recaptchatest.Action("login"),
				recaptchatest.Hostname(host(k)), recaptchatest.Score(score))
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// token returns a form body carrying a fresh token of kind and the extra
// name, value pairs.
func (s *site) token(t *testing.T, kind mintKind, pairs ...string) string {
	t.Helper()
	field, token := s.mint(kind)
	v := url.Values{field: {token}}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Set(pairs[i], pairs[i+1])
	}
	return v.Encode()
}
