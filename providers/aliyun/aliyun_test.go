package aliyun_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/aliyun"
	"github.com/captchakit/captcha/providers/aliyun/aliyuntest"
	"github.com/captchakit/captcha/providers/providertest"
)

func newProvider(t testing.TB, endpoint string, mod func(*aliyun.Config)) *aliyun.Provider {
	t.Helper()
	cfg := aliyun.Config{
		AccessKeyID:     aliyuntest.DefaultAccessKeyID,
		AccessKeySecret: aliyuntest.DefaultAccessKeySecret,
		SceneID:         aliyuntest.DefaultSceneID,
		Endpoint:        endpoint,
	}
	if mod != nil {
		mod(&cfg)
	}
	p, err := aliyun.New(cfg)
	if err != nil {
		t.Fatalf("aliyun.New: %v", err)
	}
	return p
}

func ticket(param string) captcha.Ticket {
	return captcha.Ticket{Values: map[string]string{aliyun.DefaultParamField: param}, ClientIP: "192.0.2.1"}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, func(t *testing.T) *providertest.Harness {
		srv := aliyuntest.NewServer(t, aliyuntest.Config{})
		return &providertest.Harness{
			BaseURL: srv.URL,
			New: func(t *testing.T, baseURL string, wrongSecret bool) captcha.Provider {
				return newProvider(t, baseURL, func(c *aliyun.Config) {
					if wrongSecret {
						c.AccessKeySecret = "not-the-secret"
					}
				})
			},
			Pass:    func(*testing.T) captcha.Ticket { return ticket(srv.MintParam(aliyuntest.DefaultSceneID)) },
			Reject:  func(*testing.T) captcha.Ticket { return ticket(srv.MintRiskyParam(aliyuntest.DefaultSceneID)) },
			Inject:  srv.Inject,
			Secrets: []string{aliyuntest.DefaultAccessKeySecret, "not-the-secret"},
		}
	})
}

// TestVerdicts drives the provider against the emulator for each verdict the
// emulator produces.
func TestVerdicts(t *testing.T) {
	t.Parallel()
	srv := aliyuntest.NewServer(t, aliyuntest.Config{Scenes: []string{aliyuntest.DefaultSceneID, "other123"}})
	p := newProvider(t, srv.URL, nil)
	used := srv.MintParam(aliyuntest.DefaultSceneID)
	if res, err := p.Verify(t.Context(), ticket(used)); err != nil || !res.Passed {
		t.Fatalf("first Verify = (%+v, %v), want a pass", res, err)
	}
	tests := []struct {
		name  string
		param string
		want  string
	}{
		{"fresh param pass", srv.MintParam(aliyuntest.DefaultSceneID), "T001"},
		{"risky param reject", srv.MintRiskyParam(aliyuntest.DefaultSceneID), "F001"},
		{"empty param reject", "", "F002"},
		{"not JSON reject", "captcha-verify-param", "F003"},
		{"reused param reject", used, "F008"},
		{"other scene's param reject", srv.MintParam("other123"), "F012"},
		{"missing certifyId reject", `{"sceneId":"abc123","data":"d"}`, "F013"},
		{"never minted reject", `{"sceneId":"abc123","certifyId":"xyz","deviceToken":"dt","data":"d"}`, "F014"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := p.Verify(t.Context(), ticket(tt.param))
			if err != nil {
				t.Fatalf("Verify error = %v, want nil", err)
			}
			if res.Code != tt.want || res.Passed != (tt.want[0] == 'T') {
				t.Errorf("Verify = (passed %v, code %q), want code %q", res.Passed, res.Code, tt.want)
			}
			if res.RequestID == "" {
				t.Error("RequestID is empty")
			}
		})
	}
}

func TestClock(t *testing.T) {
	t.Parallel()
	t.Run("param older than ParamTTL reject", func(t *testing.T) {
		t.Parallel()
		srv := aliyuntest.NewServer(t, aliyuntest.Config{})
		p := newProvider(t, srv.URL, nil)
		// Mint 21 minutes in the emulator's past, then bring its clock back
		// to ours so that the request signature is on time.
		srv.Advance(-(aliyuntest.ParamTTL + time.Minute))
		param := srv.MintParam(aliyuntest.DefaultSceneID)
		srv.Advance(aliyuntest.ParamTTL + time.Minute)
		res, err := p.Verify(t.Context(), ticket(param))
		if err != nil || res.Passed || res.Code != "F014" {
			t.Fatalf("Verify = (passed %v, code %q, %v), want F014", res.Passed, res.Code, err)
		}
	})
	t.Run("signature clock 16 minutes off", func(t *testing.T) {
		t.Parallel()
		srv := aliyuntest.NewServer(t, aliyuntest.Config{})
		p := newProvider(t, srv.URL, nil)
		param := srv.MintParam(aliyuntest.DefaultSceneID)
		srv.Advance(aliyuntest.ClockSkew + time.Minute)
		res, err := p.Verify(t.Context(), ticket(param))
		var ve *captcha.VerifyError
		if res.Passed || !errors.As(err, &ve) || ve.Code != "InvalidTimeStamp.Expired" || !errors.Is(err, captcha.ErrMisconfigured) {
			t.Fatalf("Verify = (passed %v, %v), want InvalidTimeStamp.Expired wrapping ErrMisconfigured", res.Passed, err)
		}
	})
}

