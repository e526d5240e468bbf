package faultmatrix_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
	"github.com/captchakit/captcha/providers/tencent"
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
	{"bounded", captcha.Bounded(captcha.Budget{})},
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

// tripAfter is how many failing requests the cells send between the lone
// failure and the sustained one: enough to open a default breaker (5
// consecutive unavailable answers, the lone one included).
const tripAfter = 5

// maxTrips bounds the failing requests a cell sends while it waits for the
// breaker to open: a hang-cell request that never reached the wire before
// its deadline (a starved host) is not evidence against the vendor, so it
// takes more than tripAfter of them there.
const maxTrips = 4 * tripAfter

// expect is the specification, for the first request after the fault
// appears (lone: the breaker is closed) and for one after the fault has
// lasted (sustained: at least tripAfter more failures, and for an outage
// until the breaker opened). A slow vendor still answers;
// throttling and bad credentials fail closed under every policy, however
// long they last; an unavailable vendor is a 503 until the breaker opens,
// and only then does the policy decide. GeeTest's validate.php takes no
// credentials: a captcha ID it does not know gets "false", a rejection.
func expect(provider string, f providertest.Fault, policy string, sustained bool) outcome {
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
	if !sustained || policy == "fail-closed" {
		return outcome{status: http.StatusServiceUnavailable}
	}
	return outcome{status: http.StatusOK, degraded: true}
}

// TestFaultMatrix drives every provider × fault × policy cell through a real
// Verifier against the provider's emulator, twice per cell: a lone failure
// with the breaker closed, and the same fault sustained, and prints the
// whole matrix as "lone / sustained".
func TestFaultMatrix(t *testing.T) {
	var mu sync.Mutex
	got := map[string][2]outcome{}
	t.Run("cells", func(t *testing.T) {
		for _, rg := range rigs {
			for _, f := range matrixFaults {
				for _, pol := range policies {
					name := rg.name + "/" + f.String() + "/" + pol.name
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						r := rg.new(t, f == providertest.FaultConnRefused)
						// Enough requests to open the breaker even if some
						// never reach the wire on a loaded machine (those do
						// not count against the vendor).
						reqs := make([]*http.Request, maxTrips+2)
						for i := range reqs {
							reqs[i] = r.request(t)
						}
						if f != providertest.FaultConnRefused {
							r.inject(f)
						}
						opts := []captcha.Option{captcha.WithFailbackPolicy(pol.policy)}
						if f == providertest.FaultHang {
							opts = append(opts, captcha.WithTimeout(hangDeadline))
						}
						v := verifier(t, r.provider, opts...)
						lone := serveOutcome(v, reqs[0])
						i := 1
						for ; i <= maxTrips && (i <= tripAfter || v.Health().State != "open"); i++ {
							serve(v, reqs[i])
						}
						sustained := serveOutcome(v, reqs[i])
						mu.Lock()
						got[name] = [2]outcome{lone, sustained}
						mu.Unlock()
						if want := expect(rg.name, f, pol.name, false); lone != want {
							t.Errorf("lone failure: got %v, want %v", lone, want)
						}
						if want := expect(rg.name, f, pol.name, true); sustained != want {
							t.Errorf("sustained (breaker %s): got %v, want %v", v.Health().State, sustained, want)
						}
					})
				}
			}
		}
	})
	var b strings.Builder
	fmt.Fprintf(&b, "\nlone failure (breaker closed) / sustained (breaker open)\n%-10s %-16s", "provider", "fault")
	for _, pol := range policies {
		fmt.Fprintf(&b, " %-22s", pol.name)
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
				o := got[n+"/"+f.String()+"/"+pol.name]
				fmt.Fprintf(&b, " %-22s", o[0].String()+" / "+o[1].String())
			}
			b.WriteString("\n")
		}
	}
	t.Log(b.String())
}

