// Command gin is the captchakit login demo on Gin.
//
//	go run ./examples/gin [-provider tencent|aliyun|geetest3|geetest4] [-addr 127.0.0.1:8080]
//
// Without credentials in the environment it runs on an in-process emulator;
// see the README.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/gin-gonic/gin"

	"github.com/captchakit/captcha/adapters/gincaptcha"
	"github.com/captchakit/captcha/examples/internal/demo"
	captcha "github.com/captchakit/captcha/middleware"
)

func main() {
	gin.SetMode(gin.ReleaseMode)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gin:", err)
		os.Exit(1)
	}
}

// run starts the demo for the command line args and serves it until ctx is
// done.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := demo.ParseFlags("gin", args, os.Getenv, stderr)
	if err != nil {
		return err
	}
	app, err := demo.New(cfg)
	if err != nil {
		return err
	}
	defer app.Close()
	h, err := newHandler(app)
	if err != nil {
		return err
	}
	return demo.Serve(ctx, app, h, stdout)
}

// newHandler wires the routes: the demo's own pages, and POST /login behind
// gincaptcha.Require with a custom error page rendered by Gin.
func newHandler(app *demo.App) (http.Handler, error) {
	v, err := captcha.New(app.Provider(), captcha.WithLogger(app.Logger()))
	if err != nil {
		return nil, err
	}
	r := gin.New()
	r.Use(gin.Recovery())
	r.SetHTMLTemplate(demo.Templates())
	for _, rt := range app.Routes() {
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
