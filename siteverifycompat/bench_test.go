package siteverifycompat_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	hcaptchaclient "github.com/kataras/hcaptcha"
	turnstileclient "github.com/meyskens/go-turnstile"
	recaptchaclient "gopkg.in/ezzarghili/recaptcha-go.v4"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/hcaptcha"
	"github.com/captchakit/captcha/providers/hcaptcha/hcaptchatest"
	"github.com/captchakit/captcha/providers/recaptcha"
	"github.com/captchakit/captcha/providers/recaptcha/recaptchatest"
	"github.com/captchakit/captcha/providers/turnstile"
	"github.com/captchakit/captcha/providers/turnstile/turnstiletest"
)

// mintRemote mints n tokens through the emulator's mint endpoint with the
// query q (sitekey, action).
func mintRemote(b *testing.B, baseURL string, q url.Values, n int) []string {
	b.Helper()
	ts := make([]string, n)
	for i := range ts {
		resp, err := http.Post(baseURL+"/emulator/mint?"+q.Encode(), "text/plain", nil)
		if err != nil {
			b.Fatal(err)
		}
		var m struct {
			Success bool
			Token   string
		}
		err = json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if err != nil || !m.Success {
			b.Fatalf("mint: %+v, %v", m, err)
		}
		ts[i] = m.Token
	}
	return ts
}

// client is one way to verify a token.
type client struct {
	name   string
	verify func(token string) error
}

// benchClients runs each client serially and 16-way (16 goroutines
// whatever GOMAXPROCS is), on tokens minted before the timer starts.
func benchClients(b *testing.B, mint func(n int) []string, clients []client) {
	par := (16 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0)
	for _, c := range clients {
		b.Run(c.name+"/serial", func(b *testing.B) {
			tokens := mint(b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := c.verify(tokens[i]); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/parallel16", func(b *testing.B) {
			tokens := mint(b.N)
			var next atomic.Int64
			b.SetParallelism(par)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.verify(tokens[next.Add(1)-1]); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func passed(res captcha.Result, err error) error {
	if err == nil && !res.Passed {
		err = fmt.Errorf("code %s", res.Code)
	}
	return err
}

// BenchmarkVerify compares, in one run and for each service against the
// same emulator, one passing verification by our provider and by the
// third-party client. The emulator runs in a child process, so B/op and
// allocs/op are the client's alone (for kataras/hcaptcha, plus the shallow
// request copy of the transport that points its built-in URL at the
// emulator).
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	const ip = "203.0.113.7"

	b.Run("turnstile", func(b *testing.B) {
		base, _ := startEmulatorProcess(b, "turnstile")
		p, err := turnstile.New(turnstile.Config{Secret: turnstiletest.DemoSecret, Hostnames: []string{"localhost"}, Endpoint: base})
		if err != nil {
			b.Fatal(err)
		}
		tc := turnstileclient.New(turnstiletest.DemoSecret)
		tc.TurnstileURL = base + turnstiletest.SiteverifyPath
		benchClients(b, func(n int) []string {
			return mintRemote(b, base, url.Values{"sitekey": {turnstiletest.DemoSitekey}}, n)
		}, []client{
			{"captchakit", func(tk string) error {
				return passed(p.Verify(ctx, captcha.Ticket{Values: map[string]string{turnstile.DefaultField: tk}, ClientIP: ip}))
			}},
			{"meyskens-go-turnstile", func(tk string) error {
				r, err := tc.Verify(tk, ip)
				if err == nil && !r.Success {
					err = fmt.Errorf("codes %v", r.ErrorCodes)
				}
				return err
			}},
		})
	})

	b.Run("hcaptcha", func(b *testing.B) {
		base, addr := startEmulatorProcess(b, "hcaptcha")
		p, err := hcaptcha.New(hcaptcha.Config{Secret: hcaptchatest.DemoSecret, Sitekey: hcaptchatest.DemoSitekey,
			Hostnames: []string{"localhost"}, Endpoint: base})
		if err != nil {
			b.Fatal(err)
		}
		hc := hcaptchaclient.New(hcaptchatest.DemoSecret)
		hc.HTTPClient = &http.Client{Transport: redirect{addr}, Timeout: 10 * time.Second}
		hc.SiteKey, hc.RemoteIP = hcaptchatest.DemoSitekey, ip
		benchClients(b, func(n int) []string { return mintRemote(b, base, url.Values{"sitekey": {hcaptchatest.DemoSitekey}}, n) }, []client{
			{"captchakit", func(tk string) error {
				return passed(p.Verify(ctx, captcha.Ticket{Values: map[string]string{hcaptcha.DefaultField: tk}, ClientIP: ip}))
			}},
			{"kataras-hcaptcha", func(tk string) error {
				if r := hc.VerifyToken(tk); !r.Success {
					return fmt.Errorf("codes %v", r.ErrorCodes)
				}
				return nil
			}},
		})
	})

	b.Run("recaptcha3", func(b *testing.B) {
		base, _ := startEmulatorProcess(b, "recaptcha")
		p, err := recaptcha.New(recaptcha.Config{Secret: recaptchatest.DemoSecretV3, Version: recaptcha.V3,
			Hostnames: []string{"localhost"}, Actions: []string{"login"}, Endpoint: base})
		if err != nil {
			b.Fatal(err)
		}
		rc, err := recaptchaclient.NewReCAPTCHA(recaptchatest.DemoSecretV3, recaptchaclient.V3, 10*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		rc.ReCAPTCHALink = base + recaptchatest.SiteverifyPath
		q := url.Values{"sitekey": {recaptchatest.DemoSitekeyV3}, "action": {"login"}}
		benchClients(b, func(n int) []string { return mintRemote(b, base, q, n) }, []client{
			{"captchakit", func(tk string) error {
				return passed(p.Verify(ctx, captcha.Ticket{Values: map[string]string{recaptcha.DefaultField: tk}, ClientIP: ip}))
			}},
			{"ezzarghili-recaptcha-go", func(tk string) error {
				return rc.VerifyWithOptions(tk, recaptchaclient.VerifyOption{Action: "login", Hostname: "localhost", RemoteIP: ip})
			}},
		})
	})
}
