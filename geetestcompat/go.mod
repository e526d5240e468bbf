module github.com/captchakit/captcha/geetestcompat

go 1.26.0

replace github.com/captchakit/captcha => ../

require (
	github.com/captchakit/captcha v0.0.0-00010101000000-000000000000
	github.com/gorilla/sessions v1.4.0
)

require (
	github.com/gorilla/securecookie v1.1.2 // indirect
	github.com/sony/gobreaker/v2 v2.4.0 // indirect
)
