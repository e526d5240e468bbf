package geetest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/providers/geetest/geetesttest"
	"github.com/captchakit/captcha/providers/providertest"
	"github.com/captchakit/captcha/session"
)

// app is a small site: GET /register is the provider's register handler and
// POST /login verifies the posted ticket with the provider directly and
// reports the outcome as JSON.
type app struct {
	t      *testing.T
	srv    *geetesttest.Server
	p      *geetest.V3
	url    string
	offset atomic.Int64 // added to the provider's clock
}

// advance moves the provider's clock forward by d.
func (a *app) advance(d time.Duration) { a.offset.Add(int64(d)) }

type outcome struct {
	Passed   bool   `json:"passed"`
	Code     string `json:"code"`
	Err      string `json:"err"`
	Offline  bool   `json:"offline"`
	Down     bool   `json:"down"`
	NoStatus bool   `json:"no_status"`
	Failback string `json:"failback"` // CheckFailback's verdict: "ok" or the error
}

func newApp(t *testing.T, cfg geetest.V3Config) *app {
	t.Helper()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	if cfg.StatusStore == nil {
		cfg.StatusStore = newStatusStore(t, cookieHashKey)
	}
	cfg.Endpoint = srv.URL
	a := &app{t: t, srv: srv}
	cfg.Now = func() time.Time { return time.Now().Add(time.Duration(a.offset.Load())) }
	p := newV3(t, cfg)
	a.p = p
	mux := http.NewServeMux()
	mux.Handle("GET /register", geetest.RegisterHandler(p))
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		tk := captcha.Ticket{Values: map[string]string{}, ClientIP: "127.0.0.1", Request: r}
		for _, f := range p.Fields() {
			tk.Values[f] = r.PostForm.Get(f)
		}
		res, err := p.Verify(r.Context(), tk)
		out := outcome{Passed: res.Passed, Code: res.Code, Failback: "ok"}
		if err != nil {
			out.Err = err.Error()
			out.Offline = errors.Is(err, captcha.ErrOfflineTicket)
			out.Down = errors.Is(err, captcha.ErrUnavailable)
			out.NoStatus = errors.Is(err, captcha.ErrNoServerStatus)
		}
		if err := p.CheckFailback(r.Context(), tk); err != nil {
			out.Failback = err.Error()
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	a.url = hs.URL
	return a
}

// browser is one client with its own cookie jar.
type browser struct {
	a *app
	c *http.Client
}

func (a *app) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		a.t.Fatal(err)
	}
	return &browser{a: a, c: &http.Client{Jar: jar}}
}

func (b *browser) register() registered {
	b.a.t.Helper()
	resp, err := b.c.Get(b.a.url + "/register")
	if err != nil {
		b.a.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.a.t.Fatalf("GET /register = %d, want 200", resp.StatusCode)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		b.a.t.Errorf("register Cache-Control = %q, want no-store", got)
	}
	var reg registered
	if err := json.NewDecoder(resp.Body).Decode(&reg); err != nil {
		b.a.t.Fatal(err)
	}
	if reg.GT != geetesttest.DefaultV3CaptchaID || !reg.New {
		b.a.t.Errorf("register body = %+v, want gt %s and new_captcha true", reg, geetesttest.DefaultV3CaptchaID)
	}
	return reg
}

func (b *browser) login(challenge, validate, seccode string) outcome {
	b.a.t.Helper()
	resp, err := b.c.PostForm(b.a.url+"/login", url.Values{
		geetest.FieldChallenge: {challenge},
		geetest.FieldValidate:  {validate},
		geetest.FieldSeccode:   {seccode},
	})
	if err != nil {
		b.a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out outcome
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		b.a.t.Fatal(err)
	}
	return out
}

// solve is what gt.js does online: the slide appends two digits, and the
// emulator hands out validate and seccode.
func (a *app) solve(challenge string) (c, v, s string) {
	a.t.Helper()
	c = challenge + "42"
	v, s, err := a.srv.Solve(c)
	if err != nil {
		a.t.Fatal(err)
	}
	return c, v, s
}

