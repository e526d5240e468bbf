// Package geetestcompat checks captchakit's GeeTest emulator and providers
// against GeeTest's official Go server code, as package sdkcompat does for
// the Tencent and Alibaba SDKs. It is a module of its own so that the root
// module never requires vendor code.
//
// None of GeeTest's Go repositories can be pulled through the Go module
// proxy, and none could be imported if they could: gt3-server-golang-gin-sdk
// names its module "gt3-server-golang-gin-sdk" and keeps its library in a
// demo's controllers/sdk directory, gt3-golang-sdk has no go.mod, and
// gt4_golang_demo is package main. So the tests carry a minimal client per
// SDK, written here from a reading of its source, that makes exactly the
// requests the SDK makes (parameter names, digest handling, the SDK
// identifier) and decides exactly as it does; each names the file and
// function it reproduces:
//
//   - GeeTeam/gt3-server-golang-gin-sdk @ 04ed6cc (v3.1.0),
//     controllers/sdk/geetest_lib.go: GeetestLib.Register, SuccessValidate
//     and FailValidate, the current v3 SDK;
//   - GeeTeam/gt3-golang-sdk @ 446ca8a, geetest/geetestlib.go: PreProcess,
//     SuccessValidate and FailbackValidate, the legacy v3 SDK (raw-text
//     replies, the local pre-check);
//   - GeeTeam/gt4_golang_demo @ c69c6ab, main.go: login, v4 secondary
//     validation.
//
// The tests run these clients against package geetesttest for register
// (md5, sha256, hmac-sha256), validate (pass, failure, failback) and v4
// validate, and compare the requests providers/geetest sends with theirs
// field by field for the same inputs. The fields that differ by design are
// named where they are compared.
package geetestcompat
