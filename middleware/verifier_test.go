package captcha_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/captchakit/captcha/internal/logtest"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
)

var quiet = slog.New(slog.DiscardHandler)

// checker is a Fake that also vets tickets locally during failback.
type checker struct {
	*providertest.Fake
	err error
}

func (c checker) CheckFailback(context.Context, captcha.Ticket) error { return c.err }

// panicker is a provider with a bug.
type panicker struct{ providertest.Fake }

func (*panicker) Verify(context.Context, captcha.Ticket) (captcha.Result, error) { panic("boom") }

// plainErr breaks the provider contract with an unclassified error.
type plainErr struct{ providertest.Fake }

func (*plainErr) Verify(context.Context, captcha.Ticket) (captcha.Result, error) {
	return captcha.Result{}, errors.New("something odd")
}

func form(ticket string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader("user=alice&ticket="+ticket))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func jsonReq(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

func multipartReq(t *testing.T, fields map[string]string) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("avatar", "a.png")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write([]byte("\x89PNG not really"))
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/login", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

// tripBreaker opens p's circuit breaker as an outage does: unavailable
// answers in a row, through a Verifier of its own on the same provider value
// (Verifiers on one provider share its breaker). The tickets say
// "unavailable" to a Fake however the test scripted it otherwise.
func tripBreaker(t *testing.T, p captcha.Provider) {
	t.Helper()
	v, err := captcha.New(p, captcha.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; v.Health().State != "open"; i++ {
		if i == 100 {
			t.Fatalf("breaker still %q after %d unavailable answers", v.Health().State, i)
		}
		// randstr is for providers with a second field; others ignore it.
		r := form(fmt.Sprintf("unavailable:trip-%d&randstr=@trip", i))
		r.RemoteAddr = "203.0.113.250:1"
		if _, err := v.Verify(r); !errors.Is(err, captcha.ErrUnavailable) {
			t.Fatalf("tripping the breaker: error = %v, want ErrUnavailable", err)
		}
	}
}

// TestRequireScenarios is the security spec of the middleware: every way a
// request can pass or fail, the status it gets, and whether the protected
// handler runs.
func TestRequireScenarios(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		provider     func() captcha.Provider
		opts         []captcha.Option
		outage       bool // the provider's breaker is open: it failed repeatedly
		req          func(t *testing.T) *http.Request
		wantStatus   int
		wantNext     bool
		wantDegraded bool
		wantBody     string
	}{
		{
			name:       "missing ticket reject",
			req:        func(*testing.T) *http.Request { return form("") },
			wantStatus: http.StatusForbidden,
			wantBody:   "Forbidden\n",
		},
		{
			name: "no body no ticket reject",
			req: func(*testing.T) *http.Request {
				return httptest.NewRequest(http.MethodPost, "/login", nil)
			},
			wantStatus: http.StatusForbidden,
		},
		{
			name:       "urlencoded form pass",
			req:        func(*testing.T) *http.Request { return form("pass") },
			wantStatus: http.StatusOK, wantNext: true,
		},
		{
			name: "multipart form pass",
			req: func(t *testing.T) *http.Request {
				return multipartReq(t, map[string]string{"user": "alice", "ticket": "pass"})
			},
			wantStatus: http.StatusOK, wantNext: true,
		},
		{
			name:       "json body pass",
			req:        func(*testing.T) *http.Request { return jsonReq(`{"user":{"name":"a"},"ticket":"pass"}`) },
			wantStatus: http.StatusOK, wantNext: true,
		},
		{
			name:       "json escaped key and value pass",
			req:        func(*testing.T) *http.Request { return jsonReq(`{"tick\u0065t":"p\u0061ss"}`) },
			wantStatus: http.StatusOK, wantNext: true,
		},
		{
			name: "header pass",
			req: func(*testing.T) *http.Request {
				r := httptest.NewRequest(http.MethodPost, "/login", nil)
				r.Header.Set("X-Captcha-Ticket", "pass")
				return r
			},
			wantStatus: http.StatusOK, wantNext: true,
		},
		{
			name: "query pass",
			req: func(*testing.T) *http.Request {
				return httptest.NewRequest(http.MethodGet, "/login?ticket=pass", nil)
			},
			wantStatus: http.StatusOK, wantNext: true,
		},
		{
			name: "body wins over query reject",
			req: func(*testing.T) *http.Request {
				r := httptest.NewRequest(http.MethodPost, "/login?ticket=pass", strings.NewReader("ticket=reject"))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				return r
			},
			wantStatus: http.StatusForbidden,
		},
		{
			name: "oversized body reject",
			opts: []captcha.Option{captcha.WithTicketExtractor(captcha.DefaultExtractor(16))},
			req: func(*testing.T) *http.Request {
				return form("pass&padding=" + strings.Repeat("x", 64))
			},
			wantStatus: http.StatusRequestEntityTooLarge,
		},
		{
			name: "oversized chunked body reject",
			opts: []captcha.Option{captcha.WithTicketExtractor(captcha.DefaultExtractor(16))},
			req: func(*testing.T) *http.Request {
				r := form("pass&padding=" + strings.Repeat("x", 64))
				r.ContentLength = -1
				r.Body = io.NopCloser(r.Body)
				return r
			},
			wantStatus: http.StatusRequestEntityTooLarge,
		},
		{
			name:       "malformed json reject",
			req:        func(*testing.T) *http.Request { return jsonReq(`{"ticket":"pass"`) },
			wantStatus: http.StatusBadRequest,
		},
		{
			name:       "json array body reject",
			req:        func(*testing.T) *http.Request { return jsonReq(`["pass"]`) },
			wantStatus: http.StatusBadRequest,
		},
		{
			name:       "json ticket of wrong type reject",
			req:        func(*testing.T) *http.Request { return jsonReq(`{"ticket":{"v":"pass"}}`) },
			wantStatus: http.StatusBadRequest,
		},
		{
			name:       "json duplicate ticket reject",
			req:        func(*testing.T) *http.Request { return jsonReq(`{"ticket":"reject","ticket":"pass"}`) },
			wantStatus: http.StatusBadRequest,
		},
		{
			name:       "form duplicate ticket reject",
			req:        func(*testing.T) *http.Request { return form("reject&ticket=pass") },
			wantStatus: http.StatusBadRequest,
		},
		{
			name:       "form bad escape reject",
			req:        func(*testing.T) *http.Request { return form("pa%zzss") },
			wantStatus: http.StatusBadRequest,
		},
		{
			name: "malformed multipart reject",
			req: func(*testing.T) *http.Request {
				r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader("--x\r\nnot a part"))
				r.Header.Set("Content-Type", "multipart/form-data; boundary=x")
				return r
			},
			wantStatus: http.StatusBadRequest,
		},
		{
			name:       "vendor reject",
			req:        func(*testing.T) *http.Request { return form("reject:7") },
			wantStatus: http.StatusForbidden,
		},
		{
			name: "vendor reject json accept",
			req: func(*testing.T) *http.Request {
				r := form("reject:9")
				r.Header.Set("Accept", "application/json")
				return r
			},
			wantStatus: http.StatusForbidden,
			wantBody:   `{"error":"Forbidden","status":403}` + "\n",
		},
		{
			name:       "lone unavailable closed breaker bounded reject",
			req:        func(*testing.T) *http.Request { return form("unavailable") },
			wantStatus: http.StatusServiceUnavailable,
		},
		{
			name:       "lone unavailable closed breaker fail-open reject",
			opts:       []captcha.Option{captcha.WithFailbackPolicy(captcha.FailOpen())},
			req:        func(*testing.T) *http.Request { return form("unavailable") },
			wantStatus: http.StatusServiceUnavailable,
		},
		{
			name:       "lone unavailable closed breaker fail-closed reject",
			opts:       []captcha.Option{captcha.WithFailbackPolicy(captcha.FailClosed())},
			req:        func(*testing.T) *http.Request { return form("unavailable") },
			wantStatus: http.StatusServiceUnavailable,
		},
		{
			name: "lone hang past deadline closed breaker reject",
			opts: []captcha.Option{captcha.WithTimeout(20 * time.Millisecond), captcha.WithFailbackPolicy(captcha.FailOpen())},
			req:  func(*testing.T) *http.Request { return form("hang") },
			// A deadline once is not an outage: only the breaker starts failback.
			wantStatus: http.StatusServiceUnavailable,
		},
		{
			name:       "lone unavailable breaker disabled fail-open reject",
			opts:       []captcha.Option{captcha.WithFailbackPolicy(captcha.FailOpen()), captcha.WithBreaker(captcha.BreakerSettings{Disabled: true})},
			req:        func(*testing.T) *http.Request { return form("unavailable") },
			wantStatus: http.StatusServiceUnavailable,
		},
		{
			name:       "outage fail-closed reject",
			opts:       []captcha.Option{captcha.WithFailbackPolicy(captcha.FailClosed())},
			outage:     true,
			req:        func(*testing.T) *http.Request { return form("unavailable") },
			wantStatus: http.StatusServiceUnavailable,
		},
		{
			name:       "outage bounded pass",
			outage:     true,
			req:        func(*testing.T) *http.Request { return form("unavailable") },
			wantStatus: http.StatusOK, wantNext: true, wantDegraded: true,
		},
		{
			name:       "outage fail-open pass",
			opts:       []captcha.Option{captcha.WithFailbackPolicy(captcha.FailOpen())},
			outage:     true,
			req:        func(*testing.T) *http.Request { return form("unavailable") },
			wantStatus: http.StatusOK, wantNext: true, wantDegraded: true,
		},
		{
			name:       "outage ticket the vendor would reject bounded pass",
			outage:     true,
			req:        func(*testing.T) *http.Request { return form("reject") },
			wantStatus: http.StatusOK, wantNext: true, wantDegraded: true,
		},
		{
			name: "outage failback check reject",
			provider: func() captcha.Provider {
				return checker{Fake: &providertest.Fake{}, err: captcha.ErrRejected}
			},
			opts:       []captcha.Option{captcha.WithFailbackPolicy(captcha.FailOpen())},
			outage:     true,
			req:        func(*testing.T) *http.Request { return form("unavailable") },
			wantStatus: http.StatusForbidden,
		},
		{
			name: "outage failback check pass",
			provider: func() captcha.Provider {
				return checker{Fake: &providertest.Fake{}}
			},
			outage:     true,
			req:        func(*testing.T) *http.Request { return form("unavailable") },
			wantStatus: http.StatusOK, wantNext: true, wantDegraded: true,
		},
		{
			name: "pass from another provider's verifier reject",
			req: func(*testing.T) *http.Request {
				other, err := captcha.New(&providertest.Fake{}, captcha.WithLogger(quiet))
				if err != nil {
					panic(err)
				}
				r := form("reject")
				res, err := other.Verify(form("pass"))
				if err != nil {
					panic(err)
				}
				return r.WithContext(captcha.NewContext(r.Context(), res))
			},
			wantStatus: http.StatusForbidden,
		},
		{
			name: "hand-made passing result in context reject",
			req: func(*testing.T) *http.Request {
				r := form("reject")
				return r.WithContext(captcha.NewContext(r.Context(), &captcha.Result{Provider: "fake", Passed: true}))
			},
			wantStatus: http.StatusForbidden,
		},
		{
			name:       "throttled fail-open reject",
			opts:       []captcha.Option{captcha.WithFailbackPolicy(captcha.FailOpen())},
			req:        func(*testing.T) *http.Request { return form("throttled") },
			wantStatus: http.StatusServiceUnavailable,
		},
		{
			name:       "misconfigured fail-open reject",
			opts:       []captcha.Option{captcha.WithFailbackPolicy(captcha.FailOpen())},
			req:        func(*testing.T) *http.Request { return form("misconfigured") },
			wantStatus: http.StatusInternalServerError,
			wantBody:   "Internal Server Error\n",
		},
		{
			name:       "unclassified error fail-open reject",
			provider:   func() captcha.Provider { return &plainErr{} },
			opts:       []captcha.Option{captcha.WithFailbackPolicy(captcha.FailOpen())},
			req:        func(*testing.T) *http.Request { return form("pass") },
			wantStatus: http.StatusInternalServerError,
		},
		{
			name:       "provider panic reject",
			provider:   func() captcha.Provider { return &panicker{} },
			opts:       []captcha.Option{captcha.WithFailbackPolicy(captcha.FailOpen())},
			req:        func(*testing.T) *http.Request { return form("pass") },
			wantStatus: http.StatusInternalServerError,
		},
		{
			name:       "ledger down on vendor pass reject",
			opts:       []captcha.Option{captcha.WithLedger(fullLedger{})},
			req:        func(*testing.T) *http.Request { return form("pass") },
			wantStatus: http.StatusServiceUnavailable,
		},
		{
			name:       "ledger down during failback reject",
			opts:       []captcha.Option{captcha.WithLedger(fullLedger{})},
			outage:     true,
			req:        func(*testing.T) *http.Request { return form("unavailable") },
			wantStatus: http.StatusServiceUnavailable,
		},
		{
			name:       "ledger down during fail-open reject",
			opts:       []captcha.Option{captcha.WithLedger(fullLedger{}), captcha.WithFailbackPolicy(captcha.FailOpen())},
			outage:     true,
			req:        func(*testing.T) *http.Request { return form("unavailable") },
			wantStatus: http.StatusServiceUnavailable,
		},
		{
			name: "custom error handler reject",
			opts: []captcha.Option{captcha.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
				if errors.Is(err, captcha.ErrRejected) {
					w.WriteHeader(http.StatusTeapot)
					_, _ = io.WriteString(w, "custom page")
				}
			})},
			req:        func(*testing.T) *http.Request { return form("reject") },
			wantStatus: http.StatusTeapot,
			wantBody:   "custom page",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var p captcha.Provider = &providertest.Fake{}
			if tt.provider != nil {
				p = tt.provider()
			}
			opts := append([]captcha.Option{captcha.WithLogger(quiet)}, tt.opts...)
			var gotNext bool
			var gotRes *captcha.Result
			h := captcha.Require(p, opts...)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotNext = true
				gotRes, _ = captcha.FromContext(r.Context())
			}))
			if tt.outage {
				tripBreaker(t, p)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, tt.req(t))
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %q)", rec.Code, tt.wantStatus, rec.Body.String())
			}
			if gotNext != tt.wantNext {
				t.Errorf("next called = %v, want %v", gotNext, tt.wantNext)
			}
			if tt.wantBody != "" && rec.Body.String() != tt.wantBody {
				t.Errorf("body = %q, want %q", rec.Body.String(), tt.wantBody)
			}
			if tt.wantNext {
				if gotRes == nil || !gotRes.Passed {
					t.Fatalf("FromContext in handler = %+v, want a passed Result", gotRes)
				}
				if gotRes.Degraded != tt.wantDegraded {
					t.Errorf("Result.Degraded = %v, want %v", gotRes.Degraded, tt.wantDegraded)
				}
				if gotRes.Provider != p.Name() || gotRes.At.IsZero() {
					t.Errorf("Result = %+v, want Provider %q and At set", gotRes, p.Name())
				}
			}
		})
	}
}

