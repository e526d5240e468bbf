package browser

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/captchakit/captcha/examples/internal/demo"
)

// CheckChainPass fails t unless got is the success page of a Chain login
// verified by provider, not degraded, with Result.Failover and
// Result.StepUp as given.
func CheckChainPass(t *testing.T, got Outcome, provider string, failover, stepUp bool) {
	t.Helper()
	want := Outcome{Page: "success", Provider: provider, Code: PassCodes[provider], Failover: failover, StepUp: stepUp}
	if got != want {
		t.Fatalf("chain login led to the %v, want the %v", got, want)
	}
}

// WaitChainWidget waits until the Chain login page shows the widget of
// provider ("tencent", "geetest4" or "altcha") and its "Log in" button is
// enabled. The page asks the server every few seconds, so it switches by
// itself when a vendor goes down, without a reload.
func WaitChainWidget(ctx context.Context, provider string) error {
	return chromedp.Do(ctx,
		chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`#captcha-element[data-provider=%q]`, provider))),
		chromedp.WaitEnabled(chromedp.ID("login")),
	)
}

// LoginChain loads the Chain login page at baseURL, waits for provider's
// widget, solves its stand-in and returns the page the login leads to.
// provider is a vendor ("tencent" or "geetest4"); SolvePoW solves the proof
// of work.
func LoginChain(ctx context.Context, baseURL, provider string) (Outcome, error) {
	if err := chromedp.Do(ctx, chromedp.Navigate(baseURL+"/")); err != nil {
		return Outcome{}, err
	}
	return SolveVendor(ctx, provider)
}

// SolveVendor waits on a loaded Chain login page for provider's widget,
// opens it, clicks its solve button and returns the page the login leads to.
func SolveVendor(ctx context.Context, provider string) (Outcome, error) {
	if err := WaitChainWidget(ctx, provider); err != nil {
		return Outcome{}, fmt.Errorf("waiting for the %s widget: %w", provider, err)
	}
	if err := OpenWidget(ctx, provider); err != nil {
		return Outcome{}, fmt.Errorf("opening the widget: %w", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID(SolveButtons[provider]))); err != nil {
		return Outcome{}, fmt.Errorf("solving: %w", err)
	}
	return Submit(ctx)
}

// tickWidget starts the altcha widget's work as a user's tick of its box
// does: it clicks the widget's checkbox, or calls its verify() when the box
// cannot be reached.
const tickWidget = `(function () {
  var w = document.getElementById("altcha");
  if (!w) { return "no widget"; }
  var root = w.shadowRoot || w;
  var box = root.querySelector('input[type="checkbox"]');
  if (box) { box.click(); return "checkbox"; }
  w.verify();
  return "verify";
})()`

// readPayload reads the payload the solved altcha widget keeps for the
// form: its hidden input, in the page or in the widget's shadow root.
const readPayload = `(function (name) {
  var f = document.getElementById("login-form"), e = f.elements[name];
  if (e && e.value) { return e.value; }
  var w = document.getElementById("altcha"), r = w && w.shadowRoot;
  var i = r && r.querySelector('input[name="' + name + '"]');
  return i ? i.value : "";
})(%q)`

// SolvePoW waits on a loaded Chain login page for the altcha widget, ticks
// it, waits until Chromium has solved the challenge, and returns the payload
// the widget made. The form is not submitted: click "Log in" (Submit after
// it) to log in with it.
func SolvePoW(ctx context.Context) (string, error) {
	err := chromedp.Do(ctx,
		chromedp.WaitReady(chromedp.CSS(`#captcha-element[data-provider="altcha"] altcha-widget`)),
		chromedp.WaitEnabled(chromedp.ID("login")),
	)
	if err != nil {
		return "", fmt.Errorf("waiting for the altcha widget: %w", err)
	}
	how, err := chromedp.Run(ctx, chromedp.Evaluate[string](tickWidget))
	if err != nil {
		return "", err
	}
	if how == "no widget" {
		return "", fmt.Errorf("browser: the page has no altcha widget")
	}
	if err := chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS(`#login-form[data-pow="verified"]`))); err != nil {
		return "", fmt.Errorf("waiting for the proof of work (%s): %w", how, err)
	}
	payload, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(readPayload, "altcha")))
	if err == nil && payload == "" {
		err = fmt.Errorf("browser: the solved widget left no payload")
	}
	return payload, err
}

// LoginPoW solves the proof of work on a loaded Chain login page
// (SolvePoW), logs in with it, and returns the payload and the page the
// login leads to.
func LoginPoW(ctx context.Context) (string, Outcome, error) {
	payload, err := SolvePoW(ctx)
	if err != nil {
		return "", Outcome{}, err
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("login"))); err != nil {
		return payload, Outcome{}, err
	}
	got, err := Submit(ctx)
	return payload, got, err
}

