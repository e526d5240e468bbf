// Command echo is the captchakit login demo on Echo v4.
//
//	go run ./examples/echo [-provider tencent|aliyun|geetest3|geetest4] [-addr 127.0.0.1:8080]
//
// Without credentials in the environment it runs on an in-process emulator;
// see the README.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/labstack/echo/v4"

	"github.com/captchakit/captcha/adapters/echocaptcha"
	"github.com/captchakit/captcha/examples/internal/demo"
	captcha "github.com/captchakit/captcha/middleware"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}

// run starts the demo for the command line args and serves it until ctx is
// done.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := demo.ParseFlags("echo", args, os.Getenv, stderr)
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

// renderer renders the demo's html/template pages for c.Render.
type renderer struct{}

func (renderer) Render(w io.Writer, name string, data any, _ echo.Context) error {
	return demo.Templates().ExecuteTemplate(w, name, data)
}

// newHandler wires the routes: the demo's own pages, and POST /login behind
// echocaptcha.Require, whose failures reach Echo's HTTPErrorHandler.
func newHandler(app *demo.App) (http.Handler, error) {
	v, err := captcha.New(app.Provider(), captcha.WithLogger(app.Logger()))
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
	for _, rt := range app.Routes() {
		e.Add(rt.Method, rt.Path, echo.WrapHandler(rt.Handler))
	}
	e.POST("/login", func(c echo.Context) error {
		res, _ := echocaptcha.Result(c)
		return c.Render(http.StatusOK, demo.SuccessTemplate, app.Success(c.FormValue("username"), res))
	}, echocaptcha.Require(v))
	return e, nil
}
