package tencenttest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/captchakit/captcha/providers/providertest"
	"github.com/captchakit/captcha/providers/tencent"
)

func timeDate(ts int64) string { return time.Unix(ts, 0).UTC().Format(time.DateOnly) }

// call is one raw API request, signed by tencent.Signer unless a field says
// otherwise.
type call struct {
	action, version string
	secretID        string
	secretKey       string
	token           string
	ts              int64
	contentType     string
	signHost        string // Host used in the signature; default the real one
	body            string
	signedBody      string // body used in the signature; default body
	auth            string // overrides Authorization
	withAction      bool   // sign content-type;host;x-tc-action
	unsigned        bool   // X-TC-Content-SHA256: UNSIGNED-PAYLOAD
	method          string
}

type apiReply struct {
	Response struct {
		CaptchaCode *int
		CaptchaMsg  string
		EvilLevel   int
		Error       *struct{ Code, Message string }
		RequestId   string //nolint:revive // the API's spelling

		GetCaptchaTime, SubmitCaptchaTime, EvilBitmap, Score *int64
		DeviceRiskCategory                                   *string
	}
}

func bodyFor(tk Ticket, appID uint64, secret string) string {
	b, _ := json.Marshal(map[string]any{
		"CaptchaType": 9, "Ticket": tk.Ticket, "UserIp": "127.0.0.1", "Randstr": tk.Randstr,
		"CaptchaAppId": appID, "AppSecretKey": secret,
	})
	return string(b)
}

