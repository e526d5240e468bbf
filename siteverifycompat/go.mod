module github.com/captchakit/captcha/siteverifycompat

go 1.26.0

replace github.com/captchakit/captcha => ../

require (
	github.com/captchakit/captcha v0.0.0-00010101000000-000000000000
	github.com/kataras/hcaptcha v0.0.2
	github.com/meyskens/go-turnstile v0.0.0-20230622160222-89160e594ca1
	gopkg.in/ezzarghili/recaptcha-go.v4 v4.3.0
)

require (
	github.com/sony/gobreaker/v2 v2.4.0 // indirect
	gopkg.in/check.v1 v1.0.0-20201130134442-10cb98267c6c // indirect
)