// TestErrorBodiesNeverLeak checks that no failure response carries the
// error's text or the ticket.
func TestErrorBodiesNeverLeak(t *testing.T) {
	t.Parallel()
	for _, ticket := range []string{"reject:secret-code", "unavailable", "misconfigured", "throttled"} {
		for _, accept := range []string{"", "application/json"} {
			h := captcha.Require(&providertest.Fake{}, captcha.WithLogger(quiet),
				captcha.WithFailbackPolicy(captcha.FailClosed()))(http.NotFoundHandler())
			r := form(ticket)
			r.Header.Set("Accept", accept)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			body := rec.Body.String()
			for _, leak := range []string{ticket, "captcha:", "fake", "code"} {
				if strings.Contains(body, leak) {
					t.Errorf("ticket %q accept %q: body %q contains %q", ticket, accept, body, leak)
				}
			}
		}
	}
}

func TestReplayReject(t *testing.T) {
	t.Parallel()
	h := captcha.Require(&providertest.Fake{}, captcha.WithLogger(quiet))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for i, want := range []int{http.StatusOK, http.StatusForbidden, http.StatusForbidden} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, form("pass"))
		if rec.Code != want {
			t.Errorf("use %d: status = %d, want %d", i+1, rec.Code, want)
		}
	}
}

