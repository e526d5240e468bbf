module github.com/captchakit/captcha/altchacompat

go 1.26.0

require github.com/captchakit/captcha v0.0.0

require (
	github.com/altcha-org/altcha-lib-go v1.0.0
	github.com/sony/gobreaker/v2 v2.4.0 // indirect
)

replace github.com/captchakit/captcha => ../
