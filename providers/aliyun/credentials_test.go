package aliyun_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/aliyun"
	"github.com/captchakit/captcha/providers/aliyun/aliyuntest"
)

// Credentials of the rotation tests: a long-term AccessKey and an STS one.
var (
	credLongTerm  = aliyun.Credential{AccessKeyID: "LTAIlongterm", AccessKeySecret: "long-term-secret"}
	credTemporary = aliyun.Credential{AccessKeyID: "STS.temporary", AccessKeySecret: "temporary-secret", SecurityToken: "CAIS-token-1"}
)

// rotationEmulator knows both credentials, the STS one with its token.
func rotationEmulator(t *testing.T) *aliyuntest.Server {
	return aliyuntest.NewServer(t, aliyuntest.Config{
		AccessKeys: map[string]string{
			credLongTerm.AccessKeyID:  credLongTerm.AccessKeySecret,
			credTemporary.AccessKeyID: credTemporary.AccessKeySecret,
		},
		SecurityTokens: map[string]string{credTemporary.AccessKeyID: credTemporary.SecurityToken},
	})
}

func rotatingProvider(t *testing.T, srv *aliyuntest.Server, src aliyun.CredentialSource) *aliyun.Provider {
	return newProvider(t, srv.URL, func(c *aliyun.Config) {
		c.AccessKeyID, c.AccessKeySecret = "", ""
		c.Credentials = src
		c.Now = srv.Now
	})
}

// TestGH18RotatingCredentials changes the credentials between calls of one
// provider: each call signs with what the source holds at that moment, an
// STS key sends its token, and the emulator refuses what it no longer
// knows.
func TestGH18RotatingCredentials(t *testing.T) {
	t.Parallel()
	srv := rotationEmulator(t)
	rc := aliyun.NewRotatingCredential(credLongTerm)
	p := rotatingProvider(t, srv, rc)
	verify := func(step, wantErr string) {
		t.Helper()
		res, err := p.Verify(t.Context(), ticket(srv.MintParam(aliyuntest.DefaultSceneID)))
		var ve *captcha.VerifyError
		switch {
		case wantErr == "" && (err != nil || !res.Passed):
			t.Fatalf("%s: Verify = %+v, %v; want a pass", step, res, err)
		case wantErr != "" && (!errors.As(err, &ve) || ve.Code != wantErr || !errors.Is(err, captcha.ErrMisconfigured)):
			t.Fatalf("%s: Verify error %v, want ErrMisconfigured with code %s", step, err, wantErr)
		}
	}

	verify("long-term key", "")
	rc.Store(credTemporary)
	verify("rotated to the STS key", "")
	srv.RemoveAccessKey(credLongTerm.AccessKeyID)
	verify("long-term key revoked", "")
	rc.Store(credLongTerm)
	verify("back to the revoked key", "InvalidAccessKeyId.NotFound")

	// The token rotates while the key stays: the old token is refused.
	next := credTemporary
	next.SecurityToken = "CAIS-token-2"
	srv.AddAccessKey(next.AccessKeyID, next.AccessKeySecret, next.SecurityToken)
	rc.Store(credTemporary)
	verify("stale token", "InvalidSecurityToken.MismatchWithAccessKey")
	rc.Store(next)
	verify("fresh token", "")
	noToken := next
	noToken.SecurityToken = ""
	rc.Store(noToken)
	verify("STS key without its token", "InvalidSecurityToken.MismatchWithAccessKey")
}

