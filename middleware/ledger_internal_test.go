package captcha

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// TestMemoryLedgerModel runs random claims, increments and clock steps
// against a small ledger and a plain map with the documented semantics: a
// key lives until its ttl; a new key is refused exactly when max live keys
// are held. Small tables exercise growth, wrap-around probing and the
// backward-shift deletion of sweeps.
func TestMemoryLedgerModel(t *testing.T) {
	t.Parallel()
	for _, size := range []int{1, 7, 100, 400} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(size), 42))
			l := NewMemoryLedgerSize(size).(*memoryLedger)
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			l.now = func() time.Time { return now }
			type ent struct {
				exp time.Time
				n   int64
			}
			model := map[string]ent{}
			live := func() int {
				c := 0
				for _, e := range model {
					if e.exp.After(now) {
						c++
					}
				}
				return c
			}
			ctx := context.Background()
			for step := range 8000 {
				key := "k" + strconv.Itoa(rng.IntN(3*size+3))
				ttl := time.Duration(1+rng.IntN(5)) * time.Second
				e, ok := model[key]
				alive := ok && e.exp.After(now)
				full := !alive && live() >= size
				switch rng.IntN(10) {
				case 0:
					now = now.Add(time.Duration(rng.IntN(3000)) * time.Millisecond)
				case 1, 2, 3:
					n, err := l.Incr(ctx, key, ttl)
					var want int64 = 1
					if alive {
						want = e.n + 1
					}
					switch {
					case full:
						if !errors.Is(err, ErrLedgerFull) {
							t.Fatalf("step %d: Incr(%s) on a full ledger = (%d, %v), want ErrLedgerFull", step, key, n, err)
						}
					case err != nil || n != want:
						t.Fatalf("step %d: Incr(%s) = (%d, %v), want (%d, nil)", step, key, n, err, want)
					default:
						if !alive {
							e.exp = now.Add(ttl)
						}
						e.n = want
						model[key] = e
					}
				default:
					first, err := l.Claim(ctx, key, ttl)
					switch {
					case full:
						if !errors.Is(err, ErrLedgerFull) {
							t.Fatalf("step %d: Claim(%s) on a full ledger = (%v, %v), want ErrLedgerFull", step, key, first, err)
						}
					case err != nil || first == alive:
						t.Fatalf("step %d: Claim(%s) = (%v, %v), want (%v, nil)", step, key, first, err, !alive)
					case first:
						model[key] = ent{exp: now.Add(ttl), n: 1}
					}
				}
			}
			for i := range l.shards {
				s := &l.shards[i]
				used := 0
				for _, sl := range s.slots {
					if sl.k != (hkey{}) {
						used++
					}
				}
				if used != s.n {
					t.Errorf("shard %d counts %d slots in use, holds %d", i, s.n, used)
				}
			}
		})
	}
}

// TestMemoryLedgerFootprint fills a ledger to its bound: it takes exactly
// max keys, then refuses, and its tables hold at most 48 bytes per key (the
// documented figure is about 28 when full).
func TestMemoryLedgerFootprint(t *testing.T) {
	t.Parallel()
	const size = 1 << 16
	l := NewMemoryLedgerSize(size).(*memoryLedger)
	ctx := context.Background()
	stored := 0
	for i := range size + size/10 {
		ok, err := l.Claim(ctx, "key:"+strconv.Itoa(i), time.Hour)
		switch {
		case errors.Is(err, ErrLedgerFull):
		case err != nil || !ok:
			t.Fatalf("Claim %d = (%v, %v)", i, ok, err)
		default:
			stored++
		}
	}
	if stored != size {
		t.Errorf("stored %d keys, want exactly the bound %d", stored, size)
	}
	if got := l.footprint(); float64(got)/float64(stored) > 48 {
		t.Errorf("tables hold %d bytes for %d keys: %.1f B/key, want at most 48", got, stored, float64(got)/float64(stored))
	}
}

// footprint is the bytes the ledger's tables take.
func (l *memoryLedger) footprint() int {
	n := 0
	for i := range l.shards {
		n += cap(l.shards[i].slots) * 24
	}
	return n
}
