package tencenttest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/captchakit/captcha/internal/emulator"

	"github.com/captchakit/captcha/providers/tencent"
)

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"TC3-HMAC-SHA256 Credential=AKID/2019-02-25/captcha/tc3_request, SignedHeaders=content-type;host, Signature=" + strings.Repeat("a", 64),
		"TC3-HMAC-SHA256 Credential=AKID/2019-02-25/captcha/tc3_request,SignedHeaders=content-type;host;x-tc-action,Signature=" + strings.Repeat("0", 64),
		"TC3-HMAC-SHA256 Credential=/x/y/z, SignedHeaders=, Signature=",
		"", "TC3-HMAC-SHA256 ", "Basic abc",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		a, ok := parseAuthorization(h)
		if !ok {
			return
		}
		if a.secretID == "" || len(a.signature) != 64 || a.date == "" {
			t.Fatalf("parseAuthorization(%q) = %+v", h, a)
		}
		var hasType, hasHost bool
		for _, n := range a.signedHeaders {
			hasType = hasType || n == "content-type"
			hasHost = hasHost || n == "host"
		}
		if !hasType || !hasHost {
			t.Fatalf("parseAuthorization(%q) accepted signed headers %q", h, a.signedHeaders)
		}
	})
}

// FuzzAPIBody sends arbitrary, correctly signed bodies to the emulator: it
// must answer 200 with a JSON envelope, and never CaptchaCode 1 (no ticket was
// minted).
func FuzzAPIBody(f *testing.F) {
	for _, s := range []string{
		`{"CaptchaType":9,"Ticket":"tr03x","UserIp":"1.2.3.4","Randstr":"@a","CaptchaAppId":199999164,"AppSecretKey":"E4kwK9AcXQMHkktiItyMEyQPn"}`,
		`{"CaptchaType":9,"Ticket":"trerror_1001_199999164_1","UserIp":"","Randstr":"","CaptchaAppId":199999164,"AppSecretKey":"E4kwK9AcXQMHkktiItyMEyQPn"}`,
		`{}`, `[]`, `null`, ``, `{"CaptchaAppId":-1}`,
	} {
		f.Add([]byte(s))
	}
	e := New(Config{})
	signer := tencent.NewSigner(DemoSecretID, DemoSecretKey, tencent.Service, "emulator.test")
	f.Fuzz(func(t *testing.T, body []byte) {
		ts := e.Now().Unix()
		r := httptest.NewRequest(http.MethodPost, "http://emulator.test/", strings.NewReader(string(body)))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-TC-Action", "DescribeCaptchaResult")
		r.Header.Set("X-TC-Version", "2019-07-22")
		r.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
		r.Header.Set("Authorization", signer.Authorization(ts, "application/json", body))
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		var reply apiReply
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &reply) != nil {
			t.Fatalf("body %q: status %d reply %q", body, w.Code, w.Body.Bytes())
		}
		if reply.Response.Error == nil && (reply.Response.CaptchaCode == nil || *reply.Response.CaptchaCode == 1) {
			t.Fatalf("body %q: reply %q, want an error or a rejection", body, w.Body.Bytes())
		}
		if reply.Response.Error != nil && strings.HasPrefix(reply.Response.Error.Code, "AuthFailure") {
			t.Fatalf("body %q: %s for a correctly signed request", body, reply.Response.Error.Code)
		}
	})
}

