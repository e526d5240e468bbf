// Command nethttp is the captchakit login demo on net/http's ServeMux.
//
//	go run ./examples/nethttp [-provider tencent|aliyun|geetest3|geetest4|turnstile|hcaptcha|recaptcha2|recaptcha3|chain] [-addr 127.0.0.1:8080] [-script-url URL]
//
// Without credentials in the environment it runs on an in-process emulator;
// see the README. With -provider geetest3 this file wires GeeTest v3 in full
// (newGeeTest3 and the two routes in newHandler); the other examples leave
// that to package demo.
package main

import (
	"crypto/rand"
	"net/http"
	"os"

	"github.com/captchakit/captcha/examples/internal/demo"
	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/providers/geetest/geetesttest"
	"github.com/captchakit/captcha/session"
)

func main() {
	demo.Main("nethttp", newHandler)
}

// newHandler wires the routes: the demo's own pages, and POST /login behind
// the Verifier with a custom error page. For GeeTest v3 it also mounts the
// register step, on the provider newGeeTest3 builds.
func newHandler(app *demo.App) (http.Handler, error) {
	mux := http.NewServeMux()
	p := app.Provider()
	if app.ProviderName() == demo.GeeTest3 {
		v3, err := newGeeTest3(app)
		if err != nil {
			return nil, err
		}
		mux.Handle("GET /geetest/register", geetest.RegisterHandler(v3)) // API1, fetched by the page's initGeetest
		p = v3
	}
	for _, rt := range app.Routes() {
		mux.Handle(rt.Method+" "+rt.Path, rt.Handler)
	}
	// For -provider chain, app.Options adds the failover chain (GeeTest v4,
	// then a proof of work) and the step-up; the Verifier then answers the
	// page's GET /captcha/render.
	v, err := captcha.New(p, append(app.Options(),
		captcha.WithLogger(app.Logger()),
		captcha.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
			page := demo.Denied(err) // 403 for a rejected ticket or a spent failback budget
			demo.Render(w, page.Status, demo.DeniedTemplate, page)
		}))...)
	if err != nil {
		return nil, err
	}
	for _, rt := range app.VerifierRoutes(v) {
		mux.Handle(rt.Method+" "+rt.Path, rt.Handler)
	}
	// For GeeTest v3 this is API2: it validates geetest_challenge,
	// geetest_validate and geetest_seccode against the client's session.
	mux.Handle("POST /login", v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, _ := captcha.FromContext(r.Context())
		demo.Render(w, http.StatusOK, demo.SuccessTemplate, app.Success(r.PostFormValue("username"), res))
	})))
	return mux, nil
}

// newGeeTest3 builds the GeeTest v3 provider. Its status store is a signed
// cookie that keeps, per client, the challenge register issued and whether
// GeeTest answered, so that a client cannot choose failback mode. With
// GEETEST_ID and GEETEST_KEY set it talks to GeeTest; without them, to the
// emulator the demo started, with GeeTest's public demo keys.
func newGeeTest3(app *demo.App) (*geetest.V3, error) {
	// A key made at start: restarting the demo invalidates the challenges
	// handed out before. A real deployment loads 32 or 64 secret bytes from
	// its configuration.
	hashKey := make([]byte, 32)
	_, _ = rand.Read(hashKey)
	keys, err := session.NewCookieStore(hashKey) // signed; SameSite=Lax, HttpOnly, Secure
	if err != nil {
		return nil, err
	}
	keys.Options.Secure = false // the demo serves plain HTTP on loopback
	st, err := session.New(keys)
	if err != nil {
		return nil, err
	}
	cfg := geetest.V3Config{
		CaptchaID: os.Getenv("GEETEST_ID"), PrivateKey: os.Getenv("GEETEST_KEY"),
		StatusStore: st,
		Logger:      app.Logger(),
	}
	if emu := app.Emulators().GeeTest; emu != nil { // offline: no credentials set
		cfg.CaptchaID, cfg.PrivateKey = geetesttest.DefaultV3CaptchaID, geetesttest.DefaultV3PrivateKey
		cfg.Endpoint = emu.URL
	}
	p, err := geetest.NewV3(cfg)
	if err != nil {
		return nil, err
	}
	// The demo's login page and outage switch use this provider from now on.
	return p, app.UseProvider(p)
}
