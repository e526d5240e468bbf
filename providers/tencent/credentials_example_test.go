package tencent_test

import (
	"context"
	"fmt"
	"log"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/tencent"
	"github.com/captchakit/captcha/providers/tencent/tencenttest"
)

// ExampleRotatingCredential verifies with temporary credentials that a
// refresh loop replaces: the provider is built once, and each verification
// signs with what the RotatingCredential holds at that moment.
func ExampleRotatingCredential() {
	first := tencent.Credential{SecretID: "AKIDtemporary1", SecretKey: "first-key", Token: "token-1"}
	second := tencent.Credential{SecretID: "AKIDtemporary2", SecretKey: "second-key", Token: "token-2"}
	srv, err := tencenttest.Start(tencenttest.Config{Credentials: []tencenttest.Credential{
		{SecretID: first.SecretID, SecretKey: first.SecretKey, Token: first.Token},
		{SecretID: second.SecretID, SecretKey: second.SecretKey, Token: second.Token},
	}})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	creds := tencent.NewRotatingCredential(first)
	p, err := tencent.New(tencent.Config{
		Credentials: creds, // or the SDK's common.NewTokenCredential(...), a CvmRoleProvider's credential, ...
		AppID:       tencenttest.DemoAppID, AppSecretKey: tencenttest.DemoAppSecretKey,
		Endpoint: srv.URL,
	})
	if err != nil {
		log.Fatal(err)
	}
	verify := func() {
		tk := srv.Mint(0)
		res, err := p.Verify(context.Background(), captcha.Ticket{
			Values: map[string]string{"ticket": tk.Ticket, "randstr": tk.Randstr}, ClientIP: "203.0.113.7"})
		fmt.Println(res.Passed, err)
	}
	verify()
	creds.Store(second) // what a refresh loop does before the first expires
	srv.RemoveCredential(first.SecretID)
	verify()
	// Output:
	// true <nil>
	// true <nil>
}