func TestReplayRejectDuringOutage(t *testing.T) {
	t.Parallel()
	fake := &providertest.Fake{}
	v, err := captcha.New(fake, captcha.WithLogger(quiet), captcha.WithFailbackPolicy(captcha.FailOpen()))
	if err != nil {
		t.Fatal(err)
	}
	tripBreaker(t, fake)
	if _, err := v.Verify(form("unavailable")); err != nil {
		t.Fatalf("first degraded use: %v", err)
	}
	if _, err := v.Verify(form("unavailable")); !errors.Is(err, captcha.ErrReplayed) {
		t.Fatalf("second use during outage: error = %v, want ErrReplayed", err)
	}
}

// identified keys single use by the "ticket" field only.
type identified struct{ *providertest.Fake }

func (identified) TicketID(t captcha.Ticket) string { return t.Values["ticket"] }

func TestReplayWithOtherSecondaryFieldReject(t *testing.T) {
	t.Parallel()
	p := identified{&providertest.Fake{FieldNames: []string{"ticket", "randstr"}}}
	v, err := captcha.New(p, captcha.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(httptest.NewRequest(http.MethodGet, "/?ticket=pass&randstr=a", nil)); err != nil {
		t.Fatalf("first use: %v", err)
	}
	_, err = v.Verify(httptest.NewRequest(http.MethodGet, "/?ticket=pass&randstr=b", nil))
	if !errors.Is(err, captcha.ErrReplayed) {
		t.Fatalf("same ticket, other randstr: error = %v, want ErrReplayed", err)
	}
}

func TestDoubleWrapVerifiesOnce(t *testing.T) {
	t.Parallel()
	fake := &providertest.Fake{}
	mw := captcha.Require(fake, captcha.WithLogger(quiet))
	var calls int
	h := mw(mw(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { calls++ })))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, form("pass"))
	if rec.Code != http.StatusOK || calls != 1 {
		t.Fatalf("status %d, handler calls %d; want 200 and 1", rec.Code, calls)
	}
	if got := fake.Calls(); got != 1 {
		t.Errorf("provider calls = %d, want 1", got)
	}
}

