package faultmatrix_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
	"github.com/captchakit/captcha/providers/tencent"
	"github.com/captchakit/captcha/providers/tencent/tencenttest"
)

// Shape of BenchmarkTableHang: hangWorkers protected clients and as many
// bare ones, hangRounds requests each.
const (
	hangWorkers = 50
	hangRounds  = 4
)

// BenchmarkTableHang measures the latency of a protected request while
// Tencent hangs, before the breaker opens (it is set never to open), under
// the default verification deadline (captcha.DefaultTimeout), beside a bare
// net/http call to the same hanging emulator under the same deadline. Both
// kinds run at once, each from hangWorkers clients sending hangRounds
// requests one after another; the clients start evenly spread over one
// deadline, so that requests time out one at a time rather than in a burst.
// Each iteration takes about (hangRounds+1) deadlines and reports the median
// and 99th percentile of both kinds over all iterations, and the deadline,
// in microseconds. Run it with a fixed count, -benchtime=1x. It backs the
// "p99 while the vendor hangs" row of scripts/bench.sh.
func BenchmarkTableHang(b *testing.B) {
	const deadline = captcha.DefaultTimeout
	var protected, bare []time.Duration
	for range b.N {
		srv := tencenttest.NewServer(b, tencenttest.Config{})
		p, err := tencent.New(tencent.Config{
			SecretID: tencenttest.DemoSecretID, SecretKey: tencenttest.DemoSecretKey,
			AppID: tencenttest.DemoAppID, AppSecretKey: tencenttest.DemoAppSecretKey,
			Endpoint: srv.URL, Timeout: providerTimeout,
		})
		if err != nil {
			b.Fatal(err)
		}
		v, err := captcha.New(p, captcha.WithLogger(quiet), captcha.WithTimeout(deadline),
			captcha.WithBreaker(captcha.BreakerSettings{ConsecutiveFailures: math.MaxUint32, MinRequests: math.MaxUint32}))
		if err != nil {
			b.Fatal(err)
		}
		reqs := make([]*http.Request, hangWorkers*hangRounds)
		for i := range reqs {
			tk := srv.Mint(tencenttest.DemoAppID)
			reqs[i] = formRequest(url.Values{"ticket": {tk.Ticket}, "randstr": {tk.Randstr}})
			reqs[i].RemoteAddr = fmt.Sprintf("10.3.%d.%d:1234", i/250%250, i%250)
		}
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * hangWorkers}}
		srv.Inject(providertest.FaultHang)

		latP := make([]time.Duration, len(reqs))
		latB := make([]time.Duration, len(reqs))
		step := deadline / (2 * hangWorkers)
		start := time.Now()
		var wg sync.WaitGroup
		for w := range hangWorkers {
			wg.Go(func() {
				time.Sleep(time.Until(start.Add(time.Duration(2*w) * step)))
				for i := w * hangRounds; i < (w+1)*hangRounds; i++ {
					t0 := time.Now()
					serve(v, reqs[i])
					latP[i] = time.Since(t0)
				}
			})
			wg.Go(func() {
				time.Sleep(time.Until(start.Add(time.Duration(2*w+1) * step)))
				for i := w * hangRounds; i < (w+1)*hangRounds; i++ {
					t0 := time.Now()
					bareCall(client, srv.URL, deadline)
					latB[i] = time.Since(t0)
				}
			})
		}
		wg.Wait()
		client.CloseIdleConnections()
		srv.Inject(providertest.FaultNone)
		protected = append(protected, latP...)
		bare = append(bare, latB...)
	}
	us := func(d time.Duration) float64 { return float64(d.Microseconds()) }
	for _, m := range []struct {
		name string
		lat  []time.Duration
	}{{"", protected}, {"bare-", bare}} {
		slices.Sort(m.lat)
		b.ReportMetric(us(m.lat[len(m.lat)/2]), m.name+"p50-µs")
		b.ReportMetric(us(m.lat[len(m.lat)*99/100]), m.name+"p99-µs")
	}
	b.ReportMetric(us(deadline), "deadline-µs")
}

// bareCall is a plain net/http POST to the emulator's API under deadline;
// its outcome does not matter, only when it returns.
func bareCall(c *http.Client, base string, deadline time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/", strings.NewReader(`{"CaptchaType":9}`))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}
