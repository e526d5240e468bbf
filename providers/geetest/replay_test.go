package geetest_test

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/captchakit/captcha/internal/logtest"
	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/geetest"
)

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "geetest", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// replay is a vendor stand-in that answers every request with one status and
// body and records the last request it got.
type replay struct {
	mu     sync.Mutex
	status int
	body   string
	method string
	path   string
	query  url.Values
	form   url.Values
}

func newReplay(t *testing.T, status int, body string) (*replay, string) {
	t.Helper()
	rp := &replay{status: status, body: body}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		rp.mu.Lock()
		rp.method, rp.path, rp.query, rp.form = r.Method, r.URL.Path, r.URL.Query(), r.PostForm
		rp.mu.Unlock()
		w.WriteHeader(rp.status)
		_, _ = w.Write([]byte(rp.body))
	}))
	t.Cleanup(srv.Close)
	return rp, srv.URL
}

func (rp *replay) last() (method, path string, query, form url.Values) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return rp.method, rp.path, rp.query, rp.form
}

const (
	demoV4ID  = "647f5ed2ed8acb4be36784e01556bb71"
	demoV4Key = "b09a7aafbfd83f73b35a9b530d0337bf"
	g4Lot     = "4dc3cfc2cdff448cad8d13107198d473"
	g4Sign    = "c99f3aa68104bdcd085f372dc6556a17a5a830a1a3d25125fb0010466977f3d8"
)

func v4Ticket(genTime string) captcha.Ticket {
	return captcha.Ticket{Values: map[string]string{
		geetest.FieldLotNumber:     g4Lot,
		geetest.FieldCaptchaOutput: "out_put+/=",
		geetest.FieldPassToken:     "d1a4b0a2b8c3e1f0",
		geetest.FieldGenTime:       genTime,
	}}
}

func TestV4Replies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		body     string
		wantPass bool
		wantCode string
		wantErr  error
	}{
		{"success pass", 200, fixture(t, "v4_success.json"), true, "success", nil},
		{"fail reject", 200, fixture(t, "v4_fail.json"), false, "fail: pass_token expire", nil},
		{"illegal gen_time reject", 200, fixture(t, "v4_error_illegal_gen_time.json"), false, "-50005", nil},
		{"repeated verification reject", 200, `{"status":"error","code":"-50003","msg":"illegal verify"}`, false, "-50003", nil},
		{"illegal risk_type reject", 200, `{"status":"error","code":"-50001","msg":"illegal risk_type"}`, false, "-50001", nil},
		{"no proof reject", 200, `{"status":"error","code":"-50301","msg":"no proof"}`, false, "-50301", nil},
		{"payload used reject", 200, `{"status":"error","code":"-50308","msg":"payload used"}`, false, "-50308", nil},
		{"unknown code reject", 200, `{"status":"error","code":"-59999","msg":"new"}`, false, "-59999", nil},
		{"other result reject", 200, `{"status":"success","result":"forbidden","reason":"risk"}`, false, "forbidden: risk", nil},
		{"fail without reason reject", 200, `{"status":"success","result":"fail"}`, false, "fail", nil},
		{"runtime error unavailable", 200, `{"status":"error","code":"-50000","msg":"runtime error"}`, false, "-50000", captcha.ErrUnavailable},
		{"numeric runtime code unavailable", 200, `{"status":"error","code":-50000,"msg":"runtime error"}`, false, "-50000", captcha.ErrUnavailable},
		{"decrypt error reject", 200, `{"status":"error","code":"-50002","msg":"param decrypt error"}`, false, "-50002", nil},
		{"captcha_id missing misconfigured", 200, `{"status":"error","code":"-50101"}`, false, "-50101", captcha.ErrMisconfigured},
		{"captcha_id unknown misconfigured", 200, `{"status":"error","code":"-50103"}`, false, "-50103", captcha.ErrMisconfigured},
		{"captcha_id paused misconfigured", 200, `{"status":"error","code":"-50105"}`, false, "-50105", captcha.ErrMisconfigured},
		{"no result reject", 200, `{"status":"success"}`, false, "no-verdict", nil},
		{"no status reject", 200, `{"result":"success"}`, false, "no-verdict", nil},
		{"empty object reject", 200, `{}`, false, "no-verdict", nil},
		{"undocumented status reject", 200, `{"status":"pending","result":"success"}`, false, "no-verdict", nil},
		{"error without code reject", 200, `{"status":"error"}`, false, "no-verdict", nil},
		{"JSON null unavailable", 200, `null`, false, "bad-reply", captcha.ErrUnavailable},
		{"JSON array unavailable", 200, `[{"status":"success","result":"success"}]`, false, "bad-reply", captcha.ErrUnavailable},
		{"wrong field type unavailable", 200, `{"status":"success","result":true}`, false, "bad-reply", captcha.ErrUnavailable},
		{"truncated unavailable", 200, `{"status":"success","result":"succ`, false, "bad-reply", captcha.ErrUnavailable},
		{"html 502 unavailable", 502, `<html>bad gateway</html>`, false, "http-502", captcha.ErrUnavailable},
		{"success body on 500 unavailable", 500, fixture(t, "v4_success.json"), false, "http-500", captcha.ErrUnavailable},
		{"429 throttled", 429, ``, false, "http-429", captcha.ErrThrottled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rp, base := newReplay(t, tt.status, tt.body)
			p, err := geetest.NewV4(geetest.V4Config{CaptchaID: demoV4ID, CaptchaKey: demoV4Key, Endpoint: base})
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.Verify(t.Context(), v4Ticket("1763700000"))
			if res.Passed != tt.wantPass {
				t.Errorf("Passed = %v, want %v", res.Passed, tt.wantPass)
			}
			if tt.wantErr == nil {
				if err != nil || res.Code != tt.wantCode {
					t.Errorf("Verify = (%+v, %v), want code %q and nil error", res, err, tt.wantCode)
				}
			} else {
				var ve *captcha.VerifyError
				if !errors.Is(err, tt.wantErr) || !errors.As(err, &ve) || ve.Code != tt.wantCode {
					t.Errorf("Verify error = %v, want %v with code %q", err, tt.wantErr, tt.wantCode)
				}
			}
			method, path, query, form := rp.last()
			if method != http.MethodPost || path != "/validate" || query.Get("captcha_id") != demoV4ID {
				t.Errorf("request = %s %s?%s, want POST /validate?captcha_id=%s", method, path, query.Encode(), demoV4ID)
			}
			if form.Get("sign_token") != g4Sign || form.Get("lot_number") != g4Lot || form.Get("captcha_output") != "out_put+/=" ||
				form.Get("pass_token") != "d1a4b0a2b8c3e1f0" || form.Get("gen_time") != "1763700000" {
				t.Errorf("form = %v, want the ticket and sign_token %s (G-4)", form, g4Sign)
			}
		})
	}
}

