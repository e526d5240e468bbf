package turnstile_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
	"github.com/captchakit/captcha/providers/turnstile"
	"github.com/captchakit/captcha/providers/turnstile/turnstiletest"
)

// Example verifies a token against the emulator on loopback: it passes
// once, its replay is rejected with "timeout-or-duplicate", a token solved
// on another site is rejected by the hostname check, and an outage is an
// error wrapping captcha.ErrUnavailable.
func Example() {
	srv, err := turnstiletest.Start(turnstiletest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	p, err := turnstile.New(turnstile.Config{
		Secret:    turnstiletest.DemoSecret,
		Hostnames: []string{"localhost"},
		Actions:   []string{"login"},
		Endpoint:  srv.URL, // production: leave empty
	})
	if err != nil {
		log.Fatal(err)
	}
	ticket := func(token string) captcha.Ticket {
		return captcha.Ticket{Values: map[string]string{"cf-turnstile-response": token}, ClientIP: "203.0.113.7"}
	}

	tk := ticket(srv.Mint("", turnstiletest.Action("login"))) // what the widget puts in the form
	for range 2 {
		res, err := p.Verify(context.Background(), tk)
		fmt.Println(res.Passed, res.Code, err)
	}
	res, _ := p.Verify(context.Background(), ticket(srv.Mint("", turnstiletest.Action("login"), turnstiletest.Hostname("evil.example"))))
	fmt.Println(res.Passed, res.Code)

	srv.Inject(providertest.FaultInternalError)
	_, err = p.Verify(context.Background(), ticket(srv.Mint("")))
	var ve *captcha.VerifyError
	if errors.As(err, &ve) {
		fmt.Println(errors.Is(err, captcha.ErrUnavailable), ve.Code)
	}
	// Output:
	// true success <nil>
	// false timeout-or-duplicate <nil>
	// false hostname-mismatch
	// true internal-error
}
