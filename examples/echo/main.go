// Command echo is the captchakit login demo on Echo v4.
//
//	go run ./examples/echo [-provider tencent|aliyun|geetest3|geetest4|turnstile|hcaptcha|recaptcha2|recaptcha3|chain] [-addr 127.0.0.1:8080] [-script-url URL]
//
// Without credentials in the environment it runs on an in-process emulator;
// see the README.
package main

import (
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/captchakit/captcha/adapters/echocaptcha"
	"github.com/captchakit/captcha/examples/internal/demo"
	captcha "github.com/captchakit/captcha/middleware"
)

func main() {
	demo.Main("echo", newHandler)
}

// renderer renders the demo's html/template pages for c.Render.
type renderer struct{}

func (renderer) Render(w io.Writer, name string, data any, _ echo.Context) error {
	return demo.Templates().ExecuteTemplate(w, name, data)
}

// newHandler wires the routes: the demo's own pages, and POST /login behind
// echocaptcha.Require, whose failures reach Echo's HTTPErrorHandler.
func newHandler(app *demo.App) (http.Handler, error) {
	v, err := captcha.New(app.Provider(), append(app.Options(), captcha.WithLogger(app.Logger()))...)
	if err != nil {
		return nil, err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Renderer = renderer{}
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		var he *echo.HTTPError
		if errors.As(err, &he) && demo.IsCaptchaError(he.Internal) && !c.Response().Committed {
			page := demo.Denied(he.Internal) // 403 for a rejected ticket or a spent failback budget
			if rerr := c.Render(page.Status, demo.DeniedTemplate, page); rerr != nil {
				c.Logger().Error(rerr)
			}
			return
		}
		e.DefaultHTTPErrorHandler(err, c)
	}
	for _, rt := range append(app.Routes(), app.VerifierRoutes(v)...) {
		e.Add(rt.Method, rt.Path, echo.WrapHandler(rt.Handler))
	}
	e.POST("/login", func(c echo.Context) error {
		res, _ := echocaptcha.Result(c)
		return c.Render(http.StatusOK, demo.SuccessTemplate, app.Success(c.FormValue("username"), res))
	}, echocaptcha.Require(v))
	return e, nil
}