func TestFlowOnline(t *testing.T) {
	t.Parallel()
	for _, mod := range []geetest.DigestMod{geetest.DigestMD5, geetest.DigestSHA256, geetest.DigestHMACSHA256} {
		t.Run(string(mod), func(t *testing.T) {
			t.Parallel()
			a := newApp(t, geetest.V3Config{DigestMod: mod})
			b := a.browser()
			reg := b.register()
			if reg.Success != 1 {
				t.Fatalf("register success = %d, want 1", reg.Success)
			}
			out := b.login(a.solve(reg.Challenge))
			if !out.Passed || out.Err != "" || out.Code != "success" {
				t.Fatalf("login = %+v, want a pass with code success", out)
			}
			if out.Failback != "ok" {
				t.Errorf("CheckFailback = %s, want nil for the issued challenge", out.Failback)
			}
		})
	}
}

func TestFlowOnlineWithoutSlideSuffix(t *testing.T) {
	t.Parallel()
	a := newApp(t, geetest.V3Config{})
	b := a.browser()
	reg := b.register()
	v, s, err := a.srv.Solve(reg.Challenge)
	if err != nil {
		t.Fatal(err)
	}
	if out := b.login(reg.Challenge, v, s); !out.Passed {
		t.Fatalf("login = %+v, want a pass", out)
	}
}

func TestFlowFailback(t *testing.T) {
	t.Parallel()
	a := newApp(t, geetest.V3Config{})
	a.srv.SetRegisterDown(true)
	b := a.browser()
	reg := b.register()
	if reg.Success != 0 {
		t.Fatalf("register success = %d, want 0 (failback)", reg.Success)
	}
	if len(reg.Challenge) != 32 {
		t.Fatalf("failback challenge %q, want 32 characters", reg.Challenge)
	}
	if again := b.register(); again.Challenge == reg.Challenge {
		t.Fatal("two failback challenges are equal, want random ones")
	}
	reg = b.register() // the latest registration is the client's status

	calls := a.srv.Calls()
	// Offline gt.js makes validate and seccode up.
	out := b.login(reg.Challenge, "0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef|jordan")
	if out.Passed || !out.Offline || !out.Down {
		t.Fatalf("login = %+v, want an error wrapping ErrUnavailable and ErrOfflineTicket", out)
	}
	if out.Failback != "ok" {
		t.Errorf("CheckFailback = %s, want nil for the issued challenge", out.Failback)
	}
	if got := a.srv.Calls(); got != calls {
		t.Errorf("emulator calls went from %d to %d, want no network call for a failback ticket", calls, got)
	}
	// The client cannot use an earlier challenge of its own either.
	out = b.login("0123456789abcdef0123456789abcdef", "x", "y")
	if !out.NoStatus || out.Failback == "ok" {
		t.Errorf("login with a challenge not issued = %+v, want ErrNoServerStatus and CheckFailback failing", out)
	}
}

// TestFlowRegisterThrottledOrRefusedGivesNoChallenge: register.php
// throttling us, or refusing the captcha ID, while GeeTest is up must not hand
// out an offline challenge (whose made-up answer would reach the failback
// policy): the register endpoint fails closed with no challenge and no
// status cookie.
func TestFlowRegisterThrottledOrRefusedGivesNoChallenge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fault providertest.Fault
		want  int
	}{
		{providertest.FaultThrottled, http.StatusServiceUnavailable},
		{providertest.FaultBadCredentials, http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			t.Parallel()
			a := newApp(t, geetest.V3Config{})
			a.srv.Inject(tt.fault)
			resp, err := a.browser().c.Get(a.url + "/register")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.want || bytes.Contains(body, []byte("challenge")) || len(resp.Cookies()) != 0 {
				t.Errorf("GET /register = %d %q with %d cookies, want %d, no challenge and no cookie",
					resp.StatusCode, body, len(resp.Cookies()), tt.want)
			}
		})
	}
}

