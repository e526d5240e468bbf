package redisledger_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/captchakit/captcha/internal/redistest"
	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
	"github.com/captchakit/captcha/session/redisledger"
	"github.com/redis/go-redis/v9"
)

// stallDeadline is the deadline the stall tests give a ledger call; the
// guard each is measured against is redistest.Guard(), far longer.
const stallDeadline = 300 * time.Millisecond

// clientConfigs are the client options a stalled Redis is met with: what
// the package documentation recommends, go-redis's defaults, and two
// configurations where go-redis itself would wait for ever.
var clientConfigs = []struct {
	name string
	opt  redis.Options
}{
	{"recommended: context timeouts on", redis.Options{ContextTimeoutEnabled: true}},
	{"go-redis defaults", redis.Options{}},
	{"context timeouts off, reads unbounded", redis.Options{ReadTimeout: -1, WriteTimeout: -1}},
	{"context timeouts on, socket deadlines disabled", redis.Options{ContextTimeoutEnabled: true, ReadTimeout: -2, WriteTimeout: -2}},
}

// pausedRedis starts a Redis, opens a client on it with opt, and pauses the
// server (SIGSTOP) until the test ends.
func pausedRedis(t *testing.T, opt redis.Options) (*redisledger.Ledger, *redistest.Server) {
	t.Helper()
	srv := redistest.Start(t)
	opt.Addr = srv.Addr
	rdb := redis.NewClient(&opt)
	t.Cleanup(func() { _ = rdb.Close() })
	if err := rdb.Ping(t.Context()).Err(); err != nil { // a pooled connection, as in a warm service
		t.Fatal(err)
	}
	l, err := redisledger.New(rdb)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	// Runs before the client is closed: let the queued commands finish.
	t.Cleanup(func() { _ = srv.Resume() })
	return l, srv
}

// within runs f and fails t if it has not returned within the hang guard;
// it returns how long f took.
func within(t *testing.T, what string, f func()) time.Duration {
	t.Helper()
	done := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
		return time.Since(start)
	case <-time.After(redistest.Guard()):
		t.Fatalf("%s did not return within %v (%s sets the guard)", what, redistest.Guard(), redistest.GuardEnv)
		return 0
	}
}

// TestGH13StalledRedisBoundedByDeadline pauses Redis: a Claim or Incr with a
// 300ms deadline must return an error soon after it, whatever the client's
// options. Before the fix, a client without context timeouts waited for its
// ReadTimeout (for ever, with -1) and then retried.
func TestGH13StalledRedisBoundedByDeadline(t *testing.T) {
	for _, cfg := range clientConfigs {
		t.Run(cfg.name, func(t *testing.T) {
			l, _ := pausedRedis(t, cfg.opt)
			ops := []struct {
				name string
				call func(ctx context.Context) error
			}{
				{"claim", func(ctx context.Context) error { _, err := l.Claim(ctx, "k", time.Minute); return err }},
				{"incr", func(ctx context.Context) error { _, err := l.Incr(ctx, "k", time.Minute); return err }},
			}
			for _, op := range ops {
				ctx, cancel := context.WithTimeout(t.Context(), stallDeadline)
				var err error
				took := within(t, op.name, func() { err = op.call(ctx) })
				cancel()
				t.Logf("%s on a paused Redis with a %v deadline returned after %v: %v", op.name, stallDeadline, took, err)
				if err == nil || !strings.HasPrefix(err.Error(), "redisledger: "+op.name+": ") {
					t.Errorf("%s: error = %v, want a redisledger: %s error", op.name, err, op.name)
				}
			}
		})
	}
}

// TestGH13StalledRedisOwnTimeout pauses Redis under a caller that sets no
// deadline: WithTimeout bounds the call.
func TestGH13StalledRedisOwnTimeout(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, ReadTimeout: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	l, err := redisledger.New(rdb, redisledger.WithTimeout(stallDeadline))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Resume() })
	took := within(t, "claim", func() { _, err = l.Claim(context.Background(), "k", time.Minute) })
	t.Logf("claim with no caller deadline and WithTimeout(%v) returned after %v: %v", stallDeadline, took, err)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want one wrapping context.DeadlineExceeded", err)
	}
}

// TestGH13StalledRedisFailsRequestClosed pauses Redis under a Verifier with
// a 300ms ledger timeout: the request fails with ErrLedger (503) instead of
// hanging.
func TestGH13StalledRedisFailsRequestClosed(t *testing.T) {
	for _, cfg := range clientConfigs {
		t.Run(cfg.name, func(t *testing.T) {
			l, _ := pausedRedis(t, cfg.opt)
			v, err := captcha.New(&providertest.Fake{}, captcha.WithLedger(l), captcha.WithLogger(quiet),
				captcha.WithLedgerTimeout(stallDeadline))
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			took := within(t, "request", func() {
				v.Handler(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?ticket=pass", nil))
			})
			t.Logf("request on a paused Redis: %d after %v", rec.Code, took)
			if rec.Code != http.StatusServiceUnavailable {
				t.Errorf("status %d, want 503", rec.Code)
			}
			within(t, "Verify", func() {
				_, err = v.Verify(httptest.NewRequest(http.MethodGet, "/?ticket=pass", nil))
			})
			if !errors.Is(err, captcha.ErrLedger) {
				t.Errorf("Verify error = %v, want ErrLedger", err)
			}
		})
	}
}
