package browser

import (
	"context"
	"fmt"

	"github.com/chromedp/chromedp"
)

// SolveButtons maps provider names to the id of the solve button of the
// emulator's stand-in widget.
var SolveButtons = map[string]string{
	"tencent":  "tcaptcha-emulator-solve",
	"aliyun":   "aliyun-emulator-solve",
	"geetest3": "geetest-emulator-solve",
	"geetest4": "geetest4-emulator-solve",
}

// Checkboxes maps the providers whose login page has no solve button of a
// stand-in popup to what solves instead: the CSS selector of the stand-in
// widget's checkbox to click (hCaptcha, reCAPTCHA v2), or "" when nothing
// is clicked before "Log in" (Turnstile's widget solves itself; reCAPTCHA
// v3 asks for its token when the form is submitted). Login drives these
// pages with the widget the vendor's script renders inside the form.
var Checkboxes = map[string]string{
	"turnstile":  "",
	"hcaptcha":   "#login-form #captcha-widget .h-captcha-emulator-checkbox",
	"recaptcha2": "#login-form #captcha-widget .recaptcha-emulator-checkbox",
	"recaptcha3": "",
}

// ResponseFields maps the providers whose widget adds its response field to
// the form to that field's name. Login checks, before it submits, that the
// form holds the field once, inside the widget, with a token.
var ResponseFields = map[string]string{
	"turnstile":  "cf-turnstile-response",
	"hcaptcha":   "h-captcha-response",
	"recaptcha2": "g-recaptcha-response",
}

// tokenInForm reports why the form lacks the widget's response field with a
// token, or "" when it has it once, inside the widget (#captcha-widget).
const tokenInForm = `(function (name) {
  var form = document.getElementById("login-form");
  var all = form ? form.querySelectorAll("[name='" + name + "']") : [];
  if (all.length !== 1) { return "the form has " + all.length + " fields named " + name + ", want 1"; }
  var widget = document.getElementById("captcha-widget");
  if (!widget || !widget.contains(all[0])) { return "the field " + name + " is not inside the widget"; }
  return all[0].value ? "" : "the field " + name + " is empty";
})(%q)`

// Containers maps provider names to the CSS selector of the element the
// login page asks the provider's widget to render into (GeeTest v3's
// appendTo("#captcha-box"), inside the login card). OpenWidget fails unless
// the solve button opened inside it.
var Containers = map[string]string{
	"geetest3": ".card #captcha-box",
}

// inside reports whether the element with id button is inside the element
// that the CSS selector container matches.
const inside = `(function (button, container) {
  var b = document.getElementById(button), c = document.querySelector(container);
  return !!(b && c && c.contains(b));
})(%q, %q)`

// Outcome is what the demo answered to a login: its success page (Page
// "success", with the Result it shows) or its error page (Page "denied",
// with the status and reason).
type Outcome struct {
	Page     string `json:"page"`
	Provider string `json:"provider"`
	Code     string `json:"code"`
	Degraded bool   `json:"degraded"`
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	// Failover and StepUp are what the Chain demo's success page shows;
	// false on the other pages.
	Failover bool `json:"failover"`
	StepUp   bool `json:"stepUp"`
}

// String describes the outcome for test failure messages.
func (o Outcome) String() string {
	if o.Page == "success" {
		return fmt.Sprintf("success page (provider %s, code %q, degraded %t, failover %t, step-up %t)",
			o.Provider, o.Code, o.Degraded, o.Failover, o.StepUp)
	}
	return fmt.Sprintf("%s page (status %s, reason %s)", o.Page, o.Status, o.Reason)
}

// readOutcome collects the outcome from the page the browser shows.
const readOutcome = `(function () {
  function text(id) { var e = document.getElementById(id); return e ? e.textContent.trim() : ""; }
  if (document.getElementById("success")) {
    return { page: "success", provider: text("res-provider"), code: text("res-code"),
             degraded: text("res-degraded") === "true", failover: text("res-failover") === "true",
             stepUp: text("res-stepup") === "true" };
  }
  if (document.getElementById("denied")) {
    return { page: "denied", status: text("denied-status"), reason: text("denied-reason") };
  }
  return { page: "unknown: " + document.title };
})()`

// OpenLogin loads the login page at baseURL and waits until its widget is
// ready (the "Log in" button is enabled).
func OpenLogin(ctx context.Context, baseURL string) error {
	return chromedp.Do(ctx,
		chromedp.Navigate(baseURL+"/"),
		chromedp.WaitEnabled(chromedp.ID("login")),
	)
}

