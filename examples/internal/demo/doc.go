// Package demo is the router-independent part of the example login apps in
// examples/nethttp, examples/gin, examples/echo and examples/chi: choosing a
// provider from flags and the environment, starting its emulator when no
// credentials are configured, the html/template pages, the outage switch,
// the GeeTest v3 register route, and running and shutting down the server
// (Main, Run, Serve).
//
// Each example's main.go keeps only what differs between routers: how the
// routes are declared, which adapter protects POST /login, and how the
// custom 403 page is written in that router's idiom. It hands that wiring to
// Main as a func(*App) (http.Handler, error), which its tests call too.
//
// examples/nethttp also shows a provider's wiring in full: run with
// -provider geetest3, it builds the signed status store and the GeeTest v3
// provider itself (on the emulator's URL, from Emulators, when offline),
// mounts the register route, and hands the provider to the App with
// UseProvider, so that the page and the outage switch use it.
//
// With -provider turnstile, hcaptcha, recaptcha2 or recaptcha3 the page is
// the vendor's own snippet: the widget's div (class cf-turnstile, h-captcha
// or g-recaptcha) in the login form, rendered by the vendor's api.js, which
// adds the response field the form posts; reCAPTCHA v3 has no widget and
// calls grecaptcha.execute(sitekey, {action: "login"}) when the form is
// submitted. Offline, api.js is the emulator's stand-in, loaded from the
// vendor's path on the emulator's URL; nothing else on the page changes.
// The providers accept tokens solved on 127.0.0.1 and localhost (their
// Config.Hostnames), and Turnstile and reCAPTCHA v3 only for the action
// "login" (LoginAction). Online, each reads a secret and a sitekey from the
// environment (Credentials); the widget's domain list at the vendor must
// then allow the address the demo is opened under.
//
// With -provider chain the demo is a failover chain: Tencent, then GeeTest
// v4, then a self-hosted proof of work (package altcha), which is also the
// step-up for a browser that cannot load TCaptcha.js. Each vendor has its
// own emulator and outage switch; an example passes Options to captcha.New
// and mounts VerifierRoutes beside Routes, and the login page asks GET
// /captcha/render which widget to show.
package demo
