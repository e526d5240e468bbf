package demo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/aliyun"
	"github.com/captchakit/captcha/providers/aliyun/aliyuntest"
	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/providers/geetest/geetesttest"
	"github.com/captchakit/captcha/providers/hcaptcha/hcaptchatest"
	"github.com/captchakit/captcha/providers/providertest"
	"github.com/captchakit/captcha/providers/recaptcha"
	"github.com/captchakit/captcha/providers/recaptcha/recaptchatest"
	"github.com/captchakit/captcha/providers/tencent"
	"github.com/captchakit/captcha/providers/tencent/tencenttest"
	"github.com/captchakit/captcha/providers/turnstile/turnstiletest"
	"github.com/captchakit/captcha/session"
)

// The vendors' client scripts, loaded by the login page when the demo talks
// to the real vendor. GeeTest v3's gt.js is usually served by the site
// itself; this is the copy GeeTest hosts.
const (
	TencentScriptURL  = "https://turing.captcha.qcloud.com/TCaptcha.js"
	AliyunScriptURL   = "https://o.alicdn.com/captcha-frontend/aliyunCaptcha/AliyunCaptcha.js"
	GeeTest3ScriptURL = "https://static.geetest.com/static/tools/gt.js"
	GeeTest4ScriptURL = "https://static.geetest.com/v4/gt4.js"
)

// OutageFault is the fault the outage switch injects into the emulator:
// every API call answers HTTP 503, so the provider reports
// captcha.ErrUnavailable and the failback policy decides.
const OutageFault = providertest.FaultHTTP503

// Emulators holds the emulators the App started, if any: at most one field
// is set, except for Chain, which runs Tencent's and GeeTest's. Tests reach
// through it for faults the page does not offer (e.g.
// GeeTest.SetRegisterDown). ReCaptcha is the emulator of both ReCaptcha2
// and ReCaptcha3 (its default sites are one v2 and one v3 key).
type Emulators struct {
	Tencent   *tencenttest.Server
	Aliyun    *aliyuntest.Server
	GeeTest   *geetesttest.Server
	Turnstile *turnstiletest.Server
	HCaptcha  *hcaptchatest.Server
	ReCaptcha *recaptchatest.Server
}

// Route is an unprotected route of the demo for a router to mount.
type Route struct {
	Method  string // "GET" or "POST"
	Path    string // an exact path, e.g. "/outage"
	Handler http.Handler
}

// App is one demo: the provider, its emulator when offline, and the pages.
// Create it with New and Close it when done.
type App struct {
	cfg      Config
	provider captcha.Provider
	register http.Handler // GeeTest v3 only
	emu      Emulators
	offline  bool
	outage   atomic.Bool
	page     pageConfig
	chainOf  *chainState // Chain only
	mu       sync.Mutex  // serialises the outage switches
}

// pageConfig is what the login page needs to load and drive the widget.
type pageConfig struct {
	scriptURL string
	aliyun    struct{ region, prefix, scene string }
	tencentID uint64
	captchaID string // GeeTest v4
	sitekey   string // Turnstile, hCaptcha, reCAPTCHA
	action    string // Turnstile, reCAPTCHA v3: LoginAction
}

// New builds the App for cfg: the provider with the credentials from
// cfg.Getenv, or, when none are set, with the emulator's demo credentials
// against an emulator it starts on 127.0.0.1.
func New(cfg Config) (*App, error) {
	cfg = cfg.withDefaults()
	if !known(cfg.Provider) {
		return nil, fmt.Errorf("unknown provider %q", cfg.Provider)
	}
	creds, err := credentials(cfg.Provider, cfg.Getenv)
	if err != nil {
		return nil, err
	}
	var credsG map[string]string
	if cfg.Provider == Chain {
		if creds, err = credentials(Tencent, cfg.Getenv); err == nil {
			credsG, err = credentials(GeeTest4, cfg.Getenv)
		}
		if err != nil {
			return nil, err
		}
	}
	a := &App{cfg: cfg, offline: creds == nil}
	switch cfg.Provider {
	case Chain:
		err = a.chain(creds, credsG)
	case Tencent:
		err = a.tencent(creds)
	case Aliyun:
		err = a.aliyun(creds)
	case GeeTest3:
		err = a.geetest3(creds)
	case GeeTest4:
		err = a.geetest4(creds)
	case Turnstile:
		err = a.turnstile(creds)
	case HCaptcha:
		err = a.hcaptcha(creds)
	case ReCaptcha2:
		err = a.recaptcha(recaptcha.V2, creds)
	case ReCaptcha3:
		err = a.recaptcha(recaptcha.V3, creds)
	}
	if err != nil {
		a.Close()
		return nil, err
	}
	if cfg.ScriptURL != "" {
		a.page.scriptURL = cfg.ScriptURL
		if a.chainOf != nil {
			a.chainOf.scripts[Tencent] = cfg.ScriptURL
		}
	}
	return a, nil
}

