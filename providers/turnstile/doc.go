// Package turnstile verifies Cloudflare Turnstile tokens on the server with
// the siteverify API.
//
//	p, err := turnstile.New(turnstile.Config{
//		Secret:    os.Getenv("TURNSTILE_SECRET"),
//		Hostnames: []string{"example.com", "*.example.com"},
//		Actions:   []string{"login"}, // the widget's data-action, if it sets one
//	})
//	if err != nil { ... }
//	mux.Handle("POST /login", captcha.Require(p)(login))
//
// The page renders the widget (<div class="cf-turnstile"
// data-sitekey="…"> with https://challenges.cloudflare.com/turnstile/v0/api.js),
// which puts its token in the form field "cf-turnstile-response"; the
// provider posts it with the secret and the client IP resolved by the core
// ("remoteip"), and a fresh "idempotency_key".
//
// # Checks
//
// A reply with "success" true passes only if its hostname is in
// Config.Hostnames (required: the sitekey is public, so without it a token
// solved on any page embedding the widget would pass; Config.AnyHostname
// opts out, loudly), its action is in Config.Actions when set, its cdata is
// Config.CData's when set, and its challenge_ts is at most Config.MaxAge old
// when set. A failed check is a rejection with Code "hostname-mismatch",
// "action-mismatch", "cdata-mismatch" or "challenge-timeout".
//
// # Outcomes
//
//   - "success" true with no error codes, and every check passed: a pass,
//     Code "success"; Result.Hostname and Result.Action carry the token's,
//     Result.Extra a *Extra (challenge_ts, cdata, ephemeral ID).
//   - "invalid-input-response", "missing-input-response",
//     "timeout-or-duplicate" (used before, or older than 5 minutes: the two
//     cannot be told apart), and every code not listed here: a rejection,
//     Passed false with the code in Result.Code and a nil error. A reply
//     without "success" is a rejection with Code "no-verdict", one with
//     "success" false and no code "unknown-error".
//   - "missing-input-secret", "invalid-input-secret", "bad-request":
//     captcha.ErrMisconfigured; the code is in captcha.VerifyError.Code.
//   - "internal-error", timeouts, connection errors, a body that is not
//     JSON at HTTP 200, and an HTTP 5xx without error codes (a Cloudflare
//     HTML error page): captcha.ErrUnavailable, the only class that can
//     lead to the core's failback policy. Such a call is retried once, with
//     the same idempotency_key, while the deadline allows (Config.NoRetry).
//   - HTTP 429 without error codes: captcha.ErrThrottled (not documented by
//     Cloudflare); any other status without them (a WAF's 403, a 404):
//     captcha.ErrMisconfigured, never failback.
//
// A reply that carries error codes is judged by its codes, whatever its
// status.
//
// Several codes in one reply: a misconfiguration outranks a duplicate,
// which outranks a rejection, which outranks "internal-error".
//
// # Test keys
//
// Cloudflare's test sitekeys produce the token "XXXX.DUMMY.TOKEN.XXXX",
// which only the test secrets accept: 1x0000000000000000000000000000000AA
// passes, 2x…AA fails with "invalid-input-response", 3x…AA with
// "timeout-or-duplicate". Package turnstiletest emulates them, and the
// siteverify API, for tests and offline demos.
package turnstile
