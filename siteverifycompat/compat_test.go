package siteverifycompat_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	hcaptchaclient "github.com/kataras/hcaptcha"
	turnstileclient "github.com/meyskens/go-turnstile"
	recaptchaclient "gopkg.in/ezzarghili/recaptcha-go.v4"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/hcaptcha"
	"github.com/captchakit/captcha/providers/hcaptcha/hcaptchatest"
	"github.com/captchakit/captcha/providers/providertest"
	"github.com/captchakit/captcha/providers/recaptcha"
	"github.com/captchakit/captcha/providers/recaptcha/recaptchatest"
	"github.com/captchakit/captcha/providers/turnstile"
	"github.com/captchakit/captcha/providers/turnstile/turnstiletest"
)

// outcome is what a client made of one verification: whether it passed,
// and the vendor's error code it reported (the first one), if any.
type outcome struct {
	passed bool
	code   string
}

// ours is our provider's outcome: the Result's code, or the error's.
func ours(res captcha.Result, err error) outcome {
	var ve *captcha.VerifyError
	if errors.As(err, &ve) {
		return outcome{code: ve.Code}
	}
	if res.Passed {
		return outcome{passed: true}
	}
	return outcome{code: res.Code}
}

func first(codes []string) string {
	if len(codes) == 0 {
		return ""
	}
	return codes[0]
}

func ticket(field, token string) captcha.Ticket {
	return captcha.Ticket{Values: map[string]string{field: token}, ClientIP: "203.0.113.7"}
}

