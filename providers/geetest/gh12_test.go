package geetest_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/providers/geetest/geetesttest"
)

// TestGH12V4ClientCausedRepliesAreRejections: replies the client's own values
// can draw from GeeTest are rejections, never outages. -50002 ("param
// decrypt error") answers a captcha_output that does not decrypt, which a
// client sends as often as it likes (GeeTest's own demos fail it); a reply
// carrying neither status nor result has no verdict to pass on.
func TestGH12V4ClientCausedRepliesAreRejections(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	p := newV4(t, srv.URL)
	tests := []struct {
		name     string
		mint     func(string) (geetesttest.V4Ticket, error)
		wantCode string
	}{
		{"undecryptable output reject", srv.MintV4Undecryptable, "-50002"},
		{"reply without status or result reject", srv.MintV4NoVerdict, "no-verdict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk, err := tt.mint(geetesttest.DefaultV4CaptchaID)
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.Verify(t.Context(), captcha.Ticket{Values: tk.Values(), ClientIP: "192.0.2.1"})
			if err != nil || res.Passed || res.Code != tt.wantCode {
				t.Errorf("Verify = (%+v, %v), want a rejection with Code %q and a nil error", res, err, tt.wantCode)
			}
		})
	}
}

// TestGH12V4UndecryptableOutputCannotOpenFailback is the attack behind
// -50002 as an outage: a client sends made-up captcha_output values until the
// breaker opens, then walks through the fail-open policy. Every such request
// must be a 403, and afterwards a genuine ticket is still verified by
// GeeTest, not waved through as degraded.
func TestGH12V4UndecryptableOutputCannotOpenFailback(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	v, err := captcha.New(newV4(t, srv.URL),
		captcha.WithFailbackPolicy(captcha.FailOpen()),
		captcha.WithLogger(slog.New(slog.DiscardHandler)),
		captcha.WithTimeout(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	serve := func(tk geetesttest.V4Ticket) (status int, degraded bool) {
		form := url.Values{}
		for k, val := range tk.Values() {
			form.Set(k, val)
		}
		r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		v.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			res, _ := captcha.FromContext(r.Context())
			degraded = res.Degraded
		})).ServeHTTP(rec, r)
		return rec.Code, degraded
	}
	const attempts = 20 // several times what opens the default breaker
	for i := range attempts + 1 {
		tk, err := srv.MintV4Undecryptable(geetesttest.DefaultV4CaptchaID)
		if err != nil {
			t.Fatal(err)
		}
		if status, degraded := serve(tk); status != http.StatusForbidden || degraded {
			t.Fatalf("undecryptable request %d: status %d (degraded %v), want 403", i+1, status, degraded)
		}
	}
	before := srv.Calls()
	tk, err := srv.MintV4(geetesttest.DefaultV4CaptchaID)
	if err != nil {
		t.Fatal(err)
	}
	if status, degraded := serve(tk); status != http.StatusOK || degraded {
		t.Errorf("genuine ticket: status %d (degraded %v), want 200 verified by GeeTest", status, degraded)
	}
	if got := srv.Calls() - before; got != 1 {
		t.Errorf("genuine ticket made %d calls to GeeTest, want 1", got)
	}
}

