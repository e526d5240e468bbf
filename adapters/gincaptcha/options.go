package gincaptcha

import "github.com/gin-gonic/gin"

// Option configures Require. Options are created by the With* functions; a
// nil argument to any of them leaves the default in place.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	onError func(*gin.Context, error)
}

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// WithErrorHandler sets the function that answers a request that failed
// verification. err wraps one of the captcha package's sentinels: use
// errors.Is and [captcha.StatusCode]. Require aborts the chain after h
// returns, so h only writes the response (c.String, c.HTML,
// c.AbortWithStatusJSON, ...). If h writes nothing, Require answers
// captcha.StatusCode(err) with an empty body, never Gin's default 200.
//
// Default: the Verifier's error handler ([captcha.Verifier.ErrorHandler],
// itself [captcha.DefaultErrorHandler] unless set with
// [captcha.WithErrorHandler]) on c.Writer and c.Request, so Gin answers exactly
// as the net/http middleware does.
func WithErrorHandler(h func(c *gin.Context, err error)) Option {
	return optionFunc(func(c *config) {
		if h != nil {
			c.onError = h
		}
	})
}
