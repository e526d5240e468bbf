// Package sdkcompat checks captchakit's emulators and providers against the
// vendors' official Go SDKs, and benchmarks them side by side. It is a module
// of its own so that the root module never requires a vendor SDK.
package sdkcompat
