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
// made locally because it did not (status 0, failback), and only then writes
// {"success":1|0,"gt":...,"challenge":...,"new_captcha":true}:
//
//	keys := sessions.NewCookieStore(hashKey) // signed; see package session
//	keys.Options.SameSite = http.SameSiteLaxMode
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
// and captcha.ErrOfflineTicket: the core's failback policy decides, after
// [V3.CheckFailback] has vetted the ticket against the session. A failback
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
// error classes. GeeTest's own demos let requests through whenever the call
// fails; this package never does, and leaves that to the core's failback
// policy, which sees [V4.CheckFailback]'s shape check first.
//
// # Transport
//
// Both providers use internal/vendorhttp: pooled keep-alive connections, a
// per-call deadline (2 s by default), bodies read under a cap, and errors that
// never carry keys or ticket values. package geetesttest emulates both APIs
// for tests and offline demos.
package geetest
