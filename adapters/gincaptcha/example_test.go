package gincaptcha_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/captchakit/captcha/adapters/gincaptcha"
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

// Protect a Gin route. (providertest.Fake stands in for tencent.New,
// aliyun.New, ...; its ticket "pass" passes at the vendor every time, so the
// second use is refused by the Verifier's replay ledger.)
func Example() {
	v, err := captcha.New(&providertest.Fake{}, captcha.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		panic(err)
	}
	r := gin.New()
	r.POST("/login", gincaptcha.Require(v), func(c *gin.Context) {
		res, _ := gincaptcha.Result(c)
		c.String(http.StatusOK, "welcome (verified by %s)\n", res.Provider)
	})

	for _, ticket := range []string{"pass", "pass", "reject", ""} {
		rec := post(r, ticket)
		fmt.Printf("%q: %d %s\n", ticket, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// "pass": 200 welcome (verified by fake)
	// "pass": 403 Forbidden
	// "reject": 403 Forbidden
	// "": 403 Forbidden
}

// A custom 403 page in Gin's idiom.
func ExampleWithErrorHandler() {
	v, err := captcha.New(&providertest.Fake{}, captcha.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		panic(err)
	}
	page := gincaptcha.WithErrorHandler(func(c *gin.Context, err error) {
		switch {
		case errors.Is(err, captcha.ErrMissingTicket):
			c.String(http.StatusForbidden, "Please solve the puzzle first.\n")
		case errors.Is(err, captcha.ErrRejected), errors.Is(err, captcha.ErrReplayed):
			c.String(http.StatusForbidden, "That did not work, please try again.\n")
		default:
			c.AbortWithStatusJSON(captcha.StatusCode(err), gin.H{"error": "captcha unavailable"})
		}
	})
	r := gin.New()
	r.POST("/login", gincaptcha.Require(v, page), func(c *gin.Context) {
		c.String(http.StatusOK, "welcome\n")
	})

	for _, ticket := range []string{"", "reject", "throttled", "pass"} {
		rec := post(r, ticket)
		fmt.Printf("%q: %d %s\n", ticket, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// "": 403 Please solve the puzzle first.
	// "reject": 403 That did not work, please try again.
	// "throttled": 503 {"error":"captcha unavailable"}
	// "pass": 200 welcome
}
