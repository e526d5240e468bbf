package geetest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/sessions"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/providers/geetest/geetesttest"
	"github.com/captchakit/captcha/session"
)

var cookieHashKey = []byte("geetest-test-hash-key-0123456789")

// newStatusStore returns a signed cookie status store usable over plain
// HTTP (Secure off, as for local development).
func newStatusStore(t testing.TB, hashKey []byte) *session.Store {
	t.Helper()
	cs := sessions.NewCookieStore(hashKey)
	cs.Options.Secure = false
	cs.Options.HttpOnly = true
	cs.Options.SameSite = http.SameSiteLaxMode
	st, err := session.New(cs)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func newV3(t testing.TB, cfg geetest.V3Config) *geetest.V3 {
	t.Helper()
	if cfg.CaptchaID == "" {
		cfg.CaptchaID = geetesttest.DefaultV3CaptchaID
	}
	if cfg.PrivateKey == "" {
		cfg.PrivateKey = geetesttest.DefaultV3PrivateKey
	}
	p, err := geetest.NewV3(cfg)
	if err != nil {
		t.Fatalf("NewV3: %v", err)
	}
	return p
}

// registered is one client's register step: the JSON it got and the
// request it sends next (carrying its session cookie).
type registered struct {
	Success   int    `json:"success"`
	GT        string `json:"gt"`
	Challenge string `json:"challenge"`
	New       bool   `json:"new_captcha"`
	cookies   []*http.Cookie
}

// register runs p's register handler for a new client.
func register(t testing.TB, p *geetest.V3) registered {
	t.Helper()
	rec := httptest.NewRecorder()
	geetest.RegisterHandler(p).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/register", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("register status = %d, want 200", rec.Code)
	}
	var reg registered
	if err := json.Unmarshal(rec.Body.Bytes(), &reg); err != nil {
		t.Fatalf("register body %q: %v", rec.Body, err)
	}
	reg.cookies = rec.Result().Cookies()
	return reg
}

// ticket builds the ticket a client with reg's cookies submits.
func (reg registered) ticket(challenge, validate, seccode string) captcha.Ticket {
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	for _, c := range reg.cookies {
		r.AddCookie(c)
	}
	return captcha.Ticket{
		Values: map[string]string{
			geetest.FieldChallenge: challenge,
			geetest.FieldValidate:  validate,
			geetest.FieldSeccode:   seccode,
		},
		ClientIP: "192.0.2.1",
		Request:  r,
	}
}

// solved registers a client online and returns its solved ticket, with the
// slide captcha's two-digit suffix.
func solved(t testing.TB, srv *geetesttest.Server, p *geetest.V3) captcha.Ticket {
	t.Helper()
	reg := register(t, p)
	if reg.Success != 1 {
		t.Fatalf("register success = %d, want 1", reg.Success)
	}
	c := reg.Challenge + "07"
	v, s, err := srv.Solve(c)
	if err != nil {
		t.Fatalf("Solve: %v", err)
	}
	return reg.ticket(c, v, s)
}
