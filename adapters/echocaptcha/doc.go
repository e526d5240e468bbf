// Package echocaptcha adapts a [captcha.Verifier] to Echo v4
// (github.com/labstack/echo/v4): [Require] is an echo.MiddlewareFunc that
// verifies the request's CAPTCHA ticket before the handler runs. Echo v5 is
// not supported; an adapter for it would live beside this one in a file
// suffixed _v5 (the pattern huma uses), not replace it.
//
// All verification settings (provider, failback policy, ledger, extraction,
// logging) live in the shared *captcha.Verifier; the options here are
// Echo-specific only.
//
//	import (
//		captcha "github.com/captchakit/captcha/middleware"
//		"github.com/captchakit/captcha/adapters/echocaptcha"
//	)
//
//	v, err := captcha.New(p) // p: tencent.New, aliyun.New, geetest.NewV3, ...
//	if err != nil { ... }
//	e := echo.New()
//	e.POST("/login", func(c echo.Context) error {
//		res, _ := echocaptcha.Result(c)
//		if res.Degraded { /* passed by the failback policy during an outage */ }
//		return c.String(http.StatusOK, "welcome")
//	}, echocaptcha.Require(v))
//
// # Errors go through Echo's error flow
//
// A failed verification is returned as an *echo.HTTPError with Code
// captcha.StatusCode(err), Message the status text (e.g. "Forbidden") and
// Internal the verification error, so the application's e.HTTPErrorHandler
// renders it like any other error. (echo.WrapMiddleware(v.Handler) would write
// the response itself, out of the HTTPErrorHandler's sight; this package never
// does that.) Echo's default handler answers {"message":"Forbidden"}; in Debug
// mode it adds the error text, which names the provider and the vendor's code
// but never a ticket or a secret. A custom 403 page:
//
//	e.HTTPErrorHandler = func(err error, c echo.Context) {
//		var he *echo.HTTPError
//		if errors.As(err, &he) && errors.Is(he.Internal, captcha.ErrRejected) {
//			_ = c.String(http.StatusForbidden, "That did not work, please try again.")
//			return
//		}
//		e.DefaultHTTPErrorHandler(err, c)
//	}
//
// To answer exactly as the net/http middleware does, hand captcha failures to
// the Verifier's error handler:
//
//	e.HTTPErrorHandler = func(err error, c echo.Context) {
//		var he *echo.HTTPError
//		if errors.As(err, &he) && he.Internal != nil && errors.As(he.Internal, new(*captcha.VerifyError)) {
//			v.ErrorHandler()(c.Response(), c.Request(), he.Internal)
//			return
//		}
//		e.DefaultHTTPErrorHandler(err, c)
//	}
//
// [WithErrorHandler] replaces the returned error altogether. The error the
// protected handler returns is always passed on unchanged.
//
// # GeeTest v3 register step
//
// geetest.RegisterHandler returns a plain http.Handler that needs nothing from
// this package, so mount it with Echo's own wrapper:
//
//	e.GET("/geetest/register", echo.WrapHandler(geetest.RegisterHandler(p)))
//
// # Logging
//
// Require adds the matched route (c.Path(), e.g. "/login") as the attribute
// route to every line the Verifier logs about the request (see
// [captcha.ContextWithLogAttrs]).
package echocaptcha
