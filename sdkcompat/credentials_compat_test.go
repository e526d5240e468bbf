package sdkcompat_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/credentials-go/credentials"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/aliyun"
	"github.com/captchakit/captcha/providers/aliyun/aliyuntest"
	"github.com/captchakit/captcha/providers/tencent"
	"github.com/captchakit/captcha/providers/tencent/tencenttest"
)

// The SDK's credential interface and its concrete types are
// CredentialSources as they are.
var (
	_ tencent.CredentialSource = common.CredentialIface(nil)
	_ tencent.CredentialSource = (*common.Credential)(nil)
	_ tencent.CredentialSource = (*common.CvmRoleCredential)(nil)
	_ tencent.CredentialSource = (*common.RoleArnCredential)(nil)
)

// TestGH18TencentSDKCredentials passes the official SDK's own credential
// values as Config.Credentials: permanent and temporary keys verify against
// the emulator, the token reaches X-TC-Token, and a wrong token is a
// misconfiguration.
func TestGH18TencentSDKCredentials(t *testing.T) {
	t.Parallel()
	srv := tencenttest.NewServer(t, tencenttest.Config{
		Credentials: []tencenttest.Credential{
			{SecretID: tencenttest.DemoSecretID, SecretKey: tencenttest.DemoSecretKey},
			{SecretID: "AKIDtemporary", SecretKey: "temporary-key", Token: "session-token"},
		},
	})
	tests := []struct {
		name    string
		cred    common.CredentialIface
		wantErr string
	}{
		{"NewCredential", common.NewCredential(tencenttest.DemoSecretID, tencenttest.DemoSecretKey), ""},
		{"NewTokenCredential", common.NewTokenCredential("AKIDtemporary", "temporary-key", "session-token"), ""},
		{"NewTokenCredential with a stale token", common.NewTokenCredential("AKIDtemporary", "temporary-key", "stale-token"), "AuthFailure.TokenFailure"},
		{"NewTokenCredential without its token", common.NewCredential("AKIDtemporary", "temporary-key"), "AuthFailure.TokenFailure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := tencent.New(tencent.Config{
				Credentials: tt.cred, AppID: tencenttest.DemoAppID, AppSecretKey: tencenttest.DemoAppSecretKey,
				Endpoint: srv.URL, Now: srv.Now,
			})
			if err != nil {
				t.Fatal(err)
			}
			tk := srv.Mint(0)
			res, err := p.Verify(t.Context(), captcha.Ticket{
				Values: map[string]string{"ticket": tk.Ticket, "randstr": tk.Randstr}, ClientIP: "203.0.113.7"})
			var ve *captcha.VerifyError
			switch {
			case tt.wantErr == "" && (err != nil || !res.Passed):
				t.Fatalf("Verify = %+v, %v; want a pass", res, err)
			case tt.wantErr != "" && (!errors.As(err, &ve) || ve.Code != tt.wantErr || !errors.Is(err, captcha.ErrMisconfigured)):
				t.Fatalf("Verify error %v, want ErrMisconfigured with code %s", err, tt.wantErr)
			}
		})
	}
}

// TestGH18TencentSDKOptionalFields sends the optional request parameters
// from the official SDK: the emulator accepts them as the SDK types them
// and answers GetCaptchaTime when asked.
func TestGH18TencentSDKOptionalFields(t *testing.T) {
	t.Parallel()
	srv := tencenttest.NewServer(t, tencenttest.Config{})
	c := tencentSDKClient(tencenttest.DemoSecretID, tencenttest.DemoSecretKey, "", srv.Addr)
	tk := srv.Mint(0, tencenttest.WithScore(12))
	req := tchttp.NewCommonRequest("captcha", "2019-07-22", "DescribeCaptchaResult")
	if err := req.SetActionParameters(map[string]interface{}{
		"CaptchaType": 9, "Ticket": tk.Ticket, "UserIp": "203.0.113.7", "Randstr": tk.Randstr,
		"CaptchaAppId": tk.AppID, "AppSecretKey": tencenttest.DemoAppSecretKey,
		"BusinessId": 7, "SceneId": 8, "NeedGetCaptchaTime": 1,
	}); err != nil {
		t.Fatal(err)
	}
	resp := tchttp.NewCommonResponse()
	if err := c.Send(req, resp); err != nil {
		t.Fatalf("SDK Send: %v", err)
	}
	body := string(resp.GetBody())
	for _, want := range []string{`"CaptchaCode":1`, `"GetCaptchaTime":`, `"Score":12`} {
		if !strings.Contains(body, want) {
			t.Errorf("SDK reply %s lacks %s", body, want)
		}
	}
}

// aliyunSTS is the temporary credential of the Alibaba tests.
var aliyunSTS = struct{ id, secret, token string }{"STS.NUgYrLnoC37mZZCNnAbez2ahS", "sts-secret", "CAIS-sts-token"}

// aliyunSTSEmulator knows the default AccessKey and the STS one with its
// token.
func aliyunSTSEmulator(t *testing.T) *aliyuntest.Server {
	return aliyuntest.NewServer(t, aliyuntest.Config{
		AccessKeys: map[string]string{
			aliyuntest.DefaultAccessKeyID: aliyuntest.DefaultAccessKeySecret,
			aliyunSTS.id:                  aliyunSTS.secret,
		},
		SecurityTokens: map[string]string{aliyunSTS.id: aliyunSTS.token},
	})
}