// TestGH12DefaultAPIBasesAreHTTPS: GeeTest's answer to v3 validate is
// md5(seccode), which anyone on the path could compute, so the default hosts
// are reached over HTTPS. The providers are run with their default Endpoint
// against the emulator behind TLS (every dial goes to it, as if it were
// api.geetest.com and gcaptcha4.geetest.com); an explicit http:// base, as for
// the plain emulator, still works.
func TestGH12DefaultAPIBasesAreHTTPS(t *testing.T) {
	t.Parallel()
	for name, base := range map[string]string{"v3": geetest.DefaultV3Endpoint, "v4": geetest.DefaultV4Endpoint} {
		if u, err := url.Parse(base); err != nil || u.Scheme != "https" {
			t.Errorf("Default%sAPIBase = %q, want an https URL", strings.ToUpper(name), base)
		}
	}

	t.Run("v4 default over TLS", func(t *testing.T) {
		t.Parallel()
		emu := geetesttest.New(geetesttest.Config{})
		client, seen := tlsTo(t, emu)
		p, err := geetest.NewV4(geetest.V4Config{
			CaptchaID: geetesttest.DefaultV4CaptchaID, CaptchaKey: geetesttest.DefaultV4CaptchaKey, HTTPClient: client,
		})
		if err != nil {
			t.Fatal(err)
		}
		tk, err := emu.MintV4(geetesttest.DefaultV4CaptchaID)
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Verify(t.Context(), captcha.Ticket{Values: tk.Values(), ClientIP: "192.0.2.1"})
		if err != nil || !res.Passed {
			t.Errorf("Verify = (%+v, %v), want a pass", res, err)
		}
		if got := seen(); got != "gcaptcha4.geetest.com" {
			t.Errorf("TLS request for host %q, want gcaptcha4.geetest.com", got)
		}
	})

	t.Run("v3 default over TLS", func(t *testing.T) {
		t.Parallel()
		emu := geetesttest.New(geetesttest.Config{})
		client, seen := tlsTo(t, emu)
		store := newStatusStore(t, cookieHashKey)
		p := newV3(t, geetest.V3Config{StatusStore: store, HTTPClient: client})
		res, err := p.Verify(t.Context(), onlineTicket(t, emu, store))
		if err != nil || !res.Passed {
			t.Errorf("Verify = (%+v, %v), want a pass", res, err)
		}
		if got := seen(); got != "api.geetest.com" {
			t.Errorf("TLS request for host %q, want api.geetest.com", got)
		}
	})

	t.Run("explicit http base", func(t *testing.T) {
		t.Parallel()
		srv := geetesttest.NewServer(t, geetesttest.Config{})
		if !strings.HasPrefix(srv.URL, "http://") {
			t.Fatalf("emulator URL %q is not plain HTTP", srv.URL)
		}
		tk, err := srv.MintV4(geetesttest.DefaultV4CaptchaID)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := newV4(t, srv.URL).Verify(t.Context(), captcha.Ticket{Values: tk.Values()}); err != nil || !res.Passed {
			t.Errorf("v4 Verify = (%+v, %v), want a pass", res, err)
		}
		store := newStatusStore(t, cookieHashKey)
		p := newV3(t, geetest.V3Config{StatusStore: store, Endpoint: srv.URL})
		if res, err := p.Verify(t.Context(), onlineTicket(t, srv.Emulator, store)); err != nil || !res.Passed {
			t.Errorf("v3 Verify = (%+v, %v), want a pass", res, err)
		}
	})
}

func newV4(t testing.TB, base string) *geetest.V4 {
	t.Helper()
	p, err := geetest.NewV4(geetest.V4Config{
		CaptchaID: geetesttest.DefaultV4CaptchaID, CaptchaKey: geetesttest.DefaultV4CaptchaKey,
		Endpoint: base, Timeout: 30 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// onlineTicket issues a challenge from emu without register's round trip,
// records it as online in store and returns the solved ticket.
func onlineTicket(t testing.TB, emu *geetesttest.Emulator, store geetest.StatusStore) captcha.Ticket {
	t.Helper()
	c, err := emu.Register(geetesttest.DefaultV3CaptchaID, string(geetest.DigestMD5))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	st := geetest.NewServerStatus(true, c, time.Now())
	if err := store.SetServerStatus(rec, httptest.NewRequest(http.MethodGet, "/register", nil), st); err != nil {
		t.Fatal(err)
	}
	validate, seccode, err := emu.Solve(c)
	if err != nil {
		t.Fatal(err)
	}
	return registered{cookies: rec.Result().Cookies()}.ticket(c, validate, seccode)
}

// tlsTo serves h over TLS on loopback and returns a client that sends every
// request there, whatever its host, trusting the test certificate, and a
// function reporting the Host of the last request h received over TLS.
func tlsTo(t testing.TB, h http.Handler) (*http.Client, func() string) {
	t.Helper()
	var mu sync.Mutex
	var host string
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil {
			mu.Lock()
			host = r.Host
			mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	tr := ts.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.ServerName = "example.com" // a name in httptest's certificate
	addr := ts.Listener.Addr().String()
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}, func() string {
		mu.Lock()
		defer mu.Unlock()
		return host
	}
}
