// Package aliyun verifies Alibaba Cloud CAPTCHA 2.0 tickets on the server
// with the VerifyIntelligentCaptcha API (version 2023-03-05).
//
// The page's success(captchaVerifyParam) value travels in one ticket field
// (DefaultParamField, "captchaVerifyParam") and is passed to Alibaba
// unmodified; the scene ID always comes from Config, never from the request.
//
//	p, err := aliyun.New(aliyun.Config{
//		AccessKeyID:     os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_ID"),
//		AccessKeySecret: os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
//		SceneID:         "ql545gof",
//		Region:          aliyun.RegionCN,
//	})
//	if err != nil { ... }
//	mux.Handle("POST /login", captcha.Require(p)(login))
//
// Requests are RPC style with a form body, signed with ACS3-HMAC-SHA256
// (implemented here, without reflection, and checked against the published
// vectors and the official SDK), with a fresh crypto/rand nonce and a UTC
// x-acs-date. Replies of the usual shape are decoded by a small strict
// parser; anything else falls back to encoding/json.
//
// # Credentials
//
// The static AccessKeyID, AccessKeySecret and SecurityToken fields suit a
// long-term AccessKey. For credentials that change while the program runs
// (STS tokens, RAM roles of the instance, rotation from a secret store), set
// Config.Credentials to a [CredentialSource], read once per verification;
// [CredentialSource] shows the adapter for github.com/aliyun/credentials-go,
// and [RotatingCredential] holds credentials the program replaces itself.
// A temporary key's token is sent in the signed x-acs-security-token header
// (with x-acs-accesskey-id), as the SDK does under ACS3. A source that fails,
// or gives empty or malformed credentials, fails the verification with
// captcha.ErrMisconfigured: it never opens failback.
//
// # Outcomes
//
//   - Result.VerifyResult true with a T-code (T001, T005, T006): Passed, the
//     code in Result.Code.
//   - VerifyResult false: Passed false with the F-code and a nil error. Every
//     F-code Alibaba documents is a rejection, F001–F020, F022 (V3
//     encrypted-mode check failed: client resources abused, or the client
//     integrated wrongly), F023 and F024 (an automated script simulating
//     clicks or slides) alike, and so is a code it adds later: none opens
//     failback. A T-code with VerifyResult false is a rejection too.
//   - A captchaVerifyParam longer than MaxParamLen (8 KiB): Passed false with
//     Code CodeParamTooLong and a nil error, decided here without a call. The
//     value may arrive outside the core's body cap (in a header), and the
//     gateway's refusal of it must not be the client's lever.
//   - Gateway InvalidParameter* codes and HTTP 413, whatever the code: Passed
//     false with the gateway code (or "http-413") and a nil error. The client
//     chooses the only parameter whose content varies (the scene ID comes from
//     Config and is checked in New), so such a refusal is about its value: a
//     rejection, never an outage that could open failback nor a
//     misconfiguration logged at ERROR level.
//   - Gateway Throttling, Throttling.User, Throttling.Api: captcha.ErrThrottled.
//   - InvalidAccessKeyId.*, SignatureDoesNotMatch, IncompleteSignature,
//     InvalidTimeStamp.*, SignatureNonceUsed, Forbidden.*, Missing* and any
//     other 4xx code: captcha.ErrMisconfigured. SignatureNonceUsed cannot be
//     an outage (every request has a fresh 128-bit random nonce), so it fails
//     closed rather than opening failback.
//   - InternalError, ServiceUnavailable, 5xx, timeouts, connection errors,
//     undecodable replies and 200 replies without a verdict:
//     captcha.ErrUnavailable.
//
// The gateway code is in captcha.VerifyError.Code and the RequestId in
// Result.RequestID.
//
// Provider also implements captcha.TicketIdentifier (the whole parameter
// identifies a ticket) and captcha.FailbackChecker (a local shape check used
// only while Alibaba is unavailable). Package aliyuntest is an emulator of the
// API and the client script for tests and offline demos.
package aliyun
