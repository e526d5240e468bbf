package chicaptcha_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/captchakit/captcha/adapters/chicaptcha"
	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
)

func post(h http.Handler, path, ticket string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(url.Values{"ticket": {ticket}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// Protect chi routes, one with r.With and a group with r.Use. The custom 403
// page is the Verifier's error handler, as in plain net/http.
// (providertest.Fake stands in for tencent.New, aliyun.New, ...; its ticket
// "pass" passes at the vendor every time, so the second use is refused by the
// Verifier's replay ledger.)
func Example() {
	page := func(w http.ResponseWriter, r *http.Request, err error) {
		switch {
		case errors.Is(err, captcha.ErrMissingTicket):
			http.Error(w, "Please solve the puzzle first.", http.StatusForbidden)
		case errors.Is(err, captcha.ErrRejected), errors.Is(err, captcha.ErrReplayed):
			http.Error(w, "That did not work, please try again.", http.StatusForbidden)
		default:
			captcha.DefaultErrorHandler(w, r, err)
		}
	}
	v, err := captcha.New(&providertest.Fake{}, captcha.WithErrorHandler(page),
		captcha.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		panic(err)
	}
	welcome := func(w http.ResponseWriter, r *http.Request) {
		res, _ := chicaptcha.Result(r)
		fmt.Fprintf(w, "welcome to %s (verified by %s)\n", r.URL.Path, res.Provider)
	}
	r := chi.NewRouter()
	r.With(chicaptcha.Require(v)).Post("/login", welcome)
	r.Group(func(r chi.Router) {
		r.Use(chicaptcha.Require(v))
		r.Post("/signup", welcome)
	})

	for _, req := range []struct{ path, ticket string }{
		{"/login", "pass"}, {"/signup", "pass"}, {"/signup", "reject"}, {"/login", ""}, {"/login", "throttled"},
	} {
		rec := post(r, req.path, req.ticket)
		fmt.Printf("%s %q: %d %s", req.path, req.ticket, rec.Code, rec.Body.String())
	}
	// Output:
	// /login "pass": 200 welcome to /login (verified by fake)
	// /signup "pass": 403 That did not work, please try again.
	// /signup "reject": 403 That did not work, please try again.
	// /login "": 403 Please solve the puzzle first.
	// /login "throttled": 503 Service Unavailable
}