// TestBodyRestored checks that the protected handler reads exactly the bytes
// the client sent, for each body kind.
func TestBodyRestored(t *testing.T) {
	t.Parallel()
	reqs := map[string]func(t *testing.T) *http.Request{
		"urlencoded": func(*testing.T) *http.Request { return form("pass") },
		"json":       func(*testing.T) *http.Request { return jsonReq(`{"ticket":"pass","user":"alice"}`) },
		"multipart": func(t *testing.T) *http.Request {
			return multipartReq(t, map[string]string{"ticket": "pass", "user": "alice"})
		},
	}
	for name, mk := range reqs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := mk(t)
			want, err := io.ReadAll(r.Body)
			if err != nil {
				t.Fatal(err)
			}
			r.Body = io.NopCloser(bytes.NewReader(want))
			var got []byte
			var user string
			h := captcha.Require(&providertest.Fake{}, captcha.WithLogger(quiet))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if name == "json" {
					got, _ = io.ReadAll(r.Body)
					return
				}
				user = r.FormValue("user")
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200", rec.Code)
			}
			if name == "json" {
				if !bytes.Equal(got, want) {
					t.Errorf("handler read %q, want %q", got, want)
				}
			} else if user != "alice" {
				t.Errorf("handler FormValue(user) = %q, want alice", user)
			}
		})
	}
}

func TestAlreadyParsedForm(t *testing.T) {
	t.Parallel()
	r := form("pass")
	if err := r.ParseForm(); err != nil {
		t.Fatal(err)
	}
	v, err := captcha.New(&providertest.Fake{}, captcha.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(r); err != nil {
		t.Fatalf("Verify after ParseForm: %v", err)
	}
}

func TestBoundedBudget(t *testing.T) {
	t.Parallel()
	b := captcha.Budget{PerClient: 2, PerClientWindow: time.Minute, Global: 3, GlobalWindow: time.Minute}
	fake := &providertest.Fake{}
	v, err := captcha.New(fake, captcha.WithLogger(quiet), captcha.WithFailbackPolicy(captcha.Bounded(b)))
	if err != nil {
		t.Fatal(err)
	}
	tripBreaker(t, fake)
	try := func(ip string, n int) error {
		r := form(fmt.Sprintf("pass:%d", n))
		r.RemoteAddr = ip + ":1234"
		_, err := v.Verify(r)
		return err
	}
	steps := []struct {
		ip   string
		want error
	}{
		{"192.0.2.1", nil},
		{"192.0.2.1", nil},
		{"192.0.2.1", captcha.ErrFailbackDenied}, // per-client budget spent
		{"192.0.2.2", nil},                       // third global pass
		{"192.0.2.3", captcha.ErrFailbackDenied}, // global budget spent
	}
	for i, s := range steps {
		err := try(s.ip, i)
		if s.want == nil && err != nil || s.want != nil && !errors.Is(err, s.want) {
			t.Errorf("step %d (%s): error = %v, want %v", i, s.ip, err, s.want)
		}
	}
}

func TestBreakerStopsCallingProvider(t *testing.T) {
	t.Parallel()
	fake := &providertest.Fake{}
	fake.SetFault(providertest.FaultHTTP503)
	v, err := captcha.New(fake, captcha.WithLogger(quiet), captcha.WithFailbackPolicy(captcha.FailClosed()))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := v.Verify(form(fmt.Sprintf("pass:%d", i))); !errors.Is(err, captcha.ErrUnavailable) {
			t.Fatalf("error = %v, want ErrUnavailable", err)
		}
	}
	if got := v.Health(); got.State != "open" || got.Healthy() {
		t.Fatalf("Health() = %+v, want state open", got)
	}
	before := fake.Calls()
	for i := range 1000 {
		if _, err := v.Verify(form(fmt.Sprintf("pass:open-%d", i))); !errors.Is(err, captcha.ErrUnavailable) {
			t.Fatalf("error = %v, want ErrUnavailable", err)
		}
	}
	if got := fake.Calls() - before; got != 0 {
		t.Errorf("provider calls while open = %d, want 0", got)
	}
}