// fromCredentialsGo adapts a credentials-go Credential to a CredentialSource,
// as the aliyun package documents it.
func fromCredentialsGo(cred credentials.Credential) aliyun.CredentialSource {
	return aliyun.CredentialFunc(func(context.Context) (aliyun.Credential, error) {
		m, err := cred.GetCredential()
		if err != nil {
			return aliyun.Credential{}, err
		}
		return aliyun.Credential{
			AccessKeyID:     tea.StringValue(m.AccessKeyId),
			AccessKeySecret: tea.StringValue(m.AccessKeySecret),
			SecurityToken:   tea.StringValue(m.SecurityToken),
		}, nil
	})
}

// TestGH18AliyunCredentialsGo plugs credentials-go's own STS and AccessKey
// credentials into Config.Credentials through the documented adapter: they
// verify against the emulator, which checks the STS token, and a wrong
// token is a misconfiguration.
func TestGH18AliyunCredentialsGo(t *testing.T) {
	t.Parallel()
	srv := aliyunSTSEmulator(t)
	newCred := func(t *testing.T, cfg *credentials.Config) credentials.Credential {
		t.Helper()
		c, err := credentials.NewCredential(cfg)
		if err != nil {
			t.Fatalf("credentials.NewCredential: %v", err)
		}
		return c
	}
	tests := []struct {
		name    string
		cfg     *credentials.Config
		wantErr string
	}{
		{"sts", &credentials.Config{Type: tea.String("sts"), AccessKeyId: tea.String(aliyunSTS.id),
			AccessKeySecret: tea.String(aliyunSTS.secret), SecurityToken: tea.String(aliyunSTS.token)}, ""},
		{"access_key", &credentials.Config{Type: tea.String("access_key"), AccessKeyId: tea.String(aliyuntest.DefaultAccessKeyID),
			AccessKeySecret: tea.String(aliyuntest.DefaultAccessKeySecret)}, ""},
		{"sts with a stale token", &credentials.Config{Type: tea.String("sts"), AccessKeyId: tea.String(aliyunSTS.id),
			AccessKeySecret: tea.String(aliyunSTS.secret), SecurityToken: tea.String("stale")}, "InvalidSecurityToken.MismatchWithAccessKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := aliyun.New(aliyun.Config{
				Credentials: fromCredentialsGo(newCred(t, tt.cfg)), SceneID: aliyuntest.DefaultSceneID,
				Endpoint: srv.URL, Now: srv.Now,
			})
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.Verify(t.Context(), captcha.Ticket{Values: map[string]string{
				aliyun.DefaultParamField: srv.MintParam(aliyuntest.DefaultSceneID)}})
			var ve *captcha.VerifyError
			switch {
			case tt.wantErr == "" && (err != nil || !res.Passed):
				t.Fatalf("Verify = %+v, %v; want a pass", res, err)
			case tt.wantErr != "" && (!errors.As(err, &ve) || ve.Code != tt.wantErr || !errors.Is(err, captcha.ErrMisconfigured)):
				t.Fatalf("Verify error %v, want ErrMisconfigured with code %s", err, tt.wantErr)
			}
		})
	}
}

// TestGH18AliyunSDKSecurityToken: the official client with STS credentials
// verifies on the emulator in both signing modes (the token in
// x-acs-security-token under ACS3, in SecurityToken under the RPC
// signature), and the emulator refuses it with a wrong token, as the
// gateway does.
func TestGH18AliyunSDKSecurityToken(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		name string
		v2   bool
	}{{"ACS3-HMAC-SHA256", false}, {"RPC HMAC-SHA1 (v2)", true}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			srv := aliyunSTSEmulator(t)
			sdk := func(token string) *openapi.Client {
				cfg := &openapi.Config{
					AccessKeyId: dara.String(aliyunSTS.id), AccessKeySecret: dara.String(aliyunSTS.secret),
					SecurityToken: dara.String(token), Endpoint: dara.String(srv.Addr), Protocol: dara.String("HTTP"),
				}
				if mode.v2 {
					cfg.SignatureAlgorithm = dara.String("v2")
				}
				c, err := openapi.NewClient(cfg)
				if err != nil {
					t.Fatalf("openapi.NewClient: %v", err)
				}
				return c
			}
			passed, code, err := aliyunSDKVerify(sdk(aliyunSTS.token), srv.MintParam(aliyuntest.DefaultSceneID), aliyuntest.DefaultSceneID)
			if err != nil || !passed || code != "T001" {
				t.Errorf("SDK with its STS token = (%v, %q, %v), want a T001 pass", passed, code, err)
			}
			_, _, err = aliyunSDKVerify(sdk("stale"), srv.MintParam(aliyuntest.DefaultSceneID), aliyuntest.DefaultSceneID)
			if err == nil || !strings.Contains(err.Error(), "InvalidSecurityToken.MismatchWithAccessKey") {
				t.Errorf("SDK with a stale token: error %v, want InvalidSecurityToken.MismatchWithAccessKey", err)
			}
		})
	}
}
