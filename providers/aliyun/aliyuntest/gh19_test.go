package aliyuntest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/aliyun"
	"github.com/captchakit/captcha/providers/aliyun/aliyuntest"
)

// TestGH19RejectedParams checks the verdicts MintRejectedParam draws (issue
// #19 item 3: F022 and F024 are in Alibaba's current table), through the
// provider: each is a rejection with its code and a nil error, once, and the
// emulator's own checks (single use) still come first.
func TestGH19RejectedParams(t *testing.T) {
	t.Parallel()
	srv := aliyuntest.NewServer(t, aliyuntest.Config{})
	p, err := aliyun.New(aliyun.Config{
		AccessKeyID: aliyuntest.DefaultAccessKeyID, AccessKeySecret: aliyuntest.DefaultAccessKeySecret,
		SceneID: aliyuntest.DefaultSceneID, Endpoint: srv.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	verify := func(t *testing.T, param string) captcha.Result {
		t.Helper()
		res, err := p.Verify(t.Context(), captcha.Ticket{Values: map[string]string{aliyun.DefaultParamField: param}})
		if err != nil {
			t.Fatalf("Verify: %v, want a verdict", err)
		}
		return res
	}
	for _, code := range []string{"F001", "F004", "F007", "F009", "F010", "F011", "F015", "F016", "F018", "F019", "F020", "F022", "F023", "F024"} {
		t.Run(code+" reject", func(t *testing.T) {
			param, err := srv.MintRejectedParam(aliyuntest.DefaultSceneID, code)
			if err != nil {
				t.Fatalf("MintRejectedParam(%s): %v", code, err)
			}
			if res := verify(t, param); res.Passed || res.Code != code {
				t.Errorf("first use = (passed %v, code %q), want (false, %q)", res.Passed, res.Code, code)
			}
			if res := verify(t, param); res.Passed || res.Code != "F008" {
				t.Errorf("second use = (passed %v, code %q), want (false, F008)", res.Passed, res.Code)
			}
		})
	}
}

// TestGH19MintRejectedParamRefuses checks that MintRejectedParam refuses
// codes it cannot stand for, with an error that does not echo raw input.
func TestGH19MintRejectedParamRefuses(t *testing.T) {
	t.Parallel()
	srv := aliyuntest.NewServer(t, aliyuntest.Config{})
	for _, code := range []string{"", "T001", "F002", "F008", "F014", "F021", "f024", "F024 ", "F0\n24"} {
		param, err := srv.MintRejectedParam(aliyuntest.DefaultSceneID, code)
		if err == nil || param != "" {
			t.Errorf("MintRejectedParam(%q) = (%q, %v), want an error", code, param, err)
			continue
		}
		if strings.ContainsAny(err.Error(), "\n") {
			t.Errorf("MintRejectedParam(%q) error %q carries a raw control character", code, err)
		}
	}
}

// TestGH19MintEndpointCode checks the mint endpoint's code parameter: a
// documented verdict is minted, anything else is a 400.
func TestGH19MintEndpointCode(t *testing.T) {
	t.Parallel()
	srv := aliyuntest.NewServer(t, aliyuntest.Config{})
	p, err := aliyun.New(aliyun.Config{
		AccessKeyID: aliyuntest.DefaultAccessKeyID, AccessKeySecret: aliyuntest.DefaultAccessKeySecret,
		SceneID: aliyuntest.DefaultSceneID, Endpoint: srv.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, query string
		wantStatus  int
		wantCode    string
	}{
		{"F022 reject", "code=F022", http.StatusOK, "F022"},
		{"F024 reject", "code=F024", http.StatusOK, "F024"},
		{"code wins over risk reject", "code=F024&risk=1", http.StatusOK, "F024"},
		{"risk reject", "risk=1", http.StatusOK, "F001"},
		{"T-code refused", "code=T001", http.StatusBadRequest, ""},
		{"derived code refused", "code=F008", http.StatusBadRequest, ""},
		{"unknown code refused", "code=F099", http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := "sceneId=" + url.QueryEscape(aliyuntest.DefaultSceneID) + "&" + tt.query
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+aliyuntest.MintPath+"?"+q, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var minted struct{ CaptchaVerifyParam string }
			derr := json.NewDecoder(resp.Body).Decode(&minted)
			_ = resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("mint?%s = HTTP %d, want %d", q, resp.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus != http.StatusOK {
				return
			}
			if derr != nil {
				t.Fatalf("mint?%s: %v", q, derr)
			}
			res, err := p.Verify(t.Context(), captcha.Ticket{Values: map[string]string{aliyun.DefaultParamField: minted.CaptchaVerifyParam}})
			if err != nil || res.Passed || res.Code != tt.wantCode {
				t.Errorf("Verify = (passed %v, code %q, %v), want (false, %q, nil)", res.Passed, res.Code, err, tt.wantCode)
			}
		})
	}
}
