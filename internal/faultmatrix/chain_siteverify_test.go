package faultmatrix_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/hcaptcha/hcaptchatest"
	"github.com/captchakit/captcha/providers/recaptcha/recaptchatest"
	"github.com/captchakit/captcha/providers/turnstile/turnstiletest"
)

// TestSiteverifyChain: the siteverify providers in one failover chain,
// Turnstile → hCaptcha → reCAPTCHA v3, their field sets disjoint (hCaptcha
// reads only h-captcha-response, so reCAPTCHA's g-recaptcha-response stays
// its own). A ticket for a later provider passes, marked Failover, only
// while every provider before it is down; the render answer names each
// one's sitekey, never a secret.
func TestSiteverifyChain(t *testing.T) {
	t.Parallel()
	type chain struct{ turnstile, hcaptcha, recaptcha rig }
	rows := []struct {
		name     string
		down     func(c chain) []rig
		req      func(t *testing.T, c chain) *http.Request
		status   int
		failover bool
	}{
		{"healthy/turnstile ticket", nil, func(t *testing.T, c chain) *http.Request { return c.turnstile.request(t) }, 200, false},
		{"healthy/hcaptcha ticket", nil, func(t *testing.T, c chain) *http.Request { return c.hcaptcha.request(t) }, 403, false},
		{"healthy/recaptcha ticket", nil, func(t *testing.T, c chain) *http.Request { return c.recaptcha.request(t) }, 403, false},
		{"turnstile down/hcaptcha ticket", func(c chain) []rig { return []rig{c.turnstile} },
			func(t *testing.T, c chain) *http.Request { return c.hcaptcha.request(t) }, 200, true},
		{"turnstile down/turnstile ticket", func(c chain) []rig { return []rig{c.turnstile} },
			func(t *testing.T, c chain) *http.Request { return c.turnstile.request(t) }, 503, false},
		{"turnstile down/recaptcha ticket", func(c chain) []rig { return []rig{c.turnstile} },
			func(t *testing.T, c chain) *http.Request { return c.recaptcha.request(t) }, 403, false},
		{"both down/recaptcha ticket", func(c chain) []rig { return []rig{c.turnstile, c.hcaptcha} },
			func(t *testing.T, c chain) *http.Request { return c.recaptcha.request(t) }, 200, true},
	}
	for _, rw := range rows {
		t.Run(rw.name, func(t *testing.T) {
			t.Parallel()
			c := chain{turnstileRig(t, false), hcaptchaRig(t, false), recaptcha3Rig(t, false)}
			if rw.down != nil {
				for _, rg := range rw.down(c) {
					trip(t, rg)
				}
			}
			v := verifier(t, c.turnstile.provider, captcha.WithFailover(c.hcaptcha.provider, c.recaptcha.provider))
			var res *captcha.Result
			h := v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { res, _ = captcha.FromContext(r.Context()) }))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, rw.req(t, c))
			if rec.Code != rw.status || (res != nil && res.Failover != rw.failover) {
				t.Errorf("status %d, Result %+v; want %d with Failover %v", rec.Code, res, rw.status, rw.failover)
			}
		})
	}
	t.Run("render", func(t *testing.T) {
		t.Parallel()
		c := chain{turnstileRig(t, false), hcaptchaRig(t, false), recaptcha3Rig(t, false)}
		v := verifier(t, c.turnstile.provider, captcha.WithFailover(c.hcaptcha.provider, c.recaptcha.provider))
		for _, step := range []struct {
			trip     *rig
			provider string
		}{{nil, "turnstile"}, {&c.turnstile, "hcaptcha"}, {&c.hcaptcha, "recaptcha3"}} {
			if step.trip != nil {
				trip(t, *step.trip)
			}
			got := v.Render()
			if got.Provider != step.provider || got.Params["sitekey"] == "" {
				t.Errorf("render %+v, want %s with its sitekey", got, step.provider)
			}
			for _, v := range got.Params {
				for _, secret := range []string{turnstiletest.DemoSecret, hcaptchatest.DemoSecret, recaptchatest.DemoSecretV3} {
					if strings.Contains(v, secret) {
						t.Errorf("render %+v shows a secret", got)
					}
				}
			}
		}
	})
}
