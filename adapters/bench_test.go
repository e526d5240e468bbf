package adapters_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/labstack/echo/v4"

	"github.com/captchakit/captcha/adapters/chicaptcha"
	"github.com/captchakit/captcha/adapters/echocaptcha"
	"github.com/captchakit/captcha/adapters/gincaptcha"
	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
)

// benchRouters build POST /login in each framework, protected by v or, for
// v == nil, bare.
var benchRouters = []struct {
	name  string
	build func(v *captcha.Verifier) http.Handler
}{
	{"nethttp", func(v *captcha.Verifier) http.Handler {
		var h http.Handler = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
		if v != nil {
			h = v.Handler(h)
		}
		mux := http.NewServeMux()
		mux.Handle("POST /login", h)
		return mux
	}},
	{"gin", func(v *captcha.Verifier) http.Handler {
		r := gin.New()
		hs := []gin.HandlerFunc{func(*gin.Context) {}}
		if v != nil {
			hs = append([]gin.HandlerFunc{gincaptcha.Require(v)}, hs...)
		}
		r.POST("/login", hs...)
		return r
	}},
	{"echo", func(v *captcha.Verifier) http.Handler {
		e := echo.New()
		var mw []echo.MiddlewareFunc
		if v != nil {
			mw = append(mw, echocaptcha.Require(v))
		}
		e.POST("/login", func(echo.Context) error { return nil }, mw...)
		return e
	}},
	{"chi", func(v *captcha.Verifier) http.Handler {
		r := chi.NewRouter()
		h := func(http.ResponseWriter, *http.Request) {}
		if v != nil {
			r.With(chicaptcha.Require(v)).Post("/login", h)
		} else {
			r.Post("/login", h)
		}
		return r
	}},
}

// BenchmarkPass measures each adapter on the pass path against the net/http
// core, with the same requests: a fresh request per iteration carrying a
// fresh ticket in the X-Captcha-Ticket header, a Fake provider that passes at
// once without allocating, a handler that writes nothing. "bare" is the same
// router without verification, so an adapter's overhead over the core is
// (<framework>/protected - <framework>/bare) - (nethttp/protected -
// nethttp/bare).
func BenchmarkPass(b *testing.B) {
	target, _ := url.Parse("/login")
	for _, rt := range benchRouters {
		for _, mode := range []string{"bare", "protected"} {
			b.Run(rt.name+"/"+mode, func(b *testing.B) {
				var v *captcha.Verifier
				if mode == "protected" {
					fake := &providertest.Fake{}
					fake.SetOutcome(func(captcha.Ticket) (captcha.Result, error) {
						return captcha.Result{Passed: true, Code: "ok"}, nil
					})
					var err error
					v, err = captcha.New(fake, captcha.WithLogger(slog.New(slog.DiscardHandler)))
					if err != nil {
						b.Fatal(err)
					}
				}
				h := rt.build(v)
				w := &discardWriter{h: http.Header{}}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					i++
					r := &http.Request{
						Method: http.MethodPost, URL: target, RemoteAddr: "192.0.2.1:1234",
						Header: http.Header{"X-Captcha-Ticket": {"pass:" + strconv.Itoa(i)}},
					}
					w.code = 0
					h.ServeHTTP(w, r)
					if w.code != 0 && w.code != http.StatusOK {
						b.Fatalf("status %d, want 200", w.code)
					}
				}
			})
		}
	}
}

type discardWriter struct {
	h    http.Header
	code int
}

func (d *discardWriter) Header() http.Header       { return d.h }
func (*discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(code int)      { d.code = code }
