package gincaptcha_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/captchakit/captcha/internal/leakcheck"
	"github.com/captchakit/captcha/internal/logtest"

	"github.com/gin-gonic/gin"

	"github.com/captchakit/captcha/adapters/gincaptcha"
	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(leakcheck.Run(m))
}

var quiet = slog.New(slog.DiscardHandler)

func newVerifier(t *testing.T, p captcha.Provider, opts ...captcha.Option) *captcha.Verifier {
	t.Helper()
	v, err := captcha.New(p, append([]captcha.Option{captcha.WithLogger(quiet)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func postForm(h http.Handler, path, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// A failure aborts the chain: neither the handlers after Require run nor
// does an outer middleware see the chain continue.
func TestRequireAbortsOnFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ticket     string
		wantStatus int
		wantRan    bool
	}{
		{"pass", http.StatusOK, true},
		{"reject", http.StatusForbidden, false},
		{"", http.StatusForbidden, false},
		{"misconfigured", http.StatusInternalServerError, false},
	} {
		t.Run(tc.ticket, func(t *testing.T) {
			t.Parallel()
			var ran, aborted bool
			r := gin.New()
			r.Use(func(c *gin.Context) {
				c.Next()
				aborted = c.IsAborted()
			})
			r.POST("/login", gincaptcha.Require(newVerifier(t, &providertest.Fake{})),
				func(*gin.Context) { ran = true },
				func(c *gin.Context) { c.Status(http.StatusOK) })
			rec := postForm(r, "/login", "ticket="+tc.ticket)
			if rec.Code != tc.wantStatus || ran != tc.wantRan || aborted == tc.wantRan {
				t.Errorf("status %d, handler ran %t, aborted %t; want %d, %t, %t",
					rec.Code, ran, aborted, tc.wantStatus, tc.wantRan, !tc.wantRan)
			}
		})
	}
}

// Result reads the request context first and the gin.Context after it, so
// it works without ContextWithFallback and after a handler replaced the
// request's context.
func TestResult(t *testing.T) {
	t.Parallel()
	var fromReq, fromGin, fromCore bool
	r := gin.New() // ContextWithFallback is off
	r.POST("/login", gincaptcha.Require(newVerifier(t, &providertest.Fake{})), func(c *gin.Context) {
		_, fromCore = captcha.FromContext(c.Request.Context())
		res, ok := gincaptcha.Result(c)
		fromReq = ok && res.Passed && res.Provider == "fake"
		c.Request = c.Request.WithContext(context.Background())
		res, ok = gincaptcha.Result(c)
		fromGin = ok && res.Passed
	})
	if rec := postForm(r, "/login", "ticket=pass"); rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", rec.Code)
	}
	if !fromCore || !fromReq || !fromGin {
		t.Errorf("Result found: in the request context %t, by Result %t, from the gin.Context %t; want all true", fromCore, fromReq, fromGin)
	}

	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
	if res, ok := gincaptcha.Result(c); ok || res != nil {
		t.Errorf("Result without Require = %v, %t; want nil, false", res, ok)
	}
	if res, ok := gincaptcha.Result(nil); ok || res != nil {
		t.Errorf("Result(nil) = %v, %t; want nil, false", res, ok)
	}
}

// A request that already passed (here through the net/http middleware
// around the engine) is not verified again.
func TestRequireOncePerRequest(t *testing.T) {
	t.Parallel()
	fake := &providertest.Fake{}
	v := newVerifier(t, fake)
	r := gin.New()
	r.POST("/login", gincaptcha.Require(v), func(c *gin.Context) {
		if _, ok := gincaptcha.Result(c); !ok {
			t.Error("no Result in the handler")
		}
		c.Status(http.StatusOK)
	})
	if rec := postForm(v.Handler(r), "/login", "ticket=pass:1"); rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", rec.Code)
	}
	if got := fake.Calls(); got != 1 {
		t.Errorf("provider calls = %d, want 1", got)
	}
}

// The error handler sees the request with its body restored, so a custom
// page can use the form.
func TestWithErrorHandlerSeesBody(t *testing.T) {
	t.Parallel()
	r := gin.New()
	r.POST("/login", gincaptcha.Require(newVerifier(t, &providertest.Fake{}),
		gincaptcha.WithErrorHandler(func(c *gin.Context, err error) {
			c.String(captcha.StatusCode(err), "sorry %s", c.PostForm("user"))
		}), nil))
	rec := postForm(r, "/login", "user=alice&ticket=reject")
	if rec.Code != http.StatusForbidden || rec.Body.String() != "sorry alice" {
		t.Errorf("got %d %q, want 403 %q", rec.Code, rec.Body.String(), "sorry alice")
	}
}

// The Verifier's log lines name the gin route, parameters unexpanded.
func TestRouteInLog(t *testing.T) {
	t.Parallel()
	var buf logtest.Buffer
	v := newVerifier(t, &providertest.Fake{}, captcha.WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	r := gin.New()
	r.POST("/users/:id/delete", gincaptcha.Require(v))
	if rec := postForm(r, "/users/42/delete", "ticket=throttled"); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", rec.Code)
	}
	if got := buf.String(); !strings.Contains(got, "captcha: provider throttled") || !strings.Contains(got, "route=/users/:id/delete") {
		t.Errorf("log = %q, want the throttled line with route=/users/:id/delete", got)
	}
}

func TestRequireNilVerifierPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("Require(nil) did not panic")
		}
	}()
	gincaptcha.Require(nil)
}

// An error handler that writes nothing does not turn a failure into a 200.
func TestErrorHandlerWritingNothing(t *testing.T) {
	t.Parallel()
	r := gin.New()
	r.POST("/login", gincaptcha.Require(newVerifier(t, &providertest.Fake{}),
		gincaptcha.WithErrorHandler(func(*gin.Context, error) {})),
		func(c *gin.Context) { c.String(http.StatusOK, "welcome") })
	for ticket, want := range map[string]int{"reject": 403, "throttled": 503} {
		if rec := postForm(r, "/login", "ticket="+ticket); rec.Code != want || rec.Body.Len() != 0 {
			t.Errorf("ticket %q: got %d %q, want %d and no body", ticket, rec.Code, rec.Body.String(), want)
		}
	}
}
