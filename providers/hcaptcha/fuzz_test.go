package hcaptcha_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/hcaptcha"
)

// canned is a transport that answers every request with status and body.
type canned struct {
	status int
	body   []byte
}

func (c *canned) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{StatusCode: c.status, Body: io.NopCloser(bytes.NewReader(c.body)), Header: http.Header{}, Request: r}, nil
}

// FuzzReply drives Verify (sitekey sent, an Enterprise score required)
// with any reply: it never panics; it passes only a 200 whose body says
// "success": true, carries no error code, names the allowed hostname and
// has a low risk score; an error wraps exactly one of ErrUnavailable,
// ErrThrottled and ErrMisconfigured; a rejection has a code; no message
// quotes the secret or the token.
func FuzzReply(f *testing.F) {
	for _, s := range []string{
		`{"success":true,"hostname":"localhost","error-codes":[]}`,
		`{"success":true,"hostname":"evil.example"}`,
		`{"success":false,"error-codes":["invalid-input-response"]}`,
		`{"success":false,"error-codes":["internal-error"]}`,
		`{"success":false,"error-codes":["invalid-input-secret","timeout-or-duplicate"]}`,
		`{"success":false,"error-codes":["sitekey-secret-mismatch","already-seen-response"]}`,
		`{"success":true,"hostname":"localhost","score":0.9,"score_reason":["a"]}`,
		`{"success":true,"hostname":"localhost","error-codes":["x"]}`,
		`<html>`, ``, `{}`, `[]`,
	} {
		f.Add(200, []byte(s))
	}
	f.Add(429, []byte(`Too Many Requests`))
	f.Add(502, []byte(`{"success":true,"hostname":"localhost"}`))
	const secret, token = "0xfuzz000000000000000000000000000000000000", "P1_fuzz-token-value"
	rt := &canned{}
	p, err := hcaptcha.New(hcaptcha.Config{Secret: secret, Sitekey: "5e1f6a2b-0c3d-4e8f-9a7b-6c5d4e3f2a1b", Hostnames: []string{"localhost"}, MinScore: 0.5,
		HTTPClient: &http.Client{Transport: rt}, Endpoint: "http://hcaptcha.test"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 999 {
			return
		}
		rt.status, rt.body = status, body
		res, err := p.Verify(t.Context(), captcha.Ticket{Values: map[string]string{hcaptcha.DefaultField: token}})
		checkFuzzOutcome(t, status, body, res, err, secret, token)
		if res.Passed && (!res.HasScore || res.Score < 0.5 || res.RawScore > 0.5) {
			t.Fatalf("passed %q with score %v (raw %v)", body, res.Score, res.RawScore)
		}
	})
}

func checkFuzzOutcome(t *testing.T, status int, body []byte, res captcha.Result, err error, secret, token string) {
	t.Helper()
	switch {
	case res.Passed && (err != nil || status != 200 || !bytes.Contains(body, []byte("true")) || !strings.EqualFold(strings.TrimSpace(res.Hostname), "localhost")):
		t.Fatalf("passed %d %q: %+v, %v", status, body, res, err)
	case err == nil && !res.Passed && res.Code == "":
		t.Fatalf("rejected %d %q without a code", status, body)
	case err != nil:
		n := 0
		for _, class := range []error{captcha.ErrUnavailable, captcha.ErrThrottled, captcha.ErrMisconfigured} {
			if errors.Is(err, class) {
				n++
			}
		}
		if n != 1 || res.Passed {
			t.Fatalf("error %v for %d %q wraps %d classes", err, status, body, n)
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), token) {
			t.Fatalf("error %q quotes the secret or the token", err)
		}
	}
}
