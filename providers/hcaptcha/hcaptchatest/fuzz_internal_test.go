package hcaptchatest

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
// one minted token and the demo keys: nothing panics; siteverify always
// answers JSON and passes only a POST whose body carries the demo secret
// and the minted token (then only once), or the test secret and the test
// token; the mint endpoint mints only on GET or POST; the script is served
// only to GET and HEAD; other paths are 404.
func FuzzEmulatorRequest(f *testing.F) {
	const formType = "Content-Type: application/x-www-form-urlencoded"
	for _, s := range [][4]string{
		{"POST", SiteverifyPath, formType, "secret={secret}&response={token}"},
		{"POST", SiteverifyPath, formType, "secret={secret}&response={token}&sitekey={sitekey}&remoteip=203.0.113.7"},
		{"POST", SiteverifyPath, formType, "secret={secret}&response={token}&sitekey=nope"},
		{"POST", SiteverifyPath, formType, "secret=" + TestSecret + "&response=" + TestToken},
		{"POST", SiteverifyPath, formType, "secret={secret}&response=" + TestToken},
		{"POST", SiteverifyPath, "", "secret={secret}&response={token}"},
		{"POST", SiteverifyPath, "Content-Type: application/json", `{"secret":"{secret}","response":"{token}"}`},
		{"PUT", SiteverifyPath, formType, "secret={secret}&response={token}"},
		{"GET", MintPath + "?sitekey={sitekey}&score=0.5", "", ""},
		{"HEAD", ScriptPath, "", ""},
		{"GET", "/", "", ""},
	} {
		f.Add(s[0], s[1], s[2], []byte(s[3]))
	}
	f.Fuzz(func(t *testing.T, method, target, header string, body []byte) {
		e := New(Config{})
		token := e.Mint("")
		values := map[string]string{"token": token, "secret": DemoSecret, "sitekey": DemoSitekey}
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
			raw := sent.String()
			minted := strings.Contains(raw, DemoSecret) && strings.Contains(raw, token)
			test := strings.Contains(raw, TestSecret) && strings.Contains(raw, TestToken)
			if r.Method != http.MethodPost || (!minted && !test) {
				t.Fatalf("siteverify passed %s %q", r.Method, raw)
			}
			if minted && !test && strings.Contains(serve().Body.String(), `"success":true`) {
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
