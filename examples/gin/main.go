// Command gin is the captchakit login demo on Gin.
//
//	go run ./examples/gin [-provider tencent|aliyun|geetest3|geetest4|turnstile|hcaptcha|recaptcha2|recaptcha3|chain] [-addr 127.0.0.1:8080] [-script-url URL]
//
// Without credentials in the environment it runs on an in-process emulator;
// see the README.
package main

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/captchakit/captcha/adapters/gincaptcha"
	"github.com/captchakit/captcha/examples/internal/demo"
	captcha "github.com/captchakit/captcha/middleware"
)

func main() {
	gin.SetMode(gin.ReleaseMode)
	demo.Main("gin", newHandler)
}

// newHandler wires the routes: the demo's own pages, and POST /login behind
// gincaptcha.Require with a custom error page rendered by Gin.
func newHandler(app *demo.App) (http.Handler, error) {
	v, err := captcha.New(app.Provider(), append(app.Options(), captcha.WithLogger(app.Logger()))...)
	if err != nil {
		return nil, err
	}
	r := gin.New()
	r.Use(gin.Recovery())
	r.SetHTMLTemplate(demo.Templates())
	for _, rt := range append(app.Routes(), app.VerifierRoutes(v)...) {
		r.Handle(rt.Method, rt.Path, gin.WrapH(rt.Handler))
	}
	denied := gincaptcha.WithErrorHandler(func(c *gin.Context, err error) {
		page := demo.Denied(err) // 403 for a rejected ticket or a spent failback budget
		c.HTML(page.Status, demo.DeniedTemplate, page)
	})
	r.POST("/login", gincaptcha.Require(v, denied), func(c *gin.Context) {
		res, _ := gincaptcha.Result(c)
		c.HTML(http.StatusOK, demo.SuccessTemplate, app.Success(c.PostForm("username"), res))
	})
	return r, nil
}
