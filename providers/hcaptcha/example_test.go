package hcaptcha_test

import (
	"context"
	"fmt"
	"log"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/hcaptcha"
	"github.com/captchakit/captcha/providers/hcaptcha/hcaptchatest"
)

// Example verifies a token against the emulator on loopback: it passes
// once, its replay is rejected with "already-seen-response", and the
// public test token is rejected with a production secret.
func Example() {
	srv, err := hcaptchatest.Start(hcaptchatest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	p, err := hcaptcha.New(hcaptcha.Config{
		Secret:    hcaptchatest.DemoSecret,
		Sitekey:   hcaptchatest.DemoSitekey,
		Hostnames: []string{"localhost"},
		Endpoint:  srv.URL, // production: leave empty
	})
	if err != nil {
		log.Fatal(err)
	}
	ticket := func(token string) captcha.Ticket {
		return captcha.Ticket{Values: map[string]string{"h-captcha-response": token}, ClientIP: "203.0.113.7"}
	}
	tk := ticket(srv.Mint("")) // what the widget puts in the form
	for range 2 {
		res, err := p.Verify(context.Background(), tk)
		fmt.Println(res.Passed, res.Code, err)
	}
	res, err := p.Verify(context.Background(), ticket(hcaptchatest.TestToken))
	fmt.Println(res.Passed, res.Code, err)
	// Output:
	// true success <nil>
	// false already-seen-response <nil>
	// false not-using-dummy-secret <nil>
}
