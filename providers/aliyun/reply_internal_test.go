package aliyun

import (
	"errors"
	"strings"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
)

// FuzzInterpret feeds arbitrary replies to the response parser: it must never
// panic, never pass without a decodable T-code verdict, and classify every
// error into exactly one class.
func FuzzInterpret(f *testing.F) {
	seeds := []struct {
		status int
		body   string
	}{
		{200, `{"RequestId":"r","Success":true,"Code":"Success","Message":"success","Result":{"VerifyResult":true,"VerifyCode":"T001"}}`},
		{200, `{"RequestId":"r","Success":true,"Code":"Success","Result":{"VerifyResult":false,"VerifyCode":"F008"}}`},
		{200, `{"Success":false,"Code":"Throttling.User"}`},
		{400, `{"RequestId":"r","HostId":"h","Code":"SignatureDoesNotMatch","Message":"m","Recommend":"u"}`},
		{500, `{"Code":"InternalError"}`},
		{502, `<html></html>`},
		{200, `{"RequestId":"r","Success":tr`},
		{200, `{"Result":{"VerifyResult":true,"VerifyCode":"\u0000\n"}}`},
		{200, `null`},
	}
	for _, s := range seeds {
		f.Add(s.status, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		res, err := interpret(status, body)
		if err != nil {
			if res.Passed {
				t.Fatal("Passed with an error")
			}
			var ve *captcha.VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("error %v is not a *VerifyError", err)
			}
			n := 0
			for _, c := range []error{captcha.ErrUnavailable, captcha.ErrThrottled, captcha.ErrMisconfigured} {
				if errors.Is(err, c) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("error %v wraps %d classes, want 1", err, n)
			}
			if !printable(ve.Code) && ve.Code != "" {
				t.Fatalf("VerifyError.Code %q is not printable", ve.Code)
			}
			return
		}
		if status != 200 {
			t.Fatalf("status %d gave a verdict", status)
		}
		if res.Code == "" || !printable(res.Code) {
			t.Fatalf("verdict code %q is empty or not printable", res.Code)
		}
		if res.Passed && (res.Code[0] != 'T' || !strings.Contains(strings.ToLower(string(body)), "verifyresult")) {
			t.Fatalf("passed with code %q on body %q", res.Code, body)
		}
	})
}
