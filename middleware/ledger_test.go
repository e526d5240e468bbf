package captcha_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
)

type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) add(d time.Duration) { c.ns.Add(int64(d)) }

func newClockedLedger(size int) (captcha.Ledger, *fakeClock) {
	l := captcha.NewMemoryLedgerSize(size)
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	captcha.SetLedgerClock(l, c.now)
	return l, c
}

func TestMemoryLedgerClaim(t *testing.T) {
	t.Parallel()
	l, clock := newClockedLedger(0)
	ctx := context.Background()
	steps := []struct {
		advance time.Duration
		key     string
		want    bool
	}{
		{0, "a", true},
		{0, "a", false},
		{0, "b", true},
		{59 * time.Second, "a", false},
		{time.Second, "a", true}, // expired at 60s, claimed afresh
		{0, "a", false},
	}
	for i, s := range steps {
		clock.add(s.advance)
		got, err := l.Claim(ctx, s.key, time.Minute)
		if err != nil || got != s.want {
			t.Errorf("step %d: Claim(%q) = (%v, %v), want (%v, nil)", i, s.key, got, err, s.want)
		}
	}
}

func TestMemoryLedgerIncr(t *testing.T) {
	t.Parallel()
	l, clock := newClockedLedger(0)
	ctx := context.Background()
	for want := int64(1); want <= 3; want++ {
		if got, err := l.Incr(ctx, "k", time.Minute); err != nil || got != want {
			t.Fatalf("Incr = (%d, %v), want (%d, nil)", got, err, want)
		}
	}
	clock.add(time.Minute)
	if got, err := l.Incr(ctx, "k", time.Minute); err != nil || got != 1 {
		t.Fatalf("Incr after window = (%d, %v), want (1, nil)", got, err)
	}
}

// TestMemoryLedgerBounded floods the ledger with distinct keys: it refuses new
// keys at its bound, keeps the live claims it has, and takes new keys again
// once entries expire.
func TestMemoryLedgerBounded(t *testing.T) {
	t.Parallel()
	const size = 320
	l, clock := newClockedLedger(size)
	ctx := context.Background()
	var stored []string
	var full int
	for i := range 10 * size {
		k := "k" + strconv.Itoa(i)
		ok, err := l.Claim(ctx, k, time.Minute)
		switch {
		case errors.Is(err, captcha.ErrLedgerFull):
			full++
		case err != nil || !ok:
			t.Fatalf("Claim(%q) = (%v, %v)", k, ok, err)
		default:
			stored = append(stored, k)
		}
	}
	if len(stored) > size || full == 0 {
		t.Fatalf("stored %d keys (bound %d), refused %d; want at most the bound stored and some refused", len(stored), size, full)
	}
	for _, k := range stored {
		if ok, err := l.Claim(ctx, k, time.Minute); ok || err != nil {
			t.Fatalf("live claim %q forgotten at the bound: Claim = (%v, %v)", k, ok, err)
		}
	}
	clock.add(2 * time.Minute)
	if ok, err := l.Claim(ctx, "fresh", time.Minute); !ok || err != nil {
		t.Fatalf("Claim after expiry = (%v, %v), want (true, nil)", ok, err)
	}
}

func TestMemoryLedgerConcurrentClaimOnce(t *testing.T) {
	t.Parallel()
	l := captcha.NewMemoryLedger()
	var wins atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			if ok, err := l.Claim(context.Background(), "ticket", time.Minute); ok && err == nil {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d concurrent claims won, want 1", wins.Load())
	}
}

// fullLedger always fails: the Verifier must fail closed.
type fullLedger struct{}

func (fullLedger) Claim(context.Context, string, time.Duration) (bool, error) {
	return false, captcha.ErrLedgerFull
}

func (fullLedger) Incr(context.Context, string, time.Duration) (int64, error) {
	return 0, captcha.ErrLedgerFull
}
