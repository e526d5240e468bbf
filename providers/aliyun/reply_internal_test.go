package aliyun

import (
	"errors"
	"strings"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
)

// FuzzReadReply feeds arbitrary replies to the response parser: it must never
// panic, never pass without a decodable T-code verdict, and classify every
// error into exactly one class.
func FuzzReadReply(f *testing.F) {
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
		{413, `0`}, // a gateway's 413 with no envelope: a rejection, found by fuzzing
		{400, `{"Code":"InvalidParameter.CaptchaVerifyParam"}`},
	}
	for _, s := range seeds {
		f.Add(s.status, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		res, err := readReply(status, body)
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
			// Only a refusal the client's own value can cause (a 413, an
			// InvalidParameter code) is a verdict off a 200, and only a
			// rejection.
			if res.Passed || (status != 413 && !strings.Contains(string(body), "InvalidParameter")) {
				t.Fatalf("status %d gave a verdict %+v", status, res)
			}
			return
		}
		if res.Code == "" || !printable(res.Code) {
			t.Fatalf("verdict code %q is empty or not printable", res.Code)
		}
		if res.Passed && (res.Code[0] != 'T' || !strings.Contains(strings.ToLower(string(body)), "verifyresult")) {
			t.Fatalf("passed with code %q on body %q", res.Code, body)
		}
	})
}

// FuzzParseFast checks the allocation-free parser against encoding/json:
// whatever parseFast accepts, encoding/json accepts and decodes to the same
// reply.
func FuzzParseFast(f *testing.F) {
	for _, s := range []string{
		`{"RequestId":"95784F23-D39F","Success":true,"Code":"Success","Message":"success","Result":{"VerifyResult":true,"VerifyCode":"T001"}}`,
		` { "Success" : false , "Code" : "Throttling.User" } `,
		`{"RequestId":"r","HostId":"h","Code":"SignatureDoesNotMatch","Message":"m","Recommend":"u"}`,
		`{"Result":{}}`, `{}`, `{"Result":{"VerifyResult":truex}}`, `{"Code":"a","Code":"b"}`,
		`{"code":"x"}`, `{"Message":"\u4e2d"}`, `{"Result":null}`, `{"RequestId":"r"} x`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := parseFast(b)
		if !ok {
			return
		}
		slow, err := decodeSlow(b)
		if err != nil {
			t.Fatalf("parseFast accepted %q, encoding/json: %v", b, err)
		}
		if fast != slow {
			t.Fatalf("body %q: parseFast = %+v, encoding/json = %+v", b, fast, slow)
		}
	})
}

func TestParseFastTakesTheUsualReplies(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		`{"RequestId":"95784F23-D39F","Success":true,"Code":"Success","Message":"success","Result":{"VerifyResult":true,"VerifyCode":"T001"}}`,
		`{"RequestId":"r","HostId":"captcha.cn-shanghai.aliyuncs.com","Code":"InternalError","Message":"m","Recommend":"https://api.aliyun.com/troubleshoot?q=InternalError"}`,
	} {
		if _, ok := parseFast([]byte(s)); !ok {
			t.Errorf("parseFast(%s) declined", s)
		}
	}
}
