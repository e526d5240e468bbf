package faultmatrix_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
)

// BenchmarkHangingProvider measures the latency of a protected route while
// Tencent hangs, with the circuit breaker and with plain per-call timeouts
// (breaker disabled), under a 200ms verification deadline. It reports the
// median and 99th percentile of the requests it sent; run it with a fixed
// count, e.g. -benchtime=200x:
//
//	go test -run '^$' -bench HangingProvider -benchtime=200x ./internal/faultmatrix
func BenchmarkHangingProvider(b *testing.B) {
	for _, mode := range []struct {
		name    string
		breaker captcha.BreakerSettings
	}{
		{"timeouts-only", captcha.BreakerSettings{Disabled: true}},
		{"breaker", captcha.BreakerSettings{}},
	} {
		b.Run(mode.name, func(b *testing.B) {
			r := tencentRig(b, false)
			reqs := make([]*http.Request, b.N)
			for i := range reqs {
				reqs[i] = r.request(b)
				reqs[i].RemoteAddr = fmt.Sprintf("10.2.%d.%d:1234", i/250%250, i%250)
			}
			r.inject(providertest.FaultHang)
			v, err := captcha.New(r.provider, captcha.WithLogger(quiet), captcha.WithTimeout(200*time.Millisecond),
				captcha.WithBreaker(mode.breaker), captcha.WithFailbackPolicy(captcha.FailClosed()))
			if err != nil {
				b.Fatal(err)
			}
			lat := make([]time.Duration, b.N)
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				serve(v, reqs[i])
				lat[i] = time.Since(start)
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}
