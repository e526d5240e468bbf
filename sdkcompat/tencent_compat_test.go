package sdkcompat_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/tencent"
	"github.com/captchakit/captcha/providers/tencent/tencenttest"
)

// tencentSDKClient is the official common client pointed at host (host:port)
// over plain HTTP, the way its requests are captured and recomputed
// (docs/wire.md#tencent-tc3-signing).
func tencentSDKClient(secretID, secretKey, token, host string) *common.Client {
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Scheme = "HTTP"
	cpf.HttpProfile.Endpoint = host
	cpf.HttpProfile.ReqTimeout = 5
	var cred *common.Credential
	if token != "" {
		cred = common.NewTokenCredential(secretID, secretKey, token)
	} else {
		cred = common.NewCredential(secretID, secretKey)
	}
	return common.NewCommonClient(cred, "", cpf)
}

// tencentSDKVerify sends DescribeCaptchaResult through the official SDK and
// returns the CaptchaCode, or the SDK's error code.
func tencentSDKVerify(t testing.TB, c *common.Client, ticket, randstr string, appID uint64, appSecret string) (code int, errCode string) {
	t.Helper()
	req := tchttp.NewCommonRequest("captcha", "2019-07-22", "DescribeCaptchaResult")
	if err := req.SetActionParameters(map[string]interface{}{
		"CaptchaType":  9,
		"Ticket":       ticket,
		"UserIp":       "203.0.113.7",
		"Randstr":      randstr,
		"CaptchaAppId": appID,
		"AppSecretKey": appSecret,
	}); err != nil {
		t.Fatalf("SetActionParameters: %v", err)
	}
	resp := tchttp.NewCommonResponse()
	if err := c.Send(req, resp); err != nil {
		var se *tcerr.TencentCloudSDKError
		if !errors.As(err, &se) {
			t.Fatalf("SDK Send error %T: %v", err, err)
		}
		return 0, se.GetCode()
	}
	var r struct {
		Response struct {
			CaptchaCode *int
			RequestId   string //nolint:revive // the API's spelling
		}
	}
	if err := json.Unmarshal(resp.GetBody(), &r); err != nil || r.Response.CaptchaCode == nil || r.Response.RequestId == "" {
		t.Fatalf("SDK reply %s: %v", resp.GetBody(), err)
	}
	return *r.Response.CaptchaCode, ""
}

