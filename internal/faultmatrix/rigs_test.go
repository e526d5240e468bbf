package faultmatrix_test

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/aliyun"
	"github.com/captchakit/captcha/providers/aliyun/aliyuntest"
	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/providers/geetest/geetesttest"
	"github.com/captchakit/captcha/providers/providertest"
	"github.com/captchakit/captcha/providers/tencent"
	"github.com/captchakit/captcha/providers/tencent/tencenttest"
	"github.com/captchakit/captcha/session"
	"github.com/gorilla/sessions"
)

var quiet = slog.New(slog.DiscardHandler)

// hangDeadline bounds a verification against a hanging vendor. Every other
// deadline in the rigs (providerTimeout, the Verifier's) is long, so that no
// cell depends on how fast a loaded machine runs.
const (
	hangDeadline    = 300 * time.Millisecond
	providerTimeout = 30 * time.Second
)

// rig is one provider wired to its own emulator.
type rig struct {
	provider captcha.Provider
	// request returns a request carrying a fresh ticket the emulator accepts.
	request func(t testing.TB) *http.Request
	inject  func(providertest.Fault)
	calls   func() int64
}

// newRig builds the named provider against a fresh emulator; with
// unreachable, the provider points at a port nothing listens on.
type newRig func(t testing.TB, unreachable bool) rig

var rigs = []struct {
	name string
	new  newRig
}{
	{"tencent", tencentRig},
	{"aliyun", aliyunRig},
	{"geetest3", geetest3Rig},
	{"geetest4", geetest4Rig},
	{"turnstile", turnstileRig},
	{"hcaptcha", hcaptchaRig},
	{"recaptcha2", recaptcha2Rig},
	{"recaptcha3", recaptcha3Rig},
}

