package echocaptcha

import "github.com/labstack/echo/v4"

// Option configures Require. Options are created by the With* functions; a
// nil argument to any of them leaves the default in place.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	skipper func(echo.Context) bool // nil: verify every request
	onError func(echo.Context, error) error
}

func newConfig(opts []Option) config {
	c := config{
		onError: httpError,
	}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// WithSkipper sets a function that exempts requests from verification: when
// it returns true the handler runs without a CAPTCHA check and without a
// Result.
//
// WARNING: every request the skipper lets by reaches the handler unverified.
// Base it only on what the server decides (the route, the method), never on
// anything the client can set, such as a header or a query parameter.
//
// s has the type of echo's middleware.Skipper, so a middleware.Skipper value
// can be passed as it is. (This package does not import echo/v4/middleware,
// so that it does not pull that package's dependencies into your build.)
//
// Default: none; every request is verified, as with middleware.DefaultSkipper.
func WithSkipper(s func(c echo.Context) bool) Option {
	return optionFunc(func(c *config) {
		if s != nil {
			c.skipper = s
		}
	})
}

// WithErrorHandler sets the function that handles a request that failed
// verification. err wraps one of the captcha package's sentinels: use
// errors.Is and [captcha.StatusCode]. What h returns is what the middleware
// returns: an error goes on to Echo's HTTPErrorHandler, and nil means h wrote
// the response itself. If h returns nil without writing a response, the
// middleware returns the default *echo.HTTPError instead, so that a failure
// never ends as an empty 200. The protected handler never runs.
//
// Default: return an *echo.HTTPError with Code captcha.StatusCode(err),
// Message its status text and Internal err.
func WithErrorHandler(h func(c echo.Context, err error) error) Option {
	return optionFunc(func(c *config) {
		if h != nil {
			c.onError = h
		}
	})
}
