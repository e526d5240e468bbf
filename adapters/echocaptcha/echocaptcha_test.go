package echocaptcha_test

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/captchakit/captcha/internal/logtest"

	"github.com/labstack/echo/v4"

	"github.com/captchakit/captcha/adapters/echocaptcha"
	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
)

var quiet = slog.New(slog.DiscardHandler)

func newVerifier(t *testing.T, p captcha.Provider, opts ...captcha.Option) *captcha.Verifier {
	t.Helper()
	v, err := captcha.New(p, append([]captcha.Option{captcha.WithLogger(quiet)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func newContext(e *echo.Echo, body string) (echo.Context, *httptest.ResponseRecorder) {
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	return e.NewContext(r, rec), rec
}

// A failure is returned as an *echo.HTTPError for the application's
// HTTPErrorHandler, with the verification error as Internal; the handler does
// not run and nothing is written.
func TestFailureIsHTTPError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ticket   string
		opts     []captcha.Option
		wantCode int
		wantErr  error
	}{
		{"reject", nil, http.StatusForbidden, captcha.ErrRejected},
		{"", nil, http.StatusForbidden, captcha.ErrMissingTicket},
		{"unavailable", []captcha.Option{captcha.WithFailbackPolicy(captcha.FailClosed())}, http.StatusServiceUnavailable, captcha.ErrUnavailable},
		{"misconfigured", nil, http.StatusInternalServerError, captcha.ErrMisconfigured},
	} {
		t.Run(tc.ticket, func(t *testing.T) {
			t.Parallel()
			e := echo.New()
			c, rec := newContext(e, "ticket="+tc.ticket)
			ran := false
			err := echocaptcha.Require(newVerifier(t, &providertest.Fake{}, tc.opts...))(func(echo.Context) error {
				ran = true
				return nil
			})(c)
			var he *echo.HTTPError
			if !errors.As(err, &he) {
				t.Fatalf("error %v (%T), want an *echo.HTTPError", err, err)
			}
			if he.Code != tc.wantCode || he.Message != http.StatusText(tc.wantCode) || !errors.Is(he.Internal, tc.wantErr) || !errors.Is(err, tc.wantErr) {
				t.Errorf("HTTPError{Code: %d, Message: %v, Internal: %v}, want {%d, %q, wrapping %v}",
					he.Code, he.Message, he.Internal, tc.wantCode, http.StatusText(tc.wantCode), tc.wantErr)
			}
			if ran || rec.Body.Len() != 0 || c.Response().Committed {
				t.Errorf("handler ran %t, response committed %t, body %q; want none of it", ran, c.Response().Committed, rec.Body.String())
			}
		})
	}
}

// With Echo's own HTTPErrorHandler a failure becomes its JSON error.
func TestDefaultHTTPErrorHandler(t *testing.T) {
	t.Parallel()
	e := echo.New()
	e.POST("/login", func(c echo.Context) error { return c.String(http.StatusOK, "welcome") },
		echocaptcha.Require(newVerifier(t, &providertest.Fake{})))
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader("ticket=reject"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, r)
	if want := `{"message":"Forbidden"}` + "\n"; rec.Code != http.StatusForbidden || rec.Body.String() != want {
		t.Errorf("got %d %q, want 403 %q", rec.Code, rec.Body.String(), want)
	}
}

// The handler's error is returned unchanged, pass or not.
func TestNextErrorReturned(t *testing.T) {
	t.Parallel()
	errNext := errors.New("handler failed")
	e := echo.New()
	c, _ := newContext(e, "ticket=pass")
	err := echocaptcha.Require(newVerifier(t, &providertest.Fake{}))(func(echo.Context) error { return errNext })(c)
	if err != errNext {
		t.Errorf("error %v, want the handler's error itself", err)
	}
}

func TestSkipper(t *testing.T) {
	t.Parallel()
	fake := &providertest.Fake{}
	mw := echocaptcha.Require(newVerifier(t, fake),
		echocaptcha.WithSkipper(func(c echo.Context) bool { return c.Request().Method == http.MethodGet }))
	e := echo.New()
	c, _ := newContext(e, "")
	c.Request().Method = http.MethodGet
	var ran, hasResult bool
	err := mw(func(c echo.Context) error {
		ran = true
		_, hasResult = echocaptcha.Result(c)
		return nil
	})(c)
	if err != nil || !ran || hasResult || fake.Calls() != 0 {
		t.Errorf("skipped request: error %v, handler ran %t, Result %t, provider calls %d; want nil, true, false, 0",
			err, ran, hasResult, fake.Calls())
	}
	c, _ = newContext(e, "")
	if err := mw(func(echo.Context) error { return nil })(c); captcha.StatusCode(err) != http.StatusForbidden {
		t.Errorf("POST without a ticket: error %v, want a 403; the skipper skips only what it selects", err)
	}
}

// WithErrorHandler's result is the middleware's: nil after writing a page.
func TestWithErrorHandler(t *testing.T) {
	t.Parallel()
	e := echo.New()
	c, rec := newContext(e, "user=alice&ticket=reject")
	err := echocaptcha.Require(newVerifier(t, &providertest.Fake{}), echocaptcha.WithErrorHandler(func(c echo.Context, err error) error {
		if !errors.Is(err, captcha.ErrRejected) {
			t.Errorf("error handler got %v, want ErrRejected", err)
		}
		return c.String(http.StatusForbidden, "sorry "+c.FormValue("user")) // the body is restored
	}))(func(echo.Context) error {
		t.Error("handler ran after a failure")
		return nil
	})(c)
	if err != nil || rec.Code != http.StatusForbidden || rec.Body.String() != "sorry alice" {
		t.Errorf("got %v, %d %q; want nil, 403 %q", err, rec.Code, rec.Body.String(), "sorry alice")
	}
}

func TestResult(t *testing.T) {
	t.Parallel()
	e := echo.New()
	c, _ := newContext(e, "ticket=pass")
	var inReq, inEcho bool
	err := echocaptcha.Require(newVerifier(t, &providertest.Fake{}))(func(c echo.Context) error {
		res, ok := captcha.FromContext(c.Request().Context())
		inReq = ok && res.Passed
		res2, ok := echocaptcha.Result(c)
		inEcho = ok && res2 == res
		return nil
	})(c)
	if err != nil || !inReq || !inEcho {
		t.Errorf("error %v, Result in the request %t, from Result %t; want nil, true, true", err, inReq, inEcho)
	}
	c, _ = newContext(e, "")
	if res, ok := echocaptcha.Result(c); ok || res != nil {
		t.Errorf("Result without Require = %v, %t; want nil, false", res, ok)
	}
	if res, ok := echocaptcha.Result(nil); ok || res != nil {
		t.Errorf("Result(nil) = %v, %t; want nil, false", res, ok)
	}
}

// A request that already passed is not verified again.
func TestRequireOncePerRequest(t *testing.T) {
	t.Parallel()
	fake := &providertest.Fake{}
	v := newVerifier(t, fake)
	e := echo.New()
	e.POST("/login", func(c echo.Context) error {
		if _, ok := echocaptcha.Result(c); !ok {
			t.Error("no Result in the handler")
		}
		return c.NoContent(http.StatusOK)
	}, echocaptcha.Require(v))
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader("ticket=pass:1"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	v.Handler(e).ServeHTTP(rec, r)
	if rec.Code != http.StatusOK || fake.Calls() != 1 {
		t.Errorf("status %d, provider calls %d; want 200, 1", rec.Code, fake.Calls())
	}
}

// The Verifier's log lines name the echo route, parameters unexpanded.
func TestRouteInLog(t *testing.T) {
	t.Parallel()
	var buf logtest.Buffer
	v := newVerifier(t, &providertest.Fake{}, captcha.WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	e := echo.New()
	e.POST("/users/:id/delete", func(echo.Context) error { return nil }, echocaptcha.Require(v))
	r := httptest.NewRequest(http.MethodPost, "/users/42/delete", strings.NewReader("ticket=throttled"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, r)
	if rec.Code != http.StatusServiceUnavailable {
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
	echocaptcha.Require(nil)
}

// An error handler that returns nil without writing does not turn a failure
// into a 200: the default *echo.HTTPError is returned instead.
func TestErrorHandlerWritingNothing(t *testing.T) {
	t.Parallel()
	e := echo.New()
	c, _ := newContext(e, "ticket=reject")
	err := echocaptcha.Require(newVerifier(t, &providertest.Fake{}),
		echocaptcha.WithErrorHandler(func(echo.Context, error) error { return nil }))(func(echo.Context) error {
		t.Error("handler ran after a failure")
		return nil
	})(c)
	var he *echo.HTTPError
	if !errors.As(err, &he) || he.Code != http.StatusForbidden || !errors.Is(err, captcha.ErrRejected) {
		t.Errorf("error %v, want the default 403 *echo.HTTPError wrapping ErrRejected", err)
	}
}
