package altcha_test

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/altcha"
)

// site is a server as a user writes it: the challenge endpoint and a form
// protected by captcha.New(p).Handler.
type site struct {
	p     *altcha.Provider
	clock *clock
	mux   *http.ServeMux
	errs  []error // what the error handler saw, in order
}

func newSite(t *testing.T, opts ...captcha.Option) *site {
	t.Helper()
	p, c := newTestProvider(t)
	s := &site{p: p, clock: c, mux: http.NewServeMux()}
	opts = append([]captcha.Option{
		captcha.WithLogger(slog.New(slog.DiscardHandler)),
		captcha.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
			s.errs = append(s.errs, err)
			captcha.DefaultErrorHandler(w, r, err)
		}),
	}, opts...)
	v, err := captcha.New(p, opts...)
	if err != nil {
		t.Fatal(err)
	}
	s.mux.Handle("GET /altcha/challenge", p.ChallengeHandler())
	s.mux.Handle("POST /login", v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, ok := captcha.FromContext(r.Context())
		if !ok || !res.Passed || res.Provider != "altcha" || res.Code != altcha.CodeOK || res.Degraded {
			http.Error(w, "bad result in context", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("welcome"))
	})))
	return s
}

// challenge fetches a challenge as the widget does.
func (s *site) challenge(t *testing.T) altcha.Challenge {
	t.Helper()
	rec := httptest.NewRecorder()
	s.mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/altcha/challenge", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /altcha/challenge: %d", rec.Code)
	}
	var c altcha.Challenge
	if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// solvedPayload fetches a challenge and solves it.
func (s *site) solvedPayload(t *testing.T) string {
	t.Helper()
	c := s.challenge(t)
	return encode(t, widgetPayload{c.Algorithm, c.Challenge, solve(t, c), c.Salt, c.Signature, 120})
}

// post submits the login form with payload in field "altcha".
func (s *site) post(payload string) *httptest.ResponseRecorder {
	form := url.Values{"user": {"ada"}}
	if payload != "" {
		form.Set("altcha", payload)
	}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	s.mux.ServeHTTP(rec, req)
	return rec
}

func (s *site) lastErr() error {
	if len(s.errs) == 0 {
		return nil
	}
	return s.errs[len(s.errs)-1]
}

