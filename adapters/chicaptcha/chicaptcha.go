package chicaptcha

import (
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	captcha "github.com/captchakit/captcha/middleware"
)

// Require returns chi middleware that verifies each request with v: the
// Verifier's own middleware ([captcha.Verifier.Serve]), whose log lines also
// carry the chi route pattern as the attribute route. Configure everything
// else, including the error page, on the Verifier. Require panics if v is nil.
func Require(v *captcha.Verifier) func(http.Handler) http.Handler {
	if v == nil {
		panic("chicaptcha: Require: nil *captcha.Verifier")
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if rctx := chi.RouteContext(r.Context()); rctx != nil {
				v.Serve(w, r, next, slog.Any("route", (*routePattern)(rctx)))
				return
			}
			v.Serve(w, r, next)
		})
	}
}

// routePattern logs the route pattern of a chi routing context, computed only
// when a line is written. Being a pointer type, it goes into a slog.Value
// without an allocation. chi reuses routing contexts once a request is
// served; the Verifier logs only while serving it.
type routePattern chi.Context

// LogValue implements slog.LogValuer.
func (p *routePattern) LogValue() slog.Value {
	return slog.StringValue((*chi.Context)(p).RoutePattern())
}

// Result returns the Result of the verification Require performed for r, and
// whether there was one; it is [captcha.FromContext] on r's context. It never
// panics, also for a nil r.
func Result(r *http.Request) (*captcha.Result, bool) {
	if r == nil {
		return nil, false
	}
	return captcha.FromContext(r.Context())
}
