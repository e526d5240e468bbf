package aliyun_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/captchakit/captcha/internal/logtest"
	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/aliyun"
	"github.com/captchakit/captcha/providers/aliyun/aliyuntest"
)

// paramOfLen returns a captchaVerifyParam of the scene that is n bytes long
// (n ≥ 64) and that the emulator never minted.
func paramOfLen(n int) string {
	const head, tail = `{"sceneId":"abc123","certifyId":"gh12","data":"`, `"}`
	return head + strings.Repeat("d", n-len(head)-len(tail)) + tail
}

// TestGH12OversizedParamRejectedLocally: a captchaVerifyParam longer than
// MaxParamLen is a rejection decided here, without a call. Before, it went
// to the gateway, whose 413 InvalidParameter became "provider refused our
// configuration": a 500 and an ERROR line any client could raise at will.
func TestGH12OversizedParamRejectedLocally(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		len       int
		wantCode  string
		wantCalls int64
	}{
		{"at the bound is sent", aliyun.MaxParamLen, "F014", 1}, // never minted: no initialization record
		{"one byte over is not sent", aliyun.MaxParamLen + 1, aliyun.CodeParamTooLong, 0},
		{"70 KiB is not sent", 70 << 10, aliyun.CodeParamTooLong, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := aliyuntest.NewServer(t, aliyuntest.Config{})
			p := newProvider(t, srv.URL, nil)
			res, err := p.Verify(t.Context(), ticket(paramOfLen(tt.len)))
			if err != nil || res.Passed || res.Code != tt.wantCode {
				t.Errorf("Verify = (%+v, %v), want a rejection with Code %q and a nil error", res, err, tt.wantCode)
			}
			if got := srv.Calls(); got != tt.wantCalls {
				t.Errorf("emulator calls = %d, want %d", got, tt.wantCalls)
			}
		})
	}
}

// TestGH12OversizedParamInHeaderIsForbidden drives the attack through a real
// Verifier: the value travels in a header, outside the body cap. It must be
// a plain 403 with no ERROR line and no call, however often it is sent.
func TestGH12OversizedParamInHeaderIsForbidden(t *testing.T) {
	t.Parallel()
	srv := aliyuntest.NewServer(t, aliyuntest.Config{})
	logger, logs := logtest.Text()
	v, err := captcha.New(newProvider(t, srv.URL, nil), captcha.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	h := v.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("the protected handler ran")
	}))
	for i := range 3 { // three different values, so none is a replay
		r := httptest.NewRequest(http.MethodPost, "/login", nil)
		r.Header.Set(captcha.DefaultHeaderPrefix+aliyun.DefaultParamField, paramOfLen(70<<10+i))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != http.StatusForbidden {
			t.Errorf("request %d: status = %d, want 403", i, rec.Code)
		}
	}
	if got := srv.Calls(); got != 0 {
		t.Errorf("emulator calls = %d, want 0", got)
	}
	if out := logs.String(); strings.Contains(out, "level=ERROR") || strings.Contains(out, "dddddddddddddddd") {
		t.Errorf("log has an ERROR line or the parameter:\n%s", out)
	}
}

// TestGH12GatewayRefusalOfTheParamIsRejection: when the gateway itself
// refuses the client's value (HTTP 413 with Code InvalidParameter, here from
// an emulator with a smaller limit than MaxParamLen), the verdict is a
// rejection carrying the code, never an outage or a misconfiguration.
func TestGH12GatewayRefusalOfTheParamIsRejection(t *testing.T) {
	t.Parallel()
	srv := aliyuntest.NewServer(t, aliyuntest.Config{MaxParamLen: 1 << 10})
	p := newProvider(t, srv.URL, nil)

	res, err := p.Verify(t.Context(), ticket(paramOfLen(2<<10)))
	if err != nil || res.Passed || res.Code != "InvalidParameter" || res.RequestID == "" {
		t.Errorf("Verify(2 KiB) = (%+v, %v), want a rejection with Code InvalidParameter, the RequestId and a nil error", res, err)
	}
	if got := srv.Calls(); got != 1 {
		t.Errorf("emulator calls = %d, want 1", got)
	}
	// A minted value under the gateway's limit still passes.
	res, err = p.Verify(t.Context(), ticket(srv.MintParam(aliyuntest.DefaultSceneID)))
	if err != nil || !res.Passed {
		t.Errorf("Verify(minted) = (%+v, %v), want a pass", res, err)
	}
}
