package tencent_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/tencent"
	"github.com/captchakit/captcha/providers/tencent/tencenttest"
)

// Credentials of the rotation tests: a permanent key and a temporary one.
var (
	credPermanent = tencent.Credential{SecretID: "AKIDpermanent", SecretKey: "permanent-secret-key"}
	credTemporary = tencent.Credential{SecretID: "AKIDtemporary", SecretKey: "temporary-secret-key", Token: "session-token-1"}
)

func emulatorCred(c tencent.Credential) tencenttest.Credential {
	return tencenttest.Credential{SecretID: c.SecretID, SecretKey: c.SecretKey, Token: c.Token}
}

// rotatingConfig is demoConfig with Credentials instead of the static key.
func rotatingConfig(srv *tencenttest.Server, src tencent.CredentialSource) tencent.Config {
	cfg := demoConfig(srv.URL)
	cfg.SecretID, cfg.SecretKey = "", ""
	cfg.Credentials = src
	cfg.Now = srv.Now
	return cfg
}

// TestGH18RotatingCredentials changes the credentials between calls of one
// provider: each call signs with what the source holds at that moment,
// temporary keys send their token, and the emulator refuses what it no
// longer knows.
func TestGH18RotatingCredentials(t *testing.T) {
	t.Parallel()
	srv := tencenttest.NewServer(t, tencenttest.Config{
		Credentials: []tencenttest.Credential{emulatorCred(credPermanent), emulatorCred(credTemporary)},
	})
	rc := tencent.NewRotatingCredential(credPermanent)
	p := mustNew(t, rotatingConfig(srv, rc))
	verify := func(step string, wantErr string) {
		t.Helper()
		res, err := p.Verify(t.Context(), ticketOf(srv.Mint(0)))
		var ve *captcha.VerifyError
		switch {
		case wantErr == "" && (err != nil || !res.Passed):
			t.Fatalf("%s: Verify = %+v, %v; want a pass", step, res, err)
		case wantErr != "" && (!errors.As(err, &ve) || ve.Code != wantErr || !errors.Is(err, captcha.ErrMisconfigured)):
			t.Fatalf("%s: Verify error %v, want ErrMisconfigured with code %s", step, err, wantErr)
		}
	}

	verify("permanent key", "")
	rc.Store(credTemporary)
	verify("rotated to the temporary key", "")
	srv.RemoveCredential(credPermanent.SecretID)
	verify("permanent key revoked", "")
	rc.Store(credPermanent)
	verify("back to the revoked key", "AuthFailure.SecretIdNotFound")

	// The token rotates while the key stays: the old token is refused.
	next := credTemporary
	next.Token = "session-token-2"
	srv.AddCredential(emulatorCred(next))
	rc.Store(credTemporary)
	verify("stale token", "AuthFailure.TokenFailure")
	rc.Store(next)
	verify("fresh token", "")
	noToken := next
	noToken.Token = ""
	rc.Store(noToken)
	verify("temporary key without its token", "AuthFailure.TokenFailure")
}

// TestGH18RotationMidFlight rotates between two valid credentials while
// verifications run: every one passes, so no call signs with half of one
// and half of the other (run with -race).
func TestGH18RotationMidFlight(t *testing.T) {
	t.Parallel()
	srv := tencenttest.NewServer(t, tencenttest.Config{
		Credentials: []tencenttest.Credential{emulatorCred(credPermanent), emulatorCred(credTemporary)},
	})
	rc := tencent.NewRotatingCredential(credPermanent)
	p := mustNew(t, rotatingConfig(srv, rc))
	const workers, calls = 4, 25
	tickets := make(chan captcha.Ticket, workers*calls)
	for range workers * calls {
		tickets <- ticketOf(srv.Mint(0))
	}
	close(tickets)

	var stop atomic.Bool
	var rotations atomic.Int64
	var rotator sync.WaitGroup
	rotator.Go(func() {
		for i := 0; !stop.Load(); i++ {
			if i%2 == 0 {
				rc.Store(credTemporary)
			} else {
				rc.Store(credPermanent)
			}
			rotations.Add(1)
			runtime.Gosched()
		}
	})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for tk := range tickets {
				if res, err := p.Verify(t.Context(), tk); err != nil || !res.Passed {
					t.Errorf("Verify during rotation = %+v, %v", res, err)
				}
			}
		})
	}
	wg.Wait()
	stop.Store(true)
	rotator.Wait()
	if rotations.Load() < 2 {
		t.Errorf("credentials rotated %d times during the run, want at least 2", rotations.Load())
	}
}

