package demo

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
)

// Template names, for Render, gin's c.HTML and echo's c.Render.
const (
	LoginTemplate   = "login.html"
	SuccessTemplate = "success.html"
	DeniedTemplate  = "denied.html"
)

//go:embed templates/*.html
var templateFS embed.FS

var templates = template.Must(template.New("").ParseFS(templateFS, "templates/*.html"))

// Templates returns the demo's html/template set (LoginTemplate,
// SuccessTemplate, DeniedTemplate and the partials they share), for
// routers that render through their own engine (gin's SetHTMLTemplate,
// an echo.Renderer).
func Templates() *template.Template { return templates }

// Render writes the named template with data and status. The page is
// rendered into a buffer first, so a template error becomes a 500 instead
// of half a page.
func Render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, data); err != nil {
		slog.Error("demo: rendering a page failed", "template", name, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// LoginPage is the data of LoginTemplate.
type LoginPage struct {
	Provider  string       // one of Providers, or Chain
	Vendor    string       // display name, e.g. "Tencent Cloud Captcha"
	Offline   bool         // running on the emulator: offer the outage switch
	Outage    bool         // the outage switch is on
	ScriptURL string       // the vendor's client script, or the emulator's stand-in
	Fields    []string     // the provider's ticket fields, hidden inputs of the form
	JS        WidgetConfig // configuration for the page's script, JSON-encoded by html/template
	// Widget is the class of the widget element the vendor's script
	// renders implicitly inside the form: "cf-turnstile", "h-captcha" or
	// "g-recaptcha" (reCAPTCHA v2). Such a widget adds its own response
	// field to the form, so Fields is then empty. "" for the others.
	Widget string
	// Switches are the Chain demo's outage switches, one per vendor; nil
	// for a single vendor, whose one switch is Outage.
	Switches []VendorSwitch
}

// VendorSwitch is one vendor's outage switch on the Chain login page.
type VendorSwitch struct {
	Vendor string // one of ChainVendors
	Name   string // display name, e.g. "Tencent Cloud Captcha"
	On     bool   // the vendor's outage switch is on
}

// WidgetConfig is the widget configuration the login page's script reads.
// Every value in it is public: it is what the real vendor's page snippet
// carries too.
type WidgetConfig struct {
	Provider     string   `json:"provider"`
	Fields       []string `json:"fields"`
	TencentAppID string   `json:"tencentAppId,omitempty"`
	AliyunScene  string   `json:"aliyunSceneId,omitempty"`
	AliyunRegion string   `json:"aliyunRegion,omitempty"`
	AliyunPrefix string   `json:"aliyunPrefix,omitempty"`
	GeeTest4ID   string   `json:"geetest4Id,omitempty"`
	// Sitekey is the public sitekey of Turnstile, hCaptcha and reCAPTCHA;
	// Action the action the widget or grecaptcha.execute sends (LoginAction
	// for Turnstile and reCAPTCHA v3).
	Sitekey string `json:"sitekey,omitempty"`
	Action  string `json:"action,omitempty"`
	// Render is where the Chain page asks which widget to show
	// (RenderPath); Scripts maps each provider of the chain to its client
	// script. Both are empty for a single vendor.
	Render  string            `json:"render,omitempty"`
	Scripts map[string]string `json:"scripts,omitempty"`
}

var vendors = map[string]string{
	Tencent:    "Tencent Cloud Captcha",
	Aliyun:     "Alibaba Cloud CAPTCHA 2.0",
	GeeTest3:   "GeeTest v3",
	GeeTest4:   "GeeTest v4",
	Turnstile:  "Cloudflare Turnstile",
	HCaptcha:   "hCaptcha",
	ReCaptcha2: "Google reCAPTCHA v2",
	ReCaptcha3: "Google reCAPTCHA v3",
	Chain:      "Tencent Cloud Captcha, failing over to GeeTest v4 and a proof of work",
}

// widgets maps the providers whose widget the vendor's script renders
// implicitly in the form to the widget element's class.
var widgets = map[string]string{
	Turnstile:  "cf-turnstile",
	HCaptcha:   "h-captcha",
	ReCaptcha2: "g-recaptcha",
}

// Login returns the data of the login page.
func (a *App) Login() LoginPage {
	fields := a.provider.Fields()
	js := WidgetConfig{Provider: a.cfg.Provider, Fields: fields, Sitekey: a.page.sitekey, Action: a.page.action}
	widget := widgets[a.cfg.Provider]
	if widget != "" {
		// The widget adds its response field itself: a hidden input of
		// the same name beside it would post the field twice, which the
		// middleware refuses.
		fields = nil
	}
	switch a.cfg.Provider {
	case Tencent:
		js.TencentAppID = strconv.FormatUint(a.page.tencentID, 10)
	case Aliyun:
		js.AliyunScene, js.AliyunRegion, js.AliyunPrefix = a.page.aliyun.scene, a.page.aliyun.region, a.page.aliyun.prefix
	case GeeTest4:
		js.GeeTest4ID = a.page.captchaID
	case Chain:
		// The page's hidden fields come from the render answer.
		fields = nil
		js.Fields = nil
		js.TencentAppID = strconv.FormatUint(a.page.tencentID, 10)
		js.GeeTest4ID = a.page.captchaID
		js.Render = RenderPath
		js.Scripts = a.chainOf.scripts
	}
	var switches []VendorSwitch
	if a.chainOf != nil {
		switches = a.chainPanel()
	}
	return LoginPage{
		Switches:  switches,
		Provider:  a.cfg.Provider,
		Vendor:    vendors[a.cfg.Provider],
		Offline:   a.offline,
		Outage:    a.Outage(),
		ScriptURL: a.page.scriptURL,
		Fields:    fields,
		JS:        js,
		Widget:    widget,
	}
}

func (a *App) serveLogin(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	Render(w, http.StatusOK, LoginTemplate, a.Login())
}

// SuccessPage is the data of SuccessTemplate.
type SuccessPage struct {
	User    string         // the username the form posted
	Vendor  string         // display name, e.g. "Tencent Cloud Captcha"
	Offline bool           // running on the emulator
	Outage  bool           // the outage switch is on
	Result  captcha.Result // what the middleware stored for the handler
	At      string         // Result.At in RFC 3339, UTC
	Chain   bool           // the Chain demo: Vendor is the provider that verified
}

// Success returns the data of the success page for the user who logged in
// and the Result the captcha middleware stored. res may be nil, which
// cannot happen behind the middleware; the page then shows an empty Result.
func (a *App) Success(user string, res *captcha.Result) SuccessPage {
	p := SuccessPage{User: user, Vendor: vendors[a.cfg.Provider], Offline: a.offline, Outage: a.Outage(), Chain: a.chainOf != nil}
	if res != nil {
		p.Result = *res
		p.At = res.At.UTC().Format(time.RFC3339)
	}
	if p.Chain {
		p.Vendor = chainName(p.Result.Provider)
	}
	if p.User == "" {
		p.User = "guest"
	}
	return p
}

// DeniedPage is the data of DeniedTemplate.
type DeniedPage struct {
	Status int    // HTTP status, captcha.StatusCode(err)
	Reason string // a stable key: rejected, replayed, failback-denied, ...
	Title  string // the page's heading
	Detail string // one sentence for the user; never the error's text
}

// reasons maps the captcha sentinels to what the denied page says. The page
// never shows err's text: it names the provider and the vendor's code, which
// belong in logs, not in front of users.
var reasons = []struct {
	err                error
	key, title, detail string
}{
	{captcha.ErrFailbackDenied, "failback-denied", "Verification is unavailable",
		"The CAPTCHA service cannot be reached and this client has used up its degraded passes. Please try again later."},
	{captcha.ErrReplayed, "replayed", "This CAPTCHA was already used",
		"Each solved CAPTCHA is good for one request. Please solve a new one."},
	{captcha.ErrRejected, "rejected", "The CAPTCHA was not accepted",
		"The CAPTCHA service did not confirm the challenge. Please try again."},
	{captcha.ErrNoServerStatus, "no-server-status", "The challenge has expired",
		"The challenge was not issued to this browser or is too old. Please reload the page."},
	{captcha.ErrMissingTicket, "missing", "Please complete the CAPTCHA",
		"The request did not carry a solved CAPTCHA."},
	{captcha.ErrBadRequest, "bad-request", "Malformed request", "The request could not be read."},
	{captcha.ErrBodyTooLarge, "too-large", "Request too large", "The request body is too large."},
	{captcha.ErrUnavailable, "unavailable", "Verification is unavailable",
		"The CAPTCHA service cannot be reached. Please try again later."},
	{captcha.ErrThrottled, "unavailable", "Verification is unavailable",
		"The CAPTCHA service is busy. Please try again later."},
	{captcha.ErrLedger, "unavailable", "Verification is unavailable", "Please try again later."},
	{captcha.ErrMisconfigured, "misconfigured", "Verification is misconfigured",
		"The site's CAPTCHA configuration was refused. The operator has been notified."},
}

// Denied returns the data of the page for a request that failed
// verification with err.
func Denied(err error) DeniedPage {
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return DeniedPage{Status: captcha.StatusCode(err), Reason: r.key, Title: r.title, Detail: r.detail}
		}
	}
	return DeniedPage{Status: captcha.StatusCode(err), Reason: "error", Title: "Something went wrong", Detail: "Please try again later."}
}

// IsCaptchaError reports whether err wraps one of the captcha package's
// sentinels, i.e. came from a failed verification.
func IsCaptchaError(err error) bool {
	if err == nil {
		return false
	}
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return true
		}
	}
	return false
}
