package redisledger_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/captchakit/captcha/internal/redistest"
	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/providers/geetest/geetesttest"
	"github.com/captchakit/captcha/providers/providertest"
	"github.com/captchakit/captcha/session"
	"github.com/captchakit/captcha/session/redisledger"
	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"
)

var quiet = slog.New(slog.DiscardHandler)

func newLedger(t *testing.T, addr string, opts ...redisledger.Option) (*redisledger.Ledger, redis.UniversalClient) {
	t.Helper()
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{addr}, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = rdb.Close() })
	l, err := redisledger.New(rdb, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l, rdb
}

func TestClaim(t *testing.T) {
	srv := redistest.Start(t)
	l, rdb := newLedger(t, srv.Addr)
	ctx := t.Context()
	for i, want := range []bool{true, false, false} {
		got, err := l.Claim(ctx, "ticket-a", time.Minute)
		if err != nil || got != want {
			t.Fatalf("claim %d = (%v, %v), want (%v, nil)", i, got, err, want)
		}
	}
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys = %q, %v; want one", keys, err)
	}
	if keys[0] != "captchakit:ticket-a" {
		t.Errorf("key %q: want the prefix and the key as the Verifier gave it", keys[0])
	}
	ttl, err := rdb.PTTL(ctx, keys[0]).Result()
	if err != nil || ttl <= 0 || ttl > time.Minute {
		t.Errorf("PTTL = %v, %v; want in (0, 1m]", ttl, err)
	}
}