// FuzzEmulatorRequest sends requests built from fuzzed method, target,
// headers and body to every endpoint of the emulator, with placeholders for
// one minted ticket, the current timestamp and an Authorization computed by
// tencent.Signer over the body: nothing panics; the API answers CaptchaCode 1
// only to a POST carrying the minted ticket, its randstr and the demo app's
// key, signed as tencent.Signer signs it (checked when it signs the same
// headers), and only once; it never refuses the Signer's own signature; the
// mint endpoint mints only on GET or POST for a positive app ID (or none),
// and a minted ticket verifies for that app alone, once.
func FuzzEmulatorRequest(f *testing.F) {
	const api = "Content-Type: application/json\nX-TC-Action: DescribeCaptchaResult\nX-TC-Version: 2019-07-22\nX-TC-Timestamp: {ts}\nAuthorization: {auth}"
	okBody := `{"CaptchaType":9,"Ticket":"{ticket}","UserIp":"127.0.0.1","Randstr":"{randstr}","CaptchaAppId":199999164,"AppSecretKey":"E4kwK9AcXQMHkktiItyMEyQPn"}`
	for _, s := range [][4]string{
		{"POST", "/", api, okBody},
		// Found by this target: the emulator trimmed U+0085 off the
		// Content-Type it verified; tencent.Signer signs it as sent.
		{"POST", "/", strings.Replace(api, "application/json", "application/json\u0085", 1), okBody},
		{"POST", "/", api, strings.Replace(okBody, "{randstr}", "@nope", 1)},
		{"POST", "/", strings.Replace(api, "{ts}", "1", 1), okBody},
		{"POST", "/", strings.Replace(api, "{auth}", "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/captcha/tc3_request, SignedHeaders=content-type;host, Signature="+strings.Repeat("0", 64), 1), okBody},
		{"POST", "/", api + "\nX-TC-Content-SHA256: UNSIGNED-PAYLOAD", okBody},
		{"GET", "/", api, okBody},
		{"GET", "/emulator/mint", "", ""},
		{"POST", "/emulator/mint?appid=199999164&risky=1", "", ""},
		{"GET", "/emulator/mint?appid=42", "", ""},
		{"GET", "/emulator/mint?appid=0", "", ""},
		{"OPTIONS", "/emulator/mint", "", ""},
		{"PUT", "/emulator/mint", "", ""},
		{"HEAD", "/TCaptcha.js", "", ""},
		{"GET", "/elsewhere", "", ""},
	} {
		f.Add(s[0], s[1], s[2], []byte(s[3]))
	}
	f.Fuzz(func(t *testing.T, method, target, header string, body []byte) {
		e := New(Config{})
		tk := e.Mint(0)
		ts := e.Now().Unix()
		values := map[string]string{"ticket": tk.Ticket, "randstr": tk.Randstr, "ts": strconv.FormatInt(ts, 10)}
		signer := tencent.NewSigner(DemoSecretID, DemoSecretKey, tencent.Service, "emulator.test")
		pre := body
		for k, v := range values {
			pre = bytes.ReplaceAll(pre, []byte("{"+k+"}"), []byte(v))
		}
		values["auth"] = signer.Authorization(ts, "application/json", pre)
		serve := func() (*http.Request, *httptest.ResponseRecorder) {
			r, ok := emulator.FuzzRequest(method, target, "emulator.test", header, body, values)
			if !ok {
				return nil, nil
			}
			w := httptest.NewRecorder()
			e.ServeHTTP(w, r)
			return r, w
		}
		// The body as the emulator read it, for the checks below.
		r, _ := emulator.FuzzRequest(method, target, "emulator.test", header, body, values)
		if r == nil {
			return
		}
		var sent bytes.Buffer
		_, _ = sent.ReadFrom(r.Body)
		r, w := serve()

		switch r.URL.Path {
		case "/":
			var reply apiReply
			if err := json.Unmarshal(w.Body.Bytes(), &reply); err != nil || w.Code != http.StatusOK {
				t.Fatalf("API answered %d %q", w.Code, w.Body.Bytes())
			}
			res := reply.Response
			clientSigned := r.Header.Get("Authorization") != "" && r.Header.Get("Authorization") ==
				tencent.NewSigner(DemoSecretID, DemoSecretKey, tencent.Service, r.Host).Authorization(ts, r.Header.Get("Content-Type"), sent.Bytes())
			if res.Error != nil && strings.HasPrefix(res.Error.Code, "AuthFailure") && clientSigned && method == http.MethodPost &&
				r.Header.Get("X-TC-Action") == tencent.Action && r.Header.Get("X-TC-Version") == "2019-07-22" && r.Header.Get("X-TC-Timestamp") == values["ts"] &&
				r.Header.Get("X-TC-Content-SHA256") == "" && r.Header.Get("X-TC-Token") == "" {
				t.Fatalf("API refused tencent.Signer's signature with %s: %q", res.Error.Code, r.Header)
			}
			if res.CaptchaCode == nil || *res.CaptchaCode != 1 {
				return
			}
			var req struct {
				Ticket, Randstr, AppSecretKey string
				CaptchaAppId                  uint64 //nolint:revive // the API's spelling
			}
			if r.Method != http.MethodPost || json.Unmarshal(sent.Bytes(), &req) != nil || req.Ticket != tk.Ticket ||
				req.Randstr != tk.Randstr || req.CaptchaAppId != DemoAppID || req.AppSecretKey != DemoAppSecretKey {
				t.Fatalf("API passed %s %q", r.Method, sent.Bytes())
			}
			auth, ok := parseAuthorization(r.Header.Get("Authorization"))
			if !ok {
				t.Fatalf("API passed a request with Authorization %q", r.Header.Get("Authorization"))
			}
			if slices.Equal(auth.signedHeaders, []string{"content-type", "host"}) && r.Header.Get("X-TC-Content-SHA256") == "" {
				ref, _ := parseAuthorization(tencent.NewSigner(auth.secretID, DemoSecretKey, auth.service, r.Host).Authorization(ts, r.Header.Get("Content-Type"), sent.Bytes()))
				if ref.signature != auth.signature {
					t.Fatalf("API passed signature %s; tencent.Signer computes %s for %q", auth.signature, ref.signature, r.Header)
				}
			}
			if _, again := serve(); again != nil && strings.Contains(again.Body.String(), `"CaptchaCode":1,`) {
				t.Fatalf("API passed the same ticket twice")
			}
		case MintPath:
			checkMint(t, e, r, w)
		case ScriptPath:
			if w.Code == http.StatusOK && r.Method != http.MethodGet && r.Method != http.MethodHead {
				t.Fatalf("script served to %s", r.Method)
			}
		default:
			if w.Code != http.StatusNotFound {
				t.Fatalf("%s %s answered %d", r.Method, r.URL.Path, w.Code)
			}
		}
	})
}

