package turnstiletest

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
// answers JSON and passes only a POST whose body carries the demo secret
// and the minted token, or a test secret with the dummy token; it passes a
// minted token twice only for a retry that carries an idempotency_key; the
// mint endpoint mints only on GET or POST, and its tokens verify; the
// script is served only to GET and HEAD; other paths are 404.
func FuzzEmulatorRequest(f *testing.F) {
	const formType = "Content-Type: application/x-www-form-urlencoded"
	for _, s := range [][4]string{
		{"POST", SiteverifyPath, formType, "secret={secret}&response={token}"},
		{"POST", SiteverifyPath, formType, "secret={secret}&response={token}&idempotency_key=k"},
		{"POST", SiteverifyPath, "Content-Type: application/json", `{"secret":"{secret}","response":"{token}"}`},
		{"POST", SiteverifyPath, "Content-Type: multipart/form-data; boundary=b",
			"--b\r\nContent-Disposition: form-data; name=\"secret\"\r\n\r\n{secret}\r\n--b\r\nContent-Disposition: form-data; name=\"response\"\r\n\r\n{token}\r\n--b--\r\n"},
		{"POST", SiteverifyPath, formType, "secret=" + TestSecretPass + "&response=" + DummyToken},
		{"POST", SiteverifyPath, formType, "secret=" + TestSecretSpent + "&response={token}"},
		{"POST", SiteverifyPath + "?secret={secret}&response={token}", "", ""},
		{"GET", SiteverifyPath, "", ""},
		{"POST", MintPath + "?sitekey=" + DemoSitekey + "&action=login", "", ""},
		{"GET", MintPath + "?sitekey=" + TestSitekeyFail, "", ""},
		{"OPTIONS", MintPath, "", ""},
		{"HEAD", ScriptPath, "", ""},
		{"GET", "/elsewhere", "", ""},
	} {
		f.Add(s[0], s[1], s[2], []byte(s[3]))
	}
	f.Fuzz(func(t *testing.T, method, target, header string, body []byte) {
		e := New(Config{})
		token := e.Mint("")
		values := map[string]string{"token": token, "secret": DemoSecret}
		build := func() *http.Request {
			r, ok := emulator.FuzzRequest(method, target, "emulator.test", header, body, values)
			if !ok {
				return nil
			}
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
			var rep struct {
				Success bool `json:"success"`
			}
			if w.Header().Get("Content-Type") != "application/json" || json.Unmarshal(w.Body.Bytes(), &rep) != nil {
				t.Fatalf("siteverify answered %d %q", w.Code, w.Body.Bytes())
			}
			if !rep.Success {
				return
			}
			raw := sent.String()
			minted := strings.Contains(raw, DemoSecret) && strings.Contains(raw, token)
			test := strings.Contains(raw, TestSecretPass) && strings.Contains(raw, DummyToken)
			if r.Method != http.MethodPost || (!minted && !test) {
				t.Fatalf("siteverify passed %s %q", r.Method, raw)
			}
			if !test && strings.Contains(serve().Body.String(), `"success":true`) && !strings.Contains(raw, "idempotency_key") {
				t.Fatalf("siteverify passed the same token twice without an idempotency_key: %q", raw)
			}
		case MintPath:
			if w.Code == http.StatusNoContent || w.Code == http.StatusMethodNotAllowed {
				return
			}
			var m struct {
				Success bool
				Token   string
			}
			if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
				t.Fatalf("mint answered %d %q", w.Code, w.Body.Bytes())
			}
			if m.Success && r.Method != http.MethodGet && r.Method != http.MethodPost {
				t.Fatalf("mint answered %s", r.Method)
			}
			if m.Success && m.Token != DummyToken && r.URL.Query().Get("sitekey") == DemoSitekey && !verifies(e, m.Token) {
				t.Fatalf("minted token %q does not verify", m.Token)
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
