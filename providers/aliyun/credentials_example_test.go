package aliyun_test

import (
	"context"
	"fmt"
	"log"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/aliyun"
	"github.com/captchakit/captcha/providers/aliyun/aliyuntest"
)

// ExampleRotatingCredential verifies with STS credentials that a refresh
// loop replaces: the provider is built once, and each verification signs
// with what the RotatingCredential holds at that moment, its security token
// included.
func ExampleRotatingCredential() {
	srv, err := aliyuntest.Start(aliyuntest.Config{
		AccessKeys:     map[string]string{"STS.first": "first-secret", "STS.second": "second-secret"},
		SecurityTokens: map[string]string{"STS.first": "token-1", "STS.second": "token-2"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	creds := aliyun.NewRotatingCredential(aliyun.Credential{
		AccessKeyID: "STS.first", AccessKeySecret: "first-secret", SecurityToken: "token-1"})
	p, err := aliyun.New(aliyun.Config{
		Credentials: creds, // or a CredentialFunc over credentials-go; see CredentialSource
		SceneID:     aliyuntest.DefaultSceneID,
		Endpoint:    srv.URL,
	})
	if err != nil {
		log.Fatal(err)
	}
	verify := func() {
		res, err := p.Verify(context.Background(), captcha.Ticket{Values: map[string]string{
			aliyun.DefaultParamField: srv.MintParam(aliyuntest.DefaultSceneID)}})
		fmt.Println(res.Passed, err)
	}
	verify()
	creds.Store(aliyun.Credential{AccessKeyID: "STS.second", AccessKeySecret: "second-secret", SecurityToken: "token-2"})
	srv.RemoveAccessKey("STS.first")
	verify()
	// Output:
	// true <nil>
	// true <nil>
}
