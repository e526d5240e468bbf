package aliyun_test

import (
	"context"
	"fmt"
	"log"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/aliyun"
	"github.com/captchakit/captcha/providers/aliyun/aliyuntest"
)

// Verify a captchaVerifyParam against the emulator on loopback. In
// production, leave Endpoint empty and set Region instead.
func Example() {
	srv, err := aliyuntest.Start(aliyuntest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	p, err := aliyun.New(aliyun.Config{
		AccessKeyID:     aliyuntest.DefaultAccessKeyID,
		AccessKeySecret: aliyuntest.DefaultAccessKeySecret,
		SceneID:         aliyuntest.DefaultSceneID,
		Endpoint:        srv.URL,
	})
	if err != nil {
		log.Fatal(err)
	}

	// What the page's success(captchaVerifyParam) callback would submit.
	param := srv.MintParam(aliyuntest.DefaultSceneID)
	t := captcha.Ticket{Values: map[string]string{aliyun.DefaultParamField: param}}

	res, err := p.Verify(context.Background(), t)
	fmt.Println(res.Passed, res.Code, err)

	res, err = p.Verify(context.Background(), t) // a second use
	fmt.Println(res.Passed, res.Code, err)
	// Output:
	// true T001 <nil>
	// false F008 <nil>
}