// Took returns the solve time, in milliseconds, that the altcha widget
// wrote into payload (its "took" member).
func Took(payload string) (float64, error) {
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return 0, fmt.Errorf("browser: the payload is not base64: %w", err)
	}
	var p struct {
		Took *float64 `json:"took"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return 0, fmt.Errorf("browser: the payload is not JSON: %w", err)
	}
	if p.Took == nil {
		return 0, fmt.Errorf("browser: the payload has no took")
	}
	return *p.Took, nil
}

// BlockURL makes ctx's tab fail every request for the URL pattern (as the
// URLPattern syntax reads, e.g. an exact URL), as a network that cannot
// reach a vendor's script host does. It opens the tab if it is not open.
func BlockURL(ctx context.Context, pattern string) error {
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		return err
	}
	_, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{
		URLPatterns: []*network.BlockPattern{{URLPattern: pattern, Block: true}},
	})
	return err
}

// PostLogin posts a login carrying form (the username added) to the demo at
// baseURL with a plain HTTP client, and returns the status and the reason
// the denied page names ("" for a success page).
func PostLogin(baseURL string, form url.Values) (int, string, error) {
	form.Set("username", "demo")
	resp, err := http.PostForm(baseURL+"/login", form)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", err
	}
	_, rest, ok := strings.Cut(string(body), `data-reason="`)
	reason, _, _ := strings.Cut(rest, `"`)
	if !ok {
		reason = ""
	}
	return resp.StatusCode, reason, nil
}

// ChainScript returns the URL of the Tencent script the Chain app's login
// page loads.
func ChainScript(app *demo.App) string { return app.Login().JS.Scripts[demo.Tencent] }

// ChainPaths runs the Chain demo's four paths, each on a demo of its own
// served through newHandler (an example's wiring), in parallel:
//
//	healthy:        Tencent verifies the login
//	tencent-down:   Tencent's outage switch turned on while the page is
//	                open; the page switches to GeeTest v4, which verifies
//	                the login (failover)
//	all-down:       Tencent and GeeTest down; Chromium solves the proof of
//	                work and logs in (failover); the same payload posted
//	                again is 403 replayed
//	script-blocked: TCaptcha.js blocked while Tencent is healthy; the page
//	                offers the proof of work, which logs in (step-up)
func ChainPaths(t *testing.T, newHandler func(*demo.App) (http.Handler, error)) {
	t.Helper()
	t.Run("healthy", func(t *testing.T) {
		t.Parallel()
		_, base := Serve(t, demo.Config{Provider: demo.Chain}, newHandler)
		got, err := LoginChain(Tab(t), base, demo.Tencent)
		if err != nil {
			t.Fatal(err)
		}
		CheckChainPass(t, got, demo.Tencent, false, false)
	})
	t.Run("tencent-down", func(t *testing.T) {
		t.Parallel()
		app, base := Serve(t, demo.Config{Provider: demo.Chain}, newHandler)
		ctx := Tab(t)
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
			t.Fatal(err)
		}
		if err := WaitChainWidget(ctx, demo.Tencent); err != nil {
			t.Fatalf("before the outage: %v", err)
		}
		if err := app.SetVendorOutage(demo.Tencent, true); err != nil {
			t.Fatal(err)
		}
		got, err := SolveVendor(ctx, demo.GeeTest4) // the same page, not reloaded
		if err != nil {
			t.Fatal(err)
		}
		CheckChainPass(t, got, demo.GeeTest4, true, false)
	})
	t.Run("all-down", func(t *testing.T) {
		t.Parallel()
		_, base := Serve(t, demo.Config{Provider: demo.Chain}, newHandler)
		ctx := Tab(t)
		for _, v := range demo.ChainVendors {
			if err := SetChainOutage(ctx, base, v, true); err != nil {
				t.Fatalf("turning %s's outage on: %v", v, err)
			}
		}
		payload, got, err := LoginPoW(ctx)
		if err != nil {
			t.Fatal(err)
		}
		CheckChainPass(t, got, "altcha", true, false)
		status, reason, err := PostLogin(base, url.Values{"altcha": {payload}})
		if err != nil {
			t.Fatal(err)
		}
		if status != http.StatusForbidden || reason != "replayed" {
			t.Errorf("the payload posted again: status %d, reason %q; want 403, \"replayed\"", status, reason)
		}
	})
	t.Run("script-blocked", func(t *testing.T) {
		t.Parallel()
		app, base := Serve(t, demo.Config{Provider: demo.Chain}, newHandler)
		ctx := Tab(t)
		if err := BlockURL(ctx, ChainScript(app)); err != nil {
			t.Fatalf("blocking TCaptcha.js: %v", err)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS(`#captcha-element[data-stepup="true"]`))); err != nil {
			t.Fatalf("waiting for the step-up: %v", err)
		}
		_, got, err := LoginPoW(ctx)
		if err != nil {
			t.Fatal(err)
		}
		CheckChainPass(t, got, "altcha", false, true)
	})
}

// SetChainOutage flips the outage switch of vendor on the Chain demo's login
// page at baseURL, and waits until the page reports the new state.
func SetChainOutage(ctx context.Context, baseURL, vendor string, on bool) error {
	want := "off"
	if on {
		want = "on"
	}
	state, toggle := "outage-state-"+vendor, "outage-toggle-"+vendor
	err := chromedp.Do(ctx,
		chromedp.Navigate(baseURL+"/"),
		chromedp.WaitVisible(chromedp.ID(toggle)),
	)
	if err != nil {
		return err
	}
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(state)))
	if err != nil || got == want {
		return err
	}
	return chromedp.Do(ctx,
		chromedp.Click(chromedp.ID(toggle)),
		chromedp.WaitVisible(`//strong[@id="`+state+`" and text()="`+want+`"]`),
	)
}
