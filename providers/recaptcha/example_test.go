package recaptcha_test

import (
	"context"
	"fmt"
	"log"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/recaptcha"
	"github.com/captchakit/captcha/providers/recaptcha/recaptchatest"
)

// Example verifies v3 tokens against the emulator on loopback: a likely
// human passes with its score, a likely bot fails the default threshold of
// 0.5, and a replay is rejected with "timeout-or-duplicate".
func Example() {
	srv, err := recaptchatest.Start(recaptchatest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	p, err := recaptcha.New(recaptcha.Config{
		Secret:    recaptchatest.DemoSecretV3,
		Version:   recaptcha.V3,
		Hostnames: []string{"localhost"},
		Actions:   []string{"login"},
		Endpoint:  srv.URL, // production: leave empty
	})
	if err != nil {
		log.Fatal(err)
	}
	ticket := func(token string) captcha.Ticket {
		return captcha.Ticket{Values: map[string]string{"g-recaptcha-response": token}, ClientIP: "203.0.113.7"}
	}
	human := ticket(srv.Mint(recaptchatest.DemoSitekeyV3, recaptchatest.Action("login"), recaptchatest.Score(0.9)))
	bot := ticket(srv.Mint(recaptchatest.DemoSitekeyV3, recaptchatest.Action("login"), recaptchatest.Score(0.1)))
	for _, tk := range []captcha.Ticket{human, bot, human} {
		res, err := p.Verify(context.Background(), tk)
		fmt.Println(res.Passed, res.Code, res.Score, err)
	}
	// Output:
	// true success 0.9 <nil>
	// false score-threshold-not-met 0.1 <nil>
	// false timeout-or-duplicate 0 <nil>
}