func TestBreakerIgnoresRejections(t *testing.T) {
	t.Parallel()
	v, err := captcha.New(&providertest.Fake{}, captcha.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		_, _ = v.Verify(form(fmt.Sprintf("reject:%d", i)))
		_, _ = v.Verify(form(fmt.Sprintf("throttled:%d", i)))
		_, _ = v.Verify(form(fmt.Sprintf("misconfigured:%d", i)))
	}
	if h := v.Health(); !h.Healthy() {
		t.Errorf("Health() = %+v after rejections, throttling and misconfiguration; want closed", h)
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    captcha.Provider
		opts []captcha.Option
	}{
		{"nil provider", nil, nil},
		{"empty name", &providertest.Fake{ProviderName: ""}, []captcha.Option{captcha.WithTimeout(0)}},
		{"duplicate field", &providertest.Fake{FieldNames: []string{"a", "a"}}, nil},
		{"empty field", &providertest.Fake{FieldNames: []string{"a", ""}}, nil},
		{"zero timeout", &providertest.Fake{}, []captcha.Option{captcha.WithTimeout(0)}},
		{"short replay window", &providertest.Fake{}, []captcha.Option{captcha.WithReplayWindow(time.Second)}},
		{"negative budget", &providertest.Fake{}, []captcha.Option{captcha.WithFailbackPolicy(captcha.Bounded(captcha.Budget{PerClient: -1}))}},
		{"sub-second budget window", &providertest.Fake{}, []captcha.Option{captcha.WithFailbackPolicy(captcha.Bounded(captcha.Budget{GlobalWindow: time.Millisecond}))}},
		{"breaker ratio over 1", &providertest.Fake{}, []captcha.Option{captcha.WithBreaker(captcha.BreakerSettings{FailureRatio: 2})}},
		{"typed nil provider", (*providertest.Fake)(nil), nil},
		{"typed nil ledger", &providertest.Fake{}, []captcha.Option{captcha.WithLedger((*nilLedger)(nil))}},
		{"zero ledger timeout", &providertest.Fake{}, []captcha.Option{captcha.WithLedgerTimeout(0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := append([]captcha.Option{captcha.WithLogger(quiet)}, tt.opts...)
			if _, err := captcha.New(tt.p, opts...); err == nil {
				t.Fatal("New() error = nil, want an error")
			}
			defer func() {
				if recover() == nil {
					t.Error("Require() did not panic")
				}
			}()
			captcha.Require(tt.p, opts...)
		})
	}
}

func TestStatusCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want int
	}{
		{nil, 200},
		{captcha.ErrMissingTicket, 403},
		{captcha.ErrBadRequest, 400},
		{captcha.ErrBodyTooLarge, 413},
		{captcha.ErrRejected, 403},
		{captcha.ErrReplayed, 403},
		{captcha.ErrNoServerStatus, 403},
		{captcha.ErrFailbackDenied, 403},
		{captcha.ErrUnavailable, 503},
		{captcha.ErrThrottled, 503},
		{captcha.ErrLedger, 503},
		{captcha.ErrMisconfigured, 500},
		{errors.New("other"), 500},
		{&captcha.VerifyError{Provider: "x", Code: "9", Err: captcha.ErrRejected}, 403},
	}
	for _, tt := range tests {
		if got := captcha.StatusCode(tt.err); got != tt.want {
			t.Errorf("StatusCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestVerifyErrorMessage(t *testing.T) {
	t.Parallel()
	err := &captcha.VerifyError{Provider: "tencent", Code: "9", Err: captcha.ErrRejected}
	if got, want := err.Error(), "captcha: tencent: ticket rejected (code 9)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, captcha.ErrRejected) {
		t.Error("errors.Is(err, ErrRejected) = false")
	}
}

func TestFromContextAbsent(t *testing.T) {
	t.Parallel()
	if res, ok := captcha.FromContext(context.Background()); ok || res != nil {
		t.Errorf("FromContext(empty) = (%v, %v), want (nil, false)", res, ok)
	}
	if res, ok := captcha.FromContext(captcha.NewContext(context.Background(), nil)); ok || res != nil {
		t.Errorf("FromContext(nil result) = (%v, %v), want (nil, false)", res, ok)
	}
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	a := captcha.Ticket{Values: map[string]string{"ab": "c"}}.Fingerprint()
	b := captcha.Ticket{Values: map[string]string{"a": "bc"}}.Fingerprint()
	c := captcha.Ticket{Values: map[string]string{"ab": "c"}, ClientIP: "192.0.2.1"}.Fingerprint()
	if a == b {
		t.Error("fingerprints of {ab:c} and {a:bc} are equal")
	}
	if a != c {
		t.Error("fingerprint depends on ClientIP")
	}
	if len(a) != 64 {
		t.Errorf("Fingerprint() = %q, want 64 hex digits", a)
	}
}

func TestLogLinesCarryContextAttrs(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	fake := &providertest.Fake{}
	v, err := captcha.New(fake, captcha.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	tripBreaker(t, fake)
	buf.Reset()
	r := form("unavailable")
	r = r.WithContext(captcha.ContextWithLogAttrs(r.Context(), slog.String("route", "/login")))
	if _, err := v.Verify(r); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	line := buf.String()
	if !strings.Contains(line, "degraded pass") || !strings.Contains(line, "route=/login") {
		t.Errorf("log = %q, want the degraded-pass line with route=/login", line)
	}
	if strings.Contains(line, "ticket=") {
		t.Errorf("log = %q mentions the ticket", line)
	}
}

// TestClientCancellationCannotReachFailback: a client that disconnects or
// half-closes (which cancels the request context) while the vendor answers
// must get the vendor's verdict, never a failback pass. Reported by the
// GeeTest work (halfclose_test.go there).
func TestClientCancellationCannotReachFailback(t *testing.T) {
	t.Parallel()
	for _, pol := range []captcha.FailbackPolicy{captcha.Bounded(captcha.Budget{}), captcha.FailOpen()} {
		v, err := captcha.New(&providertest.Fake{}, captcha.WithLogger(quiet), captcha.WithFailbackPolicy(pol))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r := form("reject:7").WithContext(ctx)
		res, err := v.Verify(r)
		if !errors.Is(err, captcha.ErrRejected) || res != nil {
			t.Errorf("%v: Verify with cancelled client = (%+v, %v), want the vendor's rejection", pol, res, err)
		}
	}
}

// TestHalfClosedClientGetsVerdict drives a real server: the client sends its
// request and half-closes the connection while the vendor is slow.
func TestHalfClosedClientGetsVerdict(t *testing.T) {
	t.Parallel()
	fake := &providertest.Fake{}
	fake.SetLatency(50 * time.Millisecond)
	srv := httptest.NewServer(captcha.Require(fake, captcha.WithLogger(quiet), captcha.WithFailbackPolicy(captcha.FailOpen()))(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "PROTECTED") })))
	t.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := "ticket=reject:7"
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	reply, _ := io.ReadAll(conn)
	if bytes.Contains(reply, []byte("PROTECTED")) {
		t.Fatalf("half-closed client reached the handler: %q", reply)
	}
	if !bytes.HasPrefix(reply, []byte("HTTP/1.1 403")) {
		t.Errorf("reply = %q, want 403", reply)
	}
}