// TestTurnstile: github.com/meyskens/go-turnstile and our provider, each
// with its own token, judge the emulator's answers alike: passes with the
// bound hostname, action and cdata; the test keys; single use, expiry,
// unknown tokens; a wrong secret; Cloudflare's internal error.
func TestTurnstile(t *testing.T) {
	t.Parallel()
	srv := turnstiletest.NewServer(t, turnstiletest.Config{})
	tests := []struct {
		name   string
		secret string
		token  func() string // a fresh token per client
		setup  func(first string)
		want   outcome
	}{
		{"minted", turnstiletest.DemoSecret,
			func() string { return srv.Mint("", turnstiletest.Action("login"), turnstiletest.CData("c1")) }, nil, outcome{passed: true}},
		{"unknown token", turnstiletest.DemoSecret, func() string { return "0.never-minted" }, nil, outcome{code: "invalid-input-response"}},
		{"dummy token, production secret", turnstiletest.DemoSecret, func() string { return turnstiletest.DummyToken }, nil,
			outcome{code: "invalid-input-response"}},
		{"test secret pass", turnstiletest.TestSecretPass, func() string { return turnstiletest.DummyToken }, nil, outcome{passed: true}},
		{"test secret fail", turnstiletest.TestSecretFail, func() string { return turnstiletest.DummyToken }, nil,
			outcome{code: "invalid-input-response"}},
		{"test secret spent", turnstiletest.TestSecretSpent, func() string { return turnstiletest.DummyToken }, nil,
			outcome{code: "timeout-or-duplicate"}},
		{"expired", turnstiletest.DemoSecret,
			func() string { return srv.Mint("", turnstiletest.IssuedAt(srv.Now().Add(-301*time.Second))) }, nil,
			outcome{code: "timeout-or-duplicate"}},
		{"wrong secret", "0x4AAAAAAAnot0the0secret0000000000", func() string { return srv.Mint("") }, nil,
			outcome{code: "invalid-input-secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tc := turnstileclient.New(tt.secret)
			tc.TurnstileURL = srv.URL + turnstiletest.SiteverifyPath
			theirs, err := tc.Verify(tt.token(), "203.0.113.7")
			if err != nil {
				t.Fatalf("go-turnstile: %v", err)
			}
			got := outcome{passed: theirs.Success && len(theirs.ErrorCodes) == 0, code: first(theirs.ErrorCodes)}
			p, err := turnstile.New(turnstile.Config{Secret: tt.secret, Hostnames: []string{"localhost"}, Endpoint: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			mine := ours(p.Verify(t.Context(), ticket(turnstile.DefaultField, tt.token())))
			if got != tt.want || mine != tt.want {
				t.Errorf("go-turnstile %+v, captchakit %+v; want %+v", got, mine, tt.want)
			}
			if theirs.Success && (theirs.Hostname != "localhost" || theirs.ChallengeTs == "") {
				t.Errorf("go-turnstile read %+v", theirs)
			}
		})
	}

	t.Run("replay", func(t *testing.T) {
		t.Parallel()
		tk := srv.Mint("")
		tc := turnstileclient.New(turnstiletest.DemoSecret)
		tc.TurnstileURL = srv.URL + turnstiletest.SiteverifyPath
		r1, err1 := tc.Verify(tk, "")
		r2, err2 := tc.Verify(tk, "")
		if err1 != nil || err2 != nil || !r1.Success || r2.Success || first(r2.ErrorCodes) != "timeout-or-duplicate" {
			t.Fatalf("go-turnstile: first %+v %v, second %+v %v", r1, err1, r2, err2)
		}
		p, _ := turnstile.New(turnstile.Config{Secret: turnstiletest.DemoSecret, Hostnames: []string{"localhost"}, Endpoint: srv.URL})
		if got := ours(p.Verify(t.Context(), ticket(turnstile.DefaultField, tk))); got != (outcome{code: "timeout-or-duplicate"}) {
			t.Errorf("captchakit after go-turnstile spent the token: %+v", got)
		}
	})

	t.Run("bound fields", func(t *testing.T) {
		t.Parallel()
		tc := turnstileclient.New(turnstiletest.DemoSecret)
		tc.TurnstileURL = srv.URL + turnstiletest.SiteverifyPath
		r, err := tc.Verify(srv.Mint("", turnstiletest.Hostname("shop.example"), turnstiletest.Action("login"), turnstiletest.CData("c1")), "")
		if err != nil || !r.Success || r.Hostname != "shop.example" || r.Action != "login" || r.CData != "c1" {
			t.Fatalf("go-turnstile read %+v, %v", r, err)
		}
		if _, err := time.Parse(time.RFC3339, r.ChallengeTs); err != nil {
			t.Errorf("challenge_ts %q: %v", r.ChallengeTs, err)
		}
		// go-turnstile leaves the hostname check to its caller; ours makes
		// it.
		p, _ := turnstile.New(turnstile.Config{Secret: turnstiletest.DemoSecret, Hostnames: []string{"localhost"}, Endpoint: srv.URL})
		if got := ours(p.Verify(t.Context(), ticket(turnstile.DefaultField, srv.Mint("", turnstiletest.Hostname("shop.example"))))); got.code != "hostname-mismatch" {
			t.Errorf("captchakit: %+v, want hostname-mismatch", got)
		}
	})
}

// TestTurnstileInternalError: with the fault injected, both see
// "internal-error"; ours reports it as the outage it is.
func TestTurnstileInternalError(t *testing.T) {
	t.Parallel()
	srv := turnstiletest.NewServer(t, turnstiletest.Config{})
	srv.Inject(providertest.FaultInternalError)
	tc := turnstileclient.New(turnstiletest.DemoSecret)
	tc.TurnstileURL = srv.URL + turnstiletest.SiteverifyPath
	r, err := tc.Verify(srv.Mint(""), "")
	if err != nil || r.Success || first(r.ErrorCodes) != "internal-error" {
		t.Fatalf("go-turnstile: %+v, %v", r, err)
	}
	p, _ := turnstile.New(turnstile.Config{Secret: turnstiletest.DemoSecret, Hostnames: []string{"localhost"}, Endpoint: srv.URL})
	_, err = p.Verify(t.Context(), ticket(turnstile.DefaultField, srv.Mint("")))
	if !errors.Is(err, captcha.ErrUnavailable) || ours(captcha.Result{}, err).code != "internal-error" {
		t.Errorf("captchakit: %v, want ErrUnavailable with internal-error", err)
	}
}

// redirect is a transport that sends every request to the emulator at
// addr over plain HTTP, keeping its path: kataras/hcaptcha has its
// siteverify URL built in, and takes an *http.Client.
type redirect struct{ addr string }

func (rt redirect) RoundTrip(r *http.Request) (*http.Response, error) {
	// A shallow copy with its own URL: a RoundTripper must not modify the
	// request, and nothing shared is written.
	out, u := *r, *r.URL
	u.Scheme, u.Host = "http", rt.addr
	out.URL, out.Host = &u, rt.addr
	return http.DefaultTransport.RoundTrip(&out)
}

// TestHCaptcha: github.com/kataras/hcaptcha and our provider judge the
// emulator's answers alike, with and without the sitekey sent: passes, the
// publisher test set and both cross-combinations, single use, expiry,
// unknown tokens and sitekeys, a wrong secret, an outage.
func TestHCaptcha(t *testing.T) {
	t.Parallel()
	const otherSitekey = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
	srv := hcaptchatest.NewServer(t, hcaptchatest.Config{Sites: []hcaptchatest.Site{
		{Sitekey: hcaptchatest.DemoSitekey, Secret: hcaptchatest.DemoSecret},
		{Sitekey: otherSitekey, Secret: "0x2222222222222222222222222222222222222222"},
	}})
	tests := []struct {
		name      string
		secret    string
		sitekey   string
		hostnames []string
		token     func() string
		want      outcome
	}{
		{"minted", hcaptchatest.DemoSecret, hcaptchatest.DemoSitekey, nil, func() string { return srv.Mint("") }, outcome{passed: true}},
		{"minted, no sitekey", hcaptchatest.DemoSecret, "", nil, func() string { return srv.Mint("") }, outcome{passed: true}},
		{"unknown token", hcaptchatest.DemoSecret, hcaptchatest.DemoSitekey, nil, func() string { return "P1_never" }, outcome{code: "invalid-input-response"}},
		{"test set", hcaptchatest.TestSecret, hcaptchatest.TestSitekey, []string{hcaptchatest.TestHostname},
			func() string { return hcaptchatest.TestToken }, outcome{passed: true}},
		{"test secret, real token", hcaptchatest.TestSecret, "", nil, func() string { return srv.Mint("") }, outcome{code: "not-using-dummy-passcode"}},
		{"test token, production secret", hcaptchatest.DemoSecret, "", nil, func() string { return hcaptchatest.TestToken },
			outcome{code: "not-using-dummy-secret"}},
		{"token of another account", hcaptchatest.DemoSecret, "", nil, func() string { return srv.Mint(otherSitekey) },
			outcome{code: "sitekey-secret-mismatch"}},
		{"unknown sitekey", hcaptchatest.DemoSecret, "00000000-0000-4000-8000-000000000000", nil, func() string { return srv.Mint("") },
			outcome{code: "invalid-sitekey"}},
		{"expired", hcaptchatest.DemoSecret, hcaptchatest.DemoSitekey, nil,
			func() string { return srv.Mint("", hcaptchatest.IssuedAt(srv.Now().Add(-121*time.Second))) }, outcome{code: "expired-input-response"}},
		{"wrong secret", "0x1111111111111111111111111111111111111111", "", nil, func() string { return srv.Mint("") },
			outcome{code: "invalid-input-secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hc := hcaptchaclient.New(tt.secret)
			hc.HTTPClient = &http.Client{Transport: redirect{srv.Addr}}
			hc.SiteKey, hc.RemoteIP = tt.sitekey, "203.0.113.7"
			theirs := hc.VerifyToken(tt.token())
			got := outcome{passed: theirs.Success, code: first(theirs.ErrorCodes)}
			hosts := tt.hostnames
			if hosts == nil {
				hosts = []string{"localhost"}
			}
			p, err := hcaptcha.New(hcaptcha.Config{Secret: tt.secret, Sitekey: tt.sitekey, Hostnames: hosts, Endpoint: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			mine := ours(p.Verify(t.Context(), ticket(hcaptcha.DefaultField, tt.token())))
			if got != tt.want || mine != tt.want {
				t.Errorf("kataras/hcaptcha %+v, captchakit %+v; want %+v", got, mine, tt.want)
			}
		})
	}

	t.Run("replay", func(t *testing.T) {
		t.Parallel()
		tk := srv.Mint("")
		hc := hcaptchaclient.New(hcaptchatest.DemoSecret)
		hc.HTTPClient = &http.Client{Transport: redirect{srv.Addr}}
		r1, r2 := hc.VerifyToken(tk), hc.VerifyToken(tk)
		if !r1.Success || r2.Success || first(r2.ErrorCodes) != "already-seen-response" || r1.Hostname != "localhost" || r1.ChallengeTS == "" {
			t.Fatalf("kataras/hcaptcha: first %+v, second %+v", r1, r2)
		}
		p, _ := hcaptcha.New(hcaptcha.Config{Secret: hcaptchatest.DemoSecret, Hostnames: []string{"localhost"}, Endpoint: srv.URL})
		if got := ours(p.Verify(t.Context(), ticket(hcaptcha.DefaultField, tk))); got != (outcome{code: "already-seen-response"}) {
			t.Errorf("captchakit after kataras/hcaptcha spent the token: %+v", got)
		}
	})

	t.Run("outage", func(t *testing.T) {
		srv := hcaptchatest.NewServer(t, hcaptchatest.Config{})
		srv.Inject(providertest.FaultInternalError)
		hc := hcaptchaclient.New(hcaptchatest.DemoSecret)
		hc.HTTPClient = &http.Client{Transport: redirect{srv.Addr}}
		if r := hc.VerifyToken(srv.Mint("")); r.Success || first(r.ErrorCodes) != "internal-error" {
			t.Errorf("kataras/hcaptcha: %+v", r)
		}
		p, _ := hcaptcha.New(hcaptcha.Config{Secret: hcaptchatest.DemoSecret, Hostnames: []string{"localhost"}, Endpoint: srv.URL})
		if _, err := p.Verify(t.Context(), ticket(hcaptcha.DefaultField, srv.Mint(""))); !errors.Is(err, captcha.ErrUnavailable) {
			t.Errorf("captchakit: %v, want ErrUnavailable", err)
		}
	})
}

// recaptchaOutcome is ezzarghili/recaptcha-go's outcome: nil passes; an
// *Error carries Google's codes, or says why its own checks failed.
func recaptchaOutcome(err error) outcome {
	if err == nil {
		return outcome{passed: true}
	}
	var re *recaptchaclient.Error
	if errors.As(err, &re) && len(re.ErrorCodes) > 0 {
		return outcome{code: re.ErrorCodes[0]}
	}
	return outcome{code: "local: " + err.Error()}
}

// TestReCAPTCHA: gopkg.in/ezzarghili/recaptcha-go.v4 and our provider judge
// the emulator's answers alike, for v2 and v3 keys: passes (its strict
// "error-codes" check included), v3 score and action, the test keys,
// single use, expiry, tokens of the other key, a wrong secret.
func TestReCAPTCHA(t *testing.T) {
	t.Parallel()
	srv := recaptchatest.NewServer(t, recaptchatest.Config{})
	v2, v3 := recaptchatest.DemoSitekeyV2, recaptchatest.DemoSitekeyV3
	login := recaptchatest.Action("login")
	tests := []struct {
		name    string
		v3      bool
		secret  string
		host    string
		token   func() string
		want    outcome
		theirs3 string // for a failed local check: the prefix of ezzarghili's message
	}{
		{"v2 minted", false, recaptchatest.DemoSecretV2, "localhost", func() string { return srv.Mint(v2) }, outcome{passed: true}, ""},
		{"v3 minted", true, recaptchatest.DemoSecretV3, "localhost", func() string { return srv.Mint(v3, login) }, outcome{passed: true}, ""},
		{"v3 low score", true, recaptchatest.DemoSecretV3, "localhost", func() string { return srv.Mint(v3, login, recaptchatest.Score(0.3)) },
			outcome{code: "score-threshold-not-met"}, "received score"},
		{"v3 other action", true, recaptchatest.DemoSecretV3, "localhost", func() string { return srv.Mint(v3, recaptchatest.Action("signup")) },
			outcome{code: "action-mismatch"}, "invalid response action"},
		{"v2 token, v3 secret", true, recaptchatest.DemoSecretV3, "localhost", func() string { return srv.Mint(v2) },
			outcome{code: "invalid-input-response"}, ""},
		{"unknown token", false, recaptchatest.DemoSecretV2, "localhost", func() string { return "03AFcWeAnever" },
			outcome{code: "invalid-input-response"}, ""},
		{"expired", false, recaptchatest.DemoSecretV2, "localhost",
			func() string { return srv.Mint(v2, recaptchatest.IssuedAt(srv.Now().Add(-121*time.Second))) }, outcome{code: "timeout-or-duplicate"}, ""},
		{"test keys", false, recaptchatest.TestSecret, recaptchatest.TestHostname, func() string { return "any-token" }, outcome{passed: true}, ""},
		{"wrong secret", false, "6LeNotTheSecret000000000000000000000000A", "localhost", func() string { return srv.Mint(v2) },
			outcome{code: "invalid-input-secret"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			version, ourVersion, actions := recaptchaclient.V2, recaptcha.V2, []string(nil)
			if tt.v3 {
				version, ourVersion, actions = recaptchaclient.V3, recaptcha.V3, []string{"login"}
			}
			rc, err := recaptchaclient.NewReCAPTCHA(tt.secret, version, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			rc.ReCAPTCHALink = srv.URL + recaptchatest.SiteverifyPath
			got := recaptchaOutcome(rc.VerifyWithOptions(tt.token(), recaptchaclient.VerifyOption{
				Action: "login", Hostname: tt.host, RemoteIP: "203.0.113.7"}))
			p, err := recaptcha.New(recaptcha.Config{Secret: tt.secret, Version: ourVersion, Hostnames: []string{tt.host},
				Actions: actions, Endpoint: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			mine := ours(p.Verify(t.Context(), ticket(recaptcha.DefaultField, tt.token())))
			if tt.theirs3 != "" && !got.passed && strings.HasPrefix(got.code, "local: "+tt.theirs3) {
				got = tt.want // its own check failed, in words of its own
			}
			if got != tt.want || mine != tt.want {
				t.Errorf("recaptcha-go %+v, captchakit %+v; want %+v", got, mine, tt.want)
			}
		})
	}

	t.Run("replay", func(t *testing.T) {
		t.Parallel()
		tk := srv.Mint(v2)
		rc, _ := recaptchaclient.NewReCAPTCHA(recaptchatest.DemoSecretV2, recaptchaclient.V2, 10*time.Second)
		rc.ReCAPTCHALink = srv.URL + recaptchatest.SiteverifyPath
		if first, second := recaptchaOutcome(rc.Verify(tk)), recaptchaOutcome(rc.Verify(tk)); !first.passed || second.code != "timeout-or-duplicate" {
			t.Fatalf("recaptcha-go: first %+v, second %+v", first, second)
		}
		p, _ := recaptcha.New(recaptcha.Config{Secret: recaptchatest.DemoSecretV2, Version: recaptcha.V2, Hostnames: []string{"localhost"}, Endpoint: srv.URL})
		if got := ours(p.Verify(t.Context(), ticket(recaptcha.DefaultField, tk))); got != (outcome{code: "timeout-or-duplicate"}) {
			t.Errorf("captchakit after recaptcha-go spent the token: %+v", got)
		}
	})

	t.Run("challenge_ts", func(t *testing.T) {
		t.Parallel()
		// recaptcha-go decodes challenge_ts into a time.Time and checks the
		// token's age against it.
		rc, _ := recaptchaclient.NewReCAPTCHA(recaptchatest.DemoSecretV2, recaptchaclient.V2, 10*time.Second)
		rc.ReCAPTCHALink = srv.URL + recaptchatest.SiteverifyPath
		if got := recaptchaOutcome(rc.VerifyWithOptions(srv.Mint(v2), recaptchaclient.VerifyOption{ResponseTime: time.Hour})); !got.passed {
			t.Errorf("recaptcha-go with ResponseTime: %+v", got)
		}
		old := srv.Mint(v2, recaptchatest.IssuedAt(time.Now().Add(-90*time.Second)))
		if got := recaptchaOutcome(rc.VerifyWithOptions(old, recaptchaclient.VerifyOption{ResponseTime: time.Minute})); got.passed ||
			!strings.HasPrefix(got.code, "local: time spent") {
			t.Errorf("recaptcha-go with a 90 s old token and ResponseTime 1m: %+v", got)
		}
	})
}
