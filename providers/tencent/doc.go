// Package tencent verifies Tencent Cloud Captcha tickets on the server
// ("second verification") with the DescribeCaptchaResult API (version
// 2019-07-22), signed natively with TC3-HMAC-SHA256.
//
//	p, err := tencent.New(tencent.Config{
//		SecretID:     os.Getenv("TENCENT_SECRET_ID"),
//		SecretKey:    os.Getenv("TENCENT_SECRET_KEY"),
//		AppID:        199999164,
//		AppSecretKey: os.Getenv("TENCENT_APP_SECRET_KEY"),
//		// Endpoint: tencent.InternationalEndpoint, for apps on tencentcloud.com
//	})
//	if err != nil { ... }
//	mux.Handle("POST /login", captcha.Require(p)(login))
//
// The page posts the "ticket" and "randstr" its TencentCaptcha callback
// received; the client IP resolved by the core is sent as UserIp.
//
// # Outcomes
//
//   - CaptchaCode 1 passes (Result.Code "1", EvilLevel in Result.Risk).
//   - Every other CaptchaCode (6, 7, 8, 9, 15, 16, 21, 100, ...) is a rejection:
//     Passed false, the code in Result.Code, nil error. Code 21 is also what
//     Tencent answers for a disaster-recovery ticket.
//   - CaptchaCode 26 ("system busy"), the InternalError and ServiceUnavailable
//     envelopes, timeouts, connection errors, HTTP 5xx without an envelope and
//     undecodable replies are captcha.ErrUnavailable.
//   - RequestLimitExceeded* and LimitExceeded* are captcha.ErrThrottled.
//   - AuthFailure.*, UnauthorizedOperation.*, InvalidParameter*,
//     MissingParameter and every other error code are
//     captcha.ErrMisconfigured: an unknown code fails closed.
//
// The error envelope wins whatever the HTTP status, as in the official SDK;
// its code is in captcha.VerifyError.Code.
//
// # Optional fields
//
// Config.NeedGetCaptchaTime, BusinessID and SceneID send the request's
// optional NeedGetCaptchaTime, BusinessId and SceneId. A verdict whose reply
// carries any of Score, EvilBitmap, DeviceRiskCategory, GetCaptchaTime or
// SubmitCaptchaTime has them in Result.Extra as a *[Extra]; Score (0 to 100,
// higher riskier, per the API reference) is also in Result.RawScore, and
// normalised into Result.Score as 1 - Score/100 (so that higher means more
// human) with Result.HasScore set. These fields are information: their
// absence or an unexpected type never changes the verdict.
//
// # Credentials
//
// The static SecretID, SecretKey and Token fields suit a long-term key. For
// credentials that change while the program runs (temporary STS keys,
// instance roles, rotation from a secret store), set Config.Credentials to a
// [CredentialSource], read once per verification. The official SDK's types
// fit as they are, since the method set is its common.CredentialIface's:
//
//	cred := common.NewTokenCredential(id, key, token) // or a CvmRoleProvider's, a RoleArnProvider's
//	p, err := tencent.New(tencent.Config{Credentials: cred, AppID: ..., AppSecretKey: ...})
//
// [RotatingCredential] holds credentials the program replaces itself. A
// source that fails, or gives empty or malformed credentials, fails the
// verification with captcha.ErrMisconfigured: it never opens failback.
//
// # Disaster-recovery tickets
//
// When TCaptcha.js cannot reach Tencent, the page builds a ticket itself,
// "trerror_<errorCode>_<appid>_<unix>" (older "terror_"); see
// [ParseDisasterTicket]. Anyone can write one. Verify checks it locally (our
// AppID, at most DisasterMaxAge old, at most ClockSkew in the future) and
// rejects one that fails with Code [CodeDisasterInvalid] without a call;
// otherwise it is sent to Tencent like any ticket, which answers 21: a
// rejection. Only while Tencent is down (the provider's circuit breaker is
// open) does the core's failback policy see it, after
// [Provider.CheckFailback] accepted it.
//
// Package tencenttest is an emulator of the API for tests and offline demos.
package tencent
