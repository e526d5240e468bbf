package gincaptcha

import (
	"log/slog"

	"github.com/gin-gonic/gin"

	captcha "github.com/captchakit/captcha/middleware"
)

// resultKey is the gin.Context key of the Result. Gin's Keys map takes any
// key, so an unexported type makes it impossible for other code to collide
// with it or plant a Result under it.
type resultKey struct{}

// Require returns Gin middleware that verifies each request with v before the
// rest of the chain runs. A request that passes continues with its Result in
// the request context and the gin.Context (see [Result]); one that fails is
// answered by the error handler (see [WithErrorHandler]) and the chain is
// aborted. A request whose context already carries a passing Result is not
// verified again. Require panics if v is nil.
func Require(v *captcha.Verifier, opts ...Option) gin.HandlerFunc {
	if v == nil {
		panic("gincaptcha: Require: nil *captcha.Verifier")
	}
	cfg := newConfig(opts)
	onError := cfg.onError
	if onError == nil {
		eh := v.ErrorHandler()
		onError = func(c *gin.Context, err error) { eh(c.Writer, c.Request, err) }
	}
	return func(c *gin.Context) {
		r := c.Request
		res, err := v.VerifyWith(r, slog.String("route", c.FullPath()))
		if err != nil {
			// The error handler sees the request with its body put back
			// and the route among its log attributes.
			c.Request = r.WithContext(captcha.ContextWithLogAttrs(r.Context(), slog.String("route", c.FullPath())))
			onError(c, err)
			if !c.Writer.Written() {
				// Never let a failure end as an empty 200.
				c.AbortWithStatus(captcha.StatusCode(err))
				return
			}
			c.Abort()
			return
		}
		c.Request = r.WithContext(captcha.NewContext(r.Context(), res))
		c.Set(resultKey{}, res)
		c.Next()
	}
}

// Result returns the Result of the verification Require performed for c, and
// whether there was one. It reads c.Request's context first and then the
// gin.Context, so it works whether or not the engine sets
// ContextWithFallback. It never panics, also for a nil c.
func Result(c *gin.Context) (*captcha.Result, bool) {
	if c == nil {
		return nil, false
	}
	if c.Request != nil {
		if res, ok := captcha.FromContext(c.Request.Context()); ok {
			return res, true
		}
	}
	v, ok := c.Get(resultKey{})
	if !ok {
		return nil, false
	}
	res, ok := v.(*captcha.Result)
	return res, ok && res != nil
}