// TestOutcomeMapping checks each row of the outcome mapping in the package
// documentation against a server replaying the vendor's reply.
func TestOutcomeMapping(t *testing.T) {
	t.Parallel()
	const verdict = `{"RequestId":"95784F23-D39F-4C5A","Success":true,"Code":"Success","Message":"success","Result":{"VerifyResult":%s,"VerifyCode":"%s"}}`
	envelope := func(code string) string {
		return `{"RequestId":"95784F23-D39F-4C5A","HostId":"captcha.cn-shanghai.aliyuncs.com","Code":"` + code +
			`","Message":"m","Recommend":"https://api.aliyun.com/troubleshoot?q=` + code + `"}`
	}
	tests := []struct {
		name     string
		status   int
		body     string
		wantPass bool
		wantCode string // Result.Code, or VerifyError.Code when wantErr is set
		wantErr  error
	}{
		{"T001 pass", 200, sprintf(verdict, "true", "T001"), true, "T001", nil},
		{"T005 test mode pass", 200, sprintf(verdict, "true", "T005"), true, "T005", nil},
		{"T006 whitelist pass", 200, sprintf(verdict, "true", "T006"), true, "T006", nil},
		{"F001 risk reject", 200, sprintf(verdict, "false", "F001"), false, "F001", nil},
		{"F008 reused reject", 200, sprintf(verdict, "false", "F008"), false, "F008", nil},
		{"F012 scene mismatch reject", 200, sprintf(verdict, "false", "F012"), false, "F012", nil},
		{"VerifyResult true with an F-code reject", 200, sprintf(verdict, "true", "F001"), false, "F001", nil},
		{"VerifyResult false with a T-code reject", 200, sprintf(verdict, "false", "T001"), false, "T001", nil},
		{"Success false with a Result reject", 200, `{"RequestId":"95784F23-D39F-4C5A","Success":false,"Code":"InvalidParameter","Result":{"VerifyResult":true,"VerifyCode":"T001"}}`, false, "InvalidParameter", nil},
		{"Success false with a Result misconfigured", 200, `{"RequestId":"r","Success":false,"Code":"Forbidden.RAM","Result":{"VerifyResult":true,"VerifyCode":"T001"}}`, false, "Forbidden.RAM", captcha.ErrMisconfigured},
		{"Success false without Result reject", 200, `{"RequestId":"r","Success":false,"Code":"Unknown.Error"}`, false, "Unknown.Error", captcha.ErrUnavailable},
		{"Success true without Result reject", 200, `{"RequestId":"r","Success":true,"Code":"Success","Message":"success"}`, false, "decode", captcha.ErrUnavailable},
		{"Result without VerifyCode reject", 200, `{"RequestId":"r","Success":true,"Code":"Success","Result":{"VerifyResult":true}}`, false, "decode", captcha.ErrUnavailable},
		{"200 Throttling reject", 200, `{"RequestId":"r","Success":false,"Code":"Throttling.User"}`, false, "Throttling.User", captcha.ErrThrottled},
		{"Throttling reject", 400, envelope("Throttling"), false, "Throttling", captcha.ErrThrottled},
		{"Throttling.User reject", 400, envelope("Throttling.User"), false, "Throttling.User", captcha.ErrThrottled},
		{"Throttling.Api reject", 503, envelope("Throttling.Api"), false, "Throttling.Api", captcha.ErrThrottled},
		{"InvalidAccessKeyId.NotFound reject", 404, envelope("InvalidAccessKeyId.NotFound"), false, "InvalidAccessKeyId.NotFound", captcha.ErrMisconfigured},
		{"InvalidAccessKeyId.Inactive reject", 400, envelope("InvalidAccessKeyId.Inactive"), false, "InvalidAccessKeyId.Inactive", captcha.ErrMisconfigured},
		{"SignatureDoesNotMatch reject", 400, envelope("SignatureDoesNotMatch"), false, "SignatureDoesNotMatch", captcha.ErrMisconfigured},
		{"IncompleteSignature reject", 400, envelope("IncompleteSignature"), false, "IncompleteSignature", captcha.ErrMisconfigured},
		{"InvalidTimeStamp.Expired reject", 400, envelope("InvalidTimeStamp.Expired"), false, "InvalidTimeStamp.Expired", captcha.ErrMisconfigured},
		{"InvalidTimeStamp.Format reject", 400, envelope("InvalidTimeStamp.Format"), false, "InvalidTimeStamp.Format", captcha.ErrMisconfigured},
		{"SignatureNonceUsed reject", 400, envelope("SignatureNonceUsed"), false, "SignatureNonceUsed", captcha.ErrMisconfigured},
		{"Forbidden.RAM reject", 403, envelope("Forbidden.RAM"), false, "Forbidden.RAM", captcha.ErrMisconfigured},
		{"Forbidden.RAM on a 200 reject", 200, `{"RequestId":"r","Success":false,"Code":"Forbidden.RAM"}`, false, "Forbidden.RAM", captcha.ErrMisconfigured},
		{"MissingCaptchaVerifyParam reject", 400, envelope("MissingCaptchaVerifyParam"), false, "MissingCaptchaVerifyParam", captcha.ErrMisconfigured},
		{"InvalidParameter reject", 400, envelope("InvalidParameter"), false, "InvalidParameter", nil},
		{"InvalidParameter.Format reject", 400, envelope("InvalidParameter.Format"), false, "InvalidParameter.Format", nil},
		{"413 InvalidParameter reject", 413, envelope("InvalidParameter"), false, "InvalidParameter", nil},
		{"413 other code reject", 413, envelope("RequestEntityTooLarge"), false, "RequestEntityTooLarge", nil},
		{"413 HTML reject", 413, "<html>Request Entity Too Large</html>", false, "http-413", nil},
		{"InvalidApi.NotFound reject", 404, envelope("InvalidApi.NotFound"), false, "InvalidApi.NotFound", captcha.ErrMisconfigured},
		{"unknown 4xx code reject", 400, envelope("Some.New.Code"), false, "Some.New.Code", captcha.ErrMisconfigured},
		{"InternalError reject", 500, envelope("InternalError"), false, "InternalError", captcha.ErrUnavailable},
		{"ServiceUnavailable reject", 503, envelope("ServiceUnavailable"), false, "ServiceUnavailable", captcha.ErrUnavailable},
		{"unknown 5xx code reject", 500, envelope("Some.New.Code"), false, "Some.New.Code", captcha.ErrUnavailable},
		{"HTML 502 reject", 502, "<html>Bad Gateway</html>", false, "http-502", captcha.ErrUnavailable},
		{"plain 429 reject", 429, "slow down", false, "http-429", captcha.ErrThrottled},
		{"truncated JSON reject", 200, `{"RequestId":"r","Success":tr`, false, "decode", captcha.ErrUnavailable},
		{"empty body reject", 200, "", false, "decode", captcha.ErrUnavailable},
		{"JSON null reject", 200, "null", false, "decode", captcha.ErrUnavailable},
		{"HTML 200 reject", 200, "<html>maintenance</html>", false, "decode", captcha.ErrUnavailable},
		{"wrong JSON types reject", 200, `{"Success":true,"Code":"Success","Result":{"VerifyResult":"true","VerifyCode":"T001"}}`, false, "decode", captcha.ErrUnavailable},
		{"oversized body reject", 200, `{"RequestId":"` + strings.Repeat("a", 70<<10) + `"}`, false, "transport", captcha.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			p := newProvider(t, srv.URL, nil)
			res, err := p.Verify(t.Context(), ticket(`{"sceneId":"abc123","certifyId":"c"}`))
			if res.Passed != tt.wantPass {
				t.Errorf("Passed = %v, want %v", res.Passed, tt.wantPass)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("error = %v, want nil", err)
				}
				wantID := "" // the RequestId, when the reply carried one
				if strings.Contains(tt.body, "95784F23-D39F-4C5A") {
					wantID = "95784F23-D39F-4C5A"
				}
				if res.Code != tt.wantCode || res.RequestID != wantID {
					t.Errorf("Result = %+v, want code %q with RequestId %q", res, tt.wantCode, wantID)
				}
				return
			}
			var ve *captcha.VerifyError
			if !errors.As(err, &ve) || !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want a *VerifyError wrapping %v", err, tt.wantErr)
			}
			if ve.Code != tt.wantCode || ve.Provider != "aliyun" {
				t.Errorf("VerifyError{Provider %q, Code %q}, want {aliyun, %q}", ve.Provider, ve.Code, tt.wantCode)
			}
			for _, other := range []error{captcha.ErrUnavailable, captcha.ErrThrottled, captcha.ErrMisconfigured, captcha.ErrRejected} {
				if other != tt.wantErr && errors.Is(err, other) {
					t.Errorf("error %v also wraps %v", err, other)
				}
			}
		})
	}
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