func TestV4MalformedIsLocal(t *testing.T) {
	t.Parallel()
	rp, base := newReplay(t, 200, fixture(t, "v4_success.json"))
	p, err := geetest.NewV4(geetest.V4Config{CaptchaID: demoV4ID, CaptchaKey: demoV4Key, Endpoint: base})
	if err != nil {
		t.Fatal(err)
	}
	for _, gen := range []string{"", "1763700000.5", "-1", "17637e5", "12345678901234567890"} {
		res, err := p.Verify(t.Context(), v4Ticket(gen))
		if err != nil || res.Passed || res.Code != "malformed" {
			t.Errorf("Verify(gen_time %q) = (%+v, %v), want a malformed rejection", gen, res, err)
		}
	}
	if m, _, _, _ := rp.last(); m != "" {
		t.Error("a malformed ticket reached GeeTest")
	}
}

func TestV4CheckFailback(t *testing.T) {
	t.Parallel()
	now := time.Unix(1763700000, 0)
	p, err := geetest.NewV4(geetest.V4Config{CaptchaID: demoV4ID, CaptchaKey: demoV4Key, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(v map[string]string)
		want string // "" for nil, else the VerifyError code
	}{
		{"fresh pass to policy", func(map[string]string) {}, ""},
		{"nine minutes old pass to policy", func(v map[string]string) { v[geetest.FieldGenTime] = "1763699460" }, ""},
		{"stale reject", func(v map[string]string) { v[geetest.FieldGenTime] = "1763699399" }, "stale"},
		{"future reject", func(v map[string]string) { v[geetest.FieldGenTime] = "1763700300" }, "future"},
		{"lot not hex reject", func(v map[string]string) { v[geetest.FieldLotNumber] = strings.Repeat("z", 32) }, "malformed"},
		{"lot too short reject", func(v map[string]string) { v[geetest.FieldLotNumber] = g4Lot[:31] }, "malformed"},
		{"gen_time not decimal reject", func(v map[string]string) { v[geetest.FieldGenTime] = "now" }, "malformed"},
		{"empty pass_token reject", func(v map[string]string) { v[geetest.FieldPassToken] = "" }, "malformed"},
		{"huge output reject", func(v map[string]string) { v[geetest.FieldCaptchaOutput] = strings.Repeat("a", 5000) }, "malformed"},
		{"space in output reject", func(v map[string]string) { v[geetest.FieldCaptchaOutput] = "a b" }, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := v4Ticket("1763700000")
			tt.edit(tk.Values)
			err := p.CheckFailback(t.Context(), tk)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckFailback = %v, want nil", err)
				}
				return
			}
			var ve *captcha.VerifyError
			if !errors.Is(err, captcha.ErrRejected) || !errors.As(err, &ve) || ve.Code != tt.want {
				t.Fatalf("CheckFailback = %v, want ErrRejected with code %q", err, tt.want)
			}
		})
	}
	if got := p.TicketID(v4Ticket("1")); got != g4Lot {
		t.Errorf("TicketID = %q, want the lot_number", got)
	}
}