// TestBreakerHalfOpenProbeCloses: after OpenTimeout the breaker lets a probe
// through; when the vendor answers it closes. Each state change is one
// structured log line.
func TestBreakerHalfOpenProbeCloses(t *testing.T) {
	t.Parallel()
	var buf logtest.Buffer
	fake := &providertest.Fake{}
	fake.SetFault(providertest.FaultHTTP500)
	v, err := captcha.New(fake, captcha.WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))),
		captcha.WithFailbackPolicy(captcha.FailClosed()),
		captcha.WithBreaker(captcha.BreakerSettings{ConsecutiveFailures: 2, OpenTimeout: 30 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		_, _ = v.Verify(form(fmt.Sprintf("pass:%d", i)))
	}
	if s := v.Health().State; s != "open" {
		t.Fatalf("state = %s, want open", s)
	}
	fake.SetFault(providertest.FaultNone)
	deadline := time.Now().Add(5 * time.Second)
	for v.Health().State == "open" {
		if time.Now().After(deadline) {
			t.Fatal("breaker never went half-open")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := v.Verify(form("pass:probe")); err != nil {
		t.Fatalf("probe: %v", err)
	}
	if s := v.Health().State; s != "closed" {
		t.Errorf("state after a good probe = %s, want closed", s)
	}
	var changes []string
	for line := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
		var rec struct{ Msg, Provider, From, To string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec.Msg == "captcha: provider health changed" {
			if rec.Provider != "fake" {
				t.Errorf("state change line %q lacks provider", line)
			}
			changes = append(changes, rec.From+">"+rec.To)
		}
	}
	if got, want := strings.Join(changes, " "), "closed>open open>half-open half-open>closed"; got != want {
		t.Errorf("state changes logged = %q, want %q", got, want)
	}
}

// nilLedger is a Ledger type whose nil pointer reaches WithLedger when a
// constructor's error is ignored.
type nilLedger struct{ captcha.Ledger }

func TestNewTypedNilLedgerNamesTheMistake(t *testing.T) {
	t.Parallel()
	_, err := captcha.New(&providertest.Fake{}, captcha.WithLedger((*nilLedger)(nil)))
	if err == nil || !strings.Contains(err.Error(), "nil pointer") || !strings.Contains(err.Error(), "nilLedger") {
		t.Fatalf("New with a typed nil ledger: error = %v, want one naming the nil *nilLedger", err)
	}
}

// countingLedger counts the budget increments a Verifier makes.
type countingLedger struct {
	captcha.Ledger
	incrs atomic.Int64
}

func (l *countingLedger) Incr(ctx context.Context, key string, w time.Duration) (int64, error) {
	l.incrs.Add(1)
	return l.Ledger.Incr(ctx, key, w)
}

// TestReplayReachesNoVendor: single use comes first, so a replayed ticket is
// ErrReplayed without a (billed) vendor call.
func TestReplayReachesNoVendor(t *testing.T) {
	t.Parallel()
	fake := &providertest.Fake{}
	v, err := captcha.New(fake, captcha.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	for _, ticket := range []string{"pass", "reject:9"} {
		_, _ = v.Verify(form(ticket))
		before := fake.Calls()
		if _, err := v.Verify(form(ticket)); !errors.Is(err, captcha.ErrReplayed) {
			t.Errorf("%s again: error = %v, want ErrReplayed", ticket, err)
		}
		if got := fake.Calls() - before; got != 0 {
			t.Errorf("%s again: %d vendor calls, want 0", ticket, got)
		}
	}
}

// TestReplayDuringOutageSpendsNoBudget: during an outage a replay is refused
// before the policy, so it spends neither the client's nor the global budget.
func TestReplayDuringOutageSpendsNoBudget(t *testing.T) {
	t.Parallel()
	fake := &providertest.Fake{}
	l := &countingLedger{Ledger: captcha.NewMemoryLedger()}
	v, err := captcha.New(fake, captcha.WithLogger(quiet), captcha.WithLedger(l))
	if err != nil {
		t.Fatal(err)
	}
	tripBreaker(t, fake)
	if res, err := v.Verify(form("unavailable:1")); err != nil || !res.Degraded {
		t.Fatalf("first use during outage = (%+v, %v), want a degraded pass", res, err)
	}
	spent := l.incrs.Load()
	for range 10 {
		if _, err := v.Verify(form("unavailable:1")); !errors.Is(err, captcha.ErrReplayed) {
			t.Fatalf("replay during outage: error = %v, want ErrReplayed", err)
		}
	}
	if got := l.incrs.Load() - spent; got != 0 {
		t.Errorf("replays spent %d budget increments, want 0", got)
	}
}

// TestTwoRoutesOneProviderShareState is the README's own snippet, two routes
// each wrapped with Require(p), during an outage: one ticket passes once in
// all, and one per-client budget covers both routes.
func TestTwoRoutesOneProviderShareState(t *testing.T) {
	t.Parallel()
	fake := &providertest.Fake{}
	b := captcha.Budget{PerClient: 2, PerClientWindow: time.Minute, Global: 100, GlobalWindow: time.Minute}
	opts := []captcha.Option{captcha.WithLogger(quiet), captcha.WithFailbackPolicy(captcha.Bounded(b))}
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	mux := http.NewServeMux()
	mux.Handle("POST /login", captcha.Require(fake, opts...)(ok))
	mux.Handle("POST /signup", captcha.Require(fake, opts...)(ok))
	tripBreaker(t, fake) // one breaker: tripped once, open for both routes
	send := func(path, ticket string) int {
		r := form(ticket)
		r.URL.Path = path
		r.RemoteAddr = "192.0.2.9:5555"
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		return rec.Code
	}
	steps := []struct {
		path, ticket string
		want         int
	}{
		{"/login", "unavailable:a", http.StatusOK},
		{"/signup", "unavailable:a", http.StatusForbidden}, // the same ticket on the other route: replay
		{"/signup", "unavailable:b", http.StatusOK},
		{"/login", "unavailable:c", http.StatusForbidden}, // the client's budget of 2 covers both routes
	}
	for i, s := range steps {
		if got := send(s.path, s.ticket); got != s.want {
			t.Errorf("step %d %s %s: status %d, want %d", i, s.path, s.ticket, got, s.want)
		}
	}
	other := &providertest.Fake{}
	v, err := captcha.New(other, captcha.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	if h := v.Health(); h.State == "open" {
		t.Errorf("another provider value's Health = %+v, want its own closed breaker", h)
	}
}

func TestSecondVerifierWithOtherBreakerSettingsRefused(t *testing.T) {
	t.Parallel()
	fake := &providertest.Fake{}
	if _, err := captcha.New(fake, captcha.WithLogger(quiet)); err != nil {
		t.Fatal(err)
	}
	if _, err := captcha.New(fake, captcha.WithLogger(quiet)); err != nil {
		t.Errorf("second Verifier with the same settings: %v", err)
	}
	_, err := captcha.New(fake, captcha.WithLogger(quiet), captcha.WithBreaker(captcha.BreakerSettings{ConsecutiveFailures: 2}))
	if err == nil || !strings.Contains(err.Error(), "BreakerSettings") {
		t.Errorf("second Verifier with other breaker settings: error = %v, want one naming BreakerSettings", err)
	}
}

// TestHealthUnverifiedUntilAnswered: a provider that has never answered since
// start (a dead endpoint) is told apart from a healthy one and from an open
// breaker.
func TestHealthUnverifiedUntilAnswered(t *testing.T) {
	t.Parallel()
	fake := &providertest.Fake{}
	v, err := captcha.New(fake, captcha.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	if h := v.Health(); h.State != "unverified" || h.Answered || h.Healthy() {
		t.Errorf("Health before any call = %+v, want unverified and not healthy", h)
	}
	_, _ = v.Verify(form("unavailable:x"))
	if h := v.Health(); h.State != "unverified" {
		t.Errorf("Health after one unavailable call = %+v, want unverified", h)
	}
	_, _ = v.Verify(form("reject:x"))
	if h := v.Health(); h.State != "closed" || !h.Answered || !h.Healthy() {
		t.Errorf("Health after a verdict = %+v, want closed, answered, healthy", h)
	}
}

// TestClientGoneClaimStillRecorded: a client that hangs up does not cancel
// the claim, so its ticket stays spent.
func TestClientGoneClaimStillRecorded(t *testing.T) {
	t.Parallel()
	v, err := captcha.New(&providertest.Fake{}, captcha.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _ = v.Verify(form("pass").WithContext(ctx))
	if _, err := v.Verify(form("pass")); !errors.Is(err, captcha.ErrReplayed) {
		t.Errorf("after a hung-up client: error = %v, want ErrReplayed", err)
	}
}

// recordingLedger records the keys a Verifier hands its ledger.
type recordingLedger struct {
	captcha.Ledger
	mu   sync.Mutex
	keys []string
}

func (l *recordingLedger) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	l.mu.Lock()
	l.keys = append(l.keys, key)
	l.mu.Unlock()
	return l.Ledger.Claim(ctx, key, ttl)
}

func (l *recordingLedger) Incr(ctx context.Context, key string, w time.Duration) (int64, error) {
	l.mu.Lock()
	l.keys = append(l.keys, key)
	l.mu.Unlock()
	return l.Ledger.Incr(ctx, key, w)
}

// TestLedgerKeysHoldNoTicketOrAddress: the Verifier hashes a ticket (its
// TicketID) and a client's budget key once, so the ledger, shared Redis
// included, never stores a ticket value or a client address, and every key
// has the documented fixed shape.
func TestLedgerKeysHoldNoTicketOrAddress(t *testing.T) {
	t.Parallel()
	fake := identified{&providertest.Fake{FieldNames: []string{"ticket", "randstr"}}}
	l := &recordingLedger{Ledger: captcha.NewMemoryLedger()}
	v, err := captcha.New(fake, captcha.WithLogger(quiet), captcha.WithLedger(l))
	if err != nil {
		t.Fatal(err)
	}
	tripBreaker(t, fake)
	r := httptest.NewRequest(http.MethodGet, "/?ticket=unavailable:secret-ticket-value&randstr=@r4nd", nil)
	r.RemoteAddr = "198.51.100.77:4242"
	if _, err := v.Verify(r); err != nil {
		t.Fatalf("degraded pass: %v", err)
	}
	shape := regexp.MustCompile(`^(claim:fake:(id|fp):|budget:fake:client:)[0-9a-f]{64}$|^budget:fake:global$`)
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.keys) < 3 {
		t.Fatalf("ledger saw %d keys, want a claim and two budgets", len(l.keys))
	}
	for _, k := range l.keys {
		if strings.Contains(k, "secret-ticket-value") || strings.Contains(k, "198.51.100") || strings.Contains(k, "r4nd") {
			t.Errorf("ledger key %q holds a ticket value or a client address", k)
		}
		if !shape.MatchString(k) {
			t.Errorf("ledger key %q does not have the documented shape", k)
		}
	}
}

type otherKey struct{}

// TestHandlerContextIsTheRequests: the context the protected handler gets
// carries the Result and behaves as the request's own: its values, its
// cancellation, and contexts derived from it follow both.
func TestHandlerContextIsTheRequests(t *testing.T) {
	t.Parallel()
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), otherKey{}, "kept"))
	var derived context.Context
	var stop context.CancelFunc
	h := captcha.Require(&providertest.Fake{}, captcha.WithLogger(quiet))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if res, ok := captcha.FromContext(r.Context()); !ok || !res.Passed {
			t.Errorf("FromContext = %+v, %v; want the pass", res, ok)
		}
		if got := r.Context().Value(otherKey{}); got != "kept" {
			t.Errorf("Value(otherKey) = %v, want the request's value", got)
		}
		derived, stop = context.WithCancel(context.WithValue(r.Context(), otherKey{}, "inner"))
		if res, ok := captcha.FromContext(derived); !ok || !res.Passed {
			t.Errorf("FromContext(derived) = %+v, %v; want the pass", res, ok)
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), form("pass").WithContext(parent))
	defer stop()
	cancel()
	select {
	case <-derived.Done():
	case <-time.After(time.Minute): // a hang guard only
		t.Fatal("a context derived in the handler was not cancelled with the request")
	}
}

