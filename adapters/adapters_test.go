package adapters_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/captchakit/captcha/internal/leakcheck"
	"github.com/captchakit/captcha/internal/logtest"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"github.com/captchakit/captcha/adapters/chicaptcha"
	"github.com/captchakit/captcha/adapters/echocaptcha"
	"github.com/captchakit/captcha/adapters/gincaptcha"
	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/providers/geetest/geetesttest"
	"github.com/captchakit/captcha/providers/providertest"
	"github.com/captchakit/captcha/session"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(leakcheck.Run(m))
}

// The application every framework serves, written in that framework's idiom:
//
//	POST /login            protected by the Verifier; answers
//	                       "welcome <user> provider=<p> degraded=<bool>", with
//	                       <user> read from the form or JSON body after
//	                       verification, and the Result read with the
//	                       framework's accessor
//	GET  /geetest/register the GeeTest v3 register handler, if there is one
//
// custom asks for a custom error page in the framework's own idiom; for
// net/http and chi that idiom is captcha.WithErrorHandler on the Verifier,
// which newSite sets (framework.coreCustom).
type framework struct {
	name       string
	build      func(v *captcha.Verifier, register http.Handler, custom bool) http.Handler
	coreCustom bool // the custom page is the Verifier's error handler
	logsRoute  bool // the Verifier's log lines carry route=/login
}

var frameworks = []framework{
	{name: "nethttp", build: netHTTPApp, coreCustom: true},
	{name: "gin", build: ginApp, logsRoute: true},
	{name: "echo", build: echoApp, logsRoute: true},
	{name: "chi", build: chiApp, coreCustom: true, logsRoute: true},
}

func netHTTPApp(v *captcha.Verifier, register http.Handler, _ bool) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /login", v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, ok := captcha.FromContext(r.Context())
		login(w, r, res, ok)
	})))
	if register != nil {
		mux.Handle("GET /geetest/register", register)
	}
	return mux
}

func ginApp(v *captcha.Verifier, register http.Handler, custom bool) http.Handler {
	var opts []gincaptcha.Option
	if custom {
		opts = append(opts, gincaptcha.WithErrorHandler(func(c *gin.Context, err error) {
			c.String(captcha.StatusCode(err), customPage(err))
		}))
	}
	r := gin.New()
	r.POST("/login", gincaptcha.Require(v, opts...), func(c *gin.Context) {
		res, ok := gincaptcha.Result(c)
		login(c.Writer, c.Request, res, ok)
	})
	if register != nil {
		r.GET("/geetest/register", gin.WrapH(register))
	}
	return r
}

func echoApp(v *captcha.Verifier, register http.Handler, custom bool) http.Handler {
	e := echo.New()
	// The application's own error handler renders captcha failures: its
	// custom page, or else exactly what the net/http middleware writes.
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		var he *echo.HTTPError
		if errors.As(err, &he) && he.Internal != nil && errors.As(he.Internal, new(*captcha.VerifyError)) {
			if custom {
				_ = c.String(he.Code, customPage(he.Internal))
				return
			}
			v.ErrorHandler()(c.Response(), c.Request(), he.Internal)
			return
		}
		e.DefaultHTTPErrorHandler(err, c)
	}
	e.POST("/login", func(c echo.Context) error {
		res, ok := echocaptcha.Result(c)
		login(c.Response(), c.Request(), res, ok)
		return nil
	}, echocaptcha.Require(v))
	if register != nil {
		e.GET("/geetest/register", echo.WrapHandler(register))
	}
	return e
}

func chiApp(v *captcha.Verifier, register http.Handler, _ bool) http.Handler {
	r := chi.NewRouter()
	r.With(chicaptcha.Require(v)).Post("/login", func(w http.ResponseWriter, r *http.Request) {
		res, ok := chicaptcha.Result(r)
		login(w, r, res, ok)
	})
	if register != nil {
		r.Method(http.MethodGet, "/geetest/register", register)
	}
	return r
}