// onlineStore is a StatusStore holding one online status for challenge.
func onlineStore(challenge string) statusStoreFunc {
	return statusStoreFunc{get: func(*http.Request) (geetest.ServerStatus, bool, error) {
		return geetest.NewServerStatus(true, challenge, time.Now()), true, nil
	}}
}

func TestV3ValidateReplies(t *testing.T) {
	t.Parallel()
	const (
		challenge = "3cf802e2cde8eb37df37370f496be721" // G-1 md5
		validate  = "4d55cc5bb63098646c53525872f3628e" // G-2
		seccode   = validate + "|jordan"
	)
	tests := []struct {
		name     string
		status   int
		body     string
		wantPass bool
		wantCode string
		wantErr  error
	}{
		{"md5 of seccode pass", 200, fixture(t, "v3_validate_success.json"), true, "success", nil},
		{"false reject", 200, fixture(t, "v3_validate_false.json"), false, "false", nil},
		{"other answer reject", 200, `{"seccode":"4d55cc5bb63098646c53525872f3628e"}`, false, "mismatch", nil},
		{"empty answer unavailable", 200, `{"seccode":""}`, false, "bad-reply", captcha.ErrUnavailable},
		{"raw body unavailable", 200, `b0218219477cdb6c4f636eb877a41290`, false, "bad-reply", captcha.ErrUnavailable},
		{"500 unavailable", 500, `{"seccode":"b0218219477cdb6c4f636eb877a41290"}`, false, "http-500", captcha.ErrUnavailable},
		{"429 throttled", 429, ``, false, "http-429", captcha.ErrThrottled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rp, base := newReplay(t, tt.status, tt.body)
			p := newV3(t, geetest.V3Config{
				CaptchaID: "c9c4facd1a6feeb80802222cbb74ca8e", PrivateKey: "e4e298788aa8c768397639deb9b249a9",
				StatusStore: onlineStore(challenge), Endpoint: base + "/", ClientType: "web",
				UserID: func(*http.Request) string { return "user 1" },
			})
			res, err := p.Verify(t.Context(), registered{}.ticket(challenge, validate, seccode))
			if res.Passed != tt.wantPass {
				t.Errorf("Passed = %v, want %v", res.Passed, tt.wantPass)
			}
			if tt.wantErr == nil {
				if err != nil || res.Code != tt.wantCode {
					t.Errorf("Verify = (%+v, %v), want code %q", res, err, tt.wantCode)
				}
			} else {
				var ve *captcha.VerifyError
				if !errors.Is(err, tt.wantErr) || !errors.As(err, &ve) || ve.Code != tt.wantCode {
					t.Errorf("Verify error = %v, want %v with code %q", err, tt.wantErr, tt.wantCode)
				}
			}
			method, path, _, form := rp.last()
			want := url.Values{
				"seccode": {seccode}, "challenge": {challenge}, "captchaid": {"c9c4facd1a6feeb80802222cbb74ca8e"},
				"json_format": {"1"}, "sdk": {geetest.SDK}, "user_id": {"user 1"}, "client_type": {"web"},
				"ip_address": {"192.0.2.1"},
			}
			if method != http.MethodPost || path != "/validate.php" || form.Encode() != want.Encode() {
				t.Errorf("request = %s %s %v, want POST /validate.php %v", method, path, form, want)
			}
		})
	}
}

