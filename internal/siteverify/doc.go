// Package siteverify is the client shared by the providers of the hosted
// "siteverify" services, Cloudflare Turnstile, hCaptcha and Google reCAPTCHA
// (packages providers/turnstile, providers/hcaptcha, providers/recaptcha).
// The three speak one protocol: the server POSTs a form with its secret and
// the client's token, and gets back a JSON verdict with "success",
// "error-codes" and the token's hostname, action, score and time.
//
// The package does the parts the three share: the form POST through
// vendorhttp.Exchange (capped reply, classified transport and status
// errors), the reply parser (typed, no generic maps, lenient with fields it
// does not need), the classification of error codes into rejections and
// errors, and the checks beyond "success" that a careful server makes
// (hostname allowlist, action, score, token age, cdata). What differs per
// vendor (its extra codes, its score direction, its form fields) is a Config
// value of the vendor's package.
//
// # Replies
//
// A reply is judged by its HTTP status and body together:
//
//	200, success true, no error codes      pass (then the Checks)
//	success false (any status) with codes  by the codes; see Class
//	200, success false, no codes           rejection, Code "unknown-error"
//	200, JSON object without "success"     rejection, Code "no-verdict"
//	200, body not a JSON object            captcha.ErrUnavailable
//	any other non-200 reply                vendorhttp.ClassifyStatus (429
//	                                       throttled, 5xx unavailable, other
//	                                       4xx misconfigured)
//
// A success that carries error codes is judged by its codes: it never
// passes. A reply with no verdict field is a rejection, not an outage (see
// DESIGN.md §4): what a client sends must never be able to steer a request
// into the failback policy.
package siteverify
