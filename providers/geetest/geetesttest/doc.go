// Package geetesttest is an emulator of GeeTest's server APIs for tests and
// offline demos: v3 register.php, validate.php and bypass_status.php, and the
// v4 /validate endpoint, all under one URL, plus stand-in client scripts
// (/static/gt.js, /static/gt4.js) with the real scripts' client API.
//
//	srv := geetesttest.NewServer(t, geetesttest.Config{}) // GeeTest's demo keys (docs/wire.md#test-vectors)
//	p3, _ := geetest.NewV3(geetest.V3Config{
//		CaptchaID: geetesttest.DefaultV3CaptchaID, PrivateKey: geetesttest.DefaultV3PrivateKey,
//		StatusStore: st, Endpoint: srv.URL,
//	})
//	p4, _ := geetest.NewV4(geetest.V4Config{
//		CaptchaID: geetesttest.DefaultV4CaptchaID, CaptchaKey: geetesttest.DefaultV4CaptchaKey,
//		Endpoint: srv.URL,
//	})
//
// # v3
//
// register.php issues a random origin challenge and remembers it hashed per
// the request's digestmod (md5, sha256, hmac-sha256), as the provider hashes
// it. [Emulator.SetRegisterDown] makes it answer {"challenge":"0"}, which
// sends the provider into failback mode. validate.php accepts a challenge it
// issued (also with the two characters the slide captcha appends) once,
// within ChallengeTTL, with or without captchaid (GeeTest does not require
// it, and gt3-python-sdk 3.x never sends it; when sent, it must be the ID
// the challenge was issued for), when geetest_validate is md5(key +
// "geetest" + challenge) and geetest_seccode is that validate followed by
// "|jordan" (the formula of GeeTest's legacy SDK pre-check,
// docs/wire.md#geetest-v3-validate); it then answers {"seccode":
// md5(seccode)}, else {"seccode":"false"} (raw text without json_format=1).
// [Emulator.Solve] computes those values for a challenge, as a user solving
// the puzzle would get them.
//
// # v4
//
// /validate (captcha_id in the query or form) recomputes sign_token, requires
// a decimal gen_time (-50005), knows only its captcha ID (-50103), accepts a
// lot_number it minted once (-50003 afterwards) within LotTTL ("pass_token
// expire" after), and answers with the bodies of vector G-5
// (docs/wire.md#test-vectors). [Emulator.MintV4] mints a full passing value
// set. Two other mints draw the replies a client's own values can cause:
// [Emulator.MintV4Undecryptable] gets -50002 (param decrypt error: a
// captcha_output GeeTest cannot decrypt) and [Emulator.MintV4NoVerdict] a
// JSON object with neither status nor result.
// GeeTest does not document its reply to a wrong sign_token; the emulator
// answers result "fail" with reason "sign_token error", a guess
// (docs/wire.md#geetest-v4-validate).
//
// # Faults
//
// [Emulator.Inject] takes the shared providertest.Fault values. The transport
// faults (hang, slow, HTTP 5xx with an HTML body, malformed JSON, connection
// reset) apply to every API endpoint. The vendor-level ones:
//
//   - FaultInternalError: v4 answers {"status":"error","code":"-50000",
//     "msg":"runtime error"}. GeeTest documents no internal-error body for the
//     v3 endpoints, so they answer HTTP 500 with the text "00 runtime error"
//     (00 is the runtime-error code of GeeTest's client API).
//   - FaultThrottled: HTTP 429. GeeTest documents no throttling reply at all;
//     429 is what a rate-limiting gateway would send.
//   - FaultBadCredentials: v4 answers -50103 (captcha_id does not exist);
//     register.php answers {"challenge":""} as for an unknown gt;
//     validate.php, which takes no credentials, answers {"seccode":"false"}.
//
// # Client scripts
//
// The stand-in scripts find the emulator through their own URL
// (document.currentScript.src), so a page only changes the script addresses
// to go offline. gt.js's window.initGeetest({gt, challenge, offline,
// new_captcha, product, onError}, callback) hands callback a captcha object
// with appendTo, bindForm (the three values as hidden inputs in the page's
// form), onReady, onSuccess, onError, onClose, getValidate, verify and
// reset; its solve button has id "geetest-emulator-solve". Online, solving
// appends two digits to the challenge (as GeeTest's slide does) and fetches
// validate and seccode from the emulator's solve endpoint; offline (success 0)
// it makes them up locally, as the real gt.js does, and the server's failback
// policy decides. gt4.js's window.initGeetest4({captchaId, product,
// onError}, callback) object has appendTo, onReady, onNextReady, onBoxShow,
// onSuccess, onFail, onError, onClose, getValidate, showCaptcha, showBox and
// reset; its button has id "geetest4-emulator-solve" and solving fetches a
// minted value set. As the real loaders do, they refuse a gt that is
// missing or not a string (gt.js) and a missing or illegal captchaId
// (gt4.js, with GeeTest's codes -50101 and -50102): the config's onError
// gets the error, or it is thrown, and callback is never called.
//
// Both widgets render where the page asks, as the real scripts do: with
// product "float" or "popup" (the default is "float") inside the element
// given to appendTo (a selector or an element) at once; with "bind" nothing
// shows until verify() (gt4.js: showCaptcha() or showBox()), which opens the
// widget inside that element, or, when the page gave none, as a fixed box
// over the page.
// appendTo with a selector that matches nothing throws an Error.
package geetesttest
