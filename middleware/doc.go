// Package captcha is net/http middleware that performs the server side
// ("second verification") of commercial CAPTCHAs: Tencent Cloud Captcha,
// Alibaba Cloud CAPTCHA 2.0, GeeTest v3/v4, Cloudflare Turnstile, hCaptcha
// and Google reCAPTCHA v2/v3, with a self-hosted proof of work (package
// altcha) behind them.
//
// The package lives in the middleware directory but is named captcha, so that
// it never collides with chi's or echo's own middleware packages. Import it as
//
//	import captcha "github.com/captchakit/captcha/middleware"
//
// goimports finds it under that name because the module path ends in captcha.
//
// # Use
//
//	p, err := tencent.New(tencent.Config{...})
//	if err != nil { ... }
//	mux.Handle("POST /login", captcha.Require(p)(loginHandler))
//
// In the protected handler, [FromContext] returns the verification [Result]:
//
//	res, _ := captcha.FromContext(r.Context())
//	if res.Degraded { /* passed by the failback policy during an outage: step up */ }
//
// Failures reach the [ErrorHandler] (by default [DefaultErrorHandler]); use
// [errors.Is] with the sentinels in errors.go and [StatusCode] to render your
// own 403 page.
//
// # Security model
//
// Only this server decides whether a ticket passes, and only from its own calls
// to the vendor. Nothing the client sends can select a failback mode or skip the
// check:
//
//   - A ticket is read from the request (form, JSON, headers, query; bodies under
//     a size cap). Only the vendor's pass verdict passes.
//   - Single use comes first: every ticket is claimed in the [Ledger] before
//     anything else looks at it (a [LocalVerifier]'s ticket is checked first,
//     locally, and claimed once it passed, so junk takes no ledger entry). A ticket seen before is [ErrReplayed] without
//     a (billed) vendor call, also while the vendor is down, and it spends no
//     failback budget. A ticket is spent by the attempt, whatever the outcome:
//     after a 503 the page gets a new ticket.
//   - Vendor outcomes fall into five classes: pass, reject, unavailable,
//     throttled, misconfigured. Throttling and misconfiguration (bad
//     credentials, and permanent transport errors: a certificate that does not
//     verify, a host that does not exist) always fail closed, and loudly.
//   - Only this server decides that the vendor is down, from its own calls:
//     each Provider value has one circuit breaker, shared by every Verifier
//     built on it ([BreakerSettings]). The failback policy runs only while
//     that breaker is open, after repeated unavailable answers (timeouts,
//     connection errors, 5xx, the vendor's internal errors, undecodable
//     replies). A lone unavailable answer with the breaker closed fails that
//     request with 503 (and Retry-After, from [DefaultErrorHandler]) and
//     counts toward opening it; a request
//     that never reached the vendor before its deadline ([ErrNotSent]) does not
//     count at all. [Verifier.Health] reports the breaker, and tells a vendor
//     that has never answered since start ("unverified") from a healthy one.
//   - State belongs to the Provider value, not the route: two routes wrapped
//     with Require(p) share single use, budgets and health.
//   - The failback policy decides what an outage lets through:
//     [FailClosed] lets nothing through (503);
//     [Bounded], the default, lets a ticket through marked [Result.Degraded]
//     while a per-client and a global budget hold (3 per 10 minutes per client
//     and 60 per minute, counted in the Ledger), and denies it after that;
//     [FailOpen] lets every well-formed, unused ticket through marked Degraded
//     (see its WARNING).
//   - Providers that can vet a ticket locally (Tencent disaster tickets, GeeTest
//     v3 challenges issued in failback mode) implement [FailbackChecker]; the
//     policy only ever sees tickets that passed that check.
//   - Client IPs come from RemoteAddr unless you install [TrustedProxies]
//     explicitly.
//   - Error responses carry only the HTTP status text; tickets and secrets never
//     appear in responses, errors or logs.
//
// A request that already carries a Result passed by a Verifier on the same
// provider is not verified again, so a handler wrapped twice is verified
// once; a Result from another provider, or one put in the context by hand,
// counts for nothing.
package captcha