func (a *App) tencent(creds map[string]string) error {
	c := tencent.Config{
		SecretID: tencenttest.DemoSecretID, SecretKey: tencenttest.DemoSecretKey,
		AppID: tencenttest.DemoAppID, AppSecretKey: tencenttest.DemoAppSecretKey,
	}
	a.page.scriptURL = TencentScriptURL
	if creds != nil {
		id, err := strconv.ParseUint(creds["TENCENT_APP_ID"], 10, 64)
		if err != nil || id == 0 {
			return errors.New("tencent: TENCENT_APP_ID must be the numeric CaptchaAppId")
		}
		c = tencent.Config{
			SecretID: creds["TENCENT_SECRET_ID"], SecretKey: creds["TENCENT_SECRET_KEY"],
			AppID: id, AppSecretKey: creds["TENCENT_APP_SECRET_KEY"],
		}
	} else {
		srv, err := tencenttest.Start(tencenttest.Config{})
		if err != nil {
			return err
		}
		a.emu.Tencent = srv
		c.Endpoint = srv.URL
		a.page.scriptURL = srv.URL + tencenttest.ScriptPath
	}
	a.page.tencentID = c.AppID
	p, err := tencent.New(c)
	a.provider = p
	return err
}

func (a *App) aliyun(creds map[string]string) error {
	c := aliyun.Config{
		AccessKeyID:     aliyuntest.DefaultAccessKeyID,
		AccessKeySecret: aliyuntest.DefaultAccessKeySecret,
		SceneID:         aliyuntest.DefaultSceneID,
	}
	a.page.scriptURL = AliyunScriptURL
	a.page.aliyun.prefix = "emulator"
	if creds != nil {
		c = aliyun.Config{
			AccessKeyID:     creds["ALIBABA_CLOUD_ACCESS_KEY_ID"],
			AccessKeySecret: creds["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
			SceneID:         creds["ALIYUN_CAPTCHA_SCENE_ID"],
			Region:          a.cfg.Getenv("ALIYUN_CAPTCHA_REGION"), // optional: cn (default) or sgp
		}
		a.page.aliyun.prefix = creds["ALIYUN_CAPTCHA_PREFIX"]
	} else {
		srv, err := aliyuntest.Start(aliyuntest.Config{})
		if err != nil {
			return err
		}
		a.emu.Aliyun = srv
		c.Endpoint = srv.URL
		a.page.scriptURL = srv.URL + aliyuntest.ScriptPath
	}
	a.page.aliyun.scene = c.SceneID
	a.page.aliyun.region = c.Region
	if a.page.aliyun.region == "" {
		a.page.aliyun.region = aliyun.RegionCN
	}
	p, err := aliyun.New(c)
	a.provider = p
	return err
}

func (a *App) geetest3(creds map[string]string) error {
	// The server status lives in a cookie signed with a key made at start:
	// restarting the demo invalidates the challenges handed out before.
	// A real deployment keeps its keys in configuration (see package session).
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	keys, err := session.NewCookieStore(key) // signed; SameSite=Lax, HttpOnly, Secure
	if err != nil {
		return err
	}
	keys.Options.Secure = false // the demo serves plain HTTP on loopback
	st, err := session.New(keys)
	if err != nil {
		return err
	}
	c := geetest.V3Config{
		CaptchaID: geetesttest.DefaultV3CaptchaID, PrivateKey: geetesttest.DefaultV3PrivateKey,
		StatusStore: st,
	}
	a.page.scriptURL = GeeTest3ScriptURL
	if creds != nil {
		c.CaptchaID, c.PrivateKey = creds["GEETEST_ID"], creds["GEETEST_KEY"]
	} else {
		srv, err := geetesttest.Start(geetesttest.Config{})
		if err != nil {
			return err
		}
		a.emu.GeeTest = srv
		c.Endpoint = srv.URL
		a.page.scriptURL = srv.URL + geetesttest.ScriptPath
	}
	p, err := geetest.NewV3(c)
	if err != nil {
		return err
	}
	a.provider = p
	a.register = geetest.RegisterHandler(p)
	return nil
}

func (a *App) geetest4(creds map[string]string) error {
	c := geetest.V4Config{CaptchaID: geetesttest.DefaultV4CaptchaID, CaptchaKey: geetesttest.DefaultV4CaptchaKey}
	a.page.scriptURL = GeeTest4ScriptURL
	if creds != nil {
		c.CaptchaID, c.CaptchaKey = creds["GEETEST4_ID"], creds["GEETEST4_KEY"]
	} else {
		srv, err := geetesttest.Start(geetesttest.Config{})
		if err != nil {
			return err
		}
		a.emu.GeeTest = srv
		c.Endpoint = srv.URL
		a.page.scriptURL = srv.URL + geetesttest.Script4Path
	}
	a.page.captchaID = c.CaptchaID
	p, err := geetest.NewV4(c)
	a.provider = p
	return err
}

// Provider returns the captcha provider, for captcha.Require or captcha.New.
func (a *App) Provider() captcha.Provider { return a.provider }

// ProviderName returns the provider the App was configured with, one of
// Providers.
func (a *App) ProviderName() string { return a.cfg.Provider }

// UseProvider makes p the App's provider in place of the one New built, for
// an example that builds its provider itself to show the wiring
// (examples/nethttp does so for GeeTest v3). Call it before serving. p must
// be for the configured vendor (p.Name() equals ProviderName) and use the
// App's credentials: offline, the emulator's demo keys and its URL
// (Emulators); online, the environment's. The login page, the outage switch
// and Provider use p from then on, and Routes no longer offers GET
// /geetest/register: the example mounts geetest.RegisterHandler(p) itself.
func (a *App) UseProvider(p captcha.Provider) error {
	if p == nil {
		return errors.New("demo: UseProvider: the provider is nil")
	}
	if p.Name() != a.cfg.Provider {
		return fmt.Errorf("demo: UseProvider: the provider is %q, want %q", p.Name(), a.cfg.Provider)
	}
	a.provider = p
	a.register = nil
	return nil
}

// Logger returns the logger the Verifier should use (captcha.WithLogger).
func (a *App) Logger() *slog.Logger { return a.cfg.Logger }

// Addr returns the configured listen address.
func (a *App) Addr() string { return a.cfg.Addr }

// Offline reports whether the App runs on an emulator.
func (a *App) Offline() bool { return a.offline }

// Emulators returns the emulator the App started; all fields are nil online.
func (a *App) Emulators() Emulators { return a.emu }

// SetOutage turns the outage switch on or off: the emulator answers every
// API call with OutageFault while it is on. It does nothing online.
//
// The switch stands for an outage that has lasted a while. A server learns
// of an outage only from its own failed calls: the provider's circuit
// breaker opens after several in a row, and only then may failback start;
// before that each login fails with 503. So, turning the switch on, the demo
// makes those calls at once (real calls to the emulator, which fail), so the
// next login already sees the open breaker.
//
// For Chain it turns every vendor's switch (SetVendorOutage) on or off.
func (a *App) SetOutage(on bool) {
	if !a.offline {
		return
	}
	if a.chainOf != nil {
		for _, v := range ChainVendors {
			_ = a.SetVendorOutage(v, on)
		}
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	f := providertest.FaultNone
	if on {
		f = OutageFault
	}
	switch {
	case a.emu.Tencent != nil:
		a.emu.Tencent.Inject(f)
	case a.emu.Aliyun != nil:
		a.emu.Aliyun.Inject(f)
	case a.emu.GeeTest != nil:
		a.emu.GeeTest.Inject(f)
	case a.emu.Turnstile != nil:
		a.emu.Turnstile.Inject(f)
	case a.emu.HCaptcha != nil:
		a.emu.HCaptcha.Inject(f)
	case a.emu.ReCaptcha != nil:
		a.emu.ReCaptcha.Inject(f)
	}
	a.outage.Store(on)
	if on {
		a.openBreaker(a.provider, a.cfg.Provider)
	}
}

// openBreaker makes the failing vendor calls that open the provider's
// breaker (captcha.DefaultConsecutiveFailures: five in a row), each with a
// ticket the emulator minted, through captcha.Guard: the breaker every
// Verifier on the provider shares. p is the provider of vendor.
func (a *App) openBreaker(p captcha.Provider, vendor string) {
	ctx := context.Background()
	for range captcha.DefaultConsecutiveFailures {
		if p, ok := p.(*geetest.V3); ok {
			_, _ = p.Register(ctx, nil) // register goes through the breaker itself
			continue
		}
		mint := a.mintTicket
		if a.chainOf != nil {
			mint = func() (captcha.Ticket, error) { return a.chainMint(vendor) }
		}
		t, err := mint()
		if err != nil {
			a.cfg.Logger.Warn("demo: minting a ticket to open the breaker", slog.Any("error", err))
			return
		}
		_ = captcha.Guard(ctx, p, func() error {
			_, err := p.Verify(ctx, t)
			return err
		})
	}
}

// mintTicket asks the emulator for a ticket it would pass when healthy.
func (a *App) mintTicket() (captcha.Ticket, error) {
	switch {
	case a.emu.Tencent != nil:
		return a.mintTencent(), nil
	case a.emu.Aliyun != nil:
		param := a.emu.Aliyun.MintParam(a.page.aliyun.scene)
		return captcha.Ticket{Values: map[string]string{aliyun.DefaultParamField: param}, ClientIP: "127.0.0.1"}, nil
	case a.emu.GeeTest != nil:
		tk, err := a.emu.GeeTest.MintV4(a.page.captchaID)
		return captcha.Ticket{Values: tk.Values(), ClientIP: "127.0.0.1"}, err
	case a.emu.Turnstile != nil:
		tk := a.emu.Turnstile.Mint(a.page.sitekey, turnstiletest.Action(a.page.action))
		return a.siteTicket(tk), nil
	case a.emu.HCaptcha != nil:
		return a.siteTicket(a.emu.HCaptcha.Mint(a.page.sitekey)), nil
	case a.emu.ReCaptcha != nil:
		tk := a.emu.ReCaptcha.Mint(a.page.sitekey, recaptchatest.Action(a.page.action))
		return a.siteTicket(tk), nil
	}
	return captcha.Ticket{}, errors.New("no emulator")
}

// siteTicket is the ticket of a siteverify provider with token in its one
// field.
func (a *App) siteTicket(token string) captcha.Ticket {
	return captcha.Ticket{Values: map[string]string{a.provider.Fields()[0]: token}, ClientIP: "127.0.0.1"}
}

// mintTencent asks Tencent's emulator for a ticket it would pass.
func (a *App) mintTencent() captcha.Ticket {
	tk := a.emu.Tencent.Mint(tencenttest.DemoAppID)
	return captcha.Ticket{Values: map[string]string{"ticket": tk.Ticket, "randstr": tk.Randstr}, ClientIP: "127.0.0.1"}
}

// Outage reports whether the outage switch is on; for Chain, whether any
// vendor's is.
func (a *App) Outage() bool {
	if a.chainOf != nil {
		for _, v := range ChainVendors {
			if a.VendorOutage(v) {
				return true
			}
		}
		return false
	}
	return a.outage.Load()
}

// Close stops the emulator, if one was started.
func (a *App) Close() error {
	var errs []error
	if a.emu.Tencent != nil {
		errs = append(errs, a.emu.Tencent.Close())
	}
	if a.emu.Aliyun != nil {
		errs = append(errs, a.emu.Aliyun.Close())
	}
	if a.emu.GeeTest != nil {
		errs = append(errs, a.emu.GeeTest.Close())
	}
	if a.emu.Turnstile != nil {
		errs = append(errs, a.emu.Turnstile.Close())
	}
	if a.emu.HCaptcha != nil {
		errs = append(errs, a.emu.HCaptcha.Close())
	}
	if a.emu.ReCaptcha != nil {
		errs = append(errs, a.emu.ReCaptcha.Close())
	}
	return errors.Join(errs...)
}

// Routes returns the unprotected routes every example mounts as they are:
//
//	GET  /                 the login page
//	POST /outage           the outage switch (only on the emulator)
//	GET  /geetest/register the GeeTest v3 register step (only for geetest3,
//	                       and not after UseProvider)
//	GET  /altcha/challenge the proof of work's challenges (only for chain)
//	GET  /static/altcha/altcha.min.js the altcha widget (only for chain)
//
// Chain needs GET /captcha/render too, from VerifierRoutes.
func (a *App) Routes() []Route {
	rs := []Route{{http.MethodGet, "/", http.HandlerFunc(a.serveLogin)}}
	if a.offline {
		rs = append(rs, Route{http.MethodPost, "/outage", http.HandlerFunc(a.serveOutage)})
	}
	if a.register != nil {
		rs = append(rs, Route{http.MethodGet, "/geetest/register", a.register})
	}
	return append(rs, a.chainRoutes()...)
}

// serveOutage flips the outage switch from the form's "outage" value and
// sends the browser back to the login page. For Chain the form names the
// vendor too ("vendor", one of ChainVendors).
func (a *App) serveOutage(w http.ResponseWriter, r *http.Request) {
	if !a.offline {
		http.NotFound(w, r)
		return
	}
	on := r.PostFormValue("outage") == "on"
	if a.chainOf == nil {
		a.SetOutage(on)
	} else if err := a.SetVendorOutage(r.PostFormValue("vendor"), on); err != nil {
		http.Error(w, "unknown vendor: want one of "+strings.Join(ChainVendors, ", "), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
