// Package aliyuntest emulates Alibaba Cloud CAPTCHA 2.0 on loopback: the
// VerifyIntelligentCaptcha API (version 2023-03-05) as Alibaba's gateway
// serves it, and a stand-in for the AliyunCaptcha.js client script.
//
// The API checks what the gateway checks: an ACS3-HMAC-SHA256 Authorization
// recomputed over the headers and body as received (or, without one, the
// older RPC HMAC-SHA1 Signature in the query over query and form body), the
// 15-minute clock window, nonce reuse, x-acs-content-sha256 against the body,
// and the AccessKey; failures get the gateway's JSON envelope (RequestId,
// HostId, Code, Message, Recommend). The STS token of a key configured
// with one (Config.SecurityTokens, AddAccessKey) must come with it, signed:
// x-acs-security-token under ACS3, the SecurityToken parameter under the RPC
// signature (InvalidSecurityToken.MismatchWithAccessKey otherwise); a key
// without one accepts any signed token. captchaVerifyParam values minted by MintParam (or
// by the script, through MintPath) are judged with the real codes: T001 pass,
// F002 empty, F003 malformed, F005 unknown scene, F008 reused, F012 scene
// mismatch, F013 incomplete, F014 unknown or older than ParamTTL on the
// emulator's clock, F017 modified. Verdicts on what only the real service
// sees (the client's behaviour and device, console policies) are drawn on
// request: MintRiskyParam mints one judged F001, and MintRejectedParam one
// judged with any of those documented codes, among them F022 (V3
// encrypted-mode check failed) and F024 (automated script). An oversized
// request body (over 64 KiB), or a CaptchaVerifyParam over
// Config.MaxParamLen, gets HTTP 413 with Code InvalidParameter.
//
//	srv := aliyuntest.NewServer(t, aliyuntest.Config{})
//	p, _ := aliyun.New(aliyun.Config{
//		AccessKeyID:     aliyuntest.DefaultAccessKeyID,
//		AccessKeySecret: aliyuntest.DefaultAccessKeySecret,
//		SceneID:         aliyuntest.DefaultSceneID,
//		Endpoint:        srv.URL,
//	})
//	param := srv.MintParam(aliyuntest.DefaultSceneID)
//
// Pages load srv.URL + ScriptPath instead of the real script; everything else
// on the page stays as in production.
package aliyuntest
