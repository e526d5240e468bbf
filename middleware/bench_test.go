package captcha_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
)

// BenchmarkHandlerPass measures the middleware's own cost on the pass path:
// extraction, the provider call (a Fake that answers at once without
// allocating), the breaker, the ledger claim and the Result in the context.
// Every iteration builds a request with a fresh ticket, as real traffic
// does; "bare" runs the same loop against the unprotected handler, so the
// middleware's cost is protected minus bare.
func BenchmarkHandlerPass(b *testing.B) {
	kinds := []struct {
		name string
		ct   string
		body func(ticket string) string
	}{
		{"form", "application/x-www-form-urlencoded", func(t string) string { return "user=alice&password=hunter2&ticket=" + t }},
		{"json", "application/json", func(t string) string { return `{"user":"alice","password":"hunter2","ticket":"` + t + `"}` }},
		{"header", "", nil},
	}
	target, _ := url.Parse("/login")
	handler := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	for _, k := range kinds {
		for _, mode := range []string{"bare", "protected"} {
			b.Run(k.name+"/"+mode, func(b *testing.B) {
				fake := &providertest.Fake{}
				fake.SetOutcome(func(captcha.Ticket) (captcha.Result, error) {
					return captcha.Result{Passed: true, Code: "ok"}, nil
				})
				var h http.Handler = handler
				if mode == "protected" {
					h = captcha.Require(fake, captcha.WithLogger(quiet))(handler)
				}
				bodies := make([][]byte, b.N)
				for i := range bodies {
					ticket := "pass:" + strconv.Itoa(i)
					if k.body != nil {
						bodies[i] = []byte(k.body(ticket))
					} else {
						bodies[i] = []byte(ticket)
					}
				}
				w := discardWriter{h: http.Header{}}
				b.ReportAllocs()
				b.ResetTimer()
				for i := range b.N {
					r := &http.Request{Method: http.MethodPost, URL: target, RemoteAddr: "192.0.2.1:1234", Header: http.Header{}}
					if k.body != nil {
						r.Header["Content-Type"] = []string{k.ct}
						r.Body = io.NopCloser(bytes.NewReader(bodies[i]))
						r.ContentLength = int64(len(bodies[i]))
					} else {
						r.Header["X-Captcha-Ticket"] = []string{string(bodies[i])}
					}
					h.ServeHTTP(w, r)
				}
			})
		}
	}
}

type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header       { return d.h }
func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (discardWriter) WriteHeader(int)             {}
