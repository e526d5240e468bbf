package captcha_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/captchakit/captcha/internal/logtest"
	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
)

// recorder is an Observer that keeps what it is told.
type recorder struct {
	mu       sync.Mutex
	events   []captcha.Event
	breakers []captcha.BreakerEvent
}

func (o *recorder) Verification(_ context.Context, e captcha.Event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, e)
}

func (o *recorder) BreakerChange(e captcha.BreakerEvent) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.breakers = append(o.breakers, e)
}

func (o *recorder) last() captcha.Event {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.events[len(o.events)-1]
}

// TestObserver: one event per verification, with its outcome class, code and
// whether the vendor was asked; one per breaker change.
func TestObserver(t *testing.T) {
	t.Parallel()
	f := fake("obs")
	o := &recorder{}
	v, err := captcha.New(f, captcha.WithLogger(quiet), captcha.WithObserver(o))
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		ticket  string
		outcome string
		code    string
		called  bool
	}{
		{"pass:1", "pass", "ok", true},
		{"pass:1", "replayed", "", false},
		{"reject:wrong", "rejected", "wrong", true},
		{"", "missing", "", false},
		{"throttled:1", "throttled", "", true},
		{"misconfigured:1", "misconfigured", "", true},
		{"unavailable:1", "unavailable", "", true},
	}
	for _, s := range steps {
		_, _ = v.Verify(postFields("obs", s.ticket))
		e := o.last()
		if e.Provider != "obs" || e.Outcome != s.outcome || (s.code != "" && e.Code != s.code) || e.VendorCalled != s.called || e.Duration <= 0 {
			t.Errorf("ticket %q: event %+v, want outcome %s, code %q, vendor called %t, a duration", s.ticket, e, s.outcome, s.code, s.called)
		}
	}
	down(t, f)
	o.mu.Lock()
	got := o.breakers
	o.mu.Unlock()
	if len(got) == 0 || got[len(got)-1] != (captcha.BreakerEvent{Provider: "obs", From: "closed", To: "open"}) {
		t.Errorf("breaker events %+v, want the last closed → open", got)
	}
	if _, err := v.Verify(postFields("obs", "x")); err != nil {
		t.Fatalf("degraded pass: %v", err)
	}
	if e := o.last(); e.Outcome != "degraded" || e.VendorCalled || !e.Passed || !e.Degraded {
		t.Errorf("event %+v, want a degraded pass without a vendor call", e)
	}
}

// nop is an Observer that keeps nothing.
type nop struct{}

func (nop) Verification(context.Context, captcha.Event) {}
func (nop) BreakerChange(captcha.BreakerEvent)          {}

// TestObserverCostsNoAllocation: the pass path allocates as much with an
// observer as without.
func TestObserverCostsNoAllocation(t *testing.T) {
	allocs := func(opts ...captcha.Option) float64 {
		f := &providertest.Fake{}
		f.SetOutcome(func(captcha.Ticket) (captcha.Result, error) { return captcha.Result{Passed: true}, nil })
		v, err := captcha.New(f, append(opts, captcha.WithLogger(quiet))...)
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		reqs := make([]*http.Request, 200)
		for j := range reqs {
			r, _ := http.NewRequest(http.MethodPost, "/login", nil)
			r.Header.Set("X-Captcha-Ticket", "t"+strings.Repeat("x", j%7)+string(rune('a'+j%26))+string(rune('a'+j/26)))
			reqs[j] = r
		}
		return testing.AllocsPerRun(100, func() {
			if _, err := v.Verify(reqs[i]); err != nil {
				t.Fatal(err)
			}
			i++
		})
	}
	without, with := allocs(), allocs(captcha.WithObserver(nop{}))
	if with != without {
		t.Errorf("Verify allocates %.0f times with an observer, %.0f without; want the same", with, without)
	}
}

// TestDebugVerdictLine: each verdict is a Debug line with provider, outcome,
// code and duration, and never the ticket.
func TestDebugVerdictLine(t *testing.T) {
	t.Parallel()
	buf := new(logtest.Buffer)
	logger := slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	v, err := captcha.New(fake("dbg"), captcha.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = v.Verify(postFields("dbg", "reject"))
	_, _ = v.Verify(postFields("dbg", "pass:secret-ticket-value"))
	_, _ = v.Verify(postFields("dbg", "pass:other-secret"))
	out := buf.String()
	for _, want := range []string{`msg="captcha: verdict" provider=dbg outcome=rejected`, `outcome=pass code=ok`, "duration="} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "secret-ticket-value") || strings.Contains(out, "other-secret") {
		t.Errorf("log carries a ticket:\n%s", out)
	}
}

// TestUnsafeSkipVerify: requests the function selects pass unverified and
// say so; the others are verified as ever; construction warns.
func TestUnsafeSkipVerify(t *testing.T) {
	t.Parallel()
	logger, buf := logtest.Text()
	f := fake("skip")
	o := &recorder{}
	v, err := captcha.New(f, captcha.WithLogger(logger), captcha.WithObserver(o),
		captcha.UnsafeSkipVerify(func(r *http.Request) bool { return r.URL.Path == "/e2e" }))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "UnsafeSkipVerify") {
		t.Errorf("construction did not warn:\n%s", buf.String())
	}
	r := postFields("user", "alice")
	r.URL.Path = "/e2e"
	res, err := v.Verify(r)
	if err != nil || !res.Skipped || !res.Passed || res.Code != "skipped" || f.Calls() != 0 {
		t.Errorf("selected request: (%+v, %v), %d calls; want a skipped pass, no call", res, err, f.Calls())
	}
	if e := o.last(); e.Outcome != "skipped" || !e.Skipped {
		t.Errorf("event %+v, want outcome skipped", e)
	}
	if _, err := v.Verify(postFields("user", "alice")); !errors.Is(err, captcha.ErrMissingTicket) {
		t.Errorf("other request: error %v, want ErrMissingTicket", err)
	}
}

// TestDefaultExtractorOptionAllocates: a Verifier given DefaultExtractor
// explicitly (to change the body cap) pays at most the one allocation of
// the put-back body reader over the built-in extraction, not a rebuilt
// extractor per request.
func TestDefaultExtractorOptionAllocates(t *testing.T) {
	allocs := func(opts ...captcha.Option) float64 {
		f := &providertest.Fake{}
		f.SetOutcome(func(captcha.Ticket) (captcha.Result, error) { return captcha.Result{Passed: true}, nil })
		v, err := captcha.New(f, append(opts, captcha.WithLogger(quiet))...)
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		return testing.AllocsPerRun(100, func() {
			i++
			r, _ := http.NewRequest(http.MethodPost, "/login", strings.NewReader("ticket=t"+strings.Repeat("x", i%9)+string(rune('a'+i%26))+string(rune('a'+i/26%26))+string(rune('a'+i/676))))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if _, err := v.Verify(r); err != nil {
				t.Fatal(err)
			}
		})
	}
	builtin, explicit := allocs(), allocs(captcha.WithTicketExtractor(captcha.DefaultExtractor(1<<20)))
	if explicit > builtin+1 {
		t.Errorf("Verify allocates %.0f times with DefaultExtractor given, %.0f with the built-in one; want at most one more", explicit, builtin)
	}
}
