package geetesttest_test

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/captchakit/captcha/providers/geetest/geetesttest"
	"github.com/captchakit/captcha/providers/providertest"
)

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func signToken(key, lot string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(lot))
	return hex.EncodeToString(m.Sum(nil))
}

// call sends a request and returns status, headers and body.
func call(t *testing.T, method, u string, form url.Values) (int, http.Header, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func TestRegisterPHP(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	reg := srv.URL + geetesttest.RegisterPath + "?gt=" + geetesttest.DefaultV3CaptchaID

	_, _, body := call(t, http.MethodGet, reg+"&json_format=1", nil)
	var r struct{ Challenge string }
	if err := json.Unmarshal([]byte(body), &r); err != nil || len(r.Challenge) != 32 {
		t.Fatalf("register = %q, want {\"challenge\":<32 hex>}", body)
	}
	// The browser gets it hashed; the emulator solves that form.
	hashed := md5Hex(r.Challenge + geetesttest.DefaultV3PrivateKey)
	v, s, err := srv.Solve(hashed)
	if err != nil || v != md5Hex(geetesttest.DefaultV3PrivateKey+"geetest"+hashed) || s != v+"|jordan" {
		t.Fatalf("Solve = (%q, %q, %v), want validate md5(key+geetest+challenge)", v, s, err)
	}

	if _, _, body := call(t, http.MethodGet, reg, nil); len(body) != 32 {
		t.Errorf("register without json_format = %q, want the raw challenge", body)
	}
	if _, _, body := call(t, http.MethodGet, srv.URL+geetesttest.RegisterPath+"?gt=ffffffffffffffffffffffffffffffff&json_format=1", nil); body != `{"challenge":""}` {
		t.Errorf("register for an unknown gt = %q, want an empty challenge", body)
	}
	srv.SetRegisterDown(true)
	if _, _, body := call(t, http.MethodGet, reg+"&json_format=1", nil); body != `{"challenge":"0"}` {
		t.Errorf("register while down = %q, want {\"challenge\":\"0\"}", body)
	}
	srv.SetRegisterDown(false)
	srv.Inject(providertest.FaultInternalError)
	if code, _, body := call(t, http.MethodGet, reg, nil); code != 500 || !strings.Contains(body, "runtime error") {
		t.Errorf("register under internal-error = %d %q, want 500 runtime error", code, body)
	}
	srv.Inject(providertest.FaultThrottled)
	if code, _, _ := call(t, http.MethodGet, reg, nil); code != 429 {
		t.Errorf("register under throttled = %d, want 429", code)
	}
}

func TestRegisterDigestMods(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	for _, mod := range []string{"md5", "sha256", "hmac-sha256"} {
		c, err := srv.Register(geetesttest.DefaultV3CaptchaID, mod)
		if err != nil {
			t.Fatal(err)
		}
		want := 32
		if mod != "md5" {
			want = 64
		}
		if len(c) != want {
			t.Errorf("Register(%s) = %q, want %d hex digits", mod, c, want)
		}
		if _, _, err := srv.Solve(c + "12"); err != nil {
			t.Errorf("Solve(%s challenge + suffix): %v", mod, err)
		}
	}
	if _, err := srv.Register("nope", "md5"); err == nil {
		t.Error("Register(unknown id) = nil error")
	}
	if _, _, err := srv.Solve("0123456789abcdef0123456789abcdef"); err == nil {
		t.Error("Solve(unknown challenge) = nil error")
	}
}

func TestValidatePHP(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	validate := func(c, seccode string, extra url.Values) string {
		form := url.Values{"challenge": {c}, "seccode": {seccode}, "captchaid": {geetesttest.DefaultV3CaptchaID}}
		for k, v := range extra {
			form[k] = v
		}
		_, _, body := call(t, http.MethodPost, srv.URL+geetesttest.ValidatePath, form)
		return body
	}
	jf := url.Values{"json_format": {"1"}}
	issue := func() (string, string) {
		c, err := srv.Register(geetesttest.DefaultV3CaptchaID, "md5")
		if err != nil {
			t.Fatal(err)
		}
		c += "34"
		_, s, _ := srv.Solve(c)
		return c, s
	}

	c, s := issue()
	if got, want := validate(c, s, jf), `{"seccode":"`+md5Hex(s)+`"}`; got != want {
		t.Errorf("validate = %s, want %s", got, want)
	}
	if got := validate(c, s, jf); got != `{"seccode":"false"}` {
		t.Errorf("second validate = %s, want false (single use)", got)
	}
	c, s = issue()
	if got := validate(c, s, nil); got != md5Hex(s) {
		t.Errorf("validate without json_format = %s, want the raw md5", got)
	}
	c, _ = issue()
	if got := validate(c, "0123|jordan", jf); got != `{"seccode":"false"}` {
		t.Errorf("validate with a wrong seccode = %s, want false", got)
	}
	c, s = issue()
	if got := validate(c, s, url.Values{"json_format": {"1"}, "captchaid": {"ffffffffffffffffffffffffffffffff"}}); got != `{"seccode":"false"}` {
		t.Errorf("validate for another captchaid = %s, want false", got)
	}
	c, s = issue()
	srv.Advance(geetesttest.ChallengeTTL + time.Second)
	if got := validate(c, s, jf); got != `{"seccode":"false"}` {
		t.Errorf("validate after %v = %s, want false (expired)", geetesttest.ChallengeTTL, got)
	}
	c, s = issue()
	srv.Inject(providertest.FaultBadCredentials)
	if got := validate(c, s, jf); got != `{"seccode":"false"}` {
		t.Errorf("validate under bad-credentials = %s, want false", got)
	}
}

func TestBypassStatus(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	u := srv.URL + geetesttest.BypassPath + "?gt=" + geetesttest.DefaultV3CaptchaID
	if _, _, body := call(t, http.MethodGet, u, nil); body != `{"status":"success"}` {
		t.Errorf("bypass = %s, want success", body)
	}
	srv.SetBypassStatus(false)
	if _, _, body := call(t, http.MethodPost, u, nil); body != `{"status":"fail"}` {
		t.Errorf("bypass after SetBypassStatus(false) = %s, want fail", body)
	}
}

func TestV4Validate(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	id, key := geetesttest.DefaultV4CaptchaID, geetesttest.DefaultV4CaptchaKey
	post := func(query string, tk geetesttest.V4Ticket, sign string) string {
		form := url.Values{
			"lot_number": {tk.LotNumber}, "captcha_output": {tk.CaptchaOutput},
			"pass_token": {tk.PassToken}, "gen_time": {tk.GenTime}, "sign_token": {sign},
		}
		_, _, body := call(t, http.MethodPost, srv.URL+geetesttest.V4Path+query, form)
		return body
	}
	mint := func() geetesttest.V4Ticket {
		tk, err := srv.MintV4(id)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	q := "?captcha_id=" + id

	tk := mint()
	if got := post(q, tk, signToken(key, tk.LotNumber)); !strings.HasPrefix(got, `{"status":"success","result":"success","reason":"","captcha_args":{"used_type":"slide"`) {
		t.Errorf("validate = %s, want success", got)
	}
	if got := post(q, tk, signToken(key, tk.LotNumber)); !strings.Contains(got, `"code":"-50003"`) {
		t.Errorf("replayed validate = %s, want -50003", got)
	}

	tests := []struct {
		name  string
		query string
		edit  func(*geetesttest.V4Ticket)
		sign  func(geetesttest.V4Ticket) string
		want  string
	}{
		{"no captcha_id", "", nil, nil, `"code":"-50101"`},
		{"illegal captcha_id", "?captcha_id=xyz", nil, nil, `"code":"-50102"`},
		{"unknown captcha_id", "?captcha_id=ffffffffffffffffffffffffffffffff", nil, nil, `"code":"-50103"`},
		{"gen_time not decimal", q, func(t *geetesttest.V4Ticket) { t.GenTime = "1.5" }, nil, `{"status":"error","code":"-50005","msg":"illegal gen_time","desc":{"type":"defined error"}}`},
		{"no lot_number", q, func(t *geetesttest.V4Ticket) { t.LotNumber = "" }, nil, `"code":"-50302"`},
		{"wrong sign_token", q, nil, func(geetesttest.V4Ticket) string { return signToken("wrong", "x") }, `"result":"fail","reason":"sign_token error"`},
		{"unknown lot", q, func(t *geetesttest.V4Ticket) { t.LotNumber = "0123456789abcdef0123456789abcdef" }, nil, `"code":"-50301"`},
		{"wrong pass_token", q, func(t *geetesttest.V4Ticket) { t.PassToken = "x" }, nil, `"reason":"pass_token error"`},
		{"wrong output", q, func(t *geetesttest.V4Ticket) { t.CaptchaOutput = "x" }, nil, `"reason":"captcha_output error"`},
		{"other gen_time", q, func(t *geetesttest.V4Ticket) { t.GenTime = "1" }, nil, `"reason":"gen_time error"`},
	}
	for _, tt := range tests {
		tk := mint()
		if tt.edit != nil {
			tt.edit(&tk)
		}
		sign := signToken(key, tk.LotNumber)
		if tt.sign != nil {
			sign = tt.sign(tk)
		}
		if got := post(tt.query, tk, sign); !strings.Contains(got, tt.want) {
			t.Errorf("%s: validate = %s, want %s", tt.name, got, tt.want)
		}
	}

	// Parameters in the query only, as GeeTest's Node demo sends them.
	tk = mint()
	qv := url.Values{"captcha_id": {id}, "lot_number": {tk.LotNumber}, "captcha_output": {tk.CaptchaOutput},
		"pass_token": {tk.PassToken}, "gen_time": {tk.GenTime}, "sign_token": {signToken(key, tk.LotNumber)}}
	if _, _, got := call(t, http.MethodPost, srv.URL+geetesttest.V4Path+"?"+qv.Encode(), nil); !strings.Contains(got, `"result":"success"`) {
		t.Errorf("validate with query parameters = %s, want success", got)
	}

	tk = mint()
	srv.Advance(geetesttest.LotTTL + time.Second)
	if got := post(q, tk, signToken(key, tk.LotNumber)); !strings.Contains(got, `"reason":"pass_token expire"`) {
		t.Errorf("validate after LotTTL = %s, want pass_token expire", got)
	}

	for f, want := range map[providertest.Fault]string{
		providertest.FaultInternalError:  `"code":"-50000"`,
		providertest.FaultBadCredentials: `"code":"-50103"`,
		providertest.FaultThrottled:      "Too Many Requests",
	} {
		srv.Inject(f)
		tk := mint()
		if got := post(q, tk, signToken(key, tk.LotNumber)); !strings.Contains(got, want) {
			t.Errorf("validate under %v = %s, want %s", f, got, want)
		}
	}
	if _, err := srv.MintV4("nope"); err == nil {
		t.Error("MintV4(unknown id) = nil error")
	}
}

// TestV4MintedAnswers: the value sets minted to draw a client-caused error
// (-50002) and a reply without a verdict are answered so, once, and only after
// the captcha ID, sign_token and single use have been checked.
func TestV4MintedAnswers(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	id, key := geetesttest.DefaultV4CaptchaID, geetesttest.DefaultV4CaptchaKey
	post := func(tk geetesttest.V4Ticket, sign string) string {
		form := url.Values{
			"lot_number": {tk.LotNumber}, "captcha_output": {tk.CaptchaOutput},
			"pass_token": {tk.PassToken}, "gen_time": {tk.GenTime}, "sign_token": {sign},
		}
		_, _, body := call(t, http.MethodPost, srv.URL+geetesttest.V4Path+"?captcha_id="+id, form)
		return body
	}
	tests := []struct {
		name string
		mint func(string) (geetesttest.V4Ticket, error)
		want string
	}{
		{"undecryptable", srv.MintV4Undecryptable, `{"status":"error","code":"-50002","msg":"param decrypt error","desc":{"type":"defined error"}}`},
		{"no verdict", srv.MintV4NoVerdict, `{"msg":"unknown error","captcha_args":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk, err := tt.mint(id)
			if err != nil {
				t.Fatal(err)
			}
			if got := post(tk, signToken("wrong", tk.LotNumber)); !strings.Contains(got, `"reason":"sign_token error"`) {
				t.Errorf("validate with a wrong sign_token = %s, want sign_token error", got)
			}
			if got := post(tk, signToken(key, tk.LotNumber)); got != tt.want {
				t.Errorf("validate = %s, want %s", got, tt.want)
			}
			if got := post(tk, signToken(key, tk.LotNumber)); !strings.Contains(got, `"code":"-50003"`) {
				t.Errorf("replayed validate = %s, want -50003", got)
			}
			if _, err := tt.mint("nope"); err == nil {
				t.Error("mint(unknown id) = nil error")
			}
		})
	}
}

func TestBrowserEndpoints(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	before := srv.Calls()

	c, err := srv.Register(geetesttest.DefaultV3CaptchaID, "md5")
	if err != nil {
		t.Fatal(err)
	}
	code, h, body := call(t, http.MethodGet, srv.URL+geetesttest.SolvePath+"?challenge="+c+"55", nil)
	var sol map[string]string
	if code != 200 || h.Get("Access-Control-Allow-Origin") != "*" || json.Unmarshal([]byte(body), &sol) != nil ||
		sol["geetest_challenge"] != c+"55" || sol["geetest_seccode"] != sol["geetest_validate"]+"|jordan" {
		t.Errorf("solve = %d %v %s, want the values with CORS *", code, h, body)
	}
	if code, _, _ := call(t, http.MethodGet, srv.URL+geetesttest.SolvePath+"?challenge=nope", nil); code != 404 {
		t.Errorf("solve(unknown) = %d, want 404", code)
	}

	code, h, body = call(t, http.MethodGet, srv.URL+geetesttest.MintPath+"?captcha_id="+geetesttest.DefaultV4CaptchaID, nil)
	var tk geetesttest.V4Ticket
	if code != 200 || h.Get("Access-Control-Allow-Origin") != "*" || json.Unmarshal([]byte(body), &tk) != nil || len(tk.LotNumber) != 32 {
		t.Errorf("mint = %d %v %s, want a value set with CORS *", code, h, body)
	}
	if code, _, _ := call(t, http.MethodGet, srv.URL+geetesttest.MintPath+"?captcha_id=nope", nil); code != 404 {
		t.Errorf("mint(unknown) = %d, want 404", code)
	}

	for path, want := range map[string][]string{
		geetesttest.ScriptPath:  {"window.initGeetest =", "geetest-emulator-solve", geetesttest.SolvePath, "document.currentScript"},
		geetesttest.Script4Path: {"window.initGeetest4 =", "geetest4-emulator-solve", geetesttest.MintPath, "showCaptcha"},
	} {
		code, h, body := call(t, http.MethodGet, srv.URL+path, nil)
		if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/javascript") {
			t.Errorf("GET %s = %d %q, want JavaScript", path, code, h.Get("Content-Type"))
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s: script lacks %q", path, w)
			}
		}
		checkJS(t, path, body)
	}
	if got := srv.Calls(); got != before {
		t.Errorf("Calls() = %d after browser endpoints only, want %d", got, before)
	}
	call(t, http.MethodGet, srv.URL+geetesttest.RegisterPath, nil)
	if got := srv.Calls(); got != before+1 {
		t.Errorf("Calls() = %d after one register, want %d", got, before+1)
	}
}

// checkJS parses the script with node, when it is installed.
func checkJS(t *testing.T, name, src string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Logf("node not installed; %s not parsed", name)
		return
	}
	f := filepath.Join(t.TempDir(), "script.js")
	if err := os.WriteFile(f, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.CommandContext(t.Context(), node, "--check", f).CombinedOutput(); err != nil {
		t.Errorf("node --check %s: %v\n%s", name, err, out)
	}
}
