package tencent_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/tencent/tencenttest"
)

// Shape of BenchmarkTableConns: connsCalls verifications from connsWorkers
// goroutines at once.
const (
	connsWorkers = 16
	connsCalls   = 1600
)

// BenchmarkTableConns counts the TCP connections one provider opens for
// 1,600 passing verifications made 16 at a time, against the emulator on
// loopback: with connections reused as they should be, 16. Every iteration
// is one repetition with a fresh emulator and a fresh provider (so a fresh
// connection pool); it reports the median and the largest count over the
// iterations, so run it with a fixed count, e.g. -benchtime=5x. It backs the
// "TCP connections" row of scripts/bench.sh.
func BenchmarkTableConns(b *testing.B) {
	counts := make([]float64, 0, b.N)
	for range b.N {
		b.StopTimer()
		e := tencenttest.New(tencenttest.Config{})
		var opened atomic.Int64
		srv := httptest.NewUnstartedServer(e)
		srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				opened.Add(1)
			}
		}
		srv.Start()
		p := mustNew(b, demoConfig(srv.URL))
		tickets := make([]captcha.Ticket, connsCalls)
		for i := range tickets {
			tickets[i] = ticketOf(e.Mint(0))
		}
		b.StartTimer()
		var wg sync.WaitGroup
		per := connsCalls / connsWorkers
		for w := range connsWorkers {
			wg.Go(func() {
				for _, tk := range tickets[w*per : (w+1)*per] {
					if res, err := p.Verify(context.Background(), tk); err != nil || !res.Passed {
						b.Errorf("Verify = (%+v, %v)", res, err)
						return
					}
				}
			})
		}
		wg.Wait()
		b.StopTimer()
		srv.Close()
		counts = append(counts, float64(opened.Load()))
		b.StartTimer()
	}
	slices.Sort(counts)
	b.ReportMetric(counts[len(counts)/2], "conns/1600calls")
	b.ReportMetric(counts[len(counts)-1], "max-conns/1600calls")
}