// TestTencentSDKAgainstEmulator sends real requests from the official SDK to
// the emulator: they must verify (signature, headers, body as the SDK builds
// them) and get the right CaptchaCode or error envelope.
func TestTencentSDKAgainstEmulator(t *testing.T) {
	t.Parallel()
	const otherApp = 190000001
	tests := []struct {
		name     string
		secretID string
		key      string
		token    string
		prepare  func(s *tencenttest.Server) (tk tencenttest.Ticket, appSecret string)
		wantCode int
		wantErr  string
	}{
		{"minted pass", "", "", "", func(s *tencenttest.Server) (tencenttest.Ticket, string) {
			return s.Mint(0), tencenttest.DemoAppSecretKey
		}, 1, ""},
		{"replay", "", "", "", func(s *tencenttest.Server) (tencenttest.Ticket, string) {
			tk := s.Mint(0)
			if code, _ := tencentSDKVerify(t, tencentSDKClient(tencenttest.DemoSecretID, tencenttest.DemoSecretKey, "", s.Addr),
				tk.Ticket, tk.Randstr, tk.AppID, tencenttest.DemoAppSecretKey); code != 1 {
				t.Errorf("first use: CaptchaCode %d, want 1", code)
			}
			return tk, tencenttest.DemoAppSecretKey
		}, 9, ""},
		{"expired", "", "", "", func(s *tencenttest.Server) (tencenttest.Ticket, string) {
			return s.Mint(0, tencenttest.IssuedAt(time.Now().Add(-6*time.Minute))), tencenttest.DemoAppSecretKey
		}, 8, ""},
		{"randstr mismatch", "", "", "", func(s *tencenttest.Server) (tencenttest.Ticket, string) {
			tk := s.Mint(0)
			tk.Randstr = "@other"
			return tk, tencenttest.DemoAppSecretKey
		}, 7, ""},
		{"garbage", "", "", "", func(*tencenttest.Server) (tencenttest.Ticket, string) {
			return tencenttest.Ticket{Ticket: "tr03garbage*", Randstr: "@a", AppID: tencenttest.DemoAppID}, tencenttest.DemoAppSecretKey
		}, 15, ""},
		{"ticket of another app", "", "", "", func(s *tencenttest.Server) (tencenttest.Ticket, string) {
			tk := s.Mint(otherApp)
			tk.AppID = tencenttest.DemoAppID
			return tk, tencenttest.DemoAppSecretKey
		}, 16, ""},
		{"disaster ticket", "", "", "", func(s *tencenttest.Server) (tencenttest.Ticket, string) {
			return s.DisasterTicket(0), tencenttest.DemoAppSecretKey
		}, 21, ""},
		{"wrong AppSecretKey", "", "", "", func(s *tencenttest.Server) (tencenttest.Ticket, string) {
			return s.Mint(0), "wrong"
		}, 100, ""},
		{"wrong SecretKey", "", "wrong", "", func(s *tencenttest.Server) (tencenttest.Ticket, string) {
			return s.Mint(0), tencenttest.DemoAppSecretKey
		}, 0, "AuthFailure.SignatureFailure"},
		{"unknown SecretId", "AKIDnobody", "", "", func(s *tencenttest.Server) (tencenttest.Ticket, string) {
			return s.Mint(0), tencenttest.DemoAppSecretKey
		}, 0, "AuthFailure.SecretIdNotFound"},
		{"STS token", "AKIDtemporary", "temporary-key", "session-token", func(s *tencenttest.Server) (tencenttest.Ticket, string) {
			return s.Mint(0), tencenttest.DemoAppSecretKey
		}, 1, ""},
		{"STS token missing", "AKIDtemporary", "temporary-key", "", func(s *tencenttest.Server) (tencenttest.Ticket, string) {
			return s.Mint(0), tencenttest.DemoAppSecretKey
		}, 0, "AuthFailure.TokenFailure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := tencenttest.NewServer(t, tencenttest.Config{
				Credentials: []tencenttest.Credential{
					{SecretID: tencenttest.DemoSecretID, SecretKey: tencenttest.DemoSecretKey},
					{SecretID: "AKIDtemporary", SecretKey: "temporary-key", Token: "session-token"},
				},
				Apps: []tencenttest.App{
					{AppID: tencenttest.DemoAppID, AppSecretKey: tencenttest.DemoAppSecretKey},
					{AppID: otherApp, AppSecretKey: "other"},
				},
			})
			id, key := tt.secretID, tt.key
			if id == "" {
				id = tencenttest.DemoSecretID
			}
			if key == "" {
				key = tencenttest.DemoSecretKey
			}
			tk, appSecret := tt.prepare(srv)
			code, errCode := tencentSDKVerify(t, tencentSDKClient(id, key, tt.token, srv.Addr), tk.Ticket, tk.Randstr, tk.AppID, appSecret)
			if code != tt.wantCode || errCode != tt.wantErr {
				t.Errorf("SDK got CaptchaCode %d, error %q; want %d, %q", code, errCode, tt.wantCode, tt.wantErr)
			}
		})
	}
}

// captured is one request as the official SDK sent it.
type captured struct {
	host, contentType, timestamp, authorization, token string
	body                                               []byte
}

