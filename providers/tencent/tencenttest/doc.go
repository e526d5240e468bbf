// Package tencenttest is an emulator of Tencent Cloud Captcha's
// DescribeCaptchaResult API (version 2019-07-22) for tests and offline demos.
//
// It checks requests the way Tencent does: X-TC-Action and X-TC-Version, the
// Authorization header and its SecretId, the timestamp (±300 s against its
// clock) and the TC3-HMAC-SHA256 signature over the received Content-Type,
// Host and raw body (signed headers "content-type;host" or
// "content-type;host;x-tc-action"), and X-TC-Token for temporary keys. It
// answers failures with Tencent's error envelopes and HTTP 200.
//
// It mints tickets (Emulator.Mint, or the mint endpoint the stand-in
// TCaptcha.js calls) and verifies them with Tencent's CaptchaCode semantics:
// 1 pass (EvilLevel 100 for a Risky ticket), 9 reused, 8 expired, 7 randstr
// mismatch, 16 ticket of another app, 100 wrong app or AppSecretKey, 15
// unknown ticket, 21 disaster-recovery ticket, 26 while SetSystemBusy. It
// accepts the optional parameters BusinessId, SceneId, MacAddress, Imei and
// NeedGetCaptchaTime (InvalidParameter when of another type), answers
// GetCaptchaTime (the ticket's issue time) when NeedGetCaptchaTime is 1, and
// Score, EvilBitmap, DeviceRiskCategory and SubmitCaptchaTime for a ticket
// minted with them (WithScore and the other mint options).
//
// Faults are injected with Inject (providertest.Fault): latency, hang, HTTP
// 500/502/503, the InternalError and RequestLimitExceeded envelopes,
// AuthFailure.SecretIdNotFound for FaultBadCredentials, malformed JSON and
// connection resets.
//
//	srv := tencenttest.NewServer(t, tencenttest.Config{})
//	p, _ := tencent.New(tencent.Config{
//		SecretID: tencenttest.DemoSecretID, SecretKey: tencenttest.DemoSecretKey,
//		AppID: tencenttest.DemoAppID, AppSecretKey: tencenttest.DemoAppSecretKey,
//		Endpoint: srv.URL,
//	})
//	tk := srv.Mint(0)
//	res, err := p.Verify(ctx, captcha.Ticket{Values: map[string]string{
//		"ticket": tk.Ticket, "randstr": tk.Randstr}, ClientIP: "127.0.0.1"})
//
// A page loads the stand-in script from srv.URL + "/TCaptcha.js" instead of
// https://turing.captcha.qcloud.com/TCaptcha.js, or instead of the
// international https://ca.turing.captcha.qcloud.com/TJNCaptcha-global.js:
// the stand-in takes both constructors, new TencentCaptcha(appid, callback,
// options) and new TencentCaptcha(element, appid, callback, options).
// Nothing else changes.
package tencenttest