func TestFlowRegisterFaultsFallBack(t *testing.T) {
	t.Parallel()
	faults := []providertest.Fault{
		providertest.FaultHTTP500, providertest.FaultHTTP503, providertest.FaultInternalError,
		providertest.FaultMalformedJSON, providertest.FaultConnReset, providertest.FaultHang,
	}
	for _, f := range faults {
		t.Run(f.String(), func(t *testing.T) {
			t.Parallel()
			a := newApp(t, geetest.V3Config{Timeout: 200 * time.Millisecond})
			a.srv.Inject(f)
			reg := a.browser().register()
			if reg.Success != 0 || len(reg.Challenge) != 32 {
				t.Fatalf("register under %v = %+v, want failback with a local challenge", f, reg)
			}
		})
	}
}

// TestFlowAttacks is the security table of the v3 flow: every case must be
// refused, and none may reach the failback policy.
func TestFlowAttacks(t *testing.T) {
	t.Parallel()
	t.Run("challenge of another client reject", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, geetest.V3Config{})
		alice, mallory := a.browser(), a.browser()
		c, v, s := a.solve(alice.register().Challenge)
		mallory.register()
		calls := a.srv.Calls()
		out := mallory.login(c, v, s)
		if out.Passed || !out.NoStatus || out.Failback == "ok" {
			t.Fatalf("login = %+v, want ErrNoServerStatus and CheckFailback failing", out)
		}
		if a.srv.Calls() != calls {
			t.Error("validate.php was called for a challenge not issued to this client")
		}
	})
	t.Run("no session reject", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, geetest.V3Config{})
		c, v, s := a.solve(a.browser().register().Challenge)
		if out := a.browser().login(c, v, s); out.Passed || !out.NoStatus {
			t.Fatalf("login = %+v, want ErrNoServerStatus", out)
		}
	})
	t.Run("replayed challenge reject", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, geetest.V3Config{})
		b := a.browser()
		c, v, s := a.solve(b.register().Challenge)
		if out := b.login(c, v, s); !out.Passed {
			t.Fatalf("first login = %+v, want a pass", out)
		}
		if out := b.login(c, v, s); out.Passed || out.Err != "" || out.Code != "false" {
			t.Fatalf("replayed login = %+v, want GeeTest's rejection (code false)", out)
		}
	})
	t.Run("wrong seccode reject", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, geetest.V3Config{})
		b := a.browser()
		c, v, _ := a.solve(b.register().Challenge)
		if out := b.login(c, v, "0123456789abcdef0123456789abcdef|jordan"); out.Passed || out.Err != "" || out.Code != "false" {
			t.Fatalf("login = %+v, want GeeTest's rejection (code false)", out)
		}
	})
	t.Run("malformed fields reject", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, geetest.V3Config{})
		b := a.browser()
		reg := b.register()
		for _, vals := range [][3]string{
			{reg.Challenge, "", "s"},
			{reg.Challenge, "v v", "s"},
			{reg.Challenge + "x", "v", "s"},
			{strings.ToUpper(reg.Challenge), "v", "s"},
			{reg.Challenge, strings.Repeat("v", 300), "s"},
		} {
			out := b.login(vals[0], vals[1], vals[2])
			if out.Passed || out.Err != "" || out.Code != "malformed" || !strings.Contains(out.Failback, "rejected") {
				t.Errorf("login(%q, %q, %q) = %+v, want a malformed rejection and CheckFailback failing", vals[0], vals[1], vals[2], out)
			}
		}
	})
	t.Run("stale status reject", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, geetest.V3Config{})
		b := a.browser()
		c, v, s := a.solve(b.register().Challenge)
		a.advance(11 * time.Minute)
		out := b.login(c, v, s)
		if out.Passed || !out.NoStatus || !strings.Contains(out.Err, "stale") || out.Failback == "ok" {
			t.Fatalf("login = %+v, want a stale ErrNoServerStatus", out)
		}
	})
	t.Run("tampered cookie reject", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, geetest.V3Config{})
		b := a.browser()
		c, v, s := a.solve(b.register().Challenge)
		u, _ := url.Parse(a.url)
		cs := b.c.Jar.Cookies(u)
		if len(cs) != 1 {
			t.Fatalf("cookies = %v, want the status cookie", cs)
		}
		val := []byte(cs[0].Value)
		val[len(val)/2] ^= 1
		b.c.Jar.SetCookies(u, []*http.Cookie{{Name: cs[0].Name, Value: string(val), Path: "/"}})
		if out := b.login(c, v, s); out.Passed || !out.NoStatus {
			t.Fatalf("login = %+v, want ErrNoServerStatus", out)
		}
	})
	t.Run("forged failback status reject", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, geetest.V3Config{})
		// The attacker signs a failback status for a challenge of their own
		// with a key of their own.
		forger := newStatusStore(t, []byte("attacker-chosen-hash-key-0123456"))
		rec := httptest.NewRecorder()
		const chosen = "0123456789abcdef0123456789abcdef"
		if err := forger.SetServerStatus(rec, httptest.NewRequest(http.MethodGet, "/", nil), geetest.NewServerStatus(false, chosen, time.Now())); err != nil {
			t.Fatal(err)
		}
		b := a.browser()
		u, _ := url.Parse(a.url)
		b.c.Jar.SetCookies(u, rec.Result().Cookies())
		out := b.login(chosen, "v", "v|jordan")
		if out.Passed || out.Offline || !out.NoStatus || out.Failback == "ok" {
			t.Fatalf("login = %+v, want ErrNoServerStatus (and never the failback path)", out)
		}
	})
}