func serveOutcome(v *captcha.Verifier, r *http.Request) outcome {
	s, d := serve(v, r)
	return outcome{s, d}
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
		for range 5 { // open the breaker
			serve(v, r.request(t))
		}
		if s, _ := serve(v, request(disaster(tencenttest.DemoAppID, time.Now()), "@abc")); s != http.StatusServiceUnavailable {
			t.Errorf("status = %d, want 503", s)
		}
	})
}

func disaster(appID uint64, at time.Time) string {
	return "trerror_1001_" + strconv.FormatUint(appID, 10) + "_" + strconv.FormatInt(at.Unix(), 10)
}

// TestGeetest3RegisterFaults: register.php's faults under each policy. A
// throttled or refused register hands out no challenge (so no made-up answer
// can reach any policy); an unavailable one falls back, and its offline
// tickets reach the policy only once the shared breaker is open. Register
// goes through that breaker: once open, page loads fall back without calling
// register.php.
func TestGeetest3RegisterFaults(t *testing.T) {
	tests := []struct {
		fault providertest.Fault
		// wantRegister is the register endpoint's status.
		wantRegister int
	}{
		{providertest.FaultThrottled, http.StatusServiceUnavailable},
		{providertest.FaultBadCredentials, http.StatusInternalServerError},
		{providertest.FaultHTTP500, http.StatusOK},
		{providertest.FaultConnReset, http.StatusOK},
	}
	for _, tt := range tests {
		for _, pol := range policies {
			t.Run(tt.fault.String()+"/"+pol.name, func(t *testing.T) {
				t.Parallel()
				g := newGeetest3Register(t)
				v := verifier(t, g.provider, captcha.WithFailbackPolicy(pol.policy))
				g.srv.Inject(tt.fault)
				for i := range tripAfter + 1 {
					reg := g.register(t)
					if reg.status != tt.wantRegister {
						t.Fatalf("register %d = %d %q, want %d", i, reg.status, reg.body, tt.wantRegister)
					}
					if reg.status == http.StatusOK {
						if reg.success != 0 {
							t.Fatalf("register %d under %v = online, want an offline challenge", i, tt.fault)
						}
					} else if strings.Contains(reg.body, "challenge") || len(reg.cookies) != 0 {
						t.Fatalf("register %d failed closed but handed out %q with %d cookies", i, reg.body, len(reg.cookies))
					}
				}
				if tt.wantRegister != http.StatusOK {
					if h := v.Health(); h.State == "open" {
						t.Errorf("Health = %+v after throttling/refusal, want the breaker closed", h)
					}
					return
				}
				if h := v.Health(); h.State != "open" {
					t.Fatalf("Health after %d failed registers = %+v, want open", tripAfter+1, h)
				}
				calls := g.srv.Calls()
				reg := g.register(t)
				if g.srv.Calls() != calls || reg.success != 0 {
					t.Errorf("register with the breaker open: %d calls to register.php, success %d; want 0 calls and an offline challenge",
						g.srv.Calls()-calls, reg.success)
				}
				// A made-up answer to an offline challenge, now the breaker is open.
				reads := g.store.reads.Load()
				s, degraded := serve(v, reg.login("made-up", "made-up|jordan"))
				want := expect("geetest3", tt.fault, pol.name, true)
				if got := (outcome{s, degraded}); got != want {
					t.Errorf("offline ticket with the breaker open: got %v, want %v", got, want)
				}
				if n := g.store.reads.Load() - reads; pol.name != "fail-closed" && n != 1 {
					t.Errorf("the status cookie was decoded %d times for one request, want once", n)
				}
			})
		}
	}
}

