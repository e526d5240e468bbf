// Package browser drives the example login pages in a headless Chromium for
// the examples' end-to-end tests, with chromedp.
//
// One browser serves every test of a test binary: call Main from TestMain,
// and Tab in each test for a tab of its own, in its own browser context (its
// own cookies, so parallel tests do not share a GeeTest session). The browser
// reaches nothing but 127.0.0.1.
//
// A slow machine does not fail a test: waits are chromedp's waits for page
// events and elements, and a tab is bounded only by a hang guard (Guard:
// minutes, set by CAPTCHAKIT_BROWSER_TIMEOUT, and ending before go test's
// -timeout so that the failure screenshot is still saved).
//
// When no Chromium is installed, Tab skips the test, or fails it when the CI
// environment variable is set.
package browser
