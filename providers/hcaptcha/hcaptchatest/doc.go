// Package hcaptchatest is an emulator of hCaptcha's siteverify API, with a
// stand-in client script, for tests and offline demos.
//
// It answers form bodies the way hCaptcha's documented error table says,
// checking in this order: the secret ("missing-input-secret",
// "invalid-input-secret"), the token ("missing-input-response"), the test
// set, remoteip when sent ("invalid-remoteip"), the sitekey when sent
// ("invalid-sitekey", "sitekey-secret-mismatch"), the token itself
// ("invalid-input-response"; without a sitekey, a token of a sitekey the
// secret does not own is "sitekey-secret-mismatch"), single use
// ("already-seen-response") and lifetime, 120 s ("expired-input-response").
// Every success carries "credit": false; an Enterprise site's also "score"
// (a risk: higher is more likely a bot) and "score_reason".
//
// The publisher test set works as integrations report it: TestSitekey
// yields TestToken, which passes with TestSecret (hostname TestHostname,
// never single use); TestSecret with another token is
// "not-using-dummy-passcode", and TestToken with a production secret
// "not-using-dummy-secret". The Enterprise test sets are not emulated.
//
// Faults are injected with Inject (providertest.Fault): latency, hang,
// HTTP 500/502/503, HTTP 500 with "internal-error" for FaultInternalError,
// HTTP 429 for FaultThrottled, "invalid-input-secret" for
// FaultBadCredentials, malformed JSON and connection resets.
//
//	srv := hcaptchatest.NewServer(t, hcaptchatest.Config{})
//	p, _ := hcaptcha.New(hcaptcha.Config{
//		Secret: hcaptchatest.DemoSecret, Sitekey: hcaptchatest.DemoSitekey,
//		Hostnames: []string{"localhost"}, Endpoint: srv.URL,
//	})
//	token := srv.Mint("")
//	res, err := p.Verify(ctx, captcha.Ticket{Values: map[string]string{
//		"h-captcha-response": token}, ClientIP: "127.0.0.1"})
//
// A page loads the stand-in script from srv.URL + "/1/api.js" instead of
// https://js.hcaptcha.com/1/api.js, with the same query parameters;
// nothing else changes. Its visible widgets show a checkbox (class
// "h-captcha-emulator-checkbox") to click; invisible ones wait for
// hcaptcha.execute.
package hcaptchatest