// TestGeetest3OfflineTicketBeforeBreakerOpens: register fell back once (a
// blip), but by validate the breaker is still closed: the offline ticket is a
// 503 under every policy, never a degraded pass.
func TestGeetest3OfflineTicketBeforeBreakerOpens(t *testing.T) {
	for _, pol := range policies {
		t.Run(pol.name, func(t *testing.T) {
			t.Parallel()
			g := newGeetest3Register(t)
			v := verifier(t, g.provider, captcha.WithFailbackPolicy(pol.policy))
			g.srv.Inject(providertest.FaultHTTP500)
			reg := g.register(t)
			g.srv.Inject(providertest.FaultNone)
			if reg.status != http.StatusOK || reg.success != 0 {
				t.Fatalf("register = %d success %d, want an offline challenge", reg.status, reg.success)
			}
			if s, d := serve(v, reg.login("made-up", "made-up|jordan")); s != http.StatusServiceUnavailable || d {
				t.Errorf("offline ticket with the breaker closed: got (%d, degraded %v), want 503", s, d)
			}
		})
	}
}

// blockBeforeWrite is a transport that never writes a request: it waits for
// the request's deadline, as a call queued on a starved host does.
type blockBeforeWrite struct{ calls atomic.Int64 }

func (b *blockBeforeWrite) RoundTrip(r *http.Request) (*http.Response, error) {
	b.calls.Add(1)
	<-r.Context().Done()
	return nil, r.Context().Err()
}

// TestNotSentNeverOpensFailback: requests that never reach the wire before
// their deadline (a host starved of CPU, a full connection pool) are not
// evidence against the vendor. Each is a 503, and however many there are,
// the breaker stays closed, so no never-minted or forged ticket passes.
func TestNotSentNeverOpensFailback(t *testing.T) {
	for _, pol := range policies {
		t.Run(pol.name, func(t *testing.T) {
			t.Parallel()
			rt := &blockBeforeWrite{}
			p, err := tencent.New(tencent.Config{
				SecretID: tencenttest.DemoSecretID, SecretKey: tencenttest.DemoSecretKey,
				AppID: tencenttest.DemoAppID, AppSecretKey: tencenttest.DemoAppSecretKey,
				Endpoint: "http://127.0.0.1:9", HTTPClient: &http.Client{Transport: rt},
			})
			if err != nil {
				t.Fatal(err)
			}
			v := verifier(t, p, captcha.WithFailbackPolicy(pol.policy), captcha.WithTimeout(20*time.Millisecond))
			const n = 3 * tripAfter
			for i := range n {
				req := formRequest(url.Values{"ticket": {fmt.Sprintf("never-minted-%d", i)}, "randstr": {"@abc"}})
				if s, d := serve(v, req); s != http.StatusServiceUnavailable || d {
					t.Fatalf("request %d: got (%d, degraded %v), want 503", i, s, d)
				}
			}
			if h := v.Health(); h.State == "open" || h.Failures != 0 {
				t.Errorf("Health after %d unsent requests = %+v, want the breaker closed with no failures", n, h)
			}
			if rt.calls.Load() != n {
				t.Errorf("transport saw %d calls, want %d", rt.calls.Load(), n)
			}
		})
	}
}

// TestPermanentTransportErrorsFailClosed: a provider pointed at an endpoint
// whose certificate does not verify fails every request closed and loud
// (500), under FailOpen too, for as long as it lasts; Health says the vendor
// has never answered instead of "closed".
func TestPermanentTransportErrorsFailClosed(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	p, err := tencent.New(tencent.Config{
		SecretID: tencenttest.DemoSecretID, SecretKey: tencenttest.DemoSecretKey,
		AppID: tencenttest.DemoAppID, AppSecretKey: tencenttest.DemoAppSecretKey,
		Endpoint: srv.URL, // the test server's certificate is not trusted by the provider's client
	})
	if err != nil {
		t.Fatal(err)
	}
	v := verifier(t, p, captcha.WithFailbackPolicy(captcha.FailOpen()))
	for i := range 3 * tripAfter {
		req := formRequest(url.Values{"ticket": {fmt.Sprintf("t-%d", i)}, "randstr": {"@abc"}})
		if s, d := serve(v, req); s != http.StatusInternalServerError || d {
			t.Fatalf("request %d: got (%d, degraded %v), want 500", i, s, d)
		}
	}
	if h := v.Health(); h.State != "unverified" || h.Answered {
		t.Errorf("Health = %+v, want unverified: the vendor never answered", h)
	}
}