func (s *Server) do(t *testing.T, c call) (int, apiReply) {
	t.Helper()
	if c.action == "" {
		c.action = "DescribeCaptchaResult"
	}
	if c.version == "" {
		c.version = "2019-07-22"
	}
	if c.secretID == "" {
		c.secretID = DemoSecretID
	}
	if c.secretKey == "" {
		c.secretKey = DemoSecretKey
	}
	if c.ts == 0 {
		c.ts = s.Now().Unix()
	}
	if c.contentType == "" {
		c.contentType = "application/json"
	}
	if c.signHost == "" {
		c.signHost = s.Addr
	}
	if c.signedBody == "" {
		c.signedBody = c.body
	}
	if c.method == "" {
		c.method = http.MethodPost
	}
	signed := c.signedBody
	if c.unsigned {
		signed = "UNSIGNED-PAYLOAD"
	}
	auth := c.auth
	switch {
	case auth != "":
	case c.withAction:
		hdr := map[string]string{"content-type": c.contentType, "host": c.signHost, "x-tc-action": c.action}
		names := []string{"content-type", "host", "x-tc-action"}
		date := timeDate(c.ts)
		cr := canonicalRequest("POST", names, func(n string) string { return hdr[n] }, []byte(signed))
		auth = "TC3-HMAC-SHA256 Credential=" + c.secretID + "/" + date + "/captcha/tc3_request, SignedHeaders=" +
			strings.Join(names, ";") + ", Signature=" + signature(c.secretKey, date, "captcha", stringToSign(c.ts, date, "captcha", cr))
	default:
		auth = tencent.NewSigner(c.secretID, c.secretKey, tencent.Service, c.signHost).Authorization(c.ts, c.contentType, []byte(signed))
	}
	req, err := http.NewRequestWithContext(t.Context(), c.method, s.URL+"/", strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", c.contentType)
	req.Header.Set("X-TC-Action", c.action)
	req.Header.Set("X-TC-Version", c.version)
	req.Header.Set("X-TC-Timestamp", strconv.FormatInt(c.ts, 10))
	req.Header.Set("Authorization", auth)
	if c.token != "" {
		req.Header.Set("X-TC-Token", c.token)
	}
	if c.unsigned {
		req.Header.Set("X-TC-Content-SHA256", "UNSIGNED-PAYLOAD")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r apiReply
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("reply %q: %v", raw, err)
	}
	return resp.StatusCode, r
}

// TestAPI checks the request checks in the order Tencent applies them, and
// the verdicts.
func TestAPI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cfg      Config
		call     func(s *Server) call
		wantErr  string // envelope code, or "" for a verdict
		wantCode int
		wantEvil int
	}{
		{"pass", Config{}, func(s *Server) call {
			return call{body: bodyFor(s.Mint(0), DemoAppID, DemoAppSecretKey)}
		}, "", 1, 0},
		{"pass with x-tc-action signed", Config{}, func(s *Server) call {
			return call{body: bodyFor(s.Mint(0), DemoAppID, DemoAppSecretKey), withAction: true}
		}, "", 1, 0},
		{"pass with unsigned payload", Config{}, func(s *Server) call {
			return call{body: bodyFor(s.Mint(0), DemoAppID, DemoAppSecretKey), unsigned: true}
		}, "", 1, 0},
		{"pass with charset content type", Config{}, func(s *Server) call {
			return call{body: bodyFor(s.Mint(0), DemoAppID, DemoAppSecretKey), contentType: "application/json; charset=utf-8"}
		}, "", 1, 0},
		{"risky pass", Config{}, func(s *Server) call {
			return call{body: bodyFor(s.Mint(0, Risky()), DemoAppID, DemoAppSecretKey)}
		}, "", 1, 100},
		{"expired", Config{}, func(s *Server) call {
			return call{body: bodyFor(s.Mint(0, IssuedAt(s.Now().Add(-301*time.Second))), DemoAppID, DemoAppSecretKey)}
		}, "", 8, 0},
		{"randstr mismatch", Config{}, func(s *Server) call {
			tk := s.Mint(0)
			tk.Randstr += "x"
			return call{body: bodyFor(tk, DemoAppID, DemoAppSecretKey)}
		}, "", 7, 0},
		{"unknown app", Config{}, func(s *Server) call {
			return call{body: bodyFor(s.Mint(0), 42, DemoAppSecretKey)}
		}, "", 100, 0},
		{"wrong app secret", Config{}, func(s *Server) call {
			return call{body: bodyFor(s.Mint(0), DemoAppID, "nope")}
		}, "", 100, 0},
		{"ticket of another app", Config{Apps: []App{{1, "a"}, {2, "b"}}}, func(s *Server) call {
			return call{body: bodyFor(s.Mint(1), 2, "b")}
		}, "", 16, 0},
		{"garbage", Config{}, func(*Server) call {
			return call{body: bodyFor(Ticket{Ticket: "tr03zzz", Randstr: "@a"}, DemoAppID, DemoAppSecretKey)}
		}, "", 15, 0},
		{"disaster trerror", Config{}, func(s *Server) call {
			return call{body: bodyFor(s.DisasterTicket(0), DemoAppID, DemoAppSecretKey)}
		}, "", 21, 0},
		{"disaster terror", Config{}, func(*Server) call {
			return call{body: bodyFor(Ticket{Ticket: "terror_1001_199999164_1551113065", Randstr: "@a"}, DemoAppID, DemoAppSecretKey)}
		}, "", 21, 0},
		{"missing action", Config{}, func(*Server) call { return call{action: " ", body: "{}"} }, "MissingParameter", 0, 0},
		{"wrong action", Config{}, func(*Server) call { return call{action: "DescribeInstances", body: "{}"} }, "InvalidAction", 0, 0},
		{"wrong version", Config{}, func(*Server) call { return call{version: "2017-03-12", body: "{}"} }, "NoSuchVersion", 0, 0},
		{"malformed authorization", Config{}, func(*Server) call {
			return call{auth: "TC3-HMAC-SHA256 Credential=x", body: "{}"}
		}, "AuthFailure.InvalidAuthorization", 0, 0},
		{"wrong algorithm", Config{}, func(*Server) call {
			return call{auth: "HMAC-SHA256 Credential=a/2019-02-25/captcha/tc3_request, SignedHeaders=content-type;host, Signature=" + strings.Repeat("0", 64), body: "{}"}
		}, "AuthFailure.InvalidAuthorization", 0, 0},
		{"unsorted signed headers", Config{}, func(*Server) call {
			return call{auth: "TC3-HMAC-SHA256 Credential=" + DemoSecretID + "/2019-02-25/captcha/tc3_request, SignedHeaders=host;content-type, Signature=" + strings.Repeat("0", 64), body: "{}"}
		}, "AuthFailure.InvalidAuthorization", 0, 0},
		{"unknown secret id", Config{}, func(*Server) call { return call{secretID: "AKIDnobody", body: "{}"} }, "AuthFailure.SecretIdNotFound", 0, 0},
		{"timestamp too old", Config{}, func(s *Server) call { return call{ts: s.Now().Unix() - 301, body: "{}"} }, "AuthFailure.SignatureExpire", 0, 0},
		{"timestamp too new", Config{}, func(s *Server) call { return call{ts: s.Now().Unix() + 301, body: "{}"} }, "AuthFailure.SignatureExpire", 0, 0},
		{"timestamp at the edge", Config{}, func(s *Server) call {
			return call{ts: s.Now().Unix() - 299, body: bodyFor(s.Mint(0), DemoAppID, DemoAppSecretKey)}
		}, "", 1, 0},
		{"wrong secret key", Config{}, func(*Server) call { return call{secretKey: "wrong", body: "{}"} }, "AuthFailure.SignatureFailure", 0, 0},
		{"signed another host", Config{}, func(*Server) call {
			return call{signHost: "captcha.tencentcloudapi.com", body: "{}"}
		}, "AuthFailure.SignatureFailure", 0, 0},
		{"body tampered", Config{}, func(s *Server) call {
			return call{body: bodyFor(s.Mint(0), DemoAppID, DemoAppSecretKey), signedBody: "{}"}
		}, "AuthFailure.SignatureFailure", 0, 0},
		{"token required", Config{Credentials: []Credential{{DemoSecretID, DemoSecretKey, "tok"}}}, func(*Server) call {
			return call{body: "{}"}
		}, "AuthFailure.TokenFailure", 0, 0},
		{"token accepted", Config{Credentials: []Credential{{DemoSecretID, DemoSecretKey, "tok"}}}, func(s *Server) call {
			return call{token: "tok", body: bodyFor(s.Mint(0), DemoAppID, DemoAppSecretKey)}
		}, "", 1, 0},
		{"missing ticket", Config{}, func(*Server) call {
			return call{body: `{"CaptchaType":9,"UserIp":"1.2.3.4","Randstr":"@a","CaptchaAppId":199999164,"AppSecretKey":"x"}`}
		}, "MissingParameter", 0, 0},
		{"app id as string", Config{}, func(*Server) call {
			return call{body: `{"CaptchaType":9,"Ticket":"t","UserIp":"1.2.3.4","Randstr":"@a","CaptchaAppId":"199999164","AppSecretKey":"x"}`}
		}, "InvalidParameter", 0, 0},
		{"body not JSON", Config{}, func(*Server) call { return call{body: "Ticket=x"} }, "InvalidParameter", 0, 0},
		{"GET", Config{}, func(*Server) call { return call{method: http.MethodGet} }, "UnsupportedProtocol", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewServer(t, tt.cfg)
			status, r := s.do(t, tt.call(s))
			if status != http.StatusOK {
				t.Errorf("status = %d, want 200", status)
			}
			if r.Response.RequestId == "" {
				t.Error("reply has no RequestId")
			}
			if tt.wantErr != "" {
				if r.Response.Error == nil || r.Response.Error.Code != tt.wantErr {
					t.Fatalf("reply = %+v, want error %s", r.Response, tt.wantErr)
				}
				if r.Response.Error.Message == "" {
					t.Error("error envelope has no Message")
				}
				return
			}
			if r.Response.Error != nil || r.Response.CaptchaCode == nil {
				t.Fatalf("reply = %+v (error %+v), want CaptchaCode %d", r.Response, r.Response.Error, tt.wantCode)
			}
			if *r.Response.CaptchaCode != tt.wantCode || r.Response.EvilLevel != tt.wantEvil || r.Response.CaptchaMsg == "" {
				t.Errorf("CaptchaCode %d EvilLevel %d CaptchaMsg %q, want %d, %d and a message",
					*r.Response.CaptchaCode, r.Response.EvilLevel, r.Response.CaptchaMsg, tt.wantCode, tt.wantEvil)
			}
		})
	}
}

