// Package gincaptcha adapts a [captcha.Verifier] to Gin: [Require] is a
// gin.HandlerFunc that verifies the request's CAPTCHA ticket before the rest of
// the chain runs.
//
// All verification settings (provider, failback policy, ledger, extraction,
// logging, the default error page) live in the shared *captcha.Verifier; the
// options here are Gin-specific only.
//
//	import (
//		captcha "github.com/captchakit/captcha/middleware"
//		"github.com/captchakit/captcha/adapters/gincaptcha"
//	)
//
//	v, err := captcha.New(p) // p: tencent.New, aliyun.New, geetest.NewV3, ...
//	if err != nil { ... }
//	r := gin.New()
//	r.POST("/login", gincaptcha.Require(v), func(c *gin.Context) {
//		res, _ := gincaptcha.Result(c)
//		if res.Degraded { /* passed by the failback policy during an outage */ }
//		c.String(http.StatusOK, "welcome")
//	})
//
// Gin has no counterpart of echo's WrapMiddleware, and wrapping v.Handler would
// hide the Result from gin.Context, so Require calls [captcha.Verifier.Verify]
// itself. On a pass it stores the Result in the request's context (so
// [captcha.FromContext] works in code that only sees the *http.Request) and in
// the gin.Context; [Result] reads it back whether or not the engine sets
// ContextWithFallback. On a failure it runs the error handler and aborts the
// chain.
//
// # Error pages
//
// By default a failure is answered by the Verifier's error handler
// ([captcha.Verifier.ErrorHandler]), with the same status and body as the
// net/http middleware. A custom 403 page in Gin's own idiom:
//
//	gincaptcha.Require(v, gincaptcha.WithErrorHandler(func(c *gin.Context, err error) {
//		if errors.Is(err, captcha.ErrRejected) {
//			c.String(http.StatusForbidden, "That did not work, please try again.")
//			return
//		}
//		c.AbortWithStatusJSON(captcha.StatusCode(err), gin.H{"error": "captcha"})
//	}))
//
// # GeeTest v3 register step
//
// geetest.RegisterHandler returns a plain http.Handler that needs nothing from
// this package, so mount it with Gin's own wrapper:
//
//	r.GET("/geetest/register", gin.WrapH(geetest.RegisterHandler(p)))
//
// # Logging
//
// Require adds the matched route (c.FullPath(), e.g. "/login") as the attribute
// route to every line the Verifier logs about the request (see
// [captcha.ContextWithLogAttrs]).
package gincaptcha