// checkMint checks one answer of the mint endpoint: 200 only for GET or
// POST with no appid or a positive one, and the minted ticket verifies for
// that app only, once.
func checkMint(t *testing.T, e *Emulator, r *http.Request, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code != http.StatusOK {
		return
	}
	appid := r.URL.Query().Get("appid")
	id, err := strconv.ParseUint(appid, 10, 64)
	if (r.Method != http.MethodGet && r.Method != http.MethodPost) || (appid != "" && (err != nil || id == 0)) {
		t.Fatalf("mint answered 200 to %s %s", r.Method, r.URL)
	}
	if appid == "" {
		id = DemoAppID
	}
	var m struct {
		Ret                    int
		Ticket, Randstr, Appid string
	}
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || m.Ret != 0 || m.Appid != strconv.FormatUint(id, 10) {
		t.Fatalf("mint answered %q for appid %q", w.Body.Bytes(), appid)
	}
	code := e.judge(m.Ticket, m.Randstr, DemoAppID, DemoAppSecretKey).code
	if (code == 1) != (id == DemoAppID) {
		t.Fatalf("ticket minted for app %d judged %d for the demo app", id, code)
	}
	if again := e.judge(m.Ticket, m.Randstr, DemoAppID, DemoAppSecretKey).code; again == 1 {
		t.Fatalf("ticket minted for app %d verified twice", id)
	}
}