// getterSource has only the three getters, like a third-party credential
// type; change makes the next GetSecretId return another ID.
type getterSource struct {
	mu     sync.Mutex
	c      tencent.Credential
	change func(n int) string // n-th GetSecretId call; nil keeps c.SecretID
	n      int
}

func (g *getterSource) GetSecretId() string { //nolint:revive // the SDK's spelling
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n++
	if g.change != nil {
		return g.change(g.n)
	}
	return g.c.SecretID
}
func (g *getterSource) GetSecretKey() string { return g.c.SecretKey }
func (g *getterSource) GetToken() string     { return g.c.Token }

// retrieverFunc is a CredentialRetriever from a function.
type retrieverFunc func(context.Context) (tencent.Credential, error)

func (f retrieverFunc) GetSecretId() string  { c, _ := f(context.Background()); return c.SecretID } //nolint:revive // the SDK's spelling
func (f retrieverFunc) GetSecretKey() string { c, _ := f(context.Background()); return c.SecretKey }
func (f retrieverFunc) GetToken() string     { c, _ := f(context.Background()); return c.Token }
func (f retrieverFunc) RetrieveCredential(ctx context.Context) (tencent.Credential, error) {
	return f(ctx)
}

// TestGH18CredentialSourceErrors checks that unusable credentials fail the
// verification as a misconfiguration, without a call to Tencent and
// without their values in the error; and that sources with only the
// getters work.
func TestGH18CredentialSourceErrors(t *testing.T) {
	t.Parallel()
	srv := tencenttest.NewServer(t, tencenttest.Config{
		Credentials: []tencenttest.Credential{emulatorCred(credPermanent), emulatorCred(credTemporary)},
	})
	const secret = "leaky-secret-value-0123456789"
	tests := []struct {
		name    string
		src     tencent.CredentialSource
		wantErr string // substring of the error; "" for a pass
	}{
		{"static Credential value", credTemporary, ""},
		{"getters only", &getterSource{c: credTemporary}, ""},
		{"getters, ID changes once", &getterSource{c: credTemporary, change: func(n int) string {
			if n == 1 {
				return "AKIDold"
			}
			return credTemporary.SecretID
		}}, ""},
		{"getters, ID never settles", &getterSource{c: credTemporary, change: func(n int) string {
			return "AKID" + strings.Repeat("x", n)
		}}, "kept changing"},
		{"no credentials yet", new(tencent.RotatingCredential), "no credentials yet"},
		{"retriever error", retrieverFunc(func(context.Context) (tencent.Credential, error) {
			return tencent.Credential{}, errors.New("metadata service unreachable")
		}), "metadata service unreachable"},
		{"empty SecretId", tencent.Credential{SecretKey: secret}, "SecretId"},
		{"SecretId with a slash", tencent.Credential{SecretID: "AKID/" + secret, SecretKey: secret}, "SecretId"},
		{"empty SecretKey", tencent.Credential{SecretID: "AKID" + secret}, "SecretKey"},
		{"token with a line break", tencent.Credential{SecretID: credTemporary.SecretID, SecretKey: secret, Token: "a\r\n" + secret}, "token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := mustNew(t, rotatingConfig(srv, tt.src))
			before := srv.Calls()
			res, err := p.Verify(t.Context(), ticketOf(srv.Mint(0)))
			if tt.wantErr == "" {
				if err != nil || !res.Passed {
					t.Fatalf("Verify = %+v, %v; want a pass", res, err)
				}
				return
			}
			var ve *captcha.VerifyError
			switch {
			case !errors.Is(err, captcha.ErrMisconfigured) || !errors.As(err, &ve) || ve.Code != tencent.CodeCredentials:
				t.Fatalf("Verify error %v, want ErrMisconfigured with code %s", err, tencent.CodeCredentials)
			case errors.Is(err, captcha.ErrUnavailable):
				t.Fatalf("Verify error %v is also ErrUnavailable: it could open failback", err)
			case !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("Verify error %q, want it to mention %q", err, tt.wantErr)
			case strings.Contains(err.Error(), secret):
				t.Errorf("Verify error %q quotes a credential", err)
			case srv.Calls() != before:
				t.Errorf("Verify called Tencent %d times with unusable credentials", srv.Calls()-before)
			}
		})
	}
}