// TestRegisterG1 runs register against a replayed register.php and checks
// that the challenge handed out is the G-1 vector for each digestmod.
func TestRegisterG1(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mod  geetest.DigestMod
		want string
	}{
		{geetest.DigestMD5, "3cf802e2cde8eb37df37370f496be721"},
		{geetest.DigestSHA256, "3b326736379cc50665097d6d039dbb994062f591f623de95011950310f75a94f"},
		{geetest.DigestHMACSHA256, "ef6b5a8c21f1ce305252faf7c2366047e67c08c7da1aec4692b0937018f17d23"},
	}
	for _, tt := range tests {
		t.Run(string(tt.mod), func(t *testing.T) {
			t.Parallel()
			rp, base := newReplay(t, 200, fixture(t, "v3_register.json"))
			p := newV3(t, geetest.V3Config{
				CaptchaID: "c9c4facd1a6feeb80802222cbb74ca8e", PrivateKey: "e4e298788aa8c768397639deb9b249a9",
				DigestMod: tt.mod, StatusStore: onlineStore(""), Endpoint: base, ClientType: "h5",
				UserID: func(*http.Request) string { return "u1" },
			})
			r := httptest.NewRequest(http.MethodGet, "/register", nil)
			r.RemoteAddr = "198.51.100.7:4242"
			ch, err := p.Register(t.Context(), r)
			if err != nil || !ch.Online || ch.Value != tt.want || ch.Cause != nil {
				t.Errorf("Register = (%+v, %v), want online with challenge %s", ch, err, tt.want)
			}
			method, path, q, _ := rp.last()
			want := url.Values{
				"gt": {"c9c4facd1a6feeb80802222cbb74ca8e"}, "json_format": {"1"}, "digestmod": {string(tt.mod)},
				"sdk": {geetest.SDK}, "user_id": {"u1"}, "client_type": {"h5"}, "ip_address": {"198.51.100.7"},
			}
			if method != http.MethodGet || path != "/register.php" || q.Encode() != want.Encode() {
				t.Errorf("request = %s %s %v, want GET /register.php %v", method, path, q, want)
			}
		})
	}
}

func TestRegisterFailback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{"challenge 0", 200, fixture(t, "v3_register_down.json")},
		{"malformed challenge", 200, `{"challenge":"../../etc"}`},
		{"bad json", 200, `{"challenge":`},
		{"raw body", 200, `916e3a63fd4029a600fe5be03d6aa9aa`},
		{"http 500", 500, fixture(t, "v3_register.json")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, base := newReplay(t, tt.status, tt.body)
			p := newV3(t, geetest.V3Config{StatusStore: onlineStore(""), Endpoint: base})
			ch, err := p.Register(t.Context(), nil)
			if err != nil || ch.Online || len(ch.Value) != 32 || !errors.Is(ch.Cause, captcha.ErrUnavailable) {
				t.Errorf("Register = (%+v, %v), want failback with a local challenge and an ErrUnavailable cause", ch, err)
			}
			if strings.Contains(ch.Cause.Error(), "e4e298788aa8c768397639deb9b249a9") {
				t.Errorf("Cause %q contains the private key", ch.Cause)
			}
		})
	}
}

// TestRegisterSendsTheVerifiersClientIP: behind a proxy, register and
// validate must send GeeTest the same client address; there is one
// resolver, the Verifier's WithClientIP, configured once.
func TestRegisterSendsTheVerifiersClientIP(t *testing.T) {
	t.Parallel()
	rp, base := newReplay(t, 200, fixture(t, "v3_register.json"))
	p := newV3(t, geetest.V3Config{StatusStore: onlineStore(""), Endpoint: base})
	resolve, err := captcha.TrustedProxies("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := captcha.New(p, captcha.WithClientIP(resolve), captcha.WithLogger(slog.New(slog.DiscardHandler))); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/register", nil)
	r.RemoteAddr = "10.0.0.2:5555" // our load balancer
	r.Header.Set("X-Forwarded-For", "198.51.100.23")
	if _, err := p.Register(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	if _, _, q, _ := rp.last(); q.Get("ip_address") != "198.51.100.23" {
		t.Errorf("register sent ip_address %q, want the Verifier's resolution 198.51.100.23", q.Get("ip_address"))
	}
	if _, err := captcha.New(p, captcha.WithClientIP(captcha.RemoteAddrIP)); err == nil {
		t.Error("a second Verifier on p with another WithClientIP was accepted")
	}
}

// TestRegisterThrottledOrRefusedFailsClosed covers the attack of making
// register hand out an offline challenge while GeeTest is up (throttled, the
// captcha ID refused, a WAF's 4xx): a made-up answer to it would reach the
// failback policy. Register must give no challenge and a closed-failing error.
func TestRegisterThrottledOrRefusedFailsClosed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"throttled 429", 429, `{"error":"too many"}`, captcha.ErrThrottled},
		{"captcha id refused", 200, `{"challenge":""}`, captcha.ErrMisconfigured},
		{"no challenge field", 200, `{}`, captcha.ErrMisconfigured},
		{"waf 403", 403, `<html>blocked</html>`, captcha.ErrMisconfigured},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, base := newReplay(t, tt.status, tt.body)
			p := newV3(t, geetest.V3Config{StatusStore: onlineStore(""), Endpoint: base})
			ch, err := p.Register(t.Context(), nil)
			if !errors.Is(err, tt.want) || ch.Value != "" {
				t.Errorf("Register = (%+v, %v), want no challenge and an error wrapping %v", ch, err, tt.want)
			}
		})
	}
}