func TestEndToEnd(t *testing.T) {
	t.Parallel()

	t.Run("solved pass, replay reject", func(t *testing.T) {
		t.Parallel()
		s := newSite(t)
		payload := s.solvedPayload(t)
		if rec := s.post(payload); rec.Code != http.StatusOK || rec.Body.String() != "welcome" {
			t.Fatalf("first POST: %d %q, want 200 welcome", rec.Code, rec.Body)
		}
		rec := s.post(payload)
		if rec.Code != http.StatusForbidden || !errors.Is(s.lastErr(), captcha.ErrReplayed) {
			t.Fatalf("replay: %d, %v; want 403 ErrReplayed", rec.Code, s.lastErr())
		}
	})

	t.Run("same solution respelt reject", func(t *testing.T) {
		t.Parallel()
		s := newSite(t)
		c := s.challenge(t)
		n := solve(t, c)
		if rec := s.post(encode(t, widgetPayload{c.Algorithm, c.Challenge, n, c.Salt, c.Signature, 1})); rec.Code != http.StatusOK {
			t.Fatalf("first POST: %d", rec.Code)
		}
		// Another "took" and member order: the same solution.
		again := encode(t, map[string]any{"took": 99999, "signature": c.Signature, "salt": c.Salt,
			"number": n, "challenge": c.Challenge, "algorithm": c.Algorithm})
		if rec := s.post(again); rec.Code != http.StatusForbidden || !errors.Is(s.lastErr(), captcha.ErrReplayed) {
			t.Fatalf("respelt replay: %d, %v; want 403 ErrReplayed", rec.Code, s.lastErr())
		}
	})

	t.Run("junk with a stolen salt does not spend the challenge pass", func(t *testing.T) {
		t.Parallel()
		s := newSite(t)
		c := s.challenge(t)
		n := solve(t, c)
		junk := encode(t, widgetPayload{c.Algorithm, c.Challenge, (n + 1) % testMaxNumber, c.Salt, c.Signature, 1})
		if rec := s.post(junk); rec.Code != http.StatusForbidden || !errors.Is(s.lastErr(), captcha.ErrRejected) {
			t.Fatalf("junk: %d, %v; want 403 ErrRejected", rec.Code, s.lastErr())
		}
		if rec := s.post(encode(t, widgetPayload{c.Algorithm, c.Challenge, n, c.Salt, c.Signature, 1})); rec.Code != http.StatusOK {
			t.Fatalf("owner's solution after the junk: %d (%v), want 200", rec.Code, s.lastErr())
		}
	})

	t.Run("tampered reject", func(t *testing.T) {
		t.Parallel()
		s := newSite(t)
		c := s.challenge(t)
		n := solve(t, c)
		tampered := encode(t, widgetPayload{c.Algorithm, c.Challenge, n,
			strings.Replace(c.Salt, "?expires=", "?expires=9", 1), c.Signature, 1})
		rec := s.post(tampered)
		var ve *captcha.VerifyError
		if rec.Code != http.StatusForbidden || !errors.As(s.lastErr(), &ve) || !errors.Is(ve, captcha.ErrRejected) ||
			ve.Code != altcha.CodeBadChallenge || ve.Provider != "altcha" {
			t.Fatalf("tampered: %d, %v; want 403 ErrRejected code %s", rec.Code, s.lastErr(), altcha.CodeBadChallenge)
		}
	})

	t.Run("expired reject", func(t *testing.T) {
		t.Parallel()
		s := newSite(t)
		payload := s.solvedPayload(t)
		s.clock.Advance(altcha.DefaultTTL + time.Second)
		rec := s.post(payload)
		var ve *captcha.VerifyError
		if rec.Code != http.StatusForbidden || !errors.As(s.lastErr(), &ve) || ve.Code != altcha.CodeExpired {
			t.Fatalf("expired: %d, %v; want 403 code %s", rec.Code, s.lastErr(), altcha.CodeExpired)
		}
	})

	t.Run("test mode reject", func(t *testing.T) {
		t.Parallel()
		s := newSite(t)
		if rec := s.post("eyJjaGFsbGVuZ2UiOm51bGwsInNvbHV0aW9uIjpudWxsLCJ0ZXN0Ijp0cnVlfQ=="); rec.Code != http.StatusForbidden {
			t.Fatalf("test-mode payload: %d, want 403", rec.Code)
		}
	})

	t.Run("missing reject", func(t *testing.T) {
		t.Parallel()
		s := newSite(t)
		if rec := s.post(""); rec.Code != http.StatusForbidden || !errors.Is(s.lastErr(), captcha.ErrMissingTicket) {
			t.Fatalf("no payload: %d, %v; want 403 ErrMissingTicket", rec.Code, s.lastErr())
		}
	})

	t.Run("JSON body pass", func(t *testing.T) {
		t.Parallel()
		s := newSite(t)
		body, _ := json.Marshal(map[string]string{"altcha": s.solvedPayload(t)})
		req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("JSON POST: %d (%v), want 200", rec.Code, s.lastErr())
		}
	})

	// Nothing a client sends makes the provider look unavailable: a flood of
	// garbage leaves the breaker closed, so no failback policy ever runs.
	t.Run("garbage never opens the breaker reject", func(t *testing.T) {
		t.Parallel()
		s := newSite(t, captcha.WithFailbackPolicy(captcha.FailOpen()))
		for _, junk := range []string{"x", "eyJ9", strings.Repeat("A", 5000), "e30="} {
			for range 10 {
				if rec := s.post(junk); rec.Code != http.StatusForbidden {
					t.Fatalf("junk %.8q: %d, want 403", junk, rec.Code)
				}
			}
		}
		for _, err := range s.errs {
			if !errors.Is(err, captcha.ErrRejected) && !errors.Is(err, captcha.ErrReplayed) {
				t.Errorf("error %v, want a rejection or a replay", err)
			}
		}
		if rec := s.post(s.solvedPayload(t)); rec.Code != http.StatusOK {
			t.Fatalf("a solved payload after the flood: %d, want 200", rec.Code)
		}
	})
}
