// Package siteverifycompat holds captchakit's siteverify emulators
// (turnstiletest, hcaptchatest, recaptchatest) to code we did not write:
// popular third-party Go clients of Cloudflare Turnstile
// (github.com/meyskens/go-turnstile), hCaptcha (github.com/kataras/hcaptcha)
// and Google reCAPTCHA (gopkg.in/ezzarghili/recaptcha-go.v4) verify tokens
// against the emulators with the same outcomes as captchakit's providers,
// and are benchmarked beside them with the emulator in a process of its
// own. It is a module of its own so that the root module never requires
// them.
package siteverifycompat
