// Package hcaptcha verifies hCaptcha tokens on the server with the
// siteverify API.
//
//	p, err := hcaptcha.New(hcaptcha.Config{
//		Secret:    os.Getenv("HCAPTCHA_SECRET"),
//		Sitekey:   os.Getenv("HCAPTCHA_SITEKEY"), // recommended: sent as "sitekey"
//		Hostnames: []string{"example.com"},
//	})
//	if err != nil { ... }
//	mux.Handle("POST /login", captcha.Require(p)(login))
//
// The page renders the widget (<div class="h-captcha" data-sitekey="…">
// with https://js.hcaptcha.com/1/api.js), which puts its token in the form
// field "h-captcha-response" (and, for reCAPTCHA compatibility, in
// "g-recaptcha-response", which this provider does not read: see
// DefaultField). The provider posts it with the secret, the client IP
// resolved by the core ("remoteip") and Config.Sitekey when set.
//
// # Checks
//
// A reply with "success" true passes only if its hostname is in
// Config.Hostnames (required, or Config.AnyHostname, which logs a
// warning), its challenge_ts is at most Config.MaxAge old when set, and,
// when Config.MinScore is set, its Enterprise score says human enough. The
// score is a risk (higher is more likely a bot); Result.Score is 1 minus it
// (higher is more human, as for every provider) and Result.RawScore the
// value hCaptcha sent. A failed check is a rejection with Code
// "hostname-mismatch", "challenge-timeout" or "score-threshold-not-met".
//
// # Outcomes
//
//   - "success" true with no error codes, and every check passed: a pass,
//     Code "success"; Result.Extra is a *Extra.
//   - "invalid-input-response", "missing-input-response",
//     "not-using-dummy-secret" (the public test token with a production
//     secret), "already-seen-response", "invalid-or-already-seen-response",
//     "expired-input-response", and every code not listed here: a
//     rejection, Passed false with the code in Result.Code and a nil error.
//     "sitekey-secret-mismatch" and "invalid-sitekey" are rejections too
//     when Config.Sitekey is not set (the sitekey is the client's then).
//   - "missing-input-secret", "invalid-input-secret", "bad-request",
//     "not-using-dummy-passcode", "missing-remoteip", "invalid-remoteip",
//     and "sitekey-secret-mismatch" or "invalid-sitekey" with Config.Sitekey
//     set: captcha.ErrMisconfigured; the code is in captcha.VerifyError.Code.
//   - "internal-error", timeouts, connection errors, a body that is not
//     JSON at HTTP 200, and an HTTP 5xx without error codes:
//     captcha.ErrUnavailable, the only class that can lead to the core's
//     failback policy. A call is never retried: hCaptcha
//     has no idempotency key, and a retry of a call that reached it would
//     report the token as already seen.
//   - HTTP 429 without error codes: captcha.ErrThrottled (not documented
//     by hCaptcha); any other status without them (a WAF's 403, a 404):
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
// hCaptcha's publisher test set: the sitekey
// 10000000-ffff-ffff-ffff-000000000001 always yields the token
// 10000000-aaaa-bbbb-cccc-000000000001, which passes only with the secret
// 0x0000000000000000000000000000000000000000. Package hcaptchatest emulates
// them, and the siteverify API, for tests and offline demos.
package hcaptcha