func TestRequestShape(t *testing.T) {
	t.Parallel()
	got := make(chan *http.Request, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("ParseForm: %v", err)
		}
		got <- r
		_, _ = w.Write([]byte(`{"RequestId":"r","Success":true,"Code":"Success","Result":{"VerifyResult":true,"VerifyCode":"T001"}}`))
	}))
	t.Cleanup(srv.Close)
	p := newProvider(t, srv.URL, func(c *aliyun.Config) {
		c.ParamField = "cvp"
		c.SecurityToken = "sts-token"
		c.SceneID = "scene+1"
	})
	param := `{"sceneId":"evil","certifyId":"c d"}`
	if _, err := p.Verify(t.Context(), captcha.Ticket{Values: map[string]string{"cvp": param}}); err != nil {
		t.Fatal(err)
	}
	r := <-got
	checks := []struct{ name, got, want string }{
		{"method", r.Method, "POST"},
		{"path", r.URL.Path, "/"},
		{"query", r.URL.RawQuery, ""},
		{"CaptchaVerifyParam", r.PostForm.Get("CaptchaVerifyParam"), param},
		{"SceneId", r.PostForm.Get("SceneId"), "scene+1"},
		{"content-type", r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"},
		{"accept", r.Header.Get("Accept"), "application/json"},
		{"x-acs-action", r.Header.Get("X-Acs-Action"), "VerifyIntelligentCaptcha"},
		{"x-acs-version", r.Header.Get("X-Acs-Version"), "2023-03-05"},
		{"x-acs-security-token", r.Header.Get("X-Acs-Security-Token"), "sts-token"},
		{"x-acs-accesskey-id", r.Header.Get("X-Acs-Accesskey-Id"), aliyuntest.DefaultAccessKeyID},
		{"transfer-encoding", strings.Join(r.TransferEncoding, ","), ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if d, err := time.Parse("2006-01-02T15:04:05Z", r.Header.Get("X-Acs-Date")); err != nil || time.Since(d).Abs() > time.Minute {
		t.Errorf("x-acs-date = %q, want the current UTC time", r.Header.Get("X-Acs-Date"))
	}
	if n := r.Header.Get("X-Acs-Signature-Nonce"); len(n) != 32 {
		t.Errorf("x-acs-signature-nonce = %q, want 32 hex digits", n)
	}
	if a := r.Header.Get("Authorization"); !strings.Contains(a, "SignedHeaders=content-type;host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,") {
		t.Errorf("Authorization = %q, want the STS headers signed", a)
	}
}

func TestNoncesAreUnique(t *testing.T) {
	t.Parallel()
	seen := make(map[string]bool)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := r.Header.Get("X-Acs-Signature-Nonce")
		if seen[n] {
			t.Errorf("nonce %q sent twice", n)
		}
		seen[n] = true
		_, _ = w.Write([]byte(`{"Success":true,"Code":"Success","Result":{"VerifyResult":false,"VerifyCode":"F001"}}`))
	}))
	t.Cleanup(srv.Close)
	p := newProvider(t, srv.URL, nil)
	for range 200 {
		if _, err := p.Verify(t.Context(), ticket("{}")); err != nil {
			t.Fatal(err)
		}
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	valid := func() aliyun.Config {
		return aliyun.Config{AccessKeyID: "LTAI5tExample", AccessKeySecret: "s3cr3t-value", SceneID: "ql545gof"}
	}
	tests := []struct {
		name    string
		mod     func(*aliyun.Config)
		wantErr string // substring naming the field; empty for success
	}{
		{"defaults", func(*aliyun.Config) {}, ""},
		{"missing AccessKeyID", func(c *aliyun.Config) { c.AccessKeyID = "" }, "Config.AccessKeyID is required"},
		{"AccessKeyID with a space", func(c *aliyun.Config) { c.AccessKeyID = "a b" }, "Config.AccessKeyID"},
		{"missing AccessKeySecret", func(c *aliyun.Config) { c.AccessKeySecret = "" }, "Config.AccessKeySecret is required"},
		{"missing SceneID", func(c *aliyun.Config) { c.SceneID = "" }, "Config.SceneID is required"},
		{"SceneID with a newline", func(c *aliyun.Config) { c.SceneID = "a\nb" }, "Config.SceneID"},
		{"SecurityToken with a newline", func(c *aliyun.Config) { c.SecurityToken = "a\r\nb" }, "Config.SecurityToken"},
		{"unknown Region", func(c *aliyun.Config) { c.Region = "cn-hangzhou" }, "Config.Region"},
		{"sgp Region", func(c *aliyun.Config) { c.Region = aliyun.RegionSGP }, ""},
		{"dual-stack", func(c *aliyun.Config) { c.DualStack = true }, ""},
		{"Endpoint host", func(c *aliyun.Config) { c.Endpoint = "captcha.cn-shanghai.aliyuncs.com" }, ""},
		{"Endpoint base URL", func(c *aliyun.Config) { c.Endpoint = "http://127.0.0.1:1234" }, ""},
		{"Endpoint ftp", func(c *aliyun.Config) { c.Endpoint = "ftp://127.0.0.1" }, "Config.Endpoint"},
		{"Endpoint with a query", func(c *aliyun.Config) { c.Endpoint = "http://h/?a=b" }, "Config.Endpoint"},
		{"Endpoint with a path", func(c *aliyun.Config) { c.Endpoint = "http://h/api" }, "Config.Endpoint"},
		{"Endpoint with user info", func(c *aliyun.Config) { c.Endpoint = "http://u:p@h" }, "Config.Endpoint"},
		{"ParamField with a space", func(c *aliyun.Config) { c.ParamField = "a b" }, "Config.ParamField"},
		{"negative Timeout", func(c *aliyun.Config) { c.Timeout = -time.Second }, "Config.Timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := valid()
			tt.mod(&cfg)
			p, err := aliyun.New(cfg)
			if tt.wantErr == "" {
				if err != nil || p == nil {
					t.Fatalf("New = (%v, %v), want a provider", p, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "s3cr3t-value") {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	t.Parallel()
	p := newProvider(t, "http://127.0.0.1:1", func(c *aliyun.Config) { c.ParamField = "cvp" })
	if got := p.Name(); got != "aliyun" {
		t.Errorf("Name() = %q, want aliyun", got)
	}
	if got := p.Fields(); len(got) != 1 || got[0] != "cvp" {
		t.Errorf("Fields() = %q, want [cvp]", got)
	}
	tk := captcha.Ticket{Values: map[string]string{"cvp": `{"certifyId":"x"}`}}
	if got := p.TicketID(tk); got != `{"certifyId":"x"}` {
		t.Errorf("TicketID() = %q, want the whole param", got)
	}
}

func TestCheckFailback(t *testing.T) {
	t.Parallel()
	p := newProvider(t, "http://127.0.0.1:1", nil)
	tests := []struct {
		name  string
		param string
		ok    bool
	}{
		{"our scene pass", `{"sceneId":"abc123","certifyId":"c","deviceToken":"d","data":"x"}`, true},
		{"no sceneId pass", `{"certifyId":"c"}`, true},
		{"empty reject", "", false},
		{"not JSON reject", "hello-world", false},
		{"JSON array reject", `["abc123"]`, false},
		{"JSON string reject", `"abc123"`, false},
		{"truncated reject", `{"sceneId":"abc123"`, false},
		{"other scene reject", `{"sceneId":"zzz999","certifyId":"c"}`, false},
		{"sceneId not a string reject", `{"sceneId":123}`, false},
		{"too long reject", `{"sceneId":"abc123","data":"` + strings.Repeat("x", aliyun.MaxParamLen) + `"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := p.CheckFailback(t.Context(), ticket(tt.param))
			if tt.ok {
				if err != nil {
					t.Fatalf("CheckFailback = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, captcha.ErrRejected) {
				t.Fatalf("CheckFailback = %v, want an error wrapping ErrRejected", err)
			}
			if len(tt.param) >= 4 && strings.Contains(err.Error(), tt.param) {
				t.Errorf("error %q contains the param", err)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	srv := aliyuntest.NewServer(t, aliyuntest.Config{})
	srv.Inject(providertest.FaultHang)
	p := newProvider(t, srv.URL, func(c *aliyun.Config) { c.Timeout = 50 * time.Millisecond })
	_, err := p.Verify(context.Background(), ticket(srv.MintParam(aliyuntest.DefaultSceneID)))
	var ve *captcha.VerifyError
	if !errors.Is(err, captcha.ErrUnavailable) || !errors.As(err, &ve) || ve.Code != "timeout" {
		t.Fatalf("Verify against a hanging server = %v, want a timeout wrapping ErrUnavailable", err)
	}
}
