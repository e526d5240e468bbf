package tencent_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
	"github.com/captchakit/captcha/providers/tencent"
	"github.com/captchakit/captcha/providers/tencent/tencenttest"
)

// Example verifies a ticket against the emulator on loopback: it passes once,
// and its replay is rejected with CaptchaCode 9.
func Example() {
	srv, err := tencenttest.Start(tencenttest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	p, err := tencent.New(tencent.Config{
		SecretID:     tencenttest.DemoSecretID,
		SecretKey:    tencenttest.DemoSecretKey,
		AppID:        tencenttest.DemoAppID,
		AppSecretKey: tencenttest.DemoAppSecretKey,
		Endpoint:     srv.URL, // production: leave empty, or tencent.InternationalEndpoint
	})
	if err != nil {
		log.Fatal(err)
	}

	tk := srv.Mint(0) // what TCaptcha.js hands the page
	ticket := captcha.Ticket{
		Values:   map[string]string{"ticket": tk.Ticket, "randstr": tk.Randstr},
		ClientIP: "203.0.113.7",
	}
	for range 2 {
		res, err := p.Verify(context.Background(), ticket)
		fmt.Println(res.Passed, res.Code, err)
	}

	srv.Inject(providertest.FaultInternalError)
	_, err = p.Verify(context.Background(), captcha.Ticket{
		Values:   map[string]string{"ticket": srv.Mint(0).Ticket, "randstr": "@x"},
		ClientIP: "203.0.113.7",
	})
	var ve *captcha.VerifyError
	if errors.As(err, &ve) {
		fmt.Println(errors.Is(err, captcha.ErrUnavailable), ve.Code)
	}
	// Output:
	// true 1 <nil>
	// false 9 <nil>
	// true InternalError
}

func ExampleParseDisasterTicket() {
	d, err := tencent.ParseDisasterTicket("trerror_1001_199999164_1551113065")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Prefix, d.ErrorCode, d.AppID, d.Issued.Format("2006-01-02 15:04:05"))

	_, err = tencent.ParseDisasterTicket("tr03XaCUZ")
	fmt.Println(errors.Is(err, tencent.ErrNotDisasterTicket))
	// Output:
	// trerror_ 1001 199999164 2019-02-25 16:44:25
	// true
}