func formRequest(values url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(values.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func base(t testing.TB, url string, unreachable bool) string {
	if !unreachable {
		return url
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}

func tencentRig(t testing.TB, unreachable bool) rig {
	srv := tencenttest.NewServer(t, tencenttest.Config{})
	p, err := tencent.New(tencent.Config{
		SecretID: tencenttest.DemoSecretID, SecretKey: tencenttest.DemoSecretKey,
		AppID: tencenttest.DemoAppID, AppSecretKey: tencenttest.DemoAppSecretKey,
		Endpoint: base(t, srv.URL, unreachable), Timeout: providerTimeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	return rig{
		provider: p,
		request: func(testing.TB) *http.Request {
			tk := srv.Mint(tencenttest.DemoAppID)
			return formRequest(url.Values{"ticket": {tk.Ticket}, "randstr": {tk.Randstr}})
		},
		inject: srv.Inject,
		calls:  srv.Calls,
	}
}

func aliyunRig(t testing.TB, unreachable bool) rig {
	srv := aliyuntest.NewServer(t, aliyuntest.Config{})
	p, err := aliyun.New(aliyun.Config{
		AccessKeyID: aliyuntest.DefaultAccessKeyID, AccessKeySecret: aliyuntest.DefaultAccessKeySecret,
		SceneID: aliyuntest.DefaultSceneID, Endpoint: base(t, srv.URL, unreachable), Timeout: providerTimeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	return rig{
		provider: p,
		request: func(testing.TB) *http.Request {
			return formRequest(url.Values{aliyun.DefaultParamField: {srv.MintParam(aliyuntest.DefaultSceneID)}})
		},
		inject: srv.Inject,
		calls:  srv.Calls,
	}
}

func geetest4Rig(t testing.TB, unreachable bool) rig {
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	p, err := geetest.NewV4(geetest.V4Config{
		CaptchaID: geetesttest.DefaultV4CaptchaID, CaptchaKey: geetesttest.DefaultV4CaptchaKey,
		Endpoint: base(t, srv.URL, unreachable), Timeout: providerTimeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	return rig{
		provider: p,
		request: func(t testing.TB) *http.Request {
			tk, err := srv.MintV4(geetesttest.DefaultV4CaptchaID)
			if err != nil {
				t.Fatal(err)
			}
			vs := url.Values{}
			for k, v := range tk.Values() {
				vs.Set(k, v)
			}
			return formRequest(vs)
		},
		inject: srv.Inject,
		calls:  srv.Calls,
	}
}

// geetest3Rig registers online (API1) against the emulator, before any fault
// is injected, then solves the challenge as the page would; the request
// carries the session cookie from register.
func geetest3Rig(t testing.TB, unreachable bool) rig {
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	st, err := session.New(sessions.NewCookieStore([]byte("fault-matrix-hash-key-32-bytes!!")))
	if err != nil {
		t.Fatal(err)
	}
	cfg := geetest.V3Config{
		CaptchaID: geetesttest.DefaultV3CaptchaID, PrivateKey: geetesttest.DefaultV3PrivateKey,
		StatusStore: st, Endpoint: srv.URL, Timeout: providerTimeout,
	}
	registrar, err := geetest.NewV3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Endpoint = base(t, srv.URL, unreachable)
	p, err := geetest.NewV3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rig{
		provider: p,
		request: func(t testing.TB) *http.Request {
			rec := httptest.NewRecorder()
			geetest.RegisterHandler(registrar).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/register", nil))
			var reg struct {
				Success   int    `json:"success"`
				Challenge string `json:"challenge"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &reg); err != nil || reg.Success != 1 {
				t.Fatalf("register = %q (%v), want online", rec.Body.String(), err)
			}
			validate, seccode, err := srv.Solve(reg.Challenge)
			if err != nil {
				t.Fatal(err)
			}
			r := formRequest(url.Values{
				"geetest_challenge": {reg.Challenge}, "geetest_validate": {validate}, "geetest_seccode": {seccode},
			})
			for _, c := range rec.Result().Cookies() {
				r.AddCookie(c)
			}
			return r
		},
		inject: srv.Inject,
		calls:  srv.Calls,
	}
}

// serve sends r through a Verifier built on rg and reports the status and
// whether the protected handler saw a degraded pass.
func serve(v *captcha.Verifier, r *http.Request) (status int, degraded bool) {
	h := v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, _ := captcha.FromContext(r.Context())
		degraded = res.Degraded
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Code, degraded
}

// verifier builds a Verifier on p with a generous deadline; only the hang
// cells shorten it (hangDeadline), since they wait for it in full.
func verifier(t testing.TB, p captcha.Provider, opts ...captcha.Option) *captcha.Verifier {
	t.Helper()
	v, err := captcha.New(p, append([]captcha.Option{captcha.WithLogger(quiet), captcha.WithTimeout(30 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// geetest3Register is a GeeTest v3 provider whose register step runs against
// the emulator through RegisterHandler, faults included.
type geetest3Register struct {
	srv      *geetesttest.Server
	provider *geetest.V3
	store    *countingStore
}

// countingStore counts how often the signed status cookie is decoded.
type countingStore struct {
	geetest.StatusStore
	reads atomic.Int64
}

func (c *countingStore) ServerStatus(r *http.Request) (geetest.ServerStatus, bool, error) {
	c.reads.Add(1)
	return c.StatusStore.ServerStatus(r)
}

func newGeetest3Register(t testing.TB) geetest3Register {
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	st, err := session.New(sessions.NewCookieStore([]byte("fault-matrix-hash-key-32-bytes!!")))
	if err != nil {
		t.Fatal(err)
	}
	cs := &countingStore{StatusStore: st}
	p, err := geetest.NewV3(geetest.V3Config{
		CaptchaID: geetesttest.DefaultV3CaptchaID, PrivateKey: geetesttest.DefaultV3PrivateKey,
		StatusStore: cs, Endpoint: srv.URL, Timeout: providerTimeout, Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	return geetest3Register{srv: srv, provider: p, store: cs}
}

// registered is one page load's register reply.
type registered struct {
	status    int
	body      string
	success   int
	challenge string
	cookies   []*http.Cookie
}

func (g geetest3Register) register(t testing.TB) registered {
	t.Helper()
	rec := httptest.NewRecorder()
	geetest.RegisterHandler(g.provider).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/register", nil))
	reg := registered{status: rec.Code, body: rec.Body.String(), cookies: rec.Result().Cookies()}
	if rec.Code == http.StatusOK {
		var b struct {
			Success   int    `json:"success"`
			Challenge string `json:"challenge"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
			t.Fatalf("register body %q: %v", rec.Body.String(), err)
		}
		reg.success, reg.challenge = b.Success, b.Challenge
	}
	return reg
}

// login is the page's validate request for the registered challenge, with the
// session cookie register set.
func (reg registered) login(validate, seccode string) *http.Request {
	r := formRequest(url.Values{
		"geetest_challenge": {reg.challenge}, "geetest_validate": {validate}, "geetest_seccode": {seccode},
	})
	for _, c := range reg.cookies {
		r.AddCookie(c)
	}
	return r
}