func TestSingleUseAndBusy(t *testing.T) {
	t.Parallel()
	s := NewServer(t, Config{})
	tk := s.Mint(0)
	body := bodyFor(tk, DemoAppID, DemoAppSecretKey)

	s.SetSystemBusy(true)
	if _, r := s.do(t, call{body: body}); r.Response.CaptchaCode == nil || *r.Response.CaptchaCode != 26 {
		t.Fatalf("busy: reply %+v, want CaptchaCode 26", r.Response)
	}
	s.SetSystemBusy(false)
	for i, want := range []int{1, 9, 9} {
		if _, r := s.do(t, call{body: body}); r.Response.CaptchaCode == nil || *r.Response.CaptchaCode != want {
			t.Fatalf("use %d: reply %+v, want CaptchaCode %d", i+1, r.Response, want)
		}
	}
	if got := s.Calls(); got != 4 {
		t.Errorf("Calls() = %d, want 4", got)
	}
}

func TestAdvanceExpires(t *testing.T) {
	t.Parallel()
	s := NewServer(t, Config{TicketLifetime: time.Minute})
	tk := s.Mint(0)
	s.Advance(61 * time.Second)
	_, r := s.do(t, call{body: bodyFor(tk, DemoAppID, DemoAppSecretKey)}) // signs with s.Now()
	if r.Response.CaptchaCode == nil || *r.Response.CaptchaCode != 8 {
		t.Fatalf("reply %+v, want CaptchaCode 8", r.Response)
	}
}

