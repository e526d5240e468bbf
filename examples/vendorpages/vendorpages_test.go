package vendorpages_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/captchakit/captcha/examples/internal/browser"
	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/aliyun"
	"github.com/captchakit/captcha/providers/aliyun/aliyuntest"
	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/providers/geetest/geetesttest"
	"github.com/captchakit/captcha/providers/tencent"
	"github.com/captchakit/captcha/providers/tencent/tencenttest"
	"github.com/captchakit/captcha/session"
)

func TestMain(m *testing.M) { browser.Main(m) }

// The vendors' script addresses, as the pages load them.
const (
	tencentScript     = "https://turing.captcha.qcloud.com/TCaptcha.js"
	tencentIntlScript = "https://ca.turing.captcha.qcloud.com/TJNCaptcha-global.js"
	gtScript          = "https://static.geetest.com/static/tools/gt.js"
	gt4Script         = "https://static.geetest.com/v4/gt4.js"
	aliyunScript      = "https://o.alicdn.com/captcha-frontend/aliyunCaptcha/AliyunCaptcha.js"
)

// site is what a page needs served beside it: the provider its POST /login
// is verified with, where the vendor's script address points instead (the
// emulator's stand-in), and the site's own other routes (GeeTest v3's
// register endpoint).
type site struct {
	provider captcha.Provider
	script   string // the vendor's script address in the page
	standIn  string // the stand-in's address it is replaced with
	routes   map[string]http.Handler
}

// logins records what POST /login saw.
type logins struct {
	mu      sync.Mutex
	results []captcha.Result
	errs    []error
}

func (l *logins) seen() ([]captcha.Result, []error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]captcha.Result(nil), l.results...), append([]error(nil), l.errs...)
}

