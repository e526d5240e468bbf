package redisledger_test

import (
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/captchakit/captcha/internal/redistest"
	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/session/redisledger"
	"github.com/redis/go-redis/v9"
)

// standalone is the benchmarks' one standalone Redis, started on first use
// and stopped by TestMain.
var standalone struct {
	once sync.Once
	s    *redistest.Server
	err  error
}

func sharedStandalone(b *testing.B) *redistest.Server {
	b.Helper()
	redistest.Need(b)
	standalone.once.Do(func() { standalone.s, standalone.err = redistest.Launch(redistest.Config{}) })
	if standalone.err != nil {
		b.Fatalf("redistest: %v", standalone.err)
	}
	return standalone.s
}

func stopStandalone() {
	if standalone.s != nil {
		standalone.s.Close()
	}
}

// benchLedgers are the ledgers every benchmark runs on, in one run: the
// in-memory one (the floor), a standalone Redis and a 3-master Cluster, both
// on loopback with the client options the package recommends.
var benchLedgers = []struct {
	name string
	new  func(b *testing.B) captcha.Ledger
}{
	{"memory", func(*testing.B) captcha.Ledger { return captcha.NewMemoryLedger() }},
	{"redis", func(b *testing.B) captcha.Ledger {
		rdb := redis.NewClient(&redis.Options{Addr: sharedStandalone(b).Addr, ContextTimeoutEnabled: true})
		b.Cleanup(func() { _ = rdb.Close() })
		l, err := redisledger.New(rdb, redisledger.WithPrefix("bench:"))
		if err != nil {
			b.Fatal(err)
		}
		return l
	}},
	{"cluster", func(b *testing.B) captcha.Ledger {
		l, _ := clusterLedger(b, sharedCluster(b), "bench:")
		return l
	}},
}

// parallel16 runs f on 16 goroutines in all, whatever GOMAXPROCS is.
func parallel16(b *testing.B, f func(pb *testing.PB)) {
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
	b.RunParallel(f)
}

// BenchmarkClaim claims a new key per operation, as each passing ticket
// does. The claims expire soon, so the memory ledger never fills up.
func BenchmarkClaim(b *testing.B) {
	const ttl = 100 * time.Millisecond
	var seq atomic.Int64
	key := func() string { return "ticket-" + strconv.FormatInt(seq.Add(1), 10) }
	for _, bl := range benchLedgers {
		b.Run(bl.name, func(b *testing.B) {
			l := bl.new(b)
			ctx := b.Context()
			b.Run("serial", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if first, err := l.Claim(ctx, key(), ttl); err != nil || !first {
						b.Fatalf("Claim = (%v, %v)", first, err)
					}
				}
			})
			b.Run("par16", func(b *testing.B) {
				b.ReportAllocs()
				parallel16(b, func(pb *testing.PB) {
					for pb.Next() {
						if first, err := l.Claim(ctx, key(), ttl); err != nil || !first {
							b.Errorf("Claim = (%v, %v)", first, err)
							return
						}
					}
				})
			})
		})
	}
}

// BenchmarkIncr counts on one budget key, as the global failback budget
// does during an outage.
func BenchmarkIncr(b *testing.B) {
	for _, bl := range benchLedgers {
		b.Run(bl.name, func(b *testing.B) {
			l := bl.new(b)
			ctx := b.Context()
			b.Run("serial", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := l.Incr(ctx, "budget:global", time.Minute); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("par16", func(b *testing.B) {
				b.ReportAllocs()
				parallel16(b, func(pb *testing.PB) {
					for pb.Next() {
						if _, err := l.Incr(ctx, "budget:global", time.Minute); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		})
	}
}
