// Package vendorpages holds the emulators' stand-in client scripts to the
// vendors' documented client APIs, in a browser.
//
// Its tests serve small login pages (testdata/*.html) written only against
// each vendor's documented client API, as a user would copy them from the
// vendor's integration guide, and unaware of the emulators: Tencent's
// TCaptcha.js with new TencentCaptcha(appid, callback, options) and the
// international TJNCaptcha-global.js with new TencentCaptcha(element,
// appid, callback, options), GeeTest v3's gt.js with appendTo and bindForm,
// GeeTest v4's gt4.js with onNextReady and showBox, and Alibaba Cloud's
// AliyunCaptcha.js with window.AliyunCaptchaConfig and initAliyunCaptcha.
// The test server changes nothing in a page but the address of the vendor's
// script, which it points at the emulator's stand-in. Chromium then
// completes a login on the page, and the test passes only when the form's
// POST /login, behind captcha.Require, saw a passing Result from the vendor
// (the emulator), not a degraded one.
//
// So a user's real page is what the stand-in scripts are held to, not the
// demo's own login page (examples/internal/demo).
package vendorpages
