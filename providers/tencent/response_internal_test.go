package tencent

import (
	"encoding/json"
	"testing"
)

// FuzzParseReply checks that any body either fails to parse or yields a
// verdict consistent with what encoding/json sees in it, and that a pass
// (CaptchaCode 1 without an Error) is only ever reported for a body that
// says so.
func FuzzParseReply(f *testing.F) {
	for _, s := range []string{
		`{"Response":{"CaptchaCode":1,"CaptchaMsg":"OK","EvilLevel":0,"RequestId":"r"}}`,
		`{"Response":{"CaptchaCode":9,"EvilLevel":null,"RequestId":"r"}}`,
		`{"Response":{"Error":{"Code":"InternalError","Message":"m"},"RequestId":"r"}}`,
		`{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure"},"CaptchaCode":1}}`,
		`{"Response":{"CaptchaCode":"1"}}`,
		`{"Response":{"CaptchaCode":1e400}}`,
		`{"code":4000,"message":"x"}`,
		`{"Response":{}}`, `{}`, `[]`, `null`, ``, `<html>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := parseReply(body)
		if err != nil {
			return
		}
		var ref struct {
			Response struct {
				CaptchaCode *int64
				Error       *struct{ Code string }
			}
		}
		if err := json.Unmarshal(body, &ref); err != nil {
			t.Fatalf("parseReply accepted %q, encoding/json rejects it: %v", body, err)
		}
		r := ref.Response
		switch {
		case v.errCode != "":
			if r.Error == nil || r.Error.Code != v.errCode {
				t.Fatalf("parseReply(%q) error code %q, reference %+v", body, v.errCode, r.Error)
			}
		case r.Error != nil:
			t.Fatalf("parseReply(%q) ignored an Error object", body)
		case r.CaptchaCode == nil || *r.CaptchaCode != v.code:
			t.Fatalf("parseReply(%q) code %d, reference %v", body, v.code, r.CaptchaCode)
		}
		// The decision never passes anything but CaptchaCode 1 without an Error.
		p := &Provider{now: timeZero}
		res, derr := p.readReply(200, body)
		if res.Passed && (derr != nil || r.Error != nil || r.CaptchaCode == nil || *r.CaptchaCode != 1) {
			t.Fatalf("readReply(%q) passed", body)
		}
	})
}
