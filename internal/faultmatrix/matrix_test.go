package faultmatrix_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
	"github.com/captchakit/captcha/providers/tencent/tencenttest"
)

var matrixFaults = []providertest.Fault{
	providertest.FaultHang,
	providertest.FaultSlow,
	providertest.FaultHTTP500,
	providertest.FaultInternalError,
	providertest.FaultThrottled,
	providertest.FaultBadCredentials,
	providertest.FaultMalformedJSON,
	providertest.FaultConnRefused,
	providertest.FaultConnReset,
}

var policies = []struct {
	name   string
	policy captcha.FailbackPolicy
}{
	{"fail-closed", captcha.FailClosed()},
	{"fail-open", captcha.FailOpen()},
	{"bounded", captcha.Bounded(captcha.DefaultBudget)},
}

type outcome struct {
	status   int
	degraded bool
}

func (o outcome) String() string {
	if o.degraded {
		return fmt.Sprintf("%d degraded", o.status)
	}
	return fmt.Sprint(o.status)
}

// expect is the specification: a slow vendor still answers; throttling and
// bad credentials fail closed under every policy; everything else is an
// outage, which the policy decides. GeeTest's validate.php takes no
// credentials: a captcha ID it does not know gets "false", a rejection.
func expect(provider string, f providertest.Fault, policy string) outcome {
	switch f {
	case providertest.FaultSlow:
		return outcome{status: http.StatusOK}
	case providertest.FaultThrottled:
		return outcome{status: http.StatusServiceUnavailable}
	case providertest.FaultBadCredentials:
		if provider == "geetest3" {
			return outcome{status: http.StatusForbidden}
		}
		return outcome{status: http.StatusInternalServerError}
	}
	if policy == "fail-closed" {
		return outcome{status: http.StatusServiceUnavailable}
	}
	return outcome{status: http.StatusOK, degraded: true}
}

// TestFaultMatrix drives every provider × fault × policy cell through a real
// Verifier against the provider's emulator and prints the whole matrix.
func TestFaultMatrix(t *testing.T) {
	var mu sync.Mutex
	got := map[string]outcome{}
	t.Run("cells", func(t *testing.T) {
		for _, rg := range rigs {
			for _, f := range matrixFaults {
				for _, pol := range policies {
					name := rg.name + "/" + f.String() + "/" + pol.name
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						r := rg.new(t, f == providertest.FaultConnRefused)
						req := r.request(t)
						if f != providertest.FaultConnRefused {
							r.inject(f)
						}
						opts := []captcha.Option{captcha.WithFailbackPolicy(pol.policy)}
						if f == providertest.FaultHang {
							opts = append(opts, captcha.WithTimeout(hangDeadline))
						}
						v := verifier(t, r.provider, opts...)
						status, degraded := serve(v, req)
						o := outcome{status, degraded}
						mu.Lock()
						got[name] = o
						mu.Unlock()
						if want := expect(rg.name, f, pol.name); o != want {
							t.Errorf("got %v, want %v", o, want)
						}
					})
				}
			}
		}
	})
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-10s %-16s", "provider", "fault")
	for _, pol := range policies {
		fmt.Fprintf(&b, " %-14s", pol.name)
	}
	b.WriteString("\n")
	names := make([]string, 0, len(rigs))
	for _, rg := range rigs {
		names = append(names, rg.name)
	}
	slices.Sort(names)
	for _, n := range names {
		for _, f := range matrixFaults {
			fmt.Fprintf(&b, "%-10s %-16s", n, f)
			for _, pol := range policies {
				fmt.Fprintf(&b, " %-14v", got[n+"/"+f.String()+"/"+pol.name])
			}
			b.WriteString("\n")
		}
	}
	t.Log(b.String())
}

