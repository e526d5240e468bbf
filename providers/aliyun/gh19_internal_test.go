package aliyun

import (
	"net/http"
	"testing"
)

// TestGH19VerifyCodes checks the documented VerifyCode table (issue #19 item
// 3): it names F022 and F024, and every code in it reads as its letter says
// (a T-code with VerifyResult true passes, every F-code is a rejection with
// its code and a nil error), whatever VerifyResult claims.
func TestGH19VerifyCodes(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"T001", "T005", "T006", "F001", "F008", "F014", "F017", "F022", "F024"} {
		if verifyCodes[code] == "" {
			t.Errorf("verifyCodes lacks %s", code)
		}
	}
	body := func(result bool, code string) []byte {
		r := "false"
		if result {
			r = "true"
		}
		return []byte(`{"RequestId":"r","Success":true,"Code":"Success","Message":"success","Result":{"VerifyResult":` + r + `,"VerifyCode":"` + code + `"}}`)
	}
	for code := range verifyCodes {
		for _, claimed := range []bool{true, false} {
			res, err := readReply(http.StatusOK, body(claimed, code))
			wantPass := claimed && code[0] == 'T'
			if err != nil || res.Passed != wantPass || res.Code != code || res.RequestID != "r" {
				t.Errorf("VerifyResult %v, %s: got (passed %v, code %q, request %q, %v), want (%v, %q, \"r\", nil)",
					claimed, code, res.Passed, res.Code, res.RequestID, err, wantPass, code)
			}
		}
	}
	// A code Alibaba adds later is judged by its letter too.
	if res, err := readReply(http.StatusOK, body(true, "F099")); err != nil || res.Passed || res.Code != "F099" {
		t.Errorf("undocumented F099: got (passed %v, code %q, %v), want a rejection", res.Passed, res.Code, err)
	}
}
