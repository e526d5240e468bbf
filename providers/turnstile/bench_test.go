package turnstile_test

import (
	"context"
	"sync/atomic"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/turnstile/turnstiletest"
)

// mintN mints n tokens before the timer starts, so the benchmark measures
// verification only (the emulator's own work is included: it runs in this
// process).
func mintN(srv *turnstiletest.Server, n int) []captcha.Ticket {
	ts := make([]captcha.Ticket, n)
	for i := range ts {
		ts[i] = ticketOf(srv.Mint(""))
	}
	return ts
}

// BenchmarkVerify is one pass verification against the emulator on loopback.
func BenchmarkVerify(b *testing.B) {
	srv := turnstiletest.NewServer(b, turnstiletest.Config{})
	p := mustNew(b, demoConfig(srv.URL))
	ctx := context.Background()

	b.Run("serial", func(b *testing.B) {
		tickets := mintN(srv, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if res, err := p.Verify(ctx, tickets[i]); err != nil || !res.Passed {
				b.Fatalf("Verify = %+v, %v", res, err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		tickets := mintN(srv, b.N)
		var next atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				tk := tickets[next.Add(1)-1]
				if res, err := p.Verify(ctx, tk); err != nil || !res.Passed {
					b.Errorf("Verify = %+v, %v", res, err)
					return
				}
			}
		})
	})
}