// TestGH18RotationMidFlight rotates between two valid credentials while
// verifications run: every one passes, so no call signs with half of one
// and half of the other (run with -race).
func TestGH18RotationMidFlight(t *testing.T) {
	t.Parallel()
	srv := rotationEmulator(t)
	rc := aliyun.NewRotatingCredential(credLongTerm)
	p := rotatingProvider(t, srv, rc)
	const workers, calls = 4, 25
	params := make(chan string, workers*calls)
	for range workers * calls {
		params <- srv.MintParam(aliyuntest.DefaultSceneID)
	}
	close(params)

	var stop atomic.Bool
	var rotations atomic.Int64
	var rotator sync.WaitGroup
	rotator.Go(func() {
		for i := 0; !stop.Load(); i++ {
			if i%2 == 0 {
				rc.Store(credTemporary)
			} else {
				rc.Store(credLongTerm)
			}
			rotations.Add(1)
			runtime.Gosched()
		}
	})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for param := range params {
				if res, err := p.Verify(t.Context(), ticket(param)); err != nil || !res.Passed {
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

// TestGH18CredentialSourceErrors checks that unusable credentials fail the
// verification as a misconfiguration, without a call to Alibaba and without
// their values in the error.
func TestGH18CredentialSourceErrors(t *testing.T) {
	t.Parallel()
	srv := rotationEmulator(t)
	const secret = "leaky-secret-value-0123456789"
	tests := []struct {
		name    string
		src     aliyun.CredentialSource
		wantErr string // substring of the error; "" for a pass
	}{
		{"static Credential value", credTemporary, ""},
		{"CredentialFunc", aliyun.CredentialFunc(func(context.Context) (aliyun.Credential, error) { return credLongTerm, nil }), ""},
		{"no credentials yet", new(aliyun.RotatingCredential), "no credentials yet"},
		{"source error", aliyun.CredentialFunc(func(context.Context) (aliyun.Credential, error) {
			return aliyun.Credential{}, errors.New("STS AssumeRole refused")
		}), "STS AssumeRole refused"},
		{"empty AccessKeyID", aliyun.Credential{AccessKeySecret: secret}, "AccessKeyID"},
		{"AccessKeyID with a space", aliyun.Credential{AccessKeyID: "LTAI " + secret, AccessKeySecret: secret}, "AccessKeyID"},
		{"empty AccessKeySecret", aliyun.Credential{AccessKeyID: "LTAI" + secret}, "AccessKeySecret"},
		{"token with a line break", aliyun.Credential{AccessKeyID: "STS.x", AccessKeySecret: secret, SecurityToken: "a\n" + secret}, "SecurityToken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := rotatingProvider(t, srv, tt.src)
			before := srv.Calls()
			res, err := p.Verify(t.Context(), ticket(srv.MintParam(aliyuntest.DefaultSceneID)))
			if tt.wantErr == "" {
				if err != nil || !res.Passed {
					t.Fatalf("Verify = %+v, %v; want a pass", res, err)
				}
				return
			}
			var ve *captcha.VerifyError
			switch {
			case !errors.Is(err, captcha.ErrMisconfigured) || !errors.As(err, &ve) || ve.Code != aliyun.CodeCredentials:
				t.Fatalf("Verify error %v, want ErrMisconfigured with code %s", err, aliyun.CodeCredentials)
			case errors.Is(err, captcha.ErrUnavailable):
				t.Fatalf("Verify error %v is also ErrUnavailable: it could open failback", err)
			case !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("Verify error %q, want it to mention %q", err, tt.wantErr)
			case strings.Contains(err.Error(), secret):
				t.Errorf("Verify error %q quotes a credential", err)
			case srv.Calls() != before:
				t.Errorf("Verify called Alibaba %d times with unusable credentials", srv.Calls()-before)
			}
		})
	}
}

// TestGH18CredentialsConfig checks that Credentials excludes the static
// fields.
func TestGH18CredentialsConfig(t *testing.T) {
	t.Parallel()
	for _, mutate := range []func(*aliyun.Config){
		func(c *aliyun.Config) { c.AccessKeyID = "LTAIx" },
		func(c *aliyun.Config) { c.AccessKeySecret = "s" },
		func(c *aliyun.Config) { c.SecurityToken = "t" },
	} {
		cfg := aliyun.Config{SceneID: aliyuntest.DefaultSceneID, Credentials: credLongTerm}
		mutate(&cfg)
		if _, err := aliyun.New(cfg); err == nil || !strings.Contains(err.Error(), "mutually exclusive") {
			t.Errorf("New(%+v) error %v, want the fields mutually exclusive", cfg, err)
		}
	}
	if _, err := aliyun.New(aliyun.Config{SceneID: aliyuntest.DefaultSceneID}); err == nil || !strings.Contains(err.Error(), "AccessKeyID is required") {
		t.Errorf("New without any credentials: %v, want AccessKeyID is required", err)
	}
}
