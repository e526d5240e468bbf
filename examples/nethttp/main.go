// Command nethttp is the captchakit login demo on net/http's ServeMux.
//
//	go run ./examples/nethttp [-provider tencent|aliyun|geetest3|geetest4] [-addr 127.0.0.1:8080]
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

	"github.com/captchakit/captcha/examples/internal/demo"
	captcha "github.com/captchakit/captcha/middleware"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "nethttp:", err)
		os.Exit(1)
	}
}

// run starts the demo for the command line args and serves it until ctx is
// done.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := demo.ParseFlags("nethttp", args, os.Getenv, stderr)
	if err != nil {
		return err
	}
	app, err := demo.New(cfg)
	if err != nil {
		return err
	}
	defer app.Close()
	return demo.Serve(ctx, app, newHandler(app), stdout)
}

// newHandler wires the routes: the demo's own pages, and POST /login behind
// captcha.Require with a custom error page.
func newHandler(app *demo.App) http.Handler {
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
	return mux
}
