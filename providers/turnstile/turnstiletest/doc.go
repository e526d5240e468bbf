// Package turnstiletest is an emulator of Cloudflare Turnstile's siteverify
// API, with a stand-in client script, for tests and offline demos.
//
// It answers the way Cloudflare documents: form, multipart and JSON bodies;
// "missing-input-secret", "invalid-input-secret", "missing-input-response",
// "invalid-input-response" (unknown tokens, tokens of another widget,
// tokens over 2048 characters), "timeout-or-duplicate" (a second redeem,
// or a token older than the lifetime, 300 s), all with HTTP 200 (a request
// that is not a POST gets 405, a body it cannot read 400). A redeem
// that repeats the first one's idempotency_key gets the first answer again,
// unchanged. A pass echoes the hostname, action, cdata and challenge_ts
// (milliseconds, "Z") the token was minted with.
//
// The published test keys work as Cloudflare documents them: the test
// sitekeys produce DummyToken; TestSecretPass passes it (hostname
// "localhost", action "test", cdata "test-data"), TestSecretFail answers
// "invalid-input-response", TestSecretSpent "timeout-or-duplicate"; the
// test secrets refuse every other token and production secrets refuse
// DummyToken.
//
// Faults are injected with Inject (providertest.Fault): latency, hang,
// HTTP 500/502/503, "internal-error", HTTP 429 ("error code: 1015") for
// FaultThrottled, "invalid-input-secret" for FaultBadCredentials, malformed
// JSON and connection resets.
//
//	srv := turnstiletest.NewServer(t, turnstiletest.Config{})
//	p, _ := turnstile.New(turnstile.Config{
//		Secret: turnstiletest.DemoSecret, Hostnames: []string{"localhost"},
//		Endpoint: srv.URL,
//	})
//	token := srv.Mint("", turnstiletest.Action("login"))
//	res, err := p.Verify(ctx, captcha.Ticket{Values: map[string]string{
//		"cf-turnstile-response": token}, ClientIP: "127.0.0.1"})
//
// A page loads the stand-in script from srv.URL + "/turnstile/v0/api.js"
// instead of https://challenges.cloudflare.com/turnstile/v0/api.js, with
// the same query parameters; nothing else changes. Its widgets solve
// themselves (TestSitekeyInteractive shows a checkbox, class
// "cf-turnstile-emulator-checkbox", to click) and put the token in the
// hidden input "cf-turnstile-response".
package turnstiletest