// OpenWidget clicks "Log in" on a loaded login page and waits for the
// provider's stand-in widget to show its solve button. For a provider in
// Containers it then checks that the button opened inside the element the
// page passed, not elsewhere on the page.
func OpenWidget(ctx context.Context, provider string) error {
	id, ok := SolveButtons[provider]
	if !ok {
		return fmt.Errorf("browser: unknown provider %q", provider)
	}
	err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID(id)),
	)
	container, ok := Containers[provider]
	if err != nil || !ok {
		return err
	}
	in, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(inside, id, container)))
	if err != nil {
		return err
	}
	if !in {
		return fmt.Errorf("browser: the %s widget's button #%s opened outside %s, the element the page passed", provider, id, container)
	}
	return nil
}

// Submit waits for the login to be answered with a success or an error
// page, and returns what it shows.
func Submit(ctx context.Context) (Outcome, error) {
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#success, #denied"))); err != nil {
		return Outcome{}, err
	}
	return chromedp.Run(ctx, chromedp.Evaluate[Outcome](readOutcome))
}

// Login runs one login on the demo at baseURL: load the page, open the
// widget, click its solve button, and read the page the form submission
// leads to.
//
// For a provider in Checkboxes the page has no popup: Login loads it,
// clicks the stand-in widget's checkbox if it has one, waits until the page
// enables "Log in" (it has a token, or for reCAPTCHA v3 can get one),
// checks the widget's response field (ResponseFields) and clicks "Log in".
func Login(ctx context.Context, baseURL, provider string) (Outcome, error) {
	if box, ok := Checkboxes[provider]; ok {
		return loginInForm(ctx, baseURL, provider, box)
	}
	if err := OpenLogin(ctx, baseURL); err != nil {
		return Outcome{}, fmt.Errorf("loading the login page: %w", err)
	}
	if err := OpenWidget(ctx, provider); err != nil {
		return Outcome{}, fmt.Errorf("opening the widget: %w", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID(SolveButtons[provider]))); err != nil {
		return Outcome{}, fmt.Errorf("solving: %w", err)
	}
	return Submit(ctx)
}

// LoginWithoutWidget loads the page at baseURL and clicks "Log in" when the
// widget's script is not there: the page's load-error path submits the form
// by itself. It returns the page that submission leads to.
func LoginWithoutWidget(ctx context.Context, baseURL string) (Outcome, error) {
	if err := OpenLogin(ctx, baseURL); err != nil {
		return Outcome{}, fmt.Errorf("loading the login page: %w", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("login"))); err != nil {
		return Outcome{}, err
	}
	return Submit(ctx)
}

// SetOutage flips the demo's outage switch from its login page at baseURL
// and waits until the page reports the new state.
func SetOutage(ctx context.Context, baseURL string, on bool) error {
	want := "off"
	if on {
		want = "on"
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(baseURL+"/"),
		chromedp.WaitVisible(chromedp.ID("outage-toggle")),
	)
	if err != nil {
		return err
	}
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("outage-state")))
	if err != nil || got == want {
		return err
	}
	return chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("outage-toggle")),
		chromedp.WaitVisible(`//strong[@id="outage-state" and text()="`+want+`"]`),
	)
}

// loginInForm is Login for a provider in Checkboxes, whose checkbox
// selector is box.
func loginInForm(ctx context.Context, baseURL, provider, box string) (Outcome, error) {
	if err := chromedp.Do(ctx, chromedp.Navigate(baseURL+"/")); err != nil {
		return Outcome{}, fmt.Errorf("loading the login page: %w", err)
	}
	if box != "" {
		err := chromedp.Do(ctx,
			chromedp.WaitVisible(chromedp.CSS(box)),
			chromedp.Click(chromedp.CSS(box)),
		)
		if err != nil {
			return Outcome{}, fmt.Errorf("solving the %s widget: %w", provider, err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.WaitEnabled(chromedp.ID("login"))); err != nil {
		return Outcome{}, fmt.Errorf("waiting for the %s token: %w", provider, err)
	}
	if name, ok := ResponseFields[provider]; ok {
		why, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(tokenInForm, name)))
		if err != nil {
			return Outcome{}, err
		}
		if why != "" {
			return Outcome{}, fmt.Errorf("browser: the %s widget's token is not in the form: %s", provider, why)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("login"))); err != nil {
		return Outcome{}, err
	}
	return Submit(ctx)
}
