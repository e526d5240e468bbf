package geetesttest_test

import (
	"fmt"

	"github.com/captchakit/captcha/providers/geetest/geetesttest"
)

func Example() {
	srv, err := geetesttest.Start(geetesttest.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// A v3 challenge as the customer's server hands it to the browser, and
	// what solving it yields.
	c, _ := srv.Register(geetesttest.DefaultV3CaptchaID, "md5")
	validate, seccode, _ := srv.Solve(c)
	fmt.Println(len(c), len(validate), seccode == validate+"|jordan")

	// A v4 value set that /validate accepts once.
	tk, _ := srv.MintV4(geetesttest.DefaultV4CaptchaID)
	fmt.Println(len(tk.LotNumber), len(tk.Values()))
	// Output:
	// 32 32 true
	// 32 4
}
