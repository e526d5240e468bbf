package geetest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gorilla/sessions"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/providers/geetest/geetesttest"
	"github.com/captchakit/captcha/session"
)

// exampleV3 wires a v3 provider to an emulator and a signed cookie store.
func exampleV3(apiBase string) *geetest.V3 {
	cookies := sessions.NewCookieStore([]byte("example-hash-key-example-hash-ke"))
	cookies.Options.SameSite = http.SameSiteLaxMode
	st, err := session.New(cookies)
	if err != nil {
		panic(err)
	}
	p, err := geetest.NewV3(geetest.V3Config{
		CaptchaID:   geetesttest.DefaultV3CaptchaID,
		PrivateKey:  geetesttest.DefaultV3PrivateKey,
		StatusStore: st,
		Endpoint:    apiBase, // omit in production
	})
	if err != nil {
		panic(err)
	}
	return p
}

// registerAndSubmit runs the register endpoint for a new client and returns
// the ticket it submits with validate and seccode from solve.
func registerAndSubmit(p *geetest.V3, solve func(challenge string) (string, string)) (int, captcha.Ticket) {
	rec := httptest.NewRecorder()
	geetest.RegisterHandler(p).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/register", nil))
	var reg struct {
		Success   int    `json:"success"`
		Challenge string `json:"challenge"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &reg); err != nil {
		panic(err)
	}
	validate, seccode := solve(reg.Challenge)
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	for _, c := range rec.Result().Cookies() {
		r.AddCookie(c)
	}
	return reg.Success, captcha.Ticket{Request: r, Values: map[string]string{
		geetest.FieldChallenge: reg.Challenge, geetest.FieldValidate: validate, geetest.FieldSeccode: seccode,
	}}
}

func ExampleNewV3() {
	srv, err := geetesttest.Start(geetesttest.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	p := exampleV3(srv.URL)

	success, tk := registerAndSubmit(p, func(challenge string) (string, string) {
		v, s, _ := srv.Solve(challenge) // what the user gets by solving the puzzle
		return v, s
	})
	res, err := p.Verify(context.Background(), tk)
	fmt.Println(success, res.Passed, res.Code, err)
	// Output: 1 true success <nil>
}

func ExampleV3_failback() {
	srv, err := geetesttest.Start(geetesttest.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.SetRegisterDown(true) // GeeTest is down: register falls back
	p := exampleV3(srv.URL)

	success, tk := registerAndSubmit(p, func(string) (string, string) {
		return "made-up-by-offline-gt.js", "made-up-by-offline-gt.js|jordan"
	})
	_, err = p.Verify(context.Background(), tk)
	// The core's failback policy decides, after CheckFailback vetted the
	// ticket against the client's session.
	fmt.Println(success, errors.Is(err, captcha.ErrUnavailable), errors.Is(err, captcha.ErrOfflineTicket))
	fmt.Println(p.CheckFailback(context.Background(), tk))
	// Output:
	// 0 true true
	// <nil>
}

func ExampleNewV4() {
	srv, err := geetesttest.Start(geetesttest.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	p, err := geetest.NewV4(geetest.V4Config{
		CaptchaID:  geetesttest.DefaultV4CaptchaID,
		CaptchaKey: geetesttest.DefaultV4CaptchaKey,
		Endpoint:   srv.URL, // omit in production
	})
	if err != nil {
		panic(err)
	}
	tk, _ := srv.MintV4(geetesttest.DefaultV4CaptchaID)
	res, err := p.Verify(context.Background(), captcha.Ticket{Values: tk.Values()})
	fmt.Println(res.Passed, res.Code, err)
	res, err = p.Verify(context.Background(), captcha.Ticket{Values: tk.Values()})
	fmt.Println(res.Passed, res.Code, err)
	// Output:
	// true success <nil>
	// false -50003 <nil>
}
