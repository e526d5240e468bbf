// Package recaptchatest is an emulator of Google reCAPTCHA's siteverify
// API (v2 and v3 keys), with a stand-in client script, for tests and
// offline demos.
//
// It answers form parameters (body or query) the way Google documents:
// "missing-input-secret", "invalid-input-secret", "missing-input-response",
// "invalid-input-response" (unknown tokens, tokens of another key),
// "timeout-or-duplicate" (a second redeem, or a token older than two
// minutes), all with HTTP 200 (a request that is not a POST gets 405, a
// body it cannot read 400). A v2 success carries success, challenge_ts
// (whole seconds, "Z") and hostname, and no "error-codes" key; a v3 success
// adds the score and action the token was minted with.
//
// Google's v2 test keys (TestSitekey, TestSecret) pass any non-empty token,
// any number of times, with hostname TestHostname. There are no v3 test
// keys; the emulator's DemoSitekeyV3 and DemoSecretV3 stand in.
//
// Faults are injected with Inject (providertest.Fault): latency, hang,
// HTTP 500/502/503, HTTP 500 with "internal-error" for FaultInternalError,
// HTTP 429 for FaultThrottled, "invalid-input-secret" for
// FaultBadCredentials, malformed JSON and connection resets.
//
//	srv := recaptchatest.NewServer(t, recaptchatest.Config{})
//	p, _ := recaptcha.New(recaptcha.Config{
//		Secret: recaptchatest.DemoSecretV3, Version: recaptcha.V3,
//		Hostnames: []string{"localhost"}, Actions: []string{"login"},
//		Endpoint: srv.URL,
//	})
//	token := srv.Mint(recaptchatest.DemoSitekeyV3, recaptchatest.Action("login"), recaptchatest.Score(0.9))
//	res, err := p.Verify(ctx, captcha.Ticket{Values: map[string]string{
//		"g-recaptcha-response": token}, ClientIP: "127.0.0.1"})
//
// A page loads the stand-in script from srv.URL + "/recaptcha/api.js"
// instead of https://www.google.com/recaptcha/api.js, with the same query
// parameters (v3: ?render=<sitekey>); nothing else changes. Its checkbox
// widgets show a checkbox (class "recaptcha-emulator-checkbox") to click;
// invisible widgets and bound buttons pass on execute or click; v3
// execute resolves with a token scored with the Site's Score (default
// 0.9).
package recaptchatest