// serve serves page (a file in testdata) at "/" with nothing changed but the
// vendor's script address, POST /login behind captcha.Require with s's
// provider, and s's routes. It returns the base URL and what /login saw.
func serve(t *testing.T, page string, s site) (string, *logins) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", page))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `src="`+s.script+`"`) {
		t.Fatalf("%s does not load %s", page, s.script)
	}
	body := []byte(strings.ReplaceAll(string(raw), `src="`+s.script+`"`, `src="`+s.standIn+`"`))

	seen := &logins{}
	welcome := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, ok := captcha.FromContext(r.Context())
		if !ok {
			http.Error(w, "no captcha result", http.StatusInternalServerError)
			return
		}
		seen.mu.Lock()
		seen.results = append(seen.results, *res)
		seen.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><title>Welcome</title><p id="welcome">Welcome, %s.</p>`, html.EscapeString(r.PostFormValue("username")))
	})
	denied := func(w http.ResponseWriter, r *http.Request, err error) {
		seen.mu.Lock()
		seen.errs = append(seen.errs, err)
		seen.mu.Unlock()
		code := captcha.StatusCode(err)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(code)
		fmt.Fprintf(w, `<!DOCTYPE html><title>Denied</title><p id="denied">%d</p>`, code)
	}
	// The deadline of a verification is the hang guard, not the 2 s
	// default: on a loaded machine a slow emulator call is not an outage.
	require := captcha.Require(s.provider,
		captcha.WithErrorHandler(denied),
		captcha.WithTimeout(browser.Guard(t)),
		captcha.WithLogger(slog.New(slog.NewTextHandler(t.Output(), nil))),
	)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(body)
	})
	mux.Handle("POST /login", require(welcome))
	for path, h := range s.routes {
		mux.Handle(path, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL, seen
}

func tencentSite(t *testing.T, script string) site {
	t.Helper()
	emu := tencenttest.NewServer(t, tencenttest.Config{})
	p, err := tencent.New(tencent.Config{
		SecretID: tencenttest.DemoSecretID, SecretKey: tencenttest.DemoSecretKey,
		AppID: tencenttest.DemoAppID, AppSecretKey: tencenttest.DemoAppSecretKey,
		Endpoint: emu.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	return site{provider: p, script: script, standIn: emu.URL + tencenttest.ScriptPath}
}

func geetest3Site(t *testing.T) site {
	t.Helper()
	emu := geetesttest.NewServer(t, geetesttest.Config{})
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	keys, err := session.NewCookieStore(key)
	if err != nil {
		t.Fatal(err)
	}
	keys.Options.Secure = false // plain HTTP on loopback
	st, err := session.New(keys)
	if err != nil {
		t.Fatal(err)
	}
	p, err := geetest.NewV3(geetest.V3Config{
		CaptchaID: geetesttest.DefaultV3CaptchaID, PrivateKey: geetesttest.DefaultV3PrivateKey,
		StatusStore: st, Endpoint: emu.URL, Timeout: browser.Guard(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	return site{
		provider: p, script: gtScript, standIn: emu.URL + geetesttest.ScriptPath,
		routes: map[string]http.Handler{"GET /register": geetest.RegisterHandler(p)},
	}
}

func geetest4Site(t *testing.T) site {
	t.Helper()
	emu := geetesttest.NewServer(t, geetesttest.Config{})
	p, err := geetest.NewV4(geetest.V4Config{
		CaptchaID: geetesttest.DefaultV4CaptchaID, CaptchaKey: geetesttest.DefaultV4CaptchaKey, Endpoint: emu.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	return site{provider: p, script: gt4Script, standIn: emu.URL + geetesttest.Script4Path}
}

func aliyunSite(t *testing.T) site {
	t.Helper()
	emu := aliyuntest.NewServer(t, aliyuntest.Config{})
	p, err := aliyun.New(aliyun.Config{
		AccessKeyID: aliyuntest.DefaultAccessKeyID, AccessKeySecret: aliyuntest.DefaultAccessKeySecret,
		SceneID: aliyuntest.DefaultSceneID, Endpoint: emu.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	return site{provider: p, script: aliyunScript, standIn: emu.URL + aliyuntest.ScriptPath}
}

// watch returns ctx, which ends as soon as the page throws an uncaught
// exception, with that exception as its cause: a page the stand-in script
// breaks fails at once and says why, instead of waiting for the hang guard.
func watch(t *testing.T, tab context.Context) context.Context {
	t.Helper()
	if err := chromedp.Do(tab); err != nil { // open the tab, so that Listen misses nothing
		t.Fatalf("opening the tab: %v", err)
	}
	ctx, cancel := context.WithCancelCause(tab)
	t.Cleanup(func() { cancel(nil) })
	err := chromedp.Listen(tab, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok && e.ExceptionDetails != nil {
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg, _, _ = strings.Cut(d.Exception.Description, "\n")
			}
			cancel(fmt.Errorf("the page threw %q at %s:%d", msg, d.URL, d.LineNumber+1))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// failed describes err, an action's error in ctx, with the page's exception
// when that is what ended ctx.
func failed(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return err
}

// errAnswered is await's error when the login was answered before the
// captcha showed: the page submitted the form without the stand-in widget
// (say, with a disaster-recovery ticket after the script threw).
var errAnswered = errors.New("the login was answered before the captcha's solve button showed")

// await waits until the element with id shows, or the answer to the login
// does (then it returns errAnswered).
func await(ctx context.Context, id string) error {
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#"+id+", #welcome, #denied"))); err != nil {
		return err
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`!!document.getElementById(%q)`, id)))
	if err == nil && !shown {
		err = errAnswered
	}
	return err
}

// inside fails unless the element with id button is inside the element with
// id container.
func inside(ctx context.Context, button, container string) error {
	in, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(function () {
  var b = document.getElementById(%q), c = document.getElementById(%q);
  return !!(b && c && c.contains(b));
})()`, button, container)))
	if err != nil {
		return err
	}
	if !in {
		return fmt.Errorf("#%s opened outside #%s, the element the page gave the captcha", button, container)
	}
	return nil
}