// rewindCheck is a transport that records whether each request body can be
// rewound (GetBody), which net/http needs to resend a request on a kept-alive
// connection that turned out to be closed.
type rewindCheck struct {
	mu       sync.Mutex
	rewinds  []bool
	delegate http.RoundTripper
}

func (rc *rewindCheck) RoundTrip(r *http.Request) (*http.Response, error) {
	ok := r.GetBody != nil
	if ok {
		b, err := r.GetBody()
		ok = err == nil && b != nil
	}
	rc.mu.Lock()
	rc.rewinds = append(rc.rewinds, ok)
	rc.mu.Unlock()
	return rc.delegate.RoundTrip(r)
}

func TestRequestBodiesRewind(t *testing.T) {
	t.Parallel()
	_, base4 := newReplay(t, 200, fixture(t, "v4_success.json"))
	_, base3 := newReplay(t, 200, fixture(t, "v3_validate_success.json"))
	rc := &rewindCheck{delegate: http.DefaultTransport}
	client := &http.Client{Transport: rc}
	p4, err := geetest.NewV4(geetest.V4Config{CaptchaID: demoV4ID, CaptchaKey: demoV4Key, Endpoint: base4, HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := p4.Verify(t.Context(), v4Ticket("1763700000")); err != nil || !res.Passed {
		t.Fatalf("V4 Verify = (%+v, %v)", res, err)
	}
	const c = "3cf802e2cde8eb37df37370f496be721"
	p3 := newV3(t, geetest.V3Config{StatusStore: onlineStore(c), Endpoint: base3, HTTPClient: client})
	if res, err := p3.Verify(t.Context(), registered{}.ticket(c, "4d55cc5bb63098646c53525872f3628e", "4d55cc5bb63098646c53525872f3628e|jordan")); err != nil || !res.Passed {
		t.Fatalf("V3 Verify = (%+v, %v)", res, err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.rewinds) != 2 || !rc.rewinds[0] || !rc.rewinds[1] {
		t.Errorf("rewindable bodies = %v, want [true true]", rc.rewinds)
	}
}

// TestRegisterHandlerLogsWhyItFellBackOrRefused: register's outcome is never
// silently dropped. A fallback logs its cause (once a minute) through
// V3Config.Logger; a throttled or refused register logs, as a Verifier does,
// through the logger of the Verifier built on the provider. No line carries
// the private key.
func TestRegisterHandlerLogsWhyItFellBackOrRefused(t *testing.T) {
	t.Parallel()
	const key = "e4e298788aa8c768397639deb9b249a9"
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"fallback on 500", 500, `oops`, "geetest: register fell back to failback mode"},
		{"throttled 429", 429, `{}`, "captcha: provider throttled; failing closed"},
		{"captcha id refused", 200, `{"challenge":""}`, "captcha: provider refused our configuration; failing closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf logtest.Buffer
			logger := slog.New(slog.NewTextHandler(&buf, nil))
			_, base := newReplay(t, tt.status, tt.body)
			p := newV3(t, geetest.V3Config{StatusStore: newStatusStore(t, cookieHashKey), Endpoint: base, Logger: logger})
			if _, err := captcha.New(p, captcha.WithLogger(logger)); err != nil {
				t.Fatal(err)
			}
			geetest.RegisterHandler(p).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/register", nil))
			log := buf.String()
			if !strings.Contains(log, tt.want) {
				t.Errorf("log = %q, want a line %q", log, tt.want)
			}
			if strings.Contains(log, key) {
				t.Errorf("log %q contains the private key", log)
			}
		})
	}
}
