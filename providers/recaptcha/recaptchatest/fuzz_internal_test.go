package recaptchatest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/captchakit/captcha/internal/emulator"
)

// FuzzEmulatorRequest sends requests built from fuzzed method, target,
// headers and body to every endpoint of the emulator, with placeholders for
// one minted token and the demo secret: nothing panics; siteverify always
// answers JSON and passes only a POST that carries (in its body or query)
// the demo v2 secret and the minted token, then only once, or the test
// secret; the mint endpoint mints only on GET or POST; the script is served
// only to GET and HEAD; other paths are 404.
func FuzzEmulatorRequest(f *testing.F) {
	const formType = "Content-Type: application/x-www-form-urlencoded"
	for _, s := range [][4]string{
		{"POST", SiteverifyPath, formType, "secret={secret}&response={token}"},
		{"POST", SiteverifyPath, formType, "secret={secret}&response={token}&remoteip=203.0.113.7"},
		{"POST", SiteverifyPath + "?secret={secret}&response={token}", "", ""},
		{"POST", SiteverifyPath, formType, "secret=" + TestSecret + "&response=x"},
		{"POST", SiteverifyPath, formType, "secret=" + DemoSecretV3 + "&response={token}"},
		{"GET", SiteverifyPath + "?secret={secret}&response={token}", "", ""},
		{"POST", MintPath + "?sitekey=" + DemoSitekeyV3 + "&action=login&score=0.2", "", ""},
		{"GET", ScriptPath + "?render=" + DemoSitekeyV3, "", ""},
		{"GET", "/recaptcha/api2/x", "", ""},
	} {
		f.Add(s[0], s[1], s[2], []byte(s[3]))
	}
	f.Fuzz(func(t *testing.T, method, target, header string, body []byte) {
		e := New(Config{})
		token := e.Mint(DemoSitekeyV2)
		values := map[string]string{"token": token, "secret": DemoSecretV2}
		build := func() *http.Request {
			r, _ := emulator.FuzzRequest(method, target, "emulator.test", header, body, values)
			return r
		}
		r := build()
		if r == nil {
			return
		}
		var sent bytes.Buffer
		_, _ = sent.ReadFrom(r.Body)
		serve := func() *httptest.ResponseRecorder {
			w := httptest.NewRecorder()
			e.ServeHTTP(w, build())
			return w
		}
		w := serve()
		switch r.URL.Path {
		case SiteverifyPath:
			var rep struct{ Success bool }
			if w.Header().Get("Content-Type") != "application/json" || json.Unmarshal(w.Body.Bytes(), &rep) != nil {
				t.Fatalf("siteverify answered %d %q", w.Code, w.Body.Bytes())
			}
			if !rep.Success {
				return
			}
			raw := sent.String() + " " + r.URL.RawQuery
			minted := strings.Contains(raw, DemoSecretV2) && strings.Contains(raw, token)
			if r.Method != http.MethodPost || (!minted && !strings.Contains(raw, TestSecret)) {
				t.Fatalf("siteverify passed %s %q", r.Method, raw)
			}
			if minted && !strings.Contains(raw, TestSecret) && strings.Contains(serve().Body.String(), `"success":true`) {
				t.Fatalf("siteverify passed the same token twice: %q", raw)
			}
		case MintPath:
			if w.Code == http.StatusOK && r.Method != http.MethodGet && r.Method != http.MethodPost {
				t.Fatalf("mint answered %s", r.Method)
			}
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
