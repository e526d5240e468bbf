package geetest

import (
	"testing"
	"unicode/utf8"
)

func FuzzParseRegister(f *testing.F) {
	for _, s := range []string{
		`{"challenge":"916e3a63fd4029a600fe5be03d6aa9aa"}`, `{"challenge":"0"}`, `{"challenge":""}`, `{}`,
		`916e3a63fd4029a600fe5be03d6aa9aa`, `{"challenge":"916e`, `null`, `[]`, `{"challenge":["a"]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := parseRegister(body)
		if err == nil && !isLowerAlnum(c, 32) {
			t.Fatalf("parseRegister accepted challenge %q", c)
		}
		if err != nil && c != "" {
			t.Fatalf("parseRegister returned %q with error %v", c, err)
		}
	})
}

func FuzzParseValidate(f *testing.F) {
	for _, s := range []string{
		`{"seccode":"b0218219477cdb6c4f636eb877a41290"}`, `{"seccode":"false"}`, `{"seccode":""}`,
		`{}`, `false`, `{"seccode":1}`, `{"seccode":"b02`,
	} {
		f.Add([]byte(s), "4d55cc5bb63098646c53525872f3628e|jordan")
	}
	f.Fuzz(func(t *testing.T, body []byte, seccode string) {
		answer, err := parseValidate(body)
		if err != nil {
			return
		}
		if answer == "" {
			t.Fatal("parseValidate returned an empty answer without error")
		}
		if seccodeMatches(seccode, answer) && len(answer) != 32 {
			t.Fatalf("seccodeMatches accepted %q", answer)
		}
	})
}

func FuzzParseV4(f *testing.F) {
	for _, s := range []string{
		`{"status":"success","result":"success","reason":"","captcha_args":{"used_type":"slide","user_ip":"127.0.0.1","lot_number":"4dc3cfc2cdff448cad8d13107198d473","scene":"反爬虫","referer":"http://127.0.0.1:8077/"}}`,
		`{"status":"success","result":"fail","reason":"pass_token expire","captcha_args":{}}`,
		`{"status":"error","code":"-50005","msg":"illegal gen_time","desc":{"type":"defined error"}}`,
		`{"status":"error","code":-50000}`, `{"status":"error","code":"-50103"}`, `{"status":"success"}`,
		`{"result":"success"}`, `{"status":"error","result":"success","code":"-50301"}`, `{"status":"succ`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := parseV4(body)
		if err != nil {
			return
		}
		res, err := resultV4(r)
		if res.Passed && (err != nil || r.Status != "success" || r.Result != "success") {
			t.Fatalf("passed a reply with status %q result %q (err %v)", r.Status, r.Result, err)
		}
		if err == nil && res.Code == "" && !res.Passed {
			t.Fatalf("a rejection without Code for status %q code %q", r.Status, r.Code)
		}
		if err == nil && (!utf8.ValidString(res.Code) || len(res.Code) > 140) {
			t.Fatalf("Code %q is not bounded valid UTF-8", res.Code)
		}
	})
}
