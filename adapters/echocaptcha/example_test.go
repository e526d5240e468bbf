package echocaptcha_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/captchakit/captcha/adapters/echocaptcha"
	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
)

func post(h http.Handler, ticket string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"ticket": {ticket}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// Protect an Echo route. Failures reach the application's HTTPErrorHandler as
// *echo.HTTPError; this one renders its own 403 page and leaves everything
// else to Echo's default. (providertest.Fake stands in for tencent.New,
// aliyun.New, ...; its ticket "pass" passes at the vendor every time, so the
// second use is refused by the Verifier's replay ledger.)
func Example() {
	v, err := captcha.New(&providertest.Fake{}, captcha.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		panic(err)
	}
	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			switch {
			case errors.Is(he.Internal, captcha.ErrMissingTicket):
				_ = c.String(http.StatusForbidden, "Please solve the puzzle first.")
				return
			case errors.Is(he.Internal, captcha.ErrRejected), errors.Is(he.Internal, captcha.ErrReplayed):
				_ = c.String(http.StatusForbidden, "That did not work, please try again.")
				return
			}
		}
		e.DefaultHTTPErrorHandler(err, c)
	}
	e.POST("/login", func(c echo.Context) error {
		res, _ := echocaptcha.Result(c)
		return c.String(http.StatusOK, "welcome (verified by "+res.Provider+")")
	}, echocaptcha.Require(v))

	for _, ticket := range []string{"pass", "pass", "reject", "", "throttled"} {
		rec := post(e, ticket)
		fmt.Printf("%q: %d %s\n", ticket, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// "pass": 200 welcome (verified by fake)
	// "pass": 403 That did not work, please try again.
	// "reject": 403 That did not work, please try again.
	// "": 403 Please solve the puzzle first.
	// "throttled": 503 {"message":"Service Unavailable"}
}