// statusStoreFunc is a StatusStore with scripted behaviour.
type statusStoreFunc struct {
	get func(*http.Request) (geetest.ServerStatus, bool, error)
	set func(http.ResponseWriter, *http.Request, geetest.ServerStatus) error
}

func (s statusStoreFunc) ServerStatus(r *http.Request) (geetest.ServerStatus, bool, error) {
	return s.get(r)
}

func (s statusStoreFunc) SetServerStatus(w http.ResponseWriter, r *http.Request, st geetest.ServerStatus) error {
	return s.set(w, r, st)
}

var errStore = errors.New("store down at 10.0.0.7:6379")

func TestRegisterHandlerStoreError(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	p := newV3(t, geetest.V3Config{Endpoint: srv.URL, StatusStore: statusStoreFunc{
		get: func(*http.Request) (geetest.ServerStatus, bool, error) {
			return geetest.ServerStatus{}, false, errStore
		},
		set: func(http.ResponseWriter, *http.Request, geetest.ServerStatus) error { return errStore },
	}})
	rec := httptest.NewRecorder()
	geetest.RegisterHandler(p).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/register", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", rec.Code)
	}
	if strings.Contains(string(body), "challenge") || strings.Contains(string(body), "10.0.0.7") {
		t.Errorf("body = %q, want a generic body without the challenge or internals", body)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}

	// Reading fails too: Verify rejects without calling GeeTest.
	calls := srv.Calls()
	tk := registered{}.ticket("0123456789abcdef0123456789abcdef", "v", "v|jordan")
	_, err := p.Verify(t.Context(), tk)
	if !errors.Is(err, captcha.ErrNoServerStatus) || errors.Is(err, captcha.ErrUnavailable) {
		t.Errorf("Verify = %v, want ErrNoServerStatus only", err)
	}
	if err := p.CheckFailback(t.Context(), tk); !errors.Is(err, captcha.ErrNoServerStatus) {
		t.Errorf("CheckFailback = %v, want ErrNoServerStatus", err)
	}
	if srv.Calls() != calls {
		t.Error("GeeTest was called although the status could not be read")
	}
}

func TestRegisterHandlerMethods(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	p := newV3(t, geetest.V3Config{Endpoint: srv.URL, StatusStore: newStatusStore(t, cookieHashKey)})
	h := geetest.RegisterHandler(p)
	for method, want := range map[string]int{http.MethodGet: 200, http.MethodPost: 200, http.MethodPut: 405, http.MethodDelete: 405} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "/register", nil))
		if rec.Code != want {
			t.Errorf("%s /register = %d, want %d", method, rec.Code, want)
		}
		if want == 200 && (len(rec.Result().Cookies()) != 1 || rec.Header().Get("Content-Type") != "application/json") {
			t.Errorf("%s /register: cookies %v, content type %q; want the status cookie and JSON", method, rec.Result().Cookies(), rec.Header().Get("Content-Type"))
		}
	}
}

