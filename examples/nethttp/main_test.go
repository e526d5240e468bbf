package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/captchakit/captcha/examples/internal/browser"
	"github.com/captchakit/captcha/examples/internal/demo"
	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/geetest"
)

func TestMain(m *testing.M) { browser.Main(m) }

// startDemo serves the demo for cfg on its emulator through the wiring main
// uses.
func startDemo(t *testing.T, cfg demo.Config) (*demo.App, string) {
	return browser.Serve(t, cfg, newHandler)
}

// TestLogin solves each provider's stand-in widget in the browser and expects
// the success page with the vendor's pass.
func TestLogin(t *testing.T) {
	t.Parallel()
	for _, p := range demo.Providers {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			_, base := startDemo(t, demo.Config{Provider: p})
			browser.ExpectPass(t, browser.Tab(t), base, p, false)
		})
	}
}

// TestOutage turns the outage switch on from the page and expects each
// provider's login to pass degraded, by the default failback policy.
func TestOutage(t *testing.T) {
	t.Parallel()
	for _, p := range demo.Providers {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			_, base := startDemo(t, demo.Config{Provider: p})
			ctx := browser.Tab(t)
			if err := browser.SetOutage(ctx, base, true); err != nil {
				t.Fatalf("turning the outage on: %v", err)
			}
			browser.ExpectPass(t, ctx, base, p, true)
		})
	}
}

// TestFailbackBudget runs the whole demo on Tencent: a pass, three degraded
// passes during the outage, then the custom 403 page once the client's
// budget is spent.
func TestFailbackBudget(t *testing.T) {
	t.Parallel()
	_, base := startDemo(t, demo.Config{Provider: demo.Tencent})
	browser.FullFlow(t, browser.Tab(t), base, demo.Tencent)
}

// TestTencentScriptLoadError serves the page with a TCaptcha.js address that
// refuses connections. The page's load-error callback then submits a
// disaster-recovery ticket, which Tencent answers with CaptchaCode 21 (a
// rejection) while it is up, and which the failback policy lets through
// degraded while it is down.
func TestTencentScriptLoadError(t *testing.T) {
	t.Parallel()
	const refused = "http://127.0.0.1:1/TCaptcha.js"
	t.Run("tencent up", func(t *testing.T) {
		t.Parallel()
		_, base := startDemo(t, demo.Config{Provider: demo.Tencent, ScriptURL: refused})
		got, err := browser.LoginWithoutWidget(browser.Tab(t), base)
		if err != nil {
			t.Fatal(err)
		}
		browser.CheckDenied(t, got, "403", "rejected")
	})
	t.Run("tencent down", func(t *testing.T) {
		t.Parallel()
		app, base := startDemo(t, demo.Config{Provider: demo.Tencent, ScriptURL: refused})
		app.SetOutage(true)
		got, err := browser.LoginWithoutWidget(browser.Tab(t), base)
		if err != nil {
			t.Fatal(err)
		}
		browser.CheckPass(t, got, demo.Tencent, true)
	})
}

// TestGeeTest3Offline makes GeeTest's register step fail for a while (five
// page loads' worth, which open the provider's breaker), so the page gets
// success 0 and gt.js runs offline; the failback policy lets the login
// through degraded.
func TestGeeTest3Offline(t *testing.T) {
	t.Parallel()
	app, base := startDemo(t, demo.Config{Provider: demo.GeeTest3})
	app.Emulators().GeeTest.SetRegisterDown(true)
	p := app.Provider().(*geetest.V3)
	for range captcha.DefaultConsecutiveFailures {
		if ch, err := p.Register(t.Context(), nil); err != nil || ch.Online {
			t.Fatalf("register with register.php down = (%+v, %v), want an offline challenge", ch, err)
		}
	}
	browser.ExpectPass(t, browser.Tab(t), base, demo.GeeTest3, true)
}