func TestVendorFaults(t *testing.T) {
	t.Parallel()
	for fault, want := range map[providertest.Fault]string{
		providertest.FaultInternalError:  "InternalError",
		providertest.FaultThrottled:      "RequestLimitExceeded",
		providertest.FaultBadCredentials: "AuthFailure.SecretIdNotFound",
	} {
		s := NewServer(t, Config{})
		s.Inject(fault)
		status, r := s.do(t, call{body: bodyFor(s.Mint(0), DemoAppID, DemoAppSecretKey)})
		if status != http.StatusOK || r.Response.Error == nil || r.Response.Error.Code != want {
			t.Errorf("%v: status %d reply %+v, want 200 and %s", fault, status, r.Response, want)
		}
	}
}

func TestScriptAndMint(t *testing.T) {
	t.Parallel()
	s := NewServer(t, Config{})

	resp, err := http.Get(s.URL + ScriptPath)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/javascript") {
		t.Fatalf("GET %s = %d %s", ScriptPath, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{"window.TencentCaptcha", "prototype.show", "prototype.destroy", "tcaptcha-emulator-solve",
		"tcaptcha-emulator-close", "document.currentScript", MintPath} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("script does not contain %q", want)
		}
	}
	for _, bad := range []string{"eval(", "new Function", "import "} {
		if bytes.Contains(js, []byte(bad)) {
			t.Errorf("script contains %q", bad)
		}
	}

	resp, err = http.Post(s.URL+MintPath+"?appid=199999164", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Ret             int
		Ticket, Randstr string
		AppID           string `json:"appid"`
	}
	err = json.NewDecoder(resp.Body).Decode(&m)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("mint: %d, CORS %q, %v", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), err)
	}
	if m.Ret != 0 || !strings.HasPrefix(m.Ticket, "tr0") || !strings.HasPrefix(m.Randstr, "@") || m.AppID != "199999164" {
		t.Fatalf("mint reply = %+v", m)
	}
	if _, r := s.do(t, call{body: bodyFor(Ticket{Ticket: m.Ticket, Randstr: m.Randstr}, DemoAppID, DemoAppSecretKey)}); r.Response.CaptchaCode == nil || *r.Response.CaptchaCode != 1 {
		t.Fatalf("minted ticket: reply %+v, want CaptchaCode 1", r.Response)
	}

	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{http.MethodOptions, MintPath, http.StatusNoContent},
		{http.MethodGet, MintPath + "?appid=abc", http.StatusBadRequest},
		{http.MethodPut, MintPath, http.StatusMethodNotAllowed},
		{http.MethodPost, ScriptPath, http.StatusMethodNotAllowed},
		{http.MethodGet, "/nope", http.StatusNotFound},
	} {
		req, _ := http.NewRequestWithContext(t.Context(), tc.method, s.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s = %d, want %d", tc.method, tc.path, resp.StatusCode, tc.want)
		}
	}
	if got := s.Calls(); got != 1 {
		t.Errorf("Calls() = %d, want 1 (script and mint requests do not count)", got)
	}
}
