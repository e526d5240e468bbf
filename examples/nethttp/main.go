// Command nethttp is the captchakit login demo on net/http's ServeMux.
//
//	go run ./examples/nethttp [-provider tencent|aliyun|geetest3|geetest4] [-addr 127.0.0.1:8080]
//
// Without credentials in the environment it runs on an in-process emulator;
// see the README.
package main

import (
	"net/http"

	"github.com/captchakit/captcha/examples/internal/demo"
	captcha "github.com/captchakit/captcha/middleware"
)

func main() {
	demo.Main("nethttp", newHandler)
}

// newHandler wires the routes: the demo's own pages, and POST /login behind
// captcha.Require with a custom error page.
func newHandler(app *demo.App) (http.Handler, error) {
	mux := http.NewServeMux()
	for _, rt := range app.Routes() {
		mux.Handle(rt.Method+" "+rt.Path, rt.Handler)
	}
	requireCaptcha := captcha.Require(app.Provider(),
		captcha.WithLogger(app.Logger()),
		captcha.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
			page := demo.Denied(err) // 403 for a rejected ticket or a spent failback budget
			demo.Render(w, page.Status, demo.DeniedTemplate, page)
		}))
	mux.Handle("POST /login", requireCaptcha(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, _ := captcha.FromContext(r.Context())
		demo.Render(w, http.StatusOK, demo.SuccessTemplate, app.Success(r.PostFormValue("username"), res))
	})))
	return mux, nil
}