// flow is how a person logs in on a page: wait for the page's ready
// button, click the button that opens the captcha, solve it on the
// stand-in's widget, and, on a page where solving does not submit the form
// itself, click its submit button once the widget shows it solved.
type flow struct {
	ready     string // id of a page button to wait for until it is enabled; "" for none
	open      string // id of the page button that opens the captcha; "" when it shows by itself
	solve     string // id of the stand-in widget's solve button
	container string // id of the element the page gave the captcha, which must hold it; "" for none
	solved    string // CSS selector that matches once the widget is solved (with submit)
	submit    string // id of the page's submit button; "" when solving submits
}

// run runs f in ctx's tab, on a loaded page.
func (f flow) run(ctx context.Context) error {
	if f.ready != "" {
		if err := chromedp.Do(ctx, chromedp.WaitEnabled(chromedp.ID(f.ready))); err != nil {
			return err
		}
	}
	if f.open != "" {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID(f.open))); err != nil {
			return err
		}
	}
	if err := await(ctx, f.solve); err != nil {
		return err
	}
	if f.container != "" {
		if err := inside(ctx, f.solve, f.container); err != nil {
			return err
		}
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID(f.solve))); err != nil {
		return err
	}
	if f.submit == "" {
		return nil
	}
	return chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(f.solved)),
		chromedp.Click(chromedp.ID(f.submit)),
	)
}

// TestVendorPages loads each vendor's page, completes the login on the
// stand-in widget as a person would, and expects POST /login to have seen a
// vendor pass.
func TestVendorPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		page     string
		provider string // the Result's Provider; its pass code is browser.PassCodes'
		site     func(t *testing.T) site
		flow     flow
	}{
		{
			name: "tencent", page: "tencent.html", provider: "tencent",
			site: func(t *testing.T) site { return tencentSite(t, tencentScript) },
			flow: flow{open: "CaptchaId", solve: "tcaptcha-emulator-solve"},
		},
		{
			name: "tencent international", page: "tencent-international.html", provider: "tencent",
			site: func(t *testing.T) site { return tencentSite(t, tencentIntlScript) },
			flow: flow{open: "CaptchaId", solve: "tcaptcha-emulator-solve", container: "tcaptcha"},
		},
		{
			// The values reach the form through bindForm's hidden inputs,
			// and the page's own submit button sends them.
			name: "geetest v3 bindForm", page: "geetest3.html", provider: "geetest3",
			site: geetest3Site,
			flow: flow{ready: "submit", solve: "geetest-emulator-solve", container: "captcha",
				solved: "#geetest-emulator-solve[disabled]", submit: "submit"},
		},
		{
			name: "geetest v4 showBox", page: "geetest4.html", provider: "geetest4",
			site: geetest4Site,
			flow: flow{ready: "login", open: "login", solve: "geetest4-emulator-solve"},
		},
		{
			name: "aliyun", page: "aliyun.html", provider: "aliyun",
			site: aliyunSite,
			flow: flow{open: "captcha-button", solve: "aliyun-emulator-solve"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base, seen := serve(t, tt.page, tt.site(t))
			ctx := watch(t, browser.Tab(t))
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
				t.Fatalf("loading the page: %v", failed(ctx, err))
			}
			if err := tt.flow.run(ctx); err != nil {
				results, errs := seen.seen()
				t.Fatalf("logging in on the page: %v (POST /login saw results %+v, errors %v)", failed(ctx, err), results, errs)
			}
			if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#welcome, #denied"))); err != nil {
				t.Fatalf("waiting for the answer to the login: %v", failed(ctx, err))
			}
			results, errs := seen.seen()
			if len(errs) != 0 {
				t.Fatalf("POST /login was refused: %v", errors.Join(errs...))
			}
			if len(results) != 1 {
				t.Fatalf("POST /login saw %d results, want 1: %+v", len(results), results)
			}
			got := results[0]
			if !got.Passed || got.Degraded || got.Provider != tt.provider || got.Code != browser.PassCodes[tt.provider] {
				t.Errorf("POST /login saw %+v; want a pass by %s with code %q, not degraded", got, tt.provider, browser.PassCodes[tt.provider])
			}
			if welcome, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("welcome"))); err != nil || welcome != "Welcome, demo." {
				t.Errorf("the page after the login shows %q (%v), want \"Welcome, demo.\"", welcome, err)
			}
		})
	}
}