// TestGH18CredentialErrorFailsClosed checks, through a Verifier with the
// open failback policy, that a credential source that keeps failing never
// lets a request through.
func TestGH18CredentialErrorFailsClosed(t *testing.T) {
	t.Parallel()
	srv := tencenttest.NewServer(t, tencenttest.Config{})
	p := mustNew(t, rotatingConfig(srv, new(tencent.RotatingCredential)))
	v, err := captcha.New(p, captcha.WithFailbackPolicy(captcha.FailOpen()))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		tk := srv.Mint(0)
		form := url.Values{"ticket": {tk.Ticket}, "randstr": {tk.Randstr}}
		req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := v.Verify(req)
		if err == nil || (res != nil && res.Passed) || !errors.Is(err, captcha.ErrMisconfigured) {
			t.Fatalf("request %d: Verify = %+v, %v; want ErrMisconfigured, no pass", i, res, err)
		}
	}
}

// TestGH18CredentialsConfig checks that Credentials excludes the static
// fields.
func TestGH18CredentialsConfig(t *testing.T) {
	t.Parallel()
	for _, mutate := range []func(*tencent.Config){
		func(c *tencent.Config) { c.SecretID = "AKIDx" },
		func(c *tencent.Config) { c.SecretKey = "k" },
		func(c *tencent.Config) { c.Token = "t" },
	} {
		cfg := tencent.Config{AppID: tencenttest.DemoAppID, AppSecretKey: tencenttest.DemoAppSecretKey, Credentials: credPermanent}
		mutate(&cfg)
		if _, err := tencent.New(cfg); err == nil || !strings.Contains(err.Error(), "mutually exclusive") {
			t.Errorf("New(%+v) error %v, want the fields mutually exclusive", cfg, err)
		}
	}
	if _, err := tencent.New(tencent.Config{AppID: 1, AppSecretKey: "k"}); err == nil || !strings.Contains(err.Error(), "SecretID is required") {
		t.Errorf("New without any credentials: %v, want SecretID is required", err)
	}
}

// deadlineTransport records the deadline of each request it sends.
type deadlineTransport struct {
	mu        sync.Mutex
	deadlines []time.Time
}

func (d *deadlineTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	dl, _ := r.Context().Deadline()
	d.mu.Lock()
	d.deadlines = append(d.deadlines, dl)
	d.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// TestCredentialReadSharesTheTimeout: a call made without a deadline is
// bounded once by Config.Timeout, the credential read and the request
// together, not once each.
func TestCredentialReadSharesTheTimeout(t *testing.T) {
	t.Parallel()
	srv := tencenttest.NewServer(t, tencenttest.Config{Credentials: []tencenttest.Credential{emulatorCred(credPermanent)}})
	var readDeadline time.Time
	src := retrieverFunc(func(ctx context.Context) (tencent.Credential, error) {
		readDeadline, _ = ctx.Deadline()
		return credPermanent, nil
	})
	tr := &deadlineTransport{}
	cfg := rotatingConfig(srv, src)
	cfg.HTTPClient = &http.Client{Transport: tr}
	p := mustNew(t, cfg)
	if res, err := p.Verify(context.Background(), ticketOf(srv.Mint(0))); err != nil || !res.Passed {
		t.Fatalf("Verify = %+v, %v; want a pass", res, err)
	}
	if len(tr.deadlines) != 1 || readDeadline.IsZero() || !tr.deadlines[0].Equal(readDeadline) {
		t.Errorf("credential read deadline %v, request deadlines %v; want one and the same", readDeadline, tr.deadlines)
	}
}
