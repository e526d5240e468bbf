module github.com/captchakit/captcha/sdkcompat

go 1.26.0

replace github.com/captchakit/captcha => ../

require (
	github.com/alibabacloud-go/darabonba-openapi/v2 v2.1.13 // indirect
	github.com/alibabacloud-go/tea v1.5.4 // indirect
	github.com/captchakit/captcha v0.0.0-00010101000000-000000000000 // indirect
	github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common v1.3.103 // indirect
)