// TestStatusChecks drives V3's session checks with statuses built by hand.
func TestStatusChecks(t *testing.T) {
	t.Parallel()
	const c = "0123456789abcdef0123456789abcdef"
	now := time.Now()
	tests := []struct {
		name     string
		st       geetest.ServerStatus
		ok       bool
		err      error
		wantCode string
	}{
		{"failback status pass to policy", geetest.NewServerStatus(false, c, now), true, nil, "failback"},
		{"old status reject", geetest.NewServerStatus(false, c, now.Add(-11*time.Minute)), true, nil, "stale"},
		{"future status reject", geetest.NewServerStatus(false, c, now.Add(5*time.Minute)), true, nil, "future"},
		{"other challenge reject", geetest.NewServerStatus(false, "ffffffffffffffffffffffffffffffff", now), true, nil, "challenge-mismatch"},
		{"missing status reject", geetest.ServerStatus{}, false, nil, "no-status"},
		{"undecodable status reject", geetest.ServerStatus{}, false, errStore, "session"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newV3(t, geetest.V3Config{Endpoint: "http://127.0.0.1:1", StatusStore: statusStoreFunc{
				get: func(*http.Request) (geetest.ServerStatus, bool, error) { return tt.st, tt.ok, tt.err },
			}})
			tk := registered{}.ticket(c+"ab", "v", "v|jordan")
			_, err := p.Verify(t.Context(), tk)
			var ve *captcha.VerifyError
			if !errors.As(err, &ve) || ve.Code != tt.wantCode || ve.Provider != geetest.NameV3 {
				t.Fatalf("Verify = %v, want a VerifyError with code %q", err, tt.wantCode)
			}
			fb := p.CheckFailback(t.Context(), tk)
			if tt.wantCode == "failback" {
				if !errors.Is(err, captcha.ErrUnavailable) || !errors.Is(err, captcha.ErrOfflineTicket) {
					t.Errorf("Verify = %v, want ErrUnavailable and ErrOfflineTicket", err)
				}
				if fb != nil {
					t.Errorf("CheckFailback = %v, want nil", fb)
				}
				return
			}
			if !errors.Is(err, captcha.ErrNoServerStatus) || errors.Is(err, captcha.ErrUnavailable) {
				t.Errorf("Verify = %v, want ErrNoServerStatus only", err)
			}
			if !errors.Is(fb, captcha.ErrNoServerStatus) {
				t.Errorf("CheckFailback = %v, want ErrNoServerStatus", fb)
			}
		})
	}
	t.Run("no request reject", func(t *testing.T) {
		t.Parallel()
		p := newV3(t, geetest.V3Config{StatusStore: newStatusStore(t, cookieHashKey)})
		tk := registered{}.ticket(c, "v", "v|jordan")
		tk.Request = nil
		if _, err := p.Verify(t.Context(), tk); !errors.Is(err, captcha.ErrNoServerStatus) {
			t.Errorf("Verify = %v, want ErrNoServerStatus", err)
		}
	})
}

func TestTicketIDV3(t *testing.T) {
	t.Parallel()
	p := newV3(t, geetest.V3Config{StatusStore: newStatusStore(t, cookieHashKey)})
	const c = "0123456789abcdef0123456789abcdef"
	for _, submitted := range []string{c, c + "01", c + "99"} {
		if got := p.TicketID(registered{}.ticket(submitted, "v", "s")); got != c {
			t.Errorf("TicketID(%q) = %q, want %q", submitted, got, c)
		}
	}
	long := strings.Repeat("ab", 32)
	if got := p.TicketID(registered{}.ticket(long+"12", "v", "s")); got != long {
		t.Errorf("TicketID(64+2) = %q, want %q", got, long)
	}
}

// TestSessionStoreBackends runs the online flow on a FilesystemStore too.
func TestSessionStoreBackends(t *testing.T) {
	t.Parallel()
	fs := sessions.NewFilesystemStore(t.TempDir(), cookieHashKey)
	fs.Options.Secure = false
	st, err := session.New(fs)
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(t, geetest.V3Config{StatusStore: st})
	b := a.browser()
	if out := b.login(a.solve(b.register().Challenge)); !out.Passed {
		t.Fatalf("login = %+v, want a pass", out)
	}
}
