// Command chi is the captchakit login demo on chi v5.
//
//	go run ./examples/chi [-provider tencent|aliyun|geetest3|geetest4|turnstile|hcaptcha|recaptcha2|recaptcha3|chain] [-addr 127.0.0.1:8080] [-script-url URL]
//
// Without credentials in the environment it runs on an in-process emulator;
// see the README.
package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/captchakit/captcha/adapters/chicaptcha"
	"github.com/captchakit/captcha/examples/internal/demo"
	captcha "github.com/captchakit/captcha/middleware"
)

func main() {
	demo.Main("chi", newHandler)
}

// newHandler wires the routes: the demo's own pages, and POST /login behind
// chicaptcha.Require. chi is plain net/http, so the custom error page is the
// Verifier's error handler.
func newHandler(app *demo.App) (http.Handler, error) {
	// For -provider chain, app.Options adds the failover chain and the
	// step-up, and app.VerifierRoutes the page's GET /captcha/render.
	v, err := captcha.New(app.Provider(), append(app.Options(),
		captcha.WithLogger(app.Logger()),
		captcha.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
			page := demo.Denied(err) // 403 for a rejected ticket or a spent failback budget
			demo.Render(w, page.Status, demo.DeniedTemplate, page)
		}))...)
	if err != nil {
		return nil, err
	}
	r := chi.NewRouter()
	for _, rt := range append(app.Routes(), app.VerifierRoutes(v)...) {
		r.Method(rt.Method, rt.Path, rt.Handler)
	}
	r.With(chicaptcha.Require(v)).Post("/login", func(w http.ResponseWriter, r *http.Request) {
		res, _ := chicaptcha.Result(r)
		demo.Render(w, http.StatusOK, demo.SuccessTemplate, app.Success(r.PostFormValue("username"), res))
	})
	return r, nil
}