// TestOpenBreakerSparesTheVendor: after the breaker opens, the next 1,000
// requests complete without a single call reaching the emulator.
func TestOpenBreakerSparesTheVendor(t *testing.T) {
	for _, rg := range rigs {
		t.Run(rg.name, func(t *testing.T) {
			t.Parallel()
			r := rg.new(t, false)
			const opening, after = 5, 1000
			reqs := make([]*http.Request, opening+after)
			for i := range reqs {
				reqs[i] = r.request(t)
			}
			r.inject(providertest.FaultHTTP503)
			v := verifier(t, r.provider)
			for _, req := range reqs[:opening] {
				serve(v, req)
			}
			if h := v.Health(); h.State != "open" {
				t.Fatalf("Health() after %d outages = %+v, want open", opening, h)
			}
			before := r.calls()
			statuses := map[int]int{}
			for i, req := range reqs[opening:] {
				req.RemoteAddr = fmt.Sprintf("10.1.%d.%d:1234", i/250, i%250) // many clients
				s, _ := serve(v, req)
				statuses[s]++
			}
			if got := r.calls() - before; got != 0 {
				t.Errorf("%d calls reached the emulator while the breaker was open, want 0", got)
			}
			// The default bounded policy: a few degraded passes, then denial.
			if statuses[http.StatusOK] == 0 || statuses[http.StatusForbidden] == 0 {
				t.Errorf("statuses = %v, want some degraded passes and then 403s", statuses)
			}
			t.Logf("%d requests with the breaker open: %v, 0 vendor calls", after, statuses)
		})
	}
}

// TestTencentDisasterTickets: a disaster-recovery ticket (minted by the
// page's load-error callback, so never trusted by itself) is rejected by
// Tencent while it is healthy, and goes to the policy only while Tencent is
// down; its app ID, age and single use are checked even then.
func TestTencentDisasterTickets(t *testing.T) {
	request := func(ticket, randstr string) *http.Request {
		return formRequest(url.Values{"ticket": {ticket}, "randstr": {randstr}})
	}
	t.Run("healthy tencent rejects", func(t *testing.T) {
		r := tencentRig(t, false)
		tk := disaster(tencenttest.DemoAppID, time.Now())
		if s, _ := serve(verifier(t, r.provider), request(tk, "@abc")); s != http.StatusForbidden {
			t.Errorf("status = %d, want 403 (Tencent answers 21)", s)
		}
	})
	t.Run("tencent down", func(t *testing.T) {
		r := tencentRig(t, false)
		r.inject(providertest.FaultHTTP503)
		v := verifier(t, r.provider)
		for range 5 { // open the breaker
			serve(v, r.request(t))
		}
		if h := v.Health(); h.State != "open" {
			t.Fatalf("breaker %s, want open", h.State)
		}
		now := time.Now()
		fresh := disaster(tencenttest.DemoAppID, now)
		cases := []struct {
			name     string
			ticket   string
			want     int
			degraded bool
		}{
			{"fresh ours passes degraded", fresh, http.StatusOK, true},
			{"replayed refused", fresh, http.StatusForbidden, false},
			{"other app refused", disaster(12345, now), http.StatusForbidden, false},
			{"stale refused", disaster(tencenttest.DemoAppID, now.Add(-10*time.Minute)), http.StatusForbidden, false},
			{"future refused", disaster(tencenttest.DemoAppID, now.Add(10*time.Minute)), http.StatusForbidden, false},
			{"older terror_ prefix passes", "terror_1001_" + strconv.FormatUint(tencenttest.DemoAppID, 10) + "_" + strconv.FormatInt(now.Unix(), 10), http.StatusOK, true},
		}
		for i, c := range cases {
			req := request(c.ticket, "@k3j9x0q1")
			req.RemoteAddr = fmt.Sprintf("198.51.100.%d:1234", i+1) // a client of its own
			s, d := serve(v, req)
			if s != c.want || d != c.degraded {
				t.Errorf("%s: got (%d, degraded %v), want (%d, %v)", c.name, s, d, c.want, c.degraded)
			}
		}
	})
	t.Run("tencent down fail-closed", func(t *testing.T) {
		r := tencentRig(t, false)
		r.inject(providertest.FaultHTTP503)
		v := verifier(t, r.provider, captcha.WithFailbackPolicy(captcha.FailClosed()))
		if s, _ := serve(v, request(disaster(tencenttest.DemoAppID, time.Now()), "@abc")); s != http.StatusServiceUnavailable {
			t.Errorf("status = %d, want 503", s)
		}
	})
}

func disaster(appID uint64, at time.Time) string {
	return "trerror_1001_" + strconv.FormatUint(appID, 10) + "_" + strconv.FormatInt(at.Unix(), 10)
}