// login is the protected handler's body, shared by all frameworks: it reads
// the request body the Verifier has already read.
func login(w http.ResponseWriter, r *http.Request, res *captcha.Result, ok bool) {
	if !ok || res == nil || !res.Passed {
		http.Error(w, "handler reached without a passing Result", http.StatusInternalServerError)
		return
	}
	var user string
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var in struct {
			User string `json:"user"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, "handler could not read the JSON body: "+err.Error(), http.StatusInternalServerError)
			return
		}
		user = in.User
	} else {
		user = r.FormValue("user")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "welcome %s provider=%s degraded=%t\n", user, res.Provider, res.Degraded)
}

// customPage is the text of the custom error page, written by each
// framework's own idiom.
func customPage(err error) string {
	switch {
	case errors.Is(err, captcha.ErrMissingTicket):
		return "custom: please solve the puzzle first\n"
	case errors.Is(err, captcha.ErrRejected), errors.Is(err, captcha.ErrReplayed):
		return "custom: that did not work, please try again\n"
	default:
		return "custom: " + http.StatusText(captcha.StatusCode(err)) + "\n"
	}
}

// customCore is the custom page as a captcha.ErrorHandler (net/http, chi).
func customCore(w http.ResponseWriter, _ *http.Request, err error) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(captcha.StatusCode(err))
	_, _ = io.WriteString(w, customPage(err))
}

// site is one framework's application, served on loopback, with its
// Verifier's log.
type site struct {
	url string
	c   *http.Client
	emu *geetesttest.Server // GeeTest rows only
	log *logtest.Buffer

	// mint returns a fresh token of the given kind (see mintKind) for the
	// siteverify rows' provider, and the field it is posted in; fault
	// injects a fault into that provider's emulator.
	mint  func(kind mintKind) (field, token string)
	fault func(providertest.Fault)
}

type reply struct {
	status int
	body   string
}

func (r reply) String() string { return fmt.Sprintf("%d %q", r.status, r.body) }

const (
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json"
)

// post sends POST /login with the given content type, body and extra
// headers (name, value pairs).
// outage sends the failing requests that open the provider's breaker (five
// unavailable answers in a row): only then may failback start.
func (s *site) outage(t *testing.T) {
	t.Helper()
	for i := range 5 {
		if got := s.post(t, formType, fmt.Sprintf("ticket=pass:trip-%d", i)); got.status != http.StatusServiceUnavailable {
			t.Fatalf("opening the breaker: reply %v, want 503", got)
		}
	}
}

func (s *site) post(t *testing.T, contentType, body string, header ...string) reply {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.url+"/login", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	return s.do(t, req)
}

func (s *site) do(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := s.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, string(b)}
}

// registered is the register endpoint's answer and the session cookie it
// set.
type registered struct {
	Success   int    `json:"success"`
	Challenge string `json:"challenge"`
	cookie    *http.Cookie
}

// register is what the page's initGeetest does: GET the register endpoint;
// the server's answer carries the challenge and the signed session cookie
// holding its status.
func (s *site) register(t *testing.T) registered {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.url+"/geetest/register", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /geetest/register = %d, want 200", resp.StatusCode)
	}
	var reg registered
	if err := json.NewDecoder(resp.Body).Decode(&reg); err != nil {
		t.Fatalf("register body: %v", err)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "captcha" {
			reg.cookie = c
		}
	}
	if reg.cookie == nil || reg.Challenge == "" {
		t.Fatalf("register gave challenge %q and cookies %v, want a challenge and the captcha session cookie", reg.Challenge, resp.Cookies())
	}
	return reg
}

// postGeeTest posts a v3 ticket for reg, with reg's session cookie.
func (s *site) postGeeTest(t *testing.T, reg registered, challenge, validate, seccode string) reply {
	t.Helper()
	body := url.Values{
		"user":                 {"erin"},
		geetest.FieldChallenge: {challenge},
		geetest.FieldValidate:  {validate},
		geetest.FieldSeccode:   {seccode},
	}.Encode()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.url+"/login", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", formType)
	req.AddCookie(reg.cookie)
	return s.do(t, req)
}

// multipartBody encodes name, value pairs as multipart/form-data.
func multipartBody(t *testing.T, pairs ...string) (contentType, body string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := mw.WriteField(pairs[i], pairs[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), b.String()
}

// line returns the first log line containing msg.
func logLine(s *logtest.Buffer, msg string) (string, bool) {
	for l := range strings.Lines(s.String()) {
		if strings.Contains(l, msg) {
			return l, true
		}
	}
	return "", false
}

type providerKind int

const (
	fakeProvider providerKind = iota
	geeTestV3
	turnstileKind
	hcaptchaKind
	recaptchaV3Kind
)

// row is one behaviour every framework must show: the same requests, the
// same statuses and bodies.
type row struct {
	name     string
	provider providerKind
	fault    providertest.Fault // injected into the Fake
	custom   bool               // the framework's custom error page
	opts     []captcha.Option   // Verifier options, shared by every framework
	run      func(t *testing.T, s *site) []reply
	want     []reply
	wantLog  string // a Verifier log line that must appear, with the route where the framework logs it
}

const (
	forbidden     = "Forbidden\n"
	forbiddenJSON = `{"error":"Forbidden","status":403}` + "\n"
)

var rows = []row{
	{
		name: "pass",
		run: func(t *testing.T, s *site) []reply {
			return []reply{s.post(t, formType, "user=alice&ticket=pass:1")}
		},
		want: []reply{{200, "welcome alice provider=fake degraded=false\n"}},
	},
	{
		name: "reject",
		run: func(t *testing.T, s *site) []reply {
			return []reply{s.post(t, formType, "user=alice&ticket=reject:9")}
		},
		want: []reply{{403, forbidden}},
	},
	{
		name: "reject, client accepts JSON",
		run: func(t *testing.T, s *site) []reply {
			return []reply{s.post(t, formType, "user=alice&ticket=reject", "Accept", "application/json")}
		},
		want: []reply{{403, forbiddenJSON}},
	},
	{
		name: "missing ticket",
		run: func(t *testing.T, s *site) []reply {
			return []reply{s.post(t, formType, "user=alice")}
		},
		want: []reply{{403, forbidden}},
	},
	{
		// The Fake passes "pass" every time; the core's ledger refuses the
		// second use.
		name: "replay",
		run: func(t *testing.T, s *site) []reply {
			return []reply{
				s.post(t, formType, "user=alice&ticket=pass"),
				s.post(t, formType, "user=alice&ticket=pass"),
			}
		},
		want: []reply{{200, "welcome alice provider=fake degraded=false\n"}, {403, forbidden}},
	},
	{
		name: "JSON body readable by the handler",
		run: func(t *testing.T, s *site) []reply {
			return []reply{s.post(t, jsonType, `{"user":"bob","ticket":"pass:2"}`)}
		},
		want: []reply{{200, "welcome bob provider=fake degraded=false\n"}},
	},
	{
		name: "multipart form",
		run: func(t *testing.T, s *site) []reply {
			ct, body := multipartBody(t, "user", "carol", "ticket", "pass:3")
			return []reply{s.post(t, ct, body)}
		},
		want: []reply{{200, "welcome carol provider=fake degraded=false\n"}},
	},
	{
		name:   "custom error handler",
		custom: true,
		run: func(t *testing.T, s *site) []reply {
			return []reply{
				s.post(t, formType, "user=alice&ticket=reject"),
				s.post(t, formType, "user=alice"),
				s.post(t, formType, "user=alice&ticket=pass:4"),
			}
		},
		want: []reply{
			{403, "custom: that did not work, please try again\n"},
			{403, "custom: please solve the puzzle first\n"},
			{200, "welcome alice provider=fake degraded=false\n"},
		},
	},
	{
		// The vendor answers 503: the default bounded failback policy lets
		// the ticket through marked Degraded, once.
		name:  "degraded pass visible to the handler",
		fault: providertest.FaultHTTP503,
		run: func(t *testing.T, s *site) []reply {
			s.outage(t)
			return []reply{
				s.post(t, formType, "user=dave&ticket=pass:5"),
				s.post(t, formType, "user=dave&ticket=pass:5"),
			}
		},
		want:    []reply{{200, "welcome dave provider=fake degraded=true\n"}, {403, forbidden}},
		wantLog: "captcha: degraded pass",
	},
	{
		// Settings live in the Verifier: every framework fails closed.
		name:  "vendor down, fail closed",
		fault: providertest.FaultHTTP503,
		opts:  []captcha.Option{captcha.WithFailbackPolicy(captcha.FailClosed())},
		run: func(t *testing.T, s *site) []reply {
			return []reply{s.post(t, formType, "user=dave&ticket=pass:6")}
		},
		want: []reply{{503, "Service Unavailable\n"}},
	},
	{
		name: "body over the Verifier's cap",
		opts: []captcha.Option{captcha.WithTicketExtractor(captcha.DefaultExtractor(1 << 10))},
		run: func(t *testing.T, s *site) []reply {
			return []reply{s.post(t, formType, "ticket=pass:7&user="+strings.Repeat("a", 2<<10))}
		},
		want: []reply{{413, "Request Entity Too Large\n"}},
	},
	{
		name:     "GeeTest v3 register, solve, validate",
		provider: geeTestV3,
		run: func(t *testing.T, s *site) []reply {
			reg := s.register(t)
			if reg.Success != 1 {
				t.Fatalf("register success = %d, want 1 (online)", reg.Success)
			}
			challenge := reg.Challenge + "42" // the slide appends two digits
			validate, seccode, err := s.emu.Solve(challenge)
			if err != nil {
				t.Fatal(err)
			}
			return []reply{
				s.postGeeTest(t, reg, challenge, validate, seccode),
				s.postGeeTest(t, reg, challenge, validate, seccode),
			}
		},
		want: []reply{{200, "welcome erin provider=geetest3 degraded=false\n"}, {403, forbidden}},
	},
	{
		name:     "GeeTest v3 register down, failback degraded pass",
		provider: geeTestV3,
		run: func(t *testing.T, s *site) []reply {
			s.emu.SetRegisterDown(true)
			for range 5 { // a register.php outage opens the provider's breaker
				s.register(t)
			}
			reg := s.register(t)
			if reg.Success != 0 {
				t.Fatalf("register success = %d, want 0 (failback)", reg.Success)
			}
			// Offline, gt.js makes validate and seccode up itself.
			validate := "0123456789abcdef0123456789abcdef"
			return []reply{
				s.postGeeTest(t, reg, reg.Challenge, validate, validate+"|jordan"),
				s.postGeeTest(t, reg, reg.Challenge, validate, validate+"|jordan"),
			}
		},
		want:    []reply{{200, "welcome erin provider=geetest3 degraded=true\n"}, {403, forbidden}},
		wantLog: "captcha: degraded pass",
	},
	{
		// Without the session cookie there is no server status: rejected
		// without asking GeeTest, and never failback.
		name:     "GeeTest v3 without the session cookie",
		provider: geeTestV3,
		run: func(t *testing.T, s *site) []reply {
			reg := s.register(t)
			challenge := reg.Challenge + "42"
			validate, seccode, err := s.emu.Solve(challenge)
			if err != nil {
				t.Fatal(err)
			}
			reg.cookie = &http.Cookie{Name: "other", Value: "x"}
			return []reply{s.postGeeTest(t, reg, challenge, validate, seccode)}
		},
		want: []reply{{403, forbidden}},
	},
	{
		name:     "Turnstile pass, replay refused",
		provider: turnstileKind,
		run: func(t *testing.T, s *site) []reply {
			body := s.token(t, human, "user", "frank")
			return []reply{s.post(t, formType, body), s.post(t, formType, body)}
		},
		want: []reply{{200, "welcome frank provider=turnstile degraded=false\n"}, {403, forbidden}},
	},
	{
		name:     "Turnstile token solved on another site",
		provider: turnstileKind,
		run: func(t *testing.T, s *site) []reply {
			return []reply{s.post(t, formType, s.token(t, elsewhere, "user", "frank"))}
		},
		want: []reply{{403, forbidden}},
	},
	{
		name:     "Turnstile down, degraded pass",
		provider: turnstileKind,
		run: func(t *testing.T, s *site) []reply {
			s.fault(providertest.FaultHTTP503)
			for i := range 5 { // opens the provider's breaker
				if got := s.post(t, formType, s.token(t, human)); got.status != http.StatusServiceUnavailable {
					t.Fatalf("opening the breaker: request %d = %v, want 503", i, got)
				}
			}
			return []reply{s.post(t, formType, s.token(t, human, "user", "frank"))}
		},
		want:    []reply{{200, "welcome frank provider=turnstile degraded=true\n"}},
		wantLog: "captcha: degraded pass",
	},
	{
		name:     "hCaptcha pass in a JSON body",
		provider: hcaptchaKind,
		run: func(t *testing.T, s *site) []reply {
			field, token := s.mint(human)
			body, err := json.Marshal(map[string]string{"user": "gina", field: token})
			if err != nil {
				t.Fatal(err)
			}
			return []reply{s.post(t, jsonType, string(body))}
		},
		want: []reply{{200, "welcome gina provider=hcaptcha degraded=false\n"}},
	},
	{
		// The widget also fills g-recaptcha-response; the provider reads
		// only h-captcha-response.
		name:     "hCaptcha token in g-recaptcha-response only",
		provider: hcaptchaKind,
		run: func(t *testing.T, s *site) []reply {
			_, token := s.mint(human)
			return []reply{s.post(t, formType, url.Values{"user": {"gina"}, "g-recaptcha-response": {token}}.Encode())}
		},
		want: []reply{{403, forbidden}},
	},
	{
		name:     "reCAPTCHA v3 pass, multipart",
		provider: recaptchaV3Kind,
		run: func(t *testing.T, s *site) []reply {
			field, token := s.mint(human)
			ct, body := multipartBody(t, "user", "hank", field, token)
			return []reply{s.post(t, ct, body)}
		},
		want: []reply{{200, "welcome hank provider=recaptcha3 degraded=false\n"}},
	},
	{
		name:     "reCAPTCHA v3 low score",
		provider: recaptchaV3Kind,
		run: func(t *testing.T, s *site) []reply {
			return []reply{s.post(t, formType, s.token(t, bot, "user", "hank"), "Accept", "application/json")}
		},
		want: []reply{{403, forbiddenJSON}},
	},
}

var cookieKey = []byte("adapters-test-hash-key-32-bytes!")

func newSite(t *testing.T, fw framework, rw row) *site {
	t.Helper()
	s := &site{log: &logtest.Buffer{}}
	var (
		p        captcha.Provider
		register http.Handler
	)
	switch rw.provider {
	case turnstileKind, hcaptchaKind, recaptchaV3Kind:
		p = newSiteverify(t, s, rw.provider)
	case geeTestV3:
		s.emu = geetesttest.NewServer(t, geetesttest.Config{})
		keys := sessions.NewCookieStore(cookieKey)
		keys.Options.Secure = false // plain-HTTP loopback
		keys.Options.HttpOnly = true
		keys.Options.SameSite = http.SameSiteLaxMode
		st, err := session.New(keys)
		if err != nil {
			t.Fatal(err)
		}
		p3, err := geetest.NewV3(geetest.V3Config{
			CaptchaID:   geetesttest.DefaultV3CaptchaID,
			PrivateKey:  geetesttest.DefaultV3PrivateKey,
			StatusStore: st,
			Endpoint:    s.emu.URL,
		})
		if err != nil {
			t.Fatal(err)
		}
		p, register = p3, geetest.RegisterHandler(p3)
	default:
		f := &providertest.Fake{}
		if rw.fault != providertest.FaultNone {
			f.SetFault(rw.fault)
		}
		p = f
	}
	opts := append([]captcha.Option{captcha.WithLogger(slog.New(slog.NewTextHandler(s.log, nil)))}, rw.opts...)
	if rw.custom && fw.coreCustom {
		opts = append(opts, captcha.WithErrorHandler(customCore))
	}
	v, err := captcha.New(p, opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fw.build(v, register, rw.custom))
	t.Cleanup(srv.Close)
	s.url, s.c = srv.URL, srv.Client()
	return s
}

// TestBehaviour runs every row against net/http (v.Handler), Gin, Echo and
// chi, with the same requests and the same expected answers.
func TestBehaviour(t *testing.T) {
	t.Parallel()
	for _, fw := range frameworks {
		for _, rw := range rows {
			t.Run(fw.name+"/"+rw.name, func(t *testing.T) {
				t.Parallel()
				s := newSite(t, fw, rw)
				got := rw.run(t, s)
				if len(got) != len(rw.want) {
					t.Fatalf("got %d replies %v, want %d %v", len(got), got, len(rw.want), rw.want)
				}
				for i := range got {
					if got[i] != rw.want[i] {
						t.Errorf("reply %d = %v, want %v", i+1, got[i], rw.want[i])
					}
				}
				if rw.wantLog == "" {
					return
				}
				line, ok := logLine(s.log, rw.wantLog)
				if !ok {
					t.Fatalf("log has no line %q; log:\n%s", rw.wantLog, s.log)
				}
				if got, want := strings.Contains(line, " route=/login"), fw.logsRoute; got != want {
					t.Errorf("log line %q carries route=/login: %t, want %t", line, got, want)
				}
			})
		}
	}
}