// deadlineLedger records the deadline of each ledger call.
type deadlineLedger struct {
	captcha.Ledger
	mu        sync.Mutex
	deadlines []time.Time
}

func (l *deadlineLedger) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	d, _ := ctx.Deadline()
	l.mu.Lock()
	l.deadlines = append(l.deadlines, d)
	l.mu.Unlock()
	return l.Ledger.Claim(ctx, key, ttl)
}

// deadlineProvider passes every ticket and records its call's deadline.
type deadlineProvider struct{ deadline time.Time }

func (*deadlineProvider) Name() string     { return "deadline" }
func (*deadlineProvider) Fields() []string { return []string{"ticket"} }
func (p *deadlineProvider) Verify(ctx context.Context, _ captcha.Ticket) (captcha.Result, error) {
	p.deadline, _ = ctx.Deadline()
	return captcha.Result{Passed: true}, nil
}

// TestVerifyBoundedAsAWhole: WithTimeout bounds the whole verification, not
// each call in it. The ledger claim and the vendor call share one deadline,
// set when Verify starts, so time spent in the ledger comes out of the
// vendor's share; a ledger call is bounded by the ledger timeout too.
func TestVerifyBoundedAsAWhole(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		timeout       time.Duration
		ledgerTimeout time.Duration
		ledgerShorter bool // the ledger call ends before the verification's deadline
	}{
		{"ledger timeout longer", time.Second, time.Hour, false},
		{"ledger timeout shorter", time.Hour, time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := &deadlineProvider{}
			l := &deadlineLedger{Ledger: captcha.NewMemoryLedger()}
			v, err := captcha.New(p, captcha.WithLogger(quiet), captcha.WithLedger(l),
				captcha.WithTimeout(tc.timeout), captcha.WithLedgerTimeout(tc.ledgerTimeout))
			if err != nil {
				t.Fatal(err)
			}
			before := time.Now()
			if _, err := v.Verify(form("t1")); err != nil {
				t.Fatal(err)
			}
			after := time.Now()
			if p.deadline.Before(before.Add(tc.timeout)) || p.deadline.After(after.Add(tc.timeout)) {
				t.Errorf("vendor call deadline %v, want between %v and %v", p.deadline, before.Add(tc.timeout), after.Add(tc.timeout))
			}
			if len(l.deadlines) != 1 {
				t.Fatalf("%d ledger calls, want 1", len(l.deadlines))
			}
			ld := l.deadlines[0]
			switch {
			case tc.ledgerShorter && !ld.Before(p.deadline):
				t.Errorf("ledger deadline %v, want before the verification's %v", ld, p.deadline)
			case !tc.ledgerShorter && !ld.Equal(p.deadline):
				t.Errorf("ledger deadline %v, want the verification's own %v", ld, p.deadline)
			}
		})
	}
}

// windowed is a provider whose tickets stay valid for an hour.
type windowed struct{ providertest.Fake }

func (*windowed) MinReplayWindow() time.Duration { return time.Hour }

// TestReplayWindowFitsTheProvider: New refuses a replay window shorter than
// the provider's tickets stay valid, which would let one be used again once
// its claim is forgotten.
func TestReplayWindowFitsTheProvider(t *testing.T) {
	t.Parallel()
	if _, err := captcha.New(&windowed{}, captcha.WithLogger(quiet)); err == nil || !strings.Contains(err.Error(), "WithReplayWindow") {
		t.Errorf("New with the default 30-minute window = %v, want an error naming WithReplayWindow", err)
	}
	if _, err := captcha.New(&windowed{}, captcha.WithLogger(quiet), captcha.WithReplayWindow(time.Hour)); err != nil {
		t.Errorf("New with an hour's window = %v, want nil", err)
	}
}
