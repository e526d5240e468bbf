package turnstiletest

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/captchakit/captcha/providers/providertest"
)

// call is one siteverify request: a form (or another body) to the emulator.
type call struct {
	method      string
	contentType string
	body        string
}

func form(kv ...string) call {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return call{contentType: "application/x-www-form-urlencoded", body: v.Encode()}
}

// reply is what the tests read of a siteverify answer.
type reply struct {
	Success     *bool    `json:"success"`
	ChallengeTS string   `json:"challenge_ts"`
	Hostname    string   `json:"hostname"`
	ErrorCodes  []string `json:"error-codes"`
	Action      *string  `json:"action"`
	CData       *string  `json:"cdata"`
}

func (r reply) code() string {
	if r.Success != nil && *r.Success && len(r.ErrorCodes) == 0 {
		return "pass"
	}
	return strings.Join(r.ErrorCodes, ",")
}

func do(t *testing.T, e *Emulator, c call) (int, []byte, reply) {
	t.Helper()
	if c.method == "" {
		c.method = http.MethodPost
	}
	r := httptest.NewRequest(c.method, "http://emulator.test"+SiteverifyPath, strings.NewReader(c.body))
	if c.contentType != "" {
		r.Header.Set("Content-Type", c.contentType)
	}
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	var rep reply
	if strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") && e.faults.Current() != providertest.FaultMalformedJSON {
		if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
			t.Fatalf("reply %q: %v", w.Body.Bytes(), err)
		}
	}
	return w.Code, w.Body.Bytes(), rep
}

func TestSiteverify(t *testing.T) {
	t.Parallel()
	e := New(Config{Sites: []Site{{DemoSitekey, DemoSecret}, {"0x4AAAAAAAother0000000000", "0x4AAAAAAAother0secret0000000000000"}}})
	other := e.Mint("0x4AAAAAAAother0000000000")
	tests := []struct {
		name string
		c    call
		want string
	}{
		{"pass", form("secret", DemoSecret, "response", e.Mint("")), "pass"},
		{"pass with remoteip", form("secret", DemoSecret, "response", e.Mint(""), "remoteip", "203.0.113.7"), "pass"},
		{"missing secret", form("response", e.Mint("")), "missing-input-secret"},
		{"missing both", form(), "missing-input-secret"},
		{"unknown secret", form("secret", "nope", "response", e.Mint("")), "invalid-input-secret"},
		{"missing response", form("secret", DemoSecret), "missing-input-response"},
		{"unknown token", form("secret", DemoSecret, "response", "0.nope"), "invalid-input-response"},
		{"token of another widget", form("secret", DemoSecret, "response", other), "invalid-input-response"},
		{"token over 2048", form("secret", DemoSecret, "response", strings.Repeat("a", 2049)), "invalid-input-response"},
		{"dummy token, production secret", form("secret", DemoSecret, "response", DummyToken), "invalid-input-response"},
		{"test secret pass", form("secret", TestSecretPass, "response", DummyToken), "pass"},
		{"test secret fail", form("secret", TestSecretFail, "response", DummyToken), "invalid-input-response"},
		{"test secret spent", form("secret", TestSecretSpent, "response", DummyToken), "timeout-or-duplicate"},
		{"test secret, real token", form("secret", TestSecretPass, "response", e.Mint("")), "invalid-input-response"},
		{"JSON body", call{contentType: "application/json", body: `{"secret":"` + DemoSecret + `","response":"` + e.Mint("") + `"}`}, "pass"},
		{"JSON charset", call{contentType: "application/json; charset=utf-8", body: `{"secret":"` + DemoSecret + `","response":"` + e.Mint("") + `"}`}, "pass"},
		{"JSON with a number", call{contentType: "application/json", body: `{"secret":1,"response":"x"}`}, "missing-input-secret"},
		{"broken JSON", call{contentType: "application/json", body: `{"secret":`}, "bad-request"},
		{"text body", call{contentType: "text/plain", body: "secret=" + DemoSecret}, "missing-input-secret"},
		{"GET", call{method: http.MethodGet}, "bad-request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, body, r := do(t, e, tt.c)
			if got := r.code(); got != tt.want {
				t.Errorf("reply %s, want %s", body, tt.want)
			}
		})
	}
}

func TestMultipart(t *testing.T) {
	t.Parallel()
	e := New(Config{})
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("secret", DemoSecret)
	_ = mw.WriteField("response", e.Mint(""))
	_ = mw.Close()
	if _, body, r := do(t, e, call{contentType: mw.FormDataContentType(), body: b.String()}); r.code() != "pass" {
		t.Errorf("multipart body: reply %s, want a pass", body)
	}
}

