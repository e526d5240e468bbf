package captcha_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"unicode/utf8"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
)

var fuzzFields = []string{"ticket", "randstr"}

// FuzzScanJSON checks the JSON scanner against encoding/json: whenever both
// accept a body, they agree on the ticket fields; the scanner never panics and
// never accepts what encoding/json rejects.
func FuzzScanJSON(f *testing.F) {
	for _, s := range []string{
		`{"ticket":"t","randstr":"r"}`, `{"ticket":1.5e3}`, `{"a":[1,{"b":"}"}],"ticket":"x\"y"}`,
		`{"ticket":null}`, `{"tick\u0065t":"\u00e9"}`, `[]`, `{"ticket":"a","ticket":"b"}`, ` {"x":{}} `,
		`{"ticket":true}`, `"s"`, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := map[string]string{}
		err := captcha.ScanJSON(b, fuzzFields, got)
		var generic map[string]any
		stdErr := json.Unmarshal(b, &generic)
		if err != nil {
			if !errors.Is(err, captcha.ErrBadRequest) {
				t.Fatalf("error %v does not wrap ErrBadRequest", err)
			}
			return
		}
		if stdErr != nil {
			t.Fatalf("scanner accepted %q, encoding/json says %v", b, stdErr)
		}
		for _, f := range fuzzFields {
			want := ""
			switch v := generic[f].(type) {
			case string:
				want = v
			case float64:
				// Numbers are kept as written; check they denote the same value.
				var n float64
				if err := json.Unmarshal([]byte(got[f]), &n); err != nil || n != v {
					t.Fatalf("field %s: scanner %q, encoding/json %v", f, got[f], v)
				}
				continue
			case nil:
			default:
				t.Fatalf("field %s of type %T accepted", f, v)
			}
			if got[f] != want && utf8.ValidString(want) {
				t.Fatalf("field %s: scanner %q, encoding/json %q (body %q)", f, got[f], want, b)
			}
		}
	})
}

// FuzzScanURLEncoded checks the form scanner against net/url.ParseQuery.
func FuzzScanURLEncoded(f *testing.F) {
	for _, s := range []string{"ticket=a&randstr=b", "ticket=a%20b+c", "t%69cket=x", "ticket=%zz", "&&=&ticket", "ticket=a&ticket=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := map[string]string{}
		err := captcha.ScanURLEncoded([]byte(s), fuzzFields, got)
		if err != nil {
			if !errors.Is(err, captcha.ErrBadRequest) {
				t.Fatalf("error %v does not wrap ErrBadRequest", err)
			}
			return
		}
		vs, stdErr := url.ParseQuery(s)
		if stdErr != nil {
			return // ParseQuery also rejects ';' and bad escapes in other fields; ours only reads its own.
		}
		for _, f := range fuzzFields {
			if len(vs[f]) > 1 {
				t.Fatalf("field %s given %d times, scanner accepted", f, len(vs[f]))
			}
			if got[f] != vs.Get(f) {
				t.Fatalf("field %s: scanner %q, net/url %q", f, got[f], vs.Get(f))
			}
		}
	})
}

// FuzzVerify sends arbitrary bodies and content types through a Verifier: it
// never panics, never passes without the ticket "pass", and the handler
// always reads the body the client sent.
func FuzzVerify(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", []byte("ticket=pass"))
	f.Add("application/json", []byte(`{"ticket":"pass"}`))
	f.Add("multipart/form-data; boundary=b", []byte("--b\r\nContent-Disposition: form-data; name=\"ticket\"\r\n\r\npass\r\n--b--\r\n"))
	f.Add("text/plain", []byte("ticket=pass"))
	f.Add("application/problem+json", []byte(`{"ticket":"reject"}`))
	v, err := captcha.New(&providertest.Fake{}, captcha.WithLogger(quiet), captcha.WithMaxBodyBytes(4096))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", ct)
		res, err := v.Verify(r)
		if err == nil && (res == nil || !res.Passed) {
			t.Fatalf("Verify returned no error and no passing result")
		}
		if err == nil && !bytes.Contains(body, []byte("pass")) {
			t.Fatalf("passed a body without the pass ticket: %q", body)
		}
		if err != nil && captcha.StatusCode(err) == http.StatusOK {
			t.Fatalf("error %v maps to 200", err)
		}
		if errors.Is(err, captcha.ErrBodyTooLarge) {
			return // refused unread
		}
		rest, rerr := io.ReadAll(r.Body)
		if rerr != nil || !bytes.Equal(rest, body) {
			t.Fatalf("body after Verify = %q (%v), want %q", rest, rerr, body)
		}
	})
}
