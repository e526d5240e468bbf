package sdkcompat_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/aliyun"
	"github.com/captchakit/captcha/providers/aliyun/aliyuntest"
)

// newAliyunSDK returns the official OpenAPI client pointed at the emulator.
// With v2 it signs with the older RPC HMAC-SHA1 scheme
// (SignatureAlgorithm "v2"); otherwise with its default, ACS3-HMAC-SHA256.
func newAliyunSDK(t testing.TB, srv *aliyuntest.Server, secret string, v2 bool) *openapi.Client {
	t.Helper()
	return newAliyunSDKAt(t, srv.Addr, secret, v2)
}

// newAliyunSDKAt is newAliyunSDK for an emulator at addr (host:port).
func newAliyunSDKAt(t testing.TB, addr, secret string, v2 bool) *openapi.Client {
	t.Helper()
	cfg := &openapi.Config{
		AccessKeyId:     dara.String(aliyuntest.DefaultAccessKeyID),
		AccessKeySecret: dara.String(secret),
		Endpoint:        dara.String(addr),
		Protocol:        dara.String("HTTP"),
	}
	if v2 {
		cfg.SignatureAlgorithm = dara.String("v2")
	}
	c, err := openapi.NewClient(cfg)
	if err != nil {
		t.Fatalf("openapi.NewClient: %v", err)
	}
	return c
}

// aliyunSDKVerify calls VerifyIntelligentCaptcha the way the generated
// captcha-20230305 client does and returns the verdict.
func aliyunSDKVerify(c *openapi.Client, param, scene string) (passed bool, code string, err error) {
	params := &openapi.Params{
		Action:      dara.String("VerifyIntelligentCaptcha"),
		Version:     dara.String("2023-03-05"),
		Protocol:    dara.String("HTTP"),
		Pathname:    dara.String("/"),
		Method:      dara.String("POST"),
		AuthType:    dara.String("AK"),
		Style:       dara.String("RPC"),
		ReqBodyType: dara.String("formData"),
		BodyType:    dara.String("json"),
	}
	req := &openapi.OpenApiRequest{Body: map[string]any{"CaptchaVerifyParam": param, "SceneId": scene}}
	out, err := c.CallApi(params, req, &dara.RuntimeOptions{})
	if err != nil {
		return false, "", err
	}
	body, _ := out["body"].(map[string]any)
	result, _ := body["Result"].(map[string]any)
	passed, _ = result["VerifyResult"].(bool)
	code, _ = result["VerifyCode"].(string)
	return passed, code, nil
}

// TestAliyunOfficialClientOnEmulator: the official client verifies on the
// emulator in both signing modes, and the emulator judges it as it judges
// our provider.
func TestAliyunOfficialClientOnEmulator(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		name string
		v2   bool
	}{{"ACS3-HMAC-SHA256", false}, {"RPC HMAC-SHA1 (v2)", true}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			srv := aliyuntest.NewServer(t, aliyuntest.Config{})
			c := newAliyunSDK(t, srv, aliyuntest.DefaultAccessKeySecret, mode.v2)
			param := srv.MintParam(aliyuntest.DefaultSceneID)
			steps := []struct {
				name       string
				param      string
				wantPassed bool
				wantCode   string
			}{
				{"fresh param pass", param, true, "T001"},
				{"same param again reject", param, false, "F008"},
				{"risky param reject", srv.MintRiskyParam(aliyuntest.DefaultSceneID), false, "F001"},
				{"malformed param reject", "not-json", false, "F003"},
			}
			for _, s := range steps {
				passed, code, err := aliyunSDKVerify(c, s.param, aliyuntest.DefaultSceneID)
				if err != nil || passed != s.wantPassed || code != s.wantCode {
					t.Errorf("%s: SDK verify = (%v, %q, %v), want (%v, %q, nil)", s.name, passed, code, err, s.wantPassed, s.wantCode)
				}
			}
			if got, want := srv.Calls(), int64(len(steps)); got != want {
				t.Errorf("emulator Calls() = %d, want %d", got, want)
			}

			bad := newAliyunSDK(t, srv, "wrong-secret", mode.v2)
			_, _, err := aliyunSDKVerify(bad, srv.MintParam(aliyuntest.DefaultSceneID), aliyuntest.DefaultSceneID)
			if err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
				t.Errorf("SDK with a wrong secret: error = %v, want SignatureDoesNotMatch", err)
			}
		})
	}
}

// TestAliyunAuthorizationMatchesSDK: for the exact request our provider
// sends, the SDK's own GetAuthorization computes the same Authorization.
func TestAliyunAuthorizationMatchesSDK(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		token string
		scene string
		param string
	}{
		{"plain", "", "abc123", `{"sceneId":"abc123","certifyId":"xyz","deviceToken":"dt","data":"d"}`},
		{"STS token", "CAIS+sts/token==", "abc123", `{"sceneId":"abc123","certifyId":"c"}`},
		{"odd characters", "", "sc*ene~+%", "a b*c~d+e/é\x00&="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan *http.Request, 1)
			bodies := make(chan []byte, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got <- r
				bodies <- b
				_, _ = w.Write([]byte(`{"RequestId":"r","Success":true,"Code":"Success","Result":{"VerifyResult":true,"VerifyCode":"T001"}}`))
			}))
			t.Cleanup(srv.Close)
			p, err := aliyun.New(aliyun.Config{
				AccessKeyID: "LTAI5tKey", AccessKeySecret: "s3cret", SecurityToken: tt.token,
				SceneID: tt.scene, Endpoint: srv.URL,
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Verify(t.Context(), captcha.Ticket{Values: map[string]string{aliyun.DefaultParamField: tt.param}}); err != nil {
				t.Fatal(err)
			}
			r, body := <-got, <-bodies
			headers := map[string]*string{"host": dara.String(r.Host)}
			for k, vs := range r.Header {
				if k != "Authorization" {
					headers[strings.ToLower(k)] = dara.String(vs[0])
				}
			}
			sum := sha256.Sum256(body)
			payload := hex.EncodeToString(sum[:])
			if h := r.Header.Get("X-Acs-Content-Sha256"); h != payload {
				t.Errorf("x-acs-content-sha256 = %s, want %s", h, payload)
			}
			want := openapiutil.GetAuthorization(&dara.Request{
				Method:   dara.String(r.Method),
				Pathname: dara.String(r.URL.Path),
				Headers:  headers,
			}, dara.String("ACS3-HMAC-SHA256"), dara.String(payload), dara.String("LTAI5tKey"), dara.String("s3cret"))
			if gotAuth := r.Header.Get("Authorization"); gotAuth != dara.StringValue(want) {
				t.Errorf("Authorization =\n%s\nSDK GetAuthorization =\n%s", gotAuth, dara.StringValue(want))
			}
		})
	}
}