// TestGeeTest3Wiring drives the GeeTest v3 wiring of main.go over HTTP,
// without a browser: the register route main mounts issues a challenge and
// records it in the client's cookie, the emulator solves it as a user would,
// and POST /login passes once and refuses the same values again. The demo's
// own register route is left out (UseProvider), so the App serves main's
// provider.
func TestGeeTest3Wiring(t *testing.T) {
	t.Parallel()
	app, base := startDemo(t, demo.Config{Provider: demo.GeeTest3})
	for _, rt := range app.Routes() {
		if rt.Path == "/geetest/register" {
			t.Fatal("the demo still offers its own GET /geetest/register")
		}
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar}
	resp, err := client.Get(base + "/geetest/register")
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		Success   int    `json:"success"`
		Challenge string `json:"challenge"`
	}
	err = json.NewDecoder(resp.Body).Decode(&reg)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || reg.Success != 1 {
		t.Fatalf("GET /geetest/register: status %d, %+v (%v); want 200 with success 1", resp.StatusCode, reg, err)
	}
	validate, seccode, err := app.Emulators().GeeTest.Solve(reg.Challenge)
	if err != nil {
		t.Fatalf("solving the challenge register issued: %v", err)
	}
	form := url.Values{"username": {"demo"}, "geetest_challenge": {reg.Challenge},
		"geetest_validate": {validate}, "geetest_seccode": {seccode}}
	for i, want := range []struct {
		status int
		marker string
	}{
		{http.StatusOK, `id="res-provider">geetest3<`},
		{http.StatusForbidden, `id="denied"`},
	} {
		resp, err := client.PostForm(base+"/login", form)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want.status || !strings.Contains(string(body), want.marker) {
			t.Errorf("POST /login #%d: status %d, want %d with %s in:\n%s", i+1, resp.StatusCode, want.status, want.marker, body)
		}
	}
}

// TestScreenshot saves docs/demo.png, the login page with the stand-in
// Tencent widget open, when CAPTCHAKIT_UPDATE_SCREENSHOT=1.
func TestScreenshot(t *testing.T) {
	if os.Getenv("CAPTCHAKIT_UPDATE_SCREENSHOT") != "1" {
		t.Skip("set CAPTCHAKIT_UPDATE_SCREENSHOT=1 to rewrite docs/demo.png")
	}
	_, base := startDemo(t, demo.Config{Provider: demo.Tencent})
	ctx := browser.Tab(t)
	err := chromedp.Do(ctx, chromedp.EmulateViewport(900, 600))
	if err == nil {
		err = browser.OpenLogin(ctx, base)
	}
	if err == nil {
		err = browser.OpenWidget(ctx, demo.Tencent)
	}
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "demo.png")
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}

// TestCustomErrorPage posts a login without a ticket: the custom error page
// answers 403, in HTML.
func TestCustomErrorPage(t *testing.T) {
	t.Parallel()
	_, base := startDemo(t, demo.Config{Provider: demo.Aliyun})
	browser.CheckErrorPage(t, base)
}

// TestRun runs the program as main does (demo.Run with this newHandler), on
// a free port: it prints the URL, serves the login page there, and returns
// nil once its context is done.
func TestRun(t *testing.T) {
	t.Setenv("CAPTCHA_PROVIDER", "")
	for _, k := range demo.Credentials[demo.Tencent] {
		t.Setenv(k, "")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := demo.Run(ctx, "nethttp", []string{"-addr", "127.0.0.1:0"}, pw, io.Discard, newHandler)
		pw.CloseWithError(err)
		done <- err
	}()
	sc := bufio.NewScanner(pr)
	var page string
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "open "); ok {
			page, _, _ = strings.Cut(rest, " ")
			break
		}
	}
	if page == "" {
		t.Fatalf("Run printed no URL to open (err %v)", sc.Err())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	resp, err := http.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: status %d, want 200", page, resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v after the context ended, want nil", err)
		}
	case <-time.After(browser.Guard(t)):
		t.Fatal("Run did not return after the context ended")
	}
}
