// Package geetest verifies GeeTest tickets: behaviour verification v3
// ([V3], provider "geetest3", with its register step and failback mode) and
// v4 ([V4], provider "geetest4").
//
// # v3
//
// v3 has two server steps. API1, [RegisterHandler], is the endpoint the page's
// initGeetest fetches: it asks GeeTest's register.php for a challenge, hashes
// it with the private key (md5, sha256 or hmac-sha256), records in the
// client's session whether GeeTest answered (status 1) or the challenge was
// made locally because GeeTest was unavailable (status 0, failback), and only
// then writes {"success":1|0,"gt":...,"challenge":...,"new_captcha":true}.
// Register goes through the provider's circuit breaker (captcha.Guard), the
// one every Verifier on p shares: its failures count toward opening it, and
// while it is open register falls back at once instead of waiting out a
// timeout on every page load. A throttled register (429) or one GeeTest
// refuses (no challenge for the captcha ID, a WAF's 4xx) hands out no
// challenge: the endpoint answers 503 or 500, and the line is logged at most
// once a minute.
//
//	keys, err := session.NewCookieStore(hashKey) // signed, SameSite=Lax; see package session
//	if err != nil { ... }
//	st, _ := session.New(keys)
//	p, err := geetest.NewV3(geetest.V3Config{CaptchaID: id, PrivateKey: key, StatusStore: st})
//	if err != nil { ... }
//	mux.Handle("GET /geetest/register", geetest.RegisterHandler(p))
//	mux.Handle("POST /login", captcha.Require(p)(login))
//
// API2 is [V3.Verify], called by the core with geetest_challenge,
// geetest_validate and geetest_seccode. It requires the client's status to
// exist, to be readable, to have been recorded for this very challenge and to
// be at most ten minutes old; otherwise it rejects with
// captcha.ErrNoServerStatus without asking GeeTest. With status 1 it asks
// validate.php and passes only when GeeTest answers md5(seccode). With
// status 0 it asks nobody and returns an error wrapping captcha.ErrUnavailable
// and captcha.ErrOfflineTicket. The core's failback policy then decides if
// the breaker is open, after [V3.CheckFailback] has vetted the ticket against
// the session; if the breaker has closed again meanwhile, the request gets a
// 503 and the page registers anew. A failback
// ticket is never accepted for merely being non-empty, as GeeTest's SDKs do.
//
// The status lives in a session the server signs, so a client cannot choose
// failback mode. It cannot make a challenge single use, though: a cookie
// store cannot stop an old cookie from being presented again. The core's
// ledger does that, keyed by [V3.TicketID] (the challenge), and online GeeTest
// consumes the challenge too.
//
// GeeTest's slide captcha appends two characters to the challenge it was
// given; the session check and TicketID take that into account.
//
// # v4
//
// [V4.Verify] posts lot_number, captcha_output, pass_token and gen_time with
// sign_token = HMAC-SHA256(captcha_key, lot_number) to /validate and passes
// on result "success". See [V4] for how error replies map onto the core's
// error classes. Replies the client's own values can cause are rejections,
// never outages: -50002 (param decrypt error, a captcha_output that does not
// decrypt) has Code "-50002", and a JSON reply without a verdict (no status,
// or no result) has Code "no-verdict". Only GeeTest's runtime error (-50000),
// transport failures, 5xx and bodies that are not JSON objects can lead to
// failback. GeeTest's own demos let requests through whenever the call
// fails; this package never does, and leaves that to the core's failback
// policy, which sees [V4.CheckFailback]'s shape check first.
//
// # Transport
//
// Both providers reach GeeTest over HTTPS by default ([DefaultV3Endpoint],
// [DefaultV4Endpoint]). GeeTest's SDKs and demos use plain HTTP, on which
// anyone on the path could answer validate.php's md5(seccode) or v4's
// "success" themselves; plain HTTP is used only when an Endpoint says so, as
// for the emulator. Both keep pooled keep-alive connections, run each call
// under the Verifier's deadline (or their own Timeout outside a Verifier),
// read bodies under a cap, and return errors that never carry keys or ticket
// values. Package geetesttest emulates both APIs for tests and offline demos.
//
// The requests carry, field for field, what GeeTest's own Go server code
// sends for the same inputs (gt3-server-golang-gin-sdk 3.1.0 for register
// and validate, in every digest mode; gt4_golang_demo for v4), except the
// sdk parameter, which names this package ([SDK]) rather than claiming to be
// GeeTest's SDK. The nested module geetestcompat checks that request by
// request against the emulator.
package geetest
