package demo

import (
	"crypto/rand"
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/altcha"
	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/providers/providertest"
)

// Paths of the routes the Chain demo adds.
const (
	// RenderPath answers what the login page should render now
	// (captcha.Verifier.RenderHandler).
	RenderPath = "/captcha/render"
	// ChallengePath issues proof-of-work challenges to the altcha widget.
	ChallengePath = altcha.DefaultChallengeURL
	// WidgetPath serves the vendored altcha widget (altcha 3.2.2).
	WidgetPath = "/static/altcha/altcha.min.js"
)

// widgetJS is the vendored altcha widget; static/altcha/VERSION says where
// it comes from and how to check it.
//
//go:embed static/altcha/altcha.min.js
var widgetJS []byte

// ChainVendors are the vendors of the Chain demo with an outage switch each,
// in the chain's order. The proof of work after them cannot be down.
var ChainVendors = []string{Tencent, GeeTest4}

// chainState is what the Chain demo keeps beside the primary provider.
type chainState struct {
	geetest4 captcha.Provider
	pow      *altcha.Provider
	outage   map[string]*atomic.Bool // one switch per vendor
	scripts  map[string]string       // provider name -> client script URL
}

// chain builds the Chain demo: Tencent first, GeeTest v4 second, a proof of
// work last, each vendor with the credentials credsT and credsG or, when
// both are nil, on an emulator of its own.
func (a *App) chain(credsT, credsG map[string]string) error {
	if (credsT == nil) != (credsG == nil) {
		return fmt.Errorf("%s: set the credentials of both %s and %s, or of neither to use the emulators", Chain, Tencent, GeeTest4)
	}
	if err := a.geetest4(credsG); err != nil {
		return err
	}
	c := &chainState{
		geetest4: a.provider,
		scripts:  map[string]string{GeeTest4: a.page.scriptURL, altcha.Name: WidgetPath},
		outage:   map[string]*atomic.Bool{Tencent: new(atomic.Bool), GeeTest4: new(atomic.Bool)},
	}
	a.chainOf = c
	if err := a.tencent(credsT); err != nil {
		return err
	}
	c.scripts[Tencent] = a.page.scriptURL
	// The key is made at start: restarting the demo invalidates the
	// challenges handed out before. A real deployment loads 32 or more
	// secret bytes from its configuration, the same on every instance.
	key := make([]byte, altcha.MinKeyLen)
	_, _ = rand.Read(key)
	pow, err := altcha.New(altcha.Config{HMACKey: key, ChallengeURL: ChallengePath})
	if err != nil {
		return err
	}
	c.pow = pow
	return nil
}

// Options returns the Verifier options the configured provider needs beside
// an example's own: for Chain, captcha.WithFailover to GeeTest v4 and the
// proof of work, and captcha.WithStepUp to the proof of work (with the
// default budget); for a single vendor, none. Pass them to captcha.New or
// captcha.Require with Provider.
func (a *App) Options() []captcha.Option {
	c := a.chainOf
	if c == nil {
		return nil
	}
	return []captcha.Option{
		captcha.WithFailover(c.geetest4, c.pow),
		captcha.WithStepUp(c.pow, captcha.Budget{}),
	}
}

// VerifierRoutes returns the unprotected routes that need the example's
// Verifier v, built with Options: for Chain, GET RenderPath, which the login
// page asks which widget to show; for a single vendor, none.
func (a *App) VerifierRoutes(v *captcha.Verifier) []Route {
	if a.chainOf == nil || v == nil {
		return nil
	}
	return []Route{{http.MethodGet, RenderPath, v.RenderHandler()}}
}

// chainRoutes are the Chain demo's routes that need no Verifier.
func (a *App) chainRoutes() []Route {
	if a.chainOf == nil {
		return nil
	}
	return []Route{
		{http.MethodGet, ChallengePath, a.chainOf.pow.ChallengeHandler()},
		{http.MethodGet, WidgetPath, http.HandlerFunc(serveWidget)},
	}
}

// serveWidget serves the vendored altcha widget as a JavaScript module.
func serveWidget(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(widgetJS)))
	_, _ = w.Write(widgetJS)
}

// errUnknownVendor reports an outage switch for a vendor the demo does not
// run.
var errUnknownVendor = errors.New("demo: no outage switch for this vendor")

// SetVendorOutage turns the outage switch of one vendor of the Chain demo
// on or off (vendor is one of ChainVendors), as SetOutage does for a single
// vendor: the vendor's emulator answers every API call with OutageFault,
// and, turning it on, the demo opens the vendor's breaker at once. For a
// single-vendor demo, vendor must be the configured provider, and it is
// SetOutage. It does nothing online.
func (a *App) SetVendorOutage(vendor string, on bool) error {
	if a.chainOf == nil {
		if vendor != a.cfg.Provider {
			return fmt.Errorf("%w: %q", errUnknownVendor, vendor)
		}
		a.SetOutage(on)
		return nil
	}
	flag, ok := a.chainOf.outage[vendor]
	if !ok {
		return fmt.Errorf("%w: %q", errUnknownVendor, vendor)
	}
	if !a.offline {
		return nil
	}
	f := providertest.FaultNone
	if on {
		f = OutageFault
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var p captcha.Provider
	switch vendor {
	case Tencent:
		a.emu.Tencent.Inject(f)
		p = a.provider
	case GeeTest4:
		a.emu.GeeTest.Inject(f)
		p = a.chainOf.geetest4
	}
	flag.Store(on)
	if on {
		a.openBreaker(p, vendor)
	}
	return nil
}

// VendorOutage reports whether vendor's outage switch is on. For a
// single-vendor demo it is Outage for the configured provider.
func (a *App) VendorOutage(vendor string) bool {
	if a.chainOf == nil {
		return vendor == a.cfg.Provider && a.Outage()
	}
	f, ok := a.chainOf.outage[vendor]
	return ok && f.Load()
}

// chainPanel is the Chain login page's outage switches.
func (a *App) chainPanel() []VendorSwitch {
	out := make([]VendorSwitch, 0, len(ChainVendors))
	for _, v := range ChainVendors {
		out = append(out, VendorSwitch{Vendor: v, Name: vendors[v], On: a.VendorOutage(v)})
	}
	return out
}

// chainMint mints a ticket for vendor's emulator, to open its breaker.
func (a *App) chainMint(vendor string) (captcha.Ticket, error) {
	switch vendor {
	case Tencent:
		return a.mintTencent(), nil
	case GeeTest4:
		tk, err := a.emu.GeeTest.MintV4(a.page.captchaID)
		return captcha.Ticket{Values: tk.Values(), ClientIP: "127.0.0.1"}, err
	}
	return captcha.Ticket{}, fmt.Errorf("%w: %q", errUnknownVendor, vendor)
}

// chainName is the name the success page gives the provider that verified
// a Chain login.
func chainName(provider string) string {
	switch provider {
	case geetest.NameV4:
		return vendors[GeeTest4]
	case altcha.Name:
		return "a proof of work (ALTCHA)"
	}
	return vendors[Tencent]
}
