package captcha_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
)

// TestTicketExtractors runs the exported extractors through a Verifier:
// each reads only its own source, a chain takes each field from the first
// source that has it, and an extractor's error stops the request.
func TestTicketExtractors(t *testing.T) {
	t.Parallel()
	fail := captcha.Extractor(func(*http.Request, []string) (map[string]string, error) {
		return nil, errors.New("cannot read")
	})
	tests := []struct {
		name      string
		extractor captcha.Extractor
		req       func() *http.Request
		want      int
	}{
		{"custom header prefix pass", captcha.TicketFromHeader("X-Token-"), func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.Header.Set("X-Token-Ticket", "pass")
			return r
		}, http.StatusOK},
		{"custom header prefix ignores the default header reject", captcha.TicketFromHeader("X-Token-"), func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.Header.Set("X-Captcha-Ticket", "pass")
			return r
		}, http.StatusForbidden},
		{"query only pass", captcha.TicketFromQuery(), func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "/?ticket=pass", nil)
		}, http.StatusOK},
		{"query only ignores the body reject", captcha.TicketFromQuery(), func() *http.Request { return form("pass") }, http.StatusForbidden},
		{"body only pass", captcha.TicketFromBody(1024), func() *http.Request { return jsonReq(`{"ticket":"pass"}`) }, http.StatusOK},
		{"body only ignores the query reject", captcha.TicketFromBody(1024), func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "/?ticket=pass", nil)
		}, http.StatusForbidden},
		// Issue #11: encoding/json would hand the handler "pass\ufffd" for
		// both; the extractor refuses them rather than verify another value.
		{"json ticket with an invalid UTF-8 byte reject", captcha.DefaultExtractor(1024), func() *http.Request {
			return jsonReq("{\"ticket\":\"pass\xab\"}")
		}, http.StatusBadRequest},
		{"json ticket with an unpaired surrogate escape reject", captcha.DefaultExtractor(1024), func() *http.Request {
			return jsonReq(`{"ticket":"pass\ud800"}`)
		}, http.StatusBadRequest},
		{"json ticket with an escaped surrogate pair verified reject", captcha.DefaultExtractor(1024), func() *http.Request {
			return jsonReq(`{"ticket":"pass\ud83d\ude00"}`)
		}, http.StatusForbidden},
		{"json invalid UTF-8 outside the ticket fields pass", captcha.DefaultExtractor(1024), func() *http.Request {
			return jsonReq("{\"user\":\"\xab\",\"ticket\":\"pass\"}")
		}, http.StatusOK},
		// Found by FuzzScanMultipart: mime/multipart refuses a body that
		// ends before any delimiter; the extractor took it for an empty form
		// and fell through to the header.
		{"multipart body without a delimiter reject", captcha.DefaultExtractor(1024), func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("0"))
			r.Header.Set("Content-Type", "multipart/form-data; boundary=0")
			r.Header.Set("X-Captcha-Ticket", "pass")
			return r
		}, http.StatusBadRequest},
		{"body cap of a custom extractor reject", captcha.TicketFromBody(8), func() *http.Request { return form("pass") }, http.StatusRequestEntityTooLarge},
		{"chain takes the first source reject", captcha.ChainExtractors(captcha.TicketFromQuery(), captcha.TicketFromHeader("X-Token-")), func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/?ticket=reject", nil)
			r.Header.Set("X-Token-Ticket", "pass")
			return r
		}, http.StatusForbidden},
		{"chain falls through to the next source pass", captcha.ChainExtractors(captcha.TicketFromQuery(), captcha.TicketFromHeader("X-Token-")), func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("X-Token-Ticket", "pass")
			return r
		}, http.StatusOK},
		{"chain stops at an error reject", captcha.ChainExtractors(fail, captcha.TicketFromQuery()), func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "/?ticket=pass", nil)
		}, http.StatusBadRequest},
		{"DefaultExtractor as an option pass", captcha.DefaultExtractor(1024), func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/?ticket=pass", nil)
			r.Header.Set("X-Captcha-Ticket", "pass")
			return r
		}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := captcha.Require(&providertest.Fake{}, captcha.WithLogger(quiet), captcha.WithTicketExtractor(tt.extractor))(
				http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, tt.req())
			if rec.Code != tt.want {
				t.Errorf("status = %d, want %d (body %q)", rec.Code, tt.want, strings.TrimSpace(rec.Body.String()))
			}
		})
	}
}

// TestDefaultHeaderNames: underscores in field names become hyphens, since
// many proxies drop headers with underscores.
func TestDefaultHeaderNames(t *testing.T) {
	t.Parallel()
	p := &providertest.Fake{FieldNames: []string{"geetest_seccode"}}
	v, err := captcha.New(p, captcha.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set("X-Captcha-Geetest-Seccode", "pass")
	if _, err := v.Verify(r); err != nil {
		t.Fatalf("Verify with X-Captcha-Geetest-Seccode: %v", err)
	}
}
