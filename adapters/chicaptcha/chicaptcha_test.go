package chicaptcha_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/captchakit/captcha/internal/logtest"

	"github.com/go-chi/chi/v5"

	"github.com/captchakit/captcha/adapters/chicaptcha"
	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
)

func postForm(h http.Handler, path, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// The degraded-pass line names the chi route pattern wherever Require is
// mounted; the pattern is what chi has routed when the middleware runs.
func TestRouteInLog(t *testing.T) {
	t.Parallel()
	ok := func(w http.ResponseWriter, r *http.Request) {
		if res, found := chicaptcha.Result(r); !found || !res.Degraded {
			t.Errorf("handler: Result %v, %t; want a degraded pass", res, found)
		}
	}
	for _, tc := range []struct {
		name      string
		path      string
		mount     func(r chi.Router, mw func(http.Handler) http.Handler)
		wantRoute string
	}{
		{"With", "/login", func(r chi.Router, mw func(http.Handler) http.Handler) {
			r.With(mw).Post("/login", ok)
		}, "route=/login"},
		{"Group", "/users/42/delete", func(r chi.Router, mw func(http.Handler) http.Handler) {
			r.Group(func(r chi.Router) {
				r.Use(mw)
				r.Post("/users/{id}/delete", ok)
			})
		}, "route=/users/{id}/delete"},
		{"Route", "/api/login", func(r chi.Router, mw func(http.Handler) http.Handler) {
			r.Route("/api", func(r chi.Router) {
				r.Use(mw)
				r.Post("/login", ok)
			})
		}, "route=/api/*"},
		{"top-level Use", "/login", func(r chi.Router, mw func(http.Handler) http.Handler) {
			r.Use(mw)
			r.Post("/login", ok)
		}, `route=""`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf logtest.Buffer
			fake := &providertest.Fake{}
			fake.SetFault(providertest.FaultHTTP503)
			v, err := captcha.New(fake, captcha.WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
			if err != nil {
				t.Fatal(err)
			}
			r := chi.NewRouter()
			tc.mount(r, chicaptcha.Require(v))
			for i := range 5 { // open the breaker: only then does failback start
				postForm(r, tc.path, fmt.Sprintf("ticket=pass:trip-%d", i))
			}
			if rec := postForm(r, tc.path, "ticket=pass:1"); rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200 (degraded pass)", rec.Code)
			}
			var line string
			for l := range strings.Lines(buf.String()) {
				if strings.Contains(l, "captcha: degraded pass") {
					line = l
				}
			}
			if !strings.Contains(line, " "+tc.wantRoute) {
				t.Errorf("degraded pass line %q, want %s", line, tc.wantRoute)
			}
		})
	}
}

// Outside a chi router Require is the Verifier's own middleware.
func TestRequireWithoutChi(t *testing.T) {
	t.Parallel()
	v, err := captcha.New(&providertest.Fake{}, captcha.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	h := chicaptcha.Require(v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := chicaptcha.Result(r); !ok {
			t.Error("no Result in the handler")
		}
	}))
	for _, tc := range []struct {
		ticket string
		want   int
	}{{"pass", 200}, {"pass", 403}, {"reject", 403}, {"", 403}} {
		if rec := postForm(h, "/login", "ticket="+tc.ticket); rec.Code != tc.want {
			t.Errorf("ticket %q: status %d, want %d", tc.ticket, rec.Code, tc.want)
		}
	}
}

func TestResultNil(t *testing.T) {
	t.Parallel()
	if res, ok := chicaptcha.Result(nil); ok || res != nil {
		t.Errorf("Result(nil) = %v, %t; want nil, false", res, ok)
	}
	if res, ok := chicaptcha.Result(httptest.NewRequest(http.MethodGet, "/", nil)); ok || res != nil {
		t.Errorf("Result without Require = %v, %t; want nil, false", res, ok)
	}
}

func TestRequireNilVerifierPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("Require(nil) did not panic")
		}
	}()
	chicaptcha.Require(nil)
}