// TestTencentSignatureMatchesSDK captures the official SDK's requests on a
// loopback server and recomputes their Authorization with our Signer from
// the captured Host, Content-Type, timestamp and body.
func TestTencentSignatureMatchesSDK(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, captured{
			host: r.Host, contentType: r.Header.Get("Content-Type"), timestamp: r.Header.Get("X-TC-Timestamp"),
			authorization: r.Header.Get("Authorization"), token: r.Header.Get("X-TC-Token"), body: body,
		})
		mu.Unlock()
		_, _ = w.Write([]byte(`{"Response":{"CaptchaCode":1,"CaptchaMsg":"OK","EvilLevel":0,"RequestId":"r"}}`))
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")

	type keyPair struct{ id, key, token string }
	pairs := []keyPair{
		{tencenttest.DemoSecretID, tencenttest.DemoSecretKey, ""},
		{"AKIDtemporary", "temporary-key", "session-token"},
	}
	tickets := []struct{ ticket, randstr string }{
		{"tr03XaCUZ", "@Vki"},
		{`tr03"quoted\back*`, "@\u672a"},
		{"trerror_1001_199999164_1551113065", "@k3j9x0q1"},
	}
	for _, kp := range pairs {
		for _, tk := range tickets {
			if code, errCode := tencentSDKVerify(t, tencentSDKClient(kp.id, kp.key, kp.token, host), tk.ticket, tk.randstr,
				tencenttest.DemoAppID, tencenttest.DemoAppSecretKey); code != 1 || errCode != "" {
				t.Fatalf("SDK against the capture server: %d %q", code, errCode)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(pairs)*len(tickets) {
		t.Fatalf("captured %d requests, want %d", len(got), len(pairs)*len(tickets))
	}
	for i, c := range got {
		kp := pairs[i/len(tickets)]
		if c.host != host || c.token != kp.token {
			t.Errorf("request %d: Host %q token %q, want %q %q", i, c.host, c.token, host, kp.token)
		}
		ts, err := strconv.ParseInt(c.timestamp, 10, 64)
		if err != nil {
			t.Fatalf("request %d: X-TC-Timestamp %q: %v", i, c.timestamp, err)
		}
		ours := tencent.NewSigner(kp.id, kp.key, tencent.Service, c.host).Authorization(ts, c.contentType, c.body)
		if ours != c.authorization {
			t.Errorf("request %d (body %s):\n SDK  %s\n ours %s", i, c.body, c.authorization, ours)
		}
	}
}

// TestTencentProviderAndSDKAgree verifies the same kinds of tickets with our
// provider and with the SDK against one emulator, and compares the verdicts.
func TestTencentProviderAndSDKAgree(t *testing.T) {
	t.Parallel()
	srv := tencenttest.NewServer(t, tencenttest.Config{})
	p, err := tencent.New(tencent.Config{
		SecretID: tencenttest.DemoSecretID, SecretKey: tencenttest.DemoSecretKey,
		AppID: tencenttest.DemoAppID, AppSecretKey: tencenttest.DemoAppSecretKey, Endpoint: srv.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	sdk := tencentSDKClient(tencenttest.DemoSecretID, tencenttest.DemoSecretKey, "", srv.Addr)
	kinds := map[string]func() tencenttest.Ticket{
		"minted":   func() tencenttest.Ticket { return srv.Mint(0) },
		"risky":    func() tencenttest.Ticket { return srv.Mint(0, tencenttest.Risky()) },
		"garbage":  func() tencenttest.Ticket { return tencenttest.Ticket{Ticket: "tr03nope*", Randstr: "@a"} },
		"disaster": func() tencenttest.Ticket { return srv.DisasterTicket(0) },
		"bad randstr": func() tencenttest.Ticket {
			tk := srv.Mint(0)
			tk.Randstr += "x"
			return tk
		},
	}
	for name, mint := range kinds {
		a, b := mint(), mint()
		res, err := p.Verify(t.Context(), captcha.Ticket{
			Values: map[string]string{"ticket": a.Ticket, "randstr": a.Randstr}, ClientIP: "203.0.113.7"})
		if err != nil {
			t.Fatalf("%s: provider error %v", name, err)
		}
		code, errCode := tencentSDKVerify(t, sdk, b.Ticket, b.Randstr, tencenttest.DemoAppID, tencenttest.DemoAppSecretKey)
		if errCode != "" || res.Code != strconv.Itoa(code) || res.Passed != (code == 1) {
			t.Errorf("%s: provider %v/%s, SDK %d %q", name, res.Passed, res.Code, code, errCode)
		}
	}
}
