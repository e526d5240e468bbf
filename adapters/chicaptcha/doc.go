// Package chicaptcha adapts a [captcha.Verifier] to chi v5
// (github.com/go-chi/chi/v5). chi takes net/http middleware natively, so
// [Require] is the Verifier's own middleware ([captcha.Verifier.Handler]) plus
// one chi-specific touch: the Verifier's log lines name the chi route pattern.
//
//	import (
//		captcha "github.com/captchakit/captcha/middleware"
//		"github.com/captchakit/captcha/adapters/chicaptcha"
//	)
//
//	v, err := captcha.New(p) // p: tencent.New, aliyun.New, geetest.NewV3, ...
//	if err != nil { ... }
//	r := chi.NewRouter()
//	r.With(chicaptcha.Require(v)).Post("/login", login)
//	r.Group(func(r chi.Router) {
//		r.Use(chicaptcha.Require(v))
//		r.Post("/signup", signup)
//		r.Post("/reset", reset)
//	})
//
// In the handler, [Result] (or [captcha.FromContext]) returns the Result:
//
//	res, _ := chicaptcha.Result(r)
//	if res.Degraded { /* passed by the failback policy during an outage */ }
//
// # Error pages
//
// Failures are answered by the Verifier's error handler, exactly as with the
// net/http middleware: [captcha.DefaultErrorHandler] unless the Verifier was
// built with [captcha.WithErrorHandler]. That is chi's idiom too, since chi
// handlers and middleware are plain net/http:
//
//	v, err := captcha.New(p, captcha.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
//		if errors.Is(err, captcha.ErrRejected) {
//			http.Error(w, "That did not work, please try again.", http.StatusForbidden)
//			return
//		}
//		captcha.DefaultErrorHandler(w, r, err)
//	}))
//
// # GeeTest v3 register step
//
// geetest.RegisterHandler returns an http.Handler, which chi mounts as it is:
//
//	r.Method(http.MethodGet, "/geetest/register", geetest.RegisterHandler(p))
//	// or: r.Get("/geetest/register", geetest.RegisterHandler(p).ServeHTTP)
//
// # Logging
//
// Require adds the attribute route, the chi route pattern (e.g. "/login" or
// "/users/{id}"), to every line the Verifier logs about the request (see
// [captcha.ContextWithLogAttrs]). The pattern is computed only when a line
// is written, so a request that logs nothing never builds it. It is the
// pattern chi has routed when the middleware runs: complete in r.With and
// r.Group; the mount point (e.g. "/api/*") for r.Use inside r.Route; empty
// for r.Use on the top-level router, which runs before any routing.
package chicaptcha
