// Package recaptcha verifies Google reCAPTCHA v2 (checkbox and invisible)
// and v3 tokens on the server with the siteverify API.
//
//	p, err := recaptcha.New(recaptcha.Config{
//		Secret:    os.Getenv("RECAPTCHA_SECRET"),
//		Version:   recaptcha.V3,
//		Hostnames: []string{"example.com"},
//		Actions:   []string{"login"}, // required for v3
//		// MinScore: 0.5 by default
//	})
//	if err != nil { ... }
//	mux.Handle("POST /login", captcha.Require(p)(login))
//
// A v2 page renders the widget (<div class="g-recaptcha" data-sitekey="…">
// with https://www.google.com/recaptcha/api.js), which puts its token in the
// form field "g-recaptcha-response"; a v3 page loads
// api.js?render=<sitekey>, calls grecaptcha.execute(sitekey, {action}) and
// posts the token, by convention in the same field. The provider posts it
// with the secret and the client IP resolved by the core ("remoteip").
//
// # Checks
//
// A reply with "success" true passes only if its hostname is in
// Config.Hostnames (required, or Config.AnyHostname, which logs a
// warning), its challenge_ts is at most Config.MaxAge old when set, and for
// V3 its action is in Config.Actions and its score at least
// Config.MinScore (default 0.5). The v3 score is already on the common
// scale (1.0 very likely human): Result.Score and Result.RawScore are both
// Google's value. A failed check is a rejection with Code
// "hostname-mismatch", "action-mismatch", "score-threshold-not-met" or
// "challenge-timeout", the codes of Google's PHP library.
//
// # Outcomes
//
//   - "success" true with no error codes, and every check passed: a pass,
//     Code "success"; Result.Extra is a *Extra.
//   - "invalid-input-response", "missing-input-response",
//     "timeout-or-duplicate" (used before, or older than two minutes), and
//     every code not listed here: a rejection, Passed false with the code
//     in Result.Code and a nil error.
//   - "missing-input-secret", "invalid-input-secret", "bad-request":
//     captcha.ErrMisconfigured; the code is in captcha.VerifyError.Code.
//   - "internal-error", timeouts, connection errors, a body that is not
//     JSON at HTTP 200, and an HTTP 5xx without error codes:
//     captcha.ErrUnavailable, the only class that can lead to the core's
//     failback policy. A call is never retried: a retry
//     of a call that reached Google would report the token as a duplicate.
//   - HTTP 429 without error codes: captcha.ErrThrottled (not documented
//     by Google); any other status without them (a WAF's 403, a 404):
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
// Google's v2 test keys (sitekey 6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI,
// secret 6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe) pass every verification;
// there are none for v3. Package recaptchatest emulates them, and the
// siteverify API, for tests and offline demos.
package recaptcha