// TestDocumentedBodies compares the test-key answers with Cloudflare's
// documented bodies (TS-2, TS-3, TS-4), challenge_ts aside.
func TestDocumentedBodies(t *testing.T) {
	t.Parallel()
	e := New(Config{})
	_, got, _ := do(t, e, form("secret", TestSecretPass, "response", DummyToken))
	want := `{"success":true,"challenge_ts":"` + e.Now().UTC().Format(tsLayout) + `","hostname":"localhost","error-codes":[],"action":"test","cdata":"test-data"}`
	var g, w map[string]any
	_ = json.Unmarshal(got, &g)
	_ = json.Unmarshal([]byte(want), &w)
	delete(g, "challenge_ts")
	delete(w, "challenge_ts")
	if gb, _ := json.Marshal(g); string(gb) != mustJSON(w) {
		t.Errorf("TS-2 body = %s, want %s", got, want)
	}
	for secret, want := range map[string]string{
		TestSecretFail:  `{"success":false,"error-codes":["invalid-input-response"]}`,
		TestSecretSpent: `{"success":false,"error-codes":["timeout-or-duplicate"]}`,
	} {
		if _, got, _ := do(t, e, form("secret", secret, "response", DummyToken)); string(got) != want {
			t.Errorf("%s: body %s, want %s", secret, got, want)
		}
	}
	tk := e.Mint("", Hostname("example.com"), Action("login"), CData("sessionid-123456789"))
	_, got, r := do(t, e, form("secret", DemoSecret, "response", tk))
	if r.code() != "pass" || r.Hostname != "example.com" || *r.Action != "login" || *r.CData != "sessionid-123456789" ||
		!strings.HasPrefix(string(got), `{"success":true,"challenge_ts":"`) {
		t.Errorf("minted pass body %s", got)
	}
	if _, err := time.Parse(tsLayout, r.ChallengeTS); err != nil || !strings.HasSuffix(r.ChallengeTS, "Z") || len(r.ChallengeTS) != 24 {
		t.Errorf("challenge_ts %q, want milliseconds and Z", r.ChallengeTS)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestSingleUseAndIdempotency(t *testing.T) {
	t.Parallel()
	e := New(Config{})
	tk := e.Mint("")
	_, first, r := do(t, e, form("secret", DemoSecret, "response", tk, "idempotency_key", "k1"))
	if r.code() != "pass" {
		t.Fatalf("first redeem %s", first)
	}
	_, again, _ := do(t, e, form("secret", DemoSecret, "response", tk, "idempotency_key", "k1"))
	if !bytes.Equal(first, again) {
		t.Errorf("retry with the same key = %s, want the first answer %s", again, first)
	}
	if _, body, r := do(t, e, form("secret", DemoSecret, "response", tk, "idempotency_key", "k2")); r.code() != "timeout-or-duplicate" {
		t.Errorf("redeem with another key = %s, want timeout-or-duplicate", body)
	}
	if _, body, r := do(t, e, form("secret", DemoSecret, "response", tk)); r.code() != "timeout-or-duplicate" {
		t.Errorf("redeem without a key = %s, want timeout-or-duplicate", body)
	}

	// Without keys, a token is spent on its first redeem.
	tk = e.Mint("")
	do(t, e, form("secret", DemoSecret, "response", tk))
	if _, body, r := do(t, e, form("secret", DemoSecret, "response", tk)); r.code() != "timeout-or-duplicate" {
		t.Errorf("second redeem = %s, want timeout-or-duplicate", body)
	}

	// A token verified by another widget's secret first is not spent.
	e2 := New(Config{Sites: []Site{{DemoSitekey, DemoSecret}, {"0x4AAAAAAAother0000000000", "0x4AAAAAAAother0secret0000000000000"}}})
	tk = e2.Mint("")
	do(t, e2, form("secret", "0x4AAAAAAAother0secret0000000000000", "response", tk))
	if _, body, r := do(t, e2, form("secret", DemoSecret, "response", tk)); r.code() != "pass" {
		t.Errorf("redeem after another widget's attempt = %s, want a pass", body)
	}
}

func TestLifetime(t *testing.T) {
	t.Parallel()
	e := New(Config{})
	young, old := e.Mint(""), e.Mint("")
	e.Advance(299 * time.Second)
	if _, body, r := do(t, e, form("secret", DemoSecret, "response", young)); r.code() != "pass" {
		t.Errorf("token at 299 s = %s, want a pass", body)
	}
	e.Advance(2 * time.Second)
	if _, body, r := do(t, e, form("secret", DemoSecret, "response", old)); r.code() != "timeout-or-duplicate" {
		t.Errorf("token at 301 s = %s, want timeout-or-duplicate", body)
	}
	e = New(Config{TokenLifetime: time.Second})
	tk := e.Mint("")
	e.Advance(2 * time.Second)
	if _, body, r := do(t, e, form("secret", DemoSecret, "response", tk)); r.code() != "timeout-or-duplicate" {
		t.Errorf("token past a 1 s lifetime = %s, want timeout-or-duplicate", body)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fault      providertest.Fault
		wantStatus int
		wantBody   string
	}{
		{providertest.FaultInternalError, 200, `{"success":false,"error-codes":["internal-error"]}`},
		{providertest.FaultBadCredentials, 200, `{"success":false,"error-codes":["invalid-input-secret"]}`},
		{providertest.FaultThrottled, 429, `error code: 1015`},
		{providertest.FaultHTTP502, 502, "<html><body><h1>Bad Gateway</h1></body></html>\n"},
		{providertest.FaultMalformedJSON, 200, malformedReply},
	}
	for _, tt := range tests {
		e := New(Config{})
		e.Inject(tt.fault)
		tk := e.Mint("")
		if status, body, _ := do(t, e, form("secret", DemoSecret, "response", tk)); status != tt.wantStatus || string(body) != tt.wantBody {
			t.Errorf("%v: %d %q, want %d %q", tt.fault, status, body, tt.wantStatus, tt.wantBody)
		}
		e.Inject(providertest.FaultNone)
		if _, body, r := do(t, e, form("secret", DemoSecret, "response", tk)); r.code() != "pass" {
			t.Errorf("%v: the token was spent by the fault: %s", tt.fault, body)
		}
	}
}

func TestMintEndpoint(t *testing.T) {
	t.Parallel()
	e := New(Config{})
	get := func(method, query string) (int, map[string]any, http.Header) {
		r := httptest.NewRequest(method, "http://emulator.test"+MintPath+"?"+query, nil)
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		var m map[string]any
		_ = json.Unmarshal(w.Body.Bytes(), &m)
		return w.Code, m, w.Header()
	}
	status, m, h := get(http.MethodPost, "sitekey="+DemoSitekey+"&hostname=shop.example&action=login&cdata=c1")
	if status != 200 || m["success"] != true || m["expires_in"] != float64(300) || h.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("mint = %d %v %v", status, m, h)
	}
	tk, _ := m["token"].(string)
	_, body, r := do(t, e, form("secret", DemoSecret, "response", tk))
	if r.code() != "pass" || r.Hostname != "shop.example" || *r.Action != "login" || *r.CData != "c1" {
		t.Errorf("minted token verifies as %s", body)
	}
	tests := []struct {
		method, query string
		status        int
		code          string
	}{
		{http.MethodGet, "", 200, ""},
		{http.MethodGet, "sitekey=" + TestSitekeyPass, 200, ""},
		{http.MethodGet, "sitekey=nope", 400, codeInvalidSitekey},
		{http.MethodGet, "sitekey=" + TestSitekeyFail, 200, codeChallengeFail},
		{http.MethodGet, "sitekey=" + TestSitekeyFailInvisible, 200, codeChallengeFail},
		{http.MethodGet, "action=" + strings.Repeat("a", 33), 400, codeInvalidParam},
		{http.MethodGet, "cdata=a%20b", 400, codeInvalidParam},
	}
	for _, tt := range tests {
		status, m, _ := get(tt.method, tt.query)
		if status != tt.status || (tt.code == "" && m["success"] != true) || (tt.code != "" && m["code"] != tt.code) {
			t.Errorf("%s ?%s = %d %v, want %d code %q", tt.method, tt.query, status, m, tt.status, tt.code)
		}
	}
	if _, m, _ := get(http.MethodGet, "sitekey="+TestSitekeyPass); m["token"] != DummyToken {
		t.Errorf("mint for a test sitekey = %v, want the dummy token", m)
	}
	if status, _, h := get(http.MethodOptions, ""); status != http.StatusNoContent || h.Get("Access-Control-Allow-Methods") == "" {
		t.Errorf("preflight = %d %v", status, h)
	}
	if status, _, _ := get(http.MethodPut, ""); status != http.StatusMethodNotAllowed {
		t.Errorf("PUT = %d, want 405", status)
	}
}

func TestScriptAndPaths(t *testing.T) {
	t.Parallel()
	e := New(Config{})
	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, ScriptPath, 200}, {http.MethodHead, ScriptPath, 200}, {http.MethodPost, ScriptPath, 405},
		{http.MethodGet, "/", 404}, {http.MethodPost, "/siteverify", 404},
	} {
		w := httptest.NewRecorder()
		e.ServeHTTP(w, httptest.NewRequest(tt.method, "http://emulator.test"+tt.path, nil))
		if w.Code != tt.status {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.path, w.Code, tt.status)
		}
		if tt.path == ScriptPath && w.Code == 200 && w.Header().Get("Content-Type") != "application/javascript; charset=utf-8" {
			t.Errorf("script Content-Type %q", w.Header().Get("Content-Type"))
		}
	}
	if e.Calls() != 0 {
		t.Errorf("Calls() = %d after script and other requests, want 0", e.Calls())
	}
}