func TestClaimExpires(t *testing.T) {
	srv := redistest.Start(t)
	l, _ := newLedger(t, srv.Addr)
	ctx := t.Context()
	if ok, err := l.Claim(ctx, "short", 50*time.Millisecond); !ok || err != nil {
		t.Fatalf("Claim = (%v, %v)", ok, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok, err := l.Claim(ctx, "short", 50*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("claim never expired")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestIncrAtomicWithWindow(t *testing.T) {
	srv := redistest.Start(t)
	l, rdb := newLedger(t, srv.Addr, redisledger.WithPrefix("app1:"))
	ctx := t.Context()
	const n = 100
	seen := make(chan int64, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			v, err := l.Incr(ctx, "budget:198.51.100.7", time.Minute)
			if err != nil {
				t.Error(err)
			}
			seen <- v
		})
	}
	wg.Wait()
	close(seen)
	got := map[int64]bool{}
	for v := range seen {
		if got[v] {
			t.Fatalf("value %d returned twice", v)
		}
		got[v] = true
	}
	for i := int64(1); i <= n; i++ {
		if !got[i] {
			t.Fatalf("value %d never returned", i)
		}
	}
	// One counter, "app1:{<key>}", and one mark per call beside it.
	keys, _ := rdb.Keys(ctx, "app1:{*}").Result()
	if len(keys) != 1 {
		t.Fatalf("counters = %q, want one key app1:{...}", keys)
	}
	all, _ := rdb.Keys(ctx, "*").Result()
	if len(all) != n+1 {
		t.Errorf("%d keys, want the counter and %d marks", len(all), n)
	}
	for _, k := range all {
		if !strings.HasPrefix(k, keys[0]) {
			t.Errorf("key %q: want the counter %q or a mark beside it", k, keys[0])
		}
	}
	if ttl, err := rdb.PTTL(ctx, keys[0]).Result(); err != nil || ttl <= 0 || ttl > time.Minute {
		t.Errorf("PTTL = %v, %v; want the window", ttl, err)
	}
}

func TestIncrHealsCounterWithoutExpiry(t *testing.T) {
	srv := redistest.Start(t)
	l, rdb := newLedger(t, srv.Addr)
	ctx := t.Context()
	if _, err := l.Incr(ctx, "k", time.Minute); err != nil {
		t.Fatal(err)
	}
	keys, _ := rdb.Keys(ctx, "*}").Result() // the counter, not the marks
	if len(keys) != 1 {
		t.Fatalf("counters = %q, want one", keys)
	}
	if err := rdb.Persist(ctx, keys[0]).Err(); err != nil { // as if an expiry had been lost
		t.Fatal(err)
	}
	if _, err := l.Incr(ctx, "k", time.Minute); err != nil {
		t.Fatal(err)
	}
	if ttl, _ := rdb.PTTL(ctx, keys[0]).Result(); ttl <= 0 {
		t.Errorf("PTTL = %v after Incr, want the window restored", ttl)
	}
}

// TestRedisDownFailsClosed stops Redis: the ledger reports an error and the
// Verifier answers 503 for a ticket the vendor accepted and during failback.
func TestRedisDownFailsClosed(t *testing.T) {
	srv := redistest.Start(t)
	l, _ := newLedger(t, srv.Addr)
	srv.Stop()
	if _, err := l.Claim(t.Context(), "k", time.Minute); err == nil || !strings.Contains(err.Error(), "redisledger: claim") {
		t.Fatalf("Claim with Redis down: error = %v, want a redisledger: claim error", err)
	}
	if _, err := l.Incr(t.Context(), "k", time.Minute); err == nil {
		t.Fatal("Incr with Redis down: error = nil")
	}
	for _, ticket := range []string{"pass", "unavailable"} {
		for _, pol := range []captcha.FailbackPolicy{captcha.Bounded(captcha.Budget{}), captcha.FailOpen()} {
			v, err := captcha.New(&providertest.Fake{}, captcha.WithLedger(l), captcha.WithLogger(quiet), captcha.WithFailbackPolicy(pol))
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(httptest.NewRequest(http.MethodGet, "/?ticket="+ticket, nil))
			if !errors.Is(err, captcha.ErrLedger) || captcha.StatusCode(err) != http.StatusServiceUnavailable {
				t.Errorf("ticket %q, %v: error = %v, want ErrLedger (503)", ticket, pol, err)
			}
		}
	}
}

func TestNewRejects(t *testing.T) {
	ok := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = ok.Close() })
	tests := []struct {
		name string
		rdb  redis.UniversalClient
		opts []redisledger.Option
	}{
		{"nil client", nil, nil},
		{"typed nil client", (*redis.Client)(nil), nil},
		{"typed nil cluster client", (*redis.ClusterClient)(nil), nil},
		{"prefix with an open brace", ok, []redisledger.Option{redisledger.WithPrefix("app{1:")}},
		{"prefix with a hash tag", ok, []redisledger.Option{redisledger.WithPrefix("{app}:")}},
		{"zero timeout", ok, []redisledger.Option{redisledger.WithTimeout(0)}},
		{"negative timeout", ok, []redisledger.Option{redisledger.WithTimeout(-time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := redisledger.New(tt.rdb, tt.opts...)
			if err == nil || l != nil {
				t.Fatalf("New = (%v, %v), want an error", l, err)
			}
			if !strings.HasPrefix(err.Error(), "redisledger: New: ") {
				t.Errorf("error %q: want it to start with \"redisledger: New: \"", err)
			}
		})
	}
	if _, err := redisledger.New(ok, nil, redisledger.WithPrefix("app:"), redisledger.WithTimeout(time.Second)); err != nil {
		t.Errorf("New with valid options: %v", err)
	}
}

func TestBadArguments(t *testing.T) {
	srv := redistest.Start(t)
	l, rdb := newLedger(t, srv.Addr)
	ctx := t.Context()
	if _, err := l.Claim(ctx, "k", 0); err == nil {
		t.Error("Claim with ttl 0: error = nil")
	}
	if _, err := l.Claim(ctx, "k", 500*time.Microsecond); err == nil {
		t.Error("Claim with ttl under 1ms: error = nil")
	}
	if _, err := l.Incr(ctx, "k", -time.Minute); err == nil {
		t.Error("Incr with a negative window: error = nil")
	}
	if n, _ := rdb.DBSize(ctx).Result(); n != 0 {
		t.Errorf("%d keys after refused calls, want none", n)
	}
}

// TestTwoVerifiersShareOneRedis runs two Verifiers, as two instances of a
// service would, on one Redis.
func TestTwoVerifiersShareOneRedis(t *testing.T) {
	srv := redistest.Start(t)
	testTwoInstances(t, func(t *testing.T, prefix string) captcha.Ledger {
		l, _ := newLedger(t, srv.Addr, redisledger.WithPrefix(prefix))
		return l
	})
}

// testTwoInstances checks that two Verifiers, each on a ledger from
// newLedger (a client of its own on one shared Redis), share single use and
// budgets. Ledgers with the same prefix share their keys.
func testTwoInstances(t *testing.T, newLedger func(t *testing.T, prefix string) captcha.Ledger) {
	t.Run("ticket used on one is refused on the other", func(t *testing.T) {
		a := mustVerifier(t, &providertest.Fake{}, newLedger(t, "t1:"))
		b := mustVerifier(t, &providertest.Fake{}, newLedger(t, "t1:"))
		if _, err := a.Verify(httptest.NewRequest(http.MethodGet, "/?ticket=pass", nil)); err != nil {
			t.Fatalf("first use on A: %v", err)
		}
		if _, err := b.Verify(httptest.NewRequest(http.MethodGet, "/?ticket=pass", nil)); !errors.Is(err, captcha.ErrReplayed) {
			t.Fatalf("second use on B: error = %v, want ErrReplayed", err)
		}
	})

	t.Run("budgets are shared", func(t *testing.T) {
		down := &providertest.Fake{}
		down.SetFault(providertest.FaultHTTP503)
		budget := captcha.Budget{PerClient: 2, PerClientWindow: time.Minute, Global: 100, GlobalWindow: time.Minute}
		a := mustVerifier(t, down, newLedger(t, "t2:"), captcha.WithFailbackPolicy(captcha.Bounded(budget)))
		b := mustVerifier(t, down, newLedger(t, "t2:"), captcha.WithFailbackPolicy(captcha.Bounded(budget)))
		for i := range 5 { // open the provider's breaker: only then does failback start
			_, _ = a.Verify(httptest.NewRequest(http.MethodGet, fmt.Sprintf("/?ticket=trip%d", i), nil))
		}
		for i, v := range []*captcha.Verifier{a, b, a, b} {
			_, err := v.Verify(httptest.NewRequest(http.MethodGet, fmt.Sprintf("/?ticket=t%d", i), nil))
			wantDenied := i >= 2
			if wantDenied != errors.Is(err, captcha.ErrFailbackDenied) || !wantDenied && err != nil {
				t.Errorf("request %d: error = %v, want denied %v", i, err, wantDenied)
			}
		}
	})

	t.Run("geetest failback challenge used on one is refused on the other", func(t *testing.T) {
		emu := geetesttest.NewServer(t, geetesttest.Config{})
		emu.SetRegisterDown(true)
		cookies := sessions.NewCookieStore([]byte("0123456789abcdef0123456789abcdef"))
		st, err := session.New(cookies)
		if err != nil {
			t.Fatal(err)
		}
		p, err := geetest.NewV3(geetest.V3Config{
			CaptchaID: geetesttest.DefaultV3CaptchaID, PrivateKey: geetesttest.DefaultV3PrivateKey,
			StatusStore: st, Endpoint: emu.URL,
		})
		if err != nil {
			t.Fatal(err)
		}
		a := mustVerifier(t, p, newLedger(t, "t3:"))
		b := mustVerifier(t, p, newLedger(t, "t3:"))

		var rec *httptest.ResponseRecorder
		for range 6 { // five failed registers open the provider's breaker
			rec = httptest.NewRecorder()
			geetest.RegisterHandler(p).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/register", nil))
		}
		var reg struct {
			Success   int    `json:"success"`
			Challenge string `json:"challenge"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &reg); err != nil || reg.Success != 0 {
			t.Fatalf("register = %q (%v), want failback (success 0)", rec.Body.String(), err)
		}
		post := func() *http.Request {
			form := url.Values{
				"geetest_challenge": {reg.Challenge},
				"geetest_validate":  {"0123456789abcdef0123456789abcdef"},
				"geetest_seccode":   {"0123456789abcdef0123456789abcdef|jordan"},
			}
			r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for _, c := range rec.Result().Cookies() {
				r.AddCookie(c)
			}
			return r
		}
		res, err := a.Verify(post())
		if err != nil || !res.Degraded {
			t.Fatalf("failback use on A = (%+v, %v), want a degraded pass", res, err)
		}
		if _, err := b.Verify(post()); !errors.Is(err, captcha.ErrReplayed) {
			t.Fatalf("same challenge on B: error = %v, want ErrReplayed", err)
		}
	})
}

func mustVerifier(t *testing.T, p captcha.Provider, l captcha.Ledger, opts ...captcha.Option) *captcha.Verifier {
	t.Helper()
	v, err := captcha.New(p, append([]captcha.Option{captcha.WithLedger(l), captcha.WithLogger(quiet)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
