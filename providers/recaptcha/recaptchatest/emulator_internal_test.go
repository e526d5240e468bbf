package recaptchatest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/captchakit/captcha/providers/providertest"
)

type reply struct {
	Success     *bool    `json:"success"`
	Score       *float64 `json:"score"`
	Action      *string  `json:"action"`
	ChallengeTS string   `json:"challenge_ts"`
	Hostname    string   `json:"hostname"`
	ErrorCodes  []string `json:"error-codes"`
}

func (r reply) code() string {
	if r.Success != nil && *r.Success && len(r.ErrorCodes) == 0 {
		return "pass"
	}
	return strings.Join(r.ErrorCodes, ",")
}

func post(t *testing.T, e *Emulator, kv ...string) (int, string, reply) {
	t.Helper()
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	r := httptest.NewRequest(http.MethodPost, "http://emulator.test"+SiteverifyPath, strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	var rep reply
	if w.Header().Get("Content-Type") == "application/json" && e.faults.Current() != providertest.FaultMalformedJSON {
		if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
			t.Fatalf("reply %q: %v", w.Body.Bytes(), err)
		}
	}
	return w.Code, w.Body.String(), rep
}

func TestSiteverify(t *testing.T) {
	t.Parallel()
	e := New(Config{})
	tests := []struct {
		name string
		kv   []string
		want string
	}{
		{"v2 pass", []string{"secret", DemoSecretV2, "response", e.Mint(DemoSitekeyV2)}, "pass"},
		{"v3 pass", []string{"secret", DemoSecretV3, "response", e.Mint(DemoSitekeyV3, Action("login")), "remoteip", "203.0.113.7"}, "pass"},
		{"missing secret", []string{"response", e.Mint("")}, "missing-input-secret"},
		{"unknown secret", []string{"secret", "6Lx", "response", e.Mint("")}, "invalid-input-secret"},
		{"missing response", []string{"secret", DemoSecretV2}, "missing-input-response"},
		{"unknown token", []string{"secret", DemoSecretV2, "response", "03AFcWeAnope"}, "invalid-input-response"},
		{"token of another key", []string{"secret", DemoSecretV2, "response", e.Mint(DemoSitekeyV3)}, "invalid-input-response"},
		{"test secret, any token", []string{"secret", TestSecret, "response", "x"}, "pass"},
		{"test secret, no token", []string{"secret", TestSecret}, "missing-input-response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, body, r := post(t, e, tt.kv...); r.code() != tt.want {
				t.Errorf("reply %s, want %s", body, tt.want)
			}
		})
	}
}

func TestReplies(t *testing.T) {
	t.Parallel()
	e := New(Config{})
	_, body, r := post(t, e, "secret", DemoSecretV2, "response", e.Mint(DemoSitekeyV2, Hostname("example.com")))
	if r.code() != "pass" || r.Hostname != "example.com" || r.Score != nil || r.Action != nil || strings.Contains(body, "error-codes") {
		t.Errorf("v2 body %s, want no score, action or error-codes", body)
	}
	if ts, err := time.Parse(tsLayout, r.ChallengeTS); err != nil || ts.Nanosecond() != 0 {
		t.Errorf("challenge_ts %q, want whole seconds and Z", r.ChallengeTS)
	}
	_, body, r = post(t, e, "secret", DemoSecretV3, "response", e.Mint(DemoSitekeyV3, Action("login")))
	if r.code() != "pass" || r.Score == nil || *r.Score != DefaultScore || r.Action == nil || *r.Action != "login" ||
		!strings.HasPrefix(body, `{"success":true,"score":0.9,"action":"login","challenge_ts":`) {
		t.Errorf("v3 body %s", body)
	}
	e2 := New(Config{Sites: []Site{{Sitekey: "k", Secret: "s", V3: true, Score: 0.2}}})
	if _, body, r := post(t, e2, "secret", "s", "response", e2.Mint("")); r.Score == nil || *r.Score != 0.2 {
		t.Errorf("v3 body with the Site's score %s", body)
	}
	if _, body, r := post(t, e, "secret", TestSecret, "response", "x"); r.Hostname != TestHostname {
		t.Errorf("test key body %s", body)
	}
}

