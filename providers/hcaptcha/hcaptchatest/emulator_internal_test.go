package hcaptchatest

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
	Success     *bool     `json:"success"`
	ChallengeTS string    `json:"challenge_ts"`
	Hostname    string    `json:"hostname"`
	Credit      *bool     `json:"credit"`
	Score       *float64  `json:"score"`
	ScoreReason *[]string `json:"score_reason"`
	ErrorCodes  []string  `json:"error-codes"`
}

func (r reply) code() string {
	if r.Success != nil && *r.Success && len(r.ErrorCodes) == 0 {
		return "pass"
	}
	return strings.Join(r.ErrorCodes, ",")
}

// post sends a siteverify form (name, value pairs) to e.
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

const (
	otherSitekey = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
	otherSecret  = "0x2222222222222222222222222222222222222222"
	entSitekey   = "e0e0e0e0-1111-4222-8333-444455556666"
)

func newTestEmulator() *Emulator {
	return New(Config{Sites: []Site{
		{Sitekey: DemoSitekey, Secret: DemoSecret},
		{Sitekey: entSitekey, Secret: DemoSecret, Enterprise: true},
		{Sitekey: otherSitekey, Secret: otherSecret},
	}})
}

func TestSiteverify(t *testing.T) {
	t.Parallel()
	e := newTestEmulator()
	tests := []struct {
		name string
		kv   []string
		want string
	}{
		{"pass", []string{"secret", DemoSecret, "response", e.Mint("")}, "pass"},
		{"pass with sitekey and remoteip", []string{"secret", DemoSecret, "response", e.Mint(""), "sitekey", DemoSitekey, "remoteip", "2001:db8::1"}, "pass"},
		{"missing secret", []string{"response", e.Mint("")}, "missing-input-secret"},
		{"unknown secret", []string{"secret", "0x1", "response", e.Mint("")}, "invalid-input-secret"},
		{"missing response", []string{"secret", DemoSecret}, "missing-input-response"},
		{"bad remoteip", []string{"secret", DemoSecret, "response", e.Mint(""), "remoteip", "nope"}, "invalid-remoteip"},
		{"unknown sitekey", []string{"secret", DemoSecret, "response", e.Mint(""), "sitekey", "nope"}, "invalid-sitekey"},
		{"sitekey of another account", []string{"secret", DemoSecret, "response", e.Mint(""), "sitekey", otherSitekey}, "sitekey-secret-mismatch"},
		{"token of another sitekey", []string{"secret", DemoSecret, "response", e.Mint(entSitekey), "sitekey", DemoSitekey}, "invalid-input-response"},
		{"token of another account", []string{"secret", DemoSecret, "response", e.Mint(otherSitekey)}, "sitekey-secret-mismatch"},
		{"token of our other sitekey, none sent", []string{"secret", DemoSecret, "response", e.Mint(entSitekey)}, "pass"},
		{"unknown token", []string{"secret", DemoSecret, "response", "P1_nope"}, "invalid-input-response"},
		{"test set", []string{"secret", TestSecret, "response", TestToken, "sitekey", TestSitekey}, "pass"},
		{"test secret, real token", []string{"secret", TestSecret, "response", e.Mint("")}, "not-using-dummy-passcode"},
		{"test secret, no token", []string{"secret", TestSecret}, "missing-input-response"},
		{"test token, production secret", []string{"secret", DemoSecret, "response", TestToken}, "not-using-dummy-secret"},
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
	e := newTestEmulator()
	_, body, r := post(t, e, "secret", DemoSecret, "response", e.Mint("", Hostname("example.com")))
	if r.code() != "pass" || r.Hostname != "example.com" || r.Credit == nil || *r.Credit || r.Score != nil || r.ScoreReason != nil {
		t.Errorf("pass body %s, want credit false and no score", body)
	}
	if _, err := time.Parse(tsLayout, r.ChallengeTS); err != nil {
		t.Errorf("challenge_ts %q: %v", r.ChallengeTS, err)
	}
	_, body, r = post(t, e, "secret", DemoSecret, "response", e.Mint(entSitekey, Score(0.7)), "sitekey", entSitekey)
	if r.code() != "pass" || r.Score == nil || *r.Score != 0.7 || r.ScoreReason == nil {
		t.Errorf("Enterprise pass body %s, want score 0.7 and score_reason", body)
	}
	_, body, r = post(t, e, "secret", TestSecret, "response", TestToken)
	if r.code() != "pass" || r.Hostname != TestHostname {
		t.Errorf("test set body %s", body)
	}
	if _, body, _ := post(t, e, "secret", DemoSecret, "response", TestToken); body != `{"success":false,"error-codes":["not-using-dummy-secret"]}` {
		t.Errorf("failure body %s", body)
	}
}

func TestSingleUseAndLifetime(t *testing.T) {
	t.Parallel()
	e := newTestEmulator()
	tk := e.Mint("")
	post(t, e, "secret", DemoSecret, "response", tk)
	if _, body, r := post(t, e, "secret", DemoSecret, "response", tk); r.code() != "already-seen-response" {
		t.Errorf("second redeem %s", body)
	}
	// A mismatched sitekey does not spend the token.
	tk = e.Mint("")
	post(t, e, "secret", DemoSecret, "response", tk, "sitekey", entSitekey)
	if _, body, r := post(t, e, "secret", DemoSecret, "response", tk); r.code() != "pass" {
		t.Errorf("redeem after a sitekey mismatch %s", body)
	}
	// The test token is not single use.
	for range 2 {
		if _, body, r := post(t, e, "secret", TestSecret, "response", TestToken); r.code() != "pass" {
			t.Errorf("test token %s", body)
		}
	}
	young, old := e.Mint(""), e.Mint("")
	e.Advance(119 * time.Second)
	if _, body, r := post(t, e, "secret", DemoSecret, "response", young); r.code() != "pass" {
		t.Errorf("token at 119 s %s", body)
	}
	e.Advance(2 * time.Second)
	if _, body, r := post(t, e, "secret", DemoSecret, "response", old); r.code() != "expired-input-response" {
		t.Errorf("token at 121 s %s", body)
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
		{providertest.FaultThrottled, 429, "Too Many Requests\n"},
		{providertest.FaultMalformedJSON, 200, malformedReply},
	}
	for _, tt := range tests {
		e := New(Config{})
		tk := e.Mint("")
		e.Inject(tt.fault)
		if status, body, _ := post(t, e, "secret", DemoSecret, "response", tk); status != tt.status || body != tt.body {
			t.Errorf("%v: %d %q, want %d %q", tt.fault, status, body, tt.status, tt.body)
		}
		e.Inject(providertest.FaultNone)
		if _, body, r := post(t, e, "secret", DemoSecret, "response", tk); r.code() != "pass" {
			t.Errorf("%v spent the token: %s", tt.fault, body)
		}
	}
}

func TestBodies(t *testing.T) {
	t.Parallel()
	e := New(Config{})
	for _, tt := range []struct {
		name, method, contentType, body string
		status                          int
		code                            string
	}{
		{"JSON is not read", http.MethodPost, "application/json", `{"secret":"` + DemoSecret + `","response":"` + e.Mint("") + `"}`, 200, "missing-input-secret"},
		{"query is not read", http.MethodPost, "", "", 200, "missing-input-secret"},
		{"GET", http.MethodGet, "", "", 405, "bad-request"},
		{"broken form", http.MethodPost, "application/x-www-form-urlencoded", "secret=%zz", 400, "bad-request"},
	} {
		target := "http://emulator.test" + SiteverifyPath
		if tt.name == "query is not read" {
			target += "?secret=" + DemoSecret + "&response=" + e.Mint("")
		}
		r := httptest.NewRequest(tt.method, target, strings.NewReader(tt.body))
		if tt.contentType != "" {
			r.Header.Set("Content-Type", tt.contentType)
		}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		var rep reply
		_ = json.Unmarshal(w.Body.Bytes(), &rep)
		if w.Code != tt.status || rep.code() != tt.code {
			t.Errorf("%s: %d %s, want %d %s", tt.name, w.Code, w.Body.String(), tt.status, tt.code)
		}
	}
}

func TestMintEndpoint(t *testing.T) {
	t.Parallel()
	e := newTestEmulator()
	mint := func(query string) (int, map[string]any) {
		w := httptest.NewRecorder()
		e.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "http://emulator.test"+MintPath+"?"+query, nil))
		var m map[string]any
		_ = json.Unmarshal(w.Body.Bytes(), &m)
		return w.Code, m
	}
	status, m := mint("sitekey=" + entSitekey + "&hostname=shop.example&score=0.3")
	tk, _ := m["token"].(string)
	if status != 200 || m["expires_in"] != float64(120) || !strings.HasPrefix(tk, "P1_") {
		t.Fatalf("mint = %d %v", status, m)
	}
	if _, body, r := post(t, e, "secret", DemoSecret, "response", tk, "sitekey", entSitekey); r.code() != "pass" || r.Hostname != "shop.example" || *r.Score != 0.3 {
		t.Errorf("minted token verifies as %s", body)
	}
	if _, m := mint("sitekey=" + TestSitekey); m["token"] != TestToken {
		t.Errorf("mint for the test sitekey = %v", m)
	}
	for _, q := range []string{"sitekey=nope", "score=2", "score=x"} {
		if status, m := mint(q); status != 400 || m["code"] != "invalid-data" {
			t.Errorf("mint ?%s = %d %v, want 400 invalid-data", q, status, m)
		}
	}
}
