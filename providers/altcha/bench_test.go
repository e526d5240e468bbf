package altcha_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/altcha"
)

// BenchmarkNewChallenge is issuing one challenge: 12 random bytes, a
// random number, one hash and one HMAC.
func BenchmarkNewChallenge(b *testing.B) {
	for _, alg := range []string{"SHA-256", "SHA-512"} {
		b.Run(alg, func(b *testing.B) {
			p := mustNew(b, altcha.Config{HMACKey: testKey, Algorithm: alg})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.NewChallenge(start); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkChallengeHandler is one GET of the challenge endpoint, JSON
// included, on a recorder.
func BenchmarkChallengeHandler(b *testing.B) {
	p := mustNew(b, altcha.Config{HMACKey: testKey})
	h := p.ChallengeHandler()
	req := httptest.NewRequest(http.MethodGet, "/altcha/challenge", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkVerify is verifying one solution (a pass) and one forged payload
// (a rejection after the hash). Verification is stateless, so one payload
// serves every iteration.
func BenchmarkVerify(b *testing.B) {
	for _, alg := range []string{"SHA-256", "SHA-512"} {
		c := newClock(start)
		p := mustNew(b, altcha.Config{HMACKey: testKey, Algorithm: alg, MaxNumber: testMaxNumber, Now: c.Now})
		payload, ch := solved(b, p, start)
		forged := encode(b, widgetPayload{ch.Algorithm, ch.Challenge, (solve(b, ch) + 1) % testMaxNumber, ch.Salt, ch.Signature, 1})
		ctx := context.Background()
		for _, tc := range []struct {
			name, payload string
			pass          bool
		}{{"pass", payload, true}, {"forged", forged, false}} {
			b.Run(alg+"/"+tc.name, func(b *testing.B) {
				tk := ticket(tc.payload)
				b.ReportAllocs()
				for b.Loop() {
					if res, err := p.Verify(ctx, tk); err != nil || res.Passed != tc.pass {
						b.Fatalf("Verify = %+v, %v", res, err)
					}
				}
			})
		}
	}
	b.Run("SHA-256/parallel", func(b *testing.B) {
		p, _ := newTestProvider(b)
		tk := ticket(func() string { s, _ := solved(b, p, start); return s }())
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if res, _ := p.Verify(context.Background(), tk); !res.Passed {
					b.Error("no pass")
					return
				}
			}
		})
	})
}

// BenchmarkRequire is a whole protected POST that passes: form extraction,
// the ledger claim and Verify. Every iteration needs a fresh solution, so
// they are solved (at difficulty 10) before the timer starts.
func BenchmarkRequire(b *testing.B) {
	c := newClock(start)
	p := mustNew(b, altcha.Config{HMACKey: testKey, MaxNumber: 10, Now: c.Now})
	v, err := captcha.New(p, captcha.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	h := v.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	bodies := make([]string, b.N)
	for i := range bodies {
		payload, _ := solved(b, p, start)
		bodies[i] = url.Values{"altcha": {payload}}.Encode()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(bodies[i]))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
