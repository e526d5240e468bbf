package echocaptcha

import (
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	captcha "github.com/captchakit/captcha/middleware"
)

// resultKey is the echo.Context key of the Result. Echo's store takes only
// string keys; Result reads the request context first, which no other code
// can write under this package's key.
const resultKey = "github.com/captchakit/captcha/adapters/echocaptcha.result"

// Require returns Echo middleware that verifies each request with v before
// the handler runs. A request that passes reaches the handler with its Result
// in the request context and the echo.Context (see [Result]), and the
// handler's error is returned unchanged. One that fails does not reach the
// handler: the middleware returns the error handler's result (see
// [WithErrorHandler]), by default an *echo.HTTPError for Echo's
// HTTPErrorHandler. A request whose context already carries a passing Result
// is not verified again. Require panics if v is nil.
func Require(v *captcha.Verifier, opts ...Option) echo.MiddlewareFunc {
	if v == nil {
		panic("echocaptcha: Require: nil *captcha.Verifier")
	}
	cfg := newConfig(opts)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cfg.skipper != nil && cfg.skipper(c) {
				return next(c)
			}
			r := c.Request()
			res, err := v.VerifyWith(r, slog.String("route", c.Path()))
			if err != nil {
				// The error handler sees the request with its body put
				// back and the route among its log attributes.
				c.SetRequest(r.WithContext(captcha.ContextWithLogAttrs(r.Context(), slog.String("route", c.Path()))))
				if herr := cfg.onError(c, err); herr != nil || c.Response().Committed {
					return herr
				}
				// nil without a response would end as an empty 200.
				return httpError(c, err)
			}
			c.SetRequest(r.WithContext(captcha.NewContext(r.Context(), res)))
			c.Set(resultKey, res)
			return next(c)
		}
	}
}

// httpError is the default error handler: the failure as an *echo.HTTPError
// for the application's HTTPErrorHandler.
func httpError(_ echo.Context, err error) error {
	code := captcha.StatusCode(err)
	return &echo.HTTPError{Code: code, Message: http.StatusText(code), Internal: err}
}

// Result returns the Result of the verification Require performed for c, and
// whether there was one. It reads the request's context first and then the
// echo.Context. It never panics, also for a nil c.
func Result(c echo.Context) (*captcha.Result, bool) {
	if c == nil {
		return nil, false
	}
	if r := c.Request(); r != nil {
		if res, ok := captcha.FromContext(r.Context()); ok {
			return res, true
		}
	}
	res, ok := c.Get(resultKey).(*captcha.Result)
	return res, ok && res != nil
}
