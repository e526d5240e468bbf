package tencenttest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/captchakit/captcha/providers/tencent"
)

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"TC3-HMAC-SHA256 Credential=AKID/2019-02-25/captcha/tc3_request, SignedHeaders=content-type;host, Signature=" + strings.Repeat("a", 64),
		"TC3-HMAC-SHA256 Credential=AKID/2019-02-25/captcha/tc3_request,SignedHeaders=content-type;host;x-tc-action,Signature=" + strings.Repeat("0", 64),
		"TC3-HMAC-SHA256 Credential=/x/y/z, SignedHeaders=, Signature=",
		"", "TC3-HMAC-SHA256 ", "Basic abc",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		a, ok := parseAuthorization(h)
		if !ok {
			return
		}
		if a.secretID == "" || len(a.signature) != 64 || a.date == "" {
			t.Fatalf("parseAuthorization(%q) = %+v", h, a)
		}
		var hasType, hasHost bool
		for _, n := range a.signedHeaders {
			hasType = hasType || n == "content-type"
			hasHost = hasHost || n == "host"
		}
		if !hasType || !hasHost {
			t.Fatalf("parseAuthorization(%q) accepted signed headers %q", h, a.signedHeaders)
		}
	})
}

// FuzzAPIBody sends arbitrary, correctly signed bodies to the emulator: it
// must answer 200 with a JSON envelope, and never CaptchaCode 1 (no ticket was
// minted).
func FuzzAPIBody(f *testing.F) {
	for _, s := range []string{
		`{"CaptchaType":9,"Ticket":"tr03x","UserIp":"1.2.3.4","Randstr":"@a","CaptchaAppId":199999164,"AppSecretKey":"E4kwK9AcXQMHkktiItyMEyQPn"}`,
		`{"CaptchaType":9,"Ticket":"trerror_1001_199999164_1","UserIp":"","Randstr":"","CaptchaAppId":199999164,"AppSecretKey":"E4kwK9AcXQMHkktiItyMEyQPn"}`,
		`{}`, `[]`, `null`, ``, `{"CaptchaAppId":-1}`,
	} {
		f.Add([]byte(s))
	}
	e := New(Config{})
	signer := tencent.NewSigner(DemoSecretID, DemoSecretKey, tencent.Service, "emulator.test")
	f.Fuzz(func(t *testing.T, body []byte) {
		ts := e.Now().Unix()
		r := httptest.NewRequest(http.MethodPost, "http://emulator.test/", strings.NewReader(string(body)))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-TC-Action", "DescribeCaptchaResult")
		r.Header.Set("X-TC-Version", "2019-07-22")
		r.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
		r.Header.Set("Authorization", signer.Authorization(ts, "application/json", body))
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		var reply apiReply
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &reply) != nil {
			t.Fatalf("body %q: status %d reply %q", body, w.Code, w.Body.Bytes())
		}
		if reply.Response.Error == nil && (reply.Response.CaptchaCode == nil || *reply.Response.CaptchaCode == 1) {
			t.Fatalf("body %q: reply %q, want an error or a rejection", body, w.Body.Bytes())
		}
		if reply.Response.Error != nil && strings.HasPrefix(reply.Response.Error.Code, "AuthFailure") {
			t.Fatalf("body %q: %s for a correctly signed request", body, reply.Response.Error.Code)
		}
	})
}