func TestSingleUseAndLifetime(t *testing.T) {
	t.Parallel()
	e := New(Config{})
	tk := e.Mint("")
	post(t, e, "secret", DemoSecretV2, "response", tk)
	if _, body, r := post(t, e, "secret", DemoSecretV2, "response", tk); r.code() != "timeout-or-duplicate" {
		t.Errorf("second redeem %s", body)
	}
	for range 2 {
		if _, body, r := post(t, e, "secret", TestSecret, "response", "same"); r.code() != "pass" {
			t.Errorf("test key %s, want a pass every time", body)
		}
	}
	young, old := e.Mint(""), e.Mint("")
	e.Advance(119 * time.Second)
	if _, body, r := post(t, e, "secret", DemoSecretV2, "response", young); r.code() != "pass" {
		t.Errorf("token at 119 s %s", body)
	}
	e.Advance(2 * time.Second)
	if _, body, r := post(t, e, "secret", DemoSecretV2, "response", old); r.code() != "timeout-or-duplicate" {
		t.Errorf("token at 121 s %s", body)
	}
}

func TestQueryParameters(t *testing.T) {
	t.Parallel()
	e := New(Config{})
	r := httptest.NewRequest(http.MethodPost, "http://emulator.test"+SiteverifyPath+"?secret="+DemoSecretV2+"&response="+e.Mint(""), nil)
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	if !strings.HasPrefix(w.Body.String(), `{"success":true`) {
		t.Errorf("POST with query parameters = %s, want a pass", w.Body.String())
	}
	w = httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://emulator.test"+SiteverifyPath, nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET = %d, want 405", w.Code)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fault  providertest.Fault
		status int
		body   string
	}{
		{providertest.FaultInternalError, 500, `{"success":false,"error-codes":["internal-error"]}`},
		{providertest.FaultBadCredentials, 200, `{"success":false,"error-codes":["invalid-input-secret"]}`},
		{providertest.FaultThrottled, 429, "<html><body>Too Many Requests</body></html>\n"},
		{providertest.FaultMalformedJSON, 200, malformedReply},
	}
	for _, tt := range tests {
		e := New(Config{})
		tk := e.Mint("")
		e.Inject(tt.fault)
		if status, body, _ := post(t, e, "secret", DemoSecretV2, "response", tk); status != tt.status || body != tt.body {
			t.Errorf("%v: %d %q, want %d %q", tt.fault, status, body, tt.status, tt.body)
		}
		e.Inject(providertest.FaultNone)
		if _, body, r := post(t, e, "secret", DemoSecretV2, "response", tk); r.code() != "pass" {
			t.Errorf("%v spent the token: %s", tt.fault, body)
		}
	}
}

func TestMintEndpoint(t *testing.T) {
	t.Parallel()
	e := New(Config{})
	mint := func(query string) (int, map[string]any) {
		w := httptest.NewRecorder()
		e.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "http://emulator.test"+MintPath+"?"+query, nil))
		var m map[string]any
		_ = json.Unmarshal(w.Body.Bytes(), &m)
		return w.Code, m
	}
	status, m := mint("sitekey=" + DemoSitekeyV3 + "&hostname=shop.example&action=checkout/pay&score=0.3")
	tk, _ := m["token"].(string)
	if status != 200 || m["expires_in"] != float64(120) || tk == "" {
		t.Fatalf("mint = %d %v", status, m)
	}
	if _, body, r := post(t, e, "secret", DemoSecretV3, "response", tk); r.code() != "pass" || r.Hostname != "shop.example" ||
		*r.Action != "checkout/pay" || *r.Score != 0.3 {
		t.Errorf("minted token verifies as %s", body)
	}
	for _, q := range []string{"sitekey=nope", "action=a-b", "score=-1", "score=x"} {
		if status, m := mint(q); status != 400 || m["success"] != false {
			t.Errorf("mint ?%s = %d %v, want 400", q, status, m)
		}
	}
	if status, _ := mint("sitekey=" + TestSitekey); status != 200 {
		t.Errorf("mint for the test sitekey = %d", status)
	}
}
