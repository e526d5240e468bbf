package captcha_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
)

// localFake is a Fake that verifies locally, as a proof of work does.
type localFake struct{ *providertest.Fake }

func (localFake) VerifiesLocally() bool { return true }

func fake(name string) *providertest.Fake {
	return &providertest.Fake{ProviderName: name, FieldNames: []string{name}}
}

// post builds a form POST from the given fields.
func postFields(kv ...string) *http.Request {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(kv[i] + "=" + kv[i+1])
	}
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(b.String()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// down opens f's breaker: it answers as unavailable until up is called.
func down(t *testing.T, f *providertest.Fake) {
	t.Helper()
	f.SetFault(providertest.FaultHTTP503)
	v, err := captcha.New(f, captcha.WithLogger(quiet), captcha.WithFailbackPolicy(captcha.FailClosed()))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; v.Health().State != "open"; i++ {
		if i == 100 {
			t.Fatalf("%s: breaker still %q", f.Name(), v.Health().State)
		}
		r := postFields(f.Fields()[0], fmt.Sprintf("trip-%d", i))
		r.RemoteAddr = "203.0.113.250:1"
		_, _ = v.Verify(r)
	}
}

func TestFailoverNewChecks(t *testing.T) {
	t.Parallel()
	a, b := fake("a"), fake("b")
	w2 := localFake{fake("w2")}
	tests := []struct {
		name string
		opts []captcha.Option
		want string
	}{
		{"shared field", []captcha.Option{captcha.WithFailover(&providertest.Fake{ProviderName: "x", FieldNames: []string{"a"}})}, "share the ticket field"},
		{"twice", []captcha.Option{captcha.WithFailover(b, b)}, "twice"},
		{"nil", []captcha.Option{captcha.WithFailover(nil)}, "nil"},
		{"work not local", []captcha.Option{captcha.WithFailbackPolicy(captcha.Bounded(captcha.Budget{}).WithWork(fake("w")))}, "locally"},
		{"step-up is primary", []captcha.Option{captcha.WithStepUp(a, captcha.Budget{})}, "primary"},
		{"work in the chain", []captcha.Option{captcha.WithFailover(w2),
			captcha.WithFailbackPolicy(captcha.Bounded(captcha.Budget{}).WithWork(w2))}, "chain already"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := captcha.New(a, append(tc.opts, captcha.WithLogger(quiet))...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New = %v, want an error about %q", err, tc.want)
			}
		})
	}
}

// TestFailoverChain walks a chain a → b → c through outages: a ticket for a
// later provider passes only while every provider before it is down, the
// failback of a provider that is down is not used while a later one is
// available, and the page is told what to render.
func TestFailoverChain(t *testing.T) {
	t.Parallel()
	a, b := fake("a"), fake("b")
	c := localFake{fake("c")}
	v, err := captcha.New(a, captcha.WithLogger(quiet), captcha.WithFailover(b, c))
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		err      error
		code     string
		provider string
		failover bool
	}
	check := func(t *testing.T, r *http.Request, w want) {
		t.Helper()
		res, err := v.Verify(r)
		var ve *captcha.VerifyError
		switch {
		case w.err != nil:
			if !errors.Is(err, w.err) || (w.code != "" && (!errors.As(err, &ve) || ve.Code != w.code)) {
				t.Errorf("Verify = (%+v, %v), want %v with code %q", res, err, w.err, w.code)
			}
		case err != nil:
			t.Errorf("Verify error = %v, want a pass by %s", err, w.provider)
		case res.Provider != w.provider || res.Failover != w.failover || res.Degraded:
			t.Errorf("Verify = provider %s failover %t degraded %t, want %s failover %t, not degraded", res.Provider, res.Failover, res.Degraded, w.provider, w.failover)
		}
	}
	render := func(t *testing.T, provider string, failover bool) {
		t.Helper()
		rec := httptest.NewRecorder()
		v.RenderHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/captcha/render", nil))
		var got captcha.Render
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != http.StatusOK {
			t.Fatalf("render: %d %q: %v", rec.Code, rec.Body.String(), err)
		}
		if got.Provider != provider || got.Failover != failover || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("render = %+v (Cache-Control %q), want provider %s failover %t, no-store", got, rec.Header().Get("Cache-Control"), provider, failover)
		}
	}

	// All healthy: only a's tickets; b's and c's are refused without a call.
	check(t, postFields("a", "pass:1"), want{provider: "a"})
	check(t, postFields("b", "pass:1"), want{err: captcha.ErrRejected, code: "failover-inactive"})
	check(t, postFields("c", "pass:1"), want{err: captcha.ErrRejected, code: "failover-inactive"})
	check(t, postFields("a", "pass:2", "b", "pass:2"), want{err: captcha.ErrBadRequest})
	check(t, postFields("user", "alice"), want{err: captcha.ErrMissingTicket})
	if b.Calls() != 0 || c.Calls() != 0 {
		t.Errorf("later providers called %d and %d times while a was healthy, want 0", b.Calls(), c.Calls())
	}
	render(t, "a", false)

	// a down: b's tickets pass as failover; a's are not passed degraded.
	down(t, a)
	check(t, postFields("b", "pass:3"), want{provider: "b", failover: true})
	check(t, postFields("b", "pass:3"), want{err: captcha.ErrReplayed})
	check(t, postFields("a", "invented"), want{err: captcha.ErrUnavailable, code: "failover"})
	check(t, postFields("c", "pass:3"), want{err: captcha.ErrRejected, code: "failover-inactive"})
	render(t, "b", true)

	// a and b down: c's pass.
	down(t, b)
	check(t, postFields("c", "pass:4"), want{provider: "c", failover: true})
	check(t, postFields("b", "invented"), want{err: captcha.ErrUnavailable, code: "failover"})
	render(t, "c", true)
}

// TestStepUp: a proof of work is accepted while the primary is healthy, for
// clients whose vendor script cannot load, within its budget and never
// without the work.
func TestStepUp(t *testing.T) {
	t.Parallel()
	a, pow := fake("a"), localFake{fake("pow")}
	v, err := captcha.New(a, captcha.WithLogger(quiet), captcha.WithStepUp(pow, captcha.Budget{PerClient: 2}))
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		ticket string
		err    error
	}{
		{"pass", nil}, // "pass" passes every time: single use is the core's
		{"reject", captcha.ErrRejected},
		{"pass", captcha.ErrReplayed},
		{"pass:2", nil},
		{"pass:3", captcha.ErrFailbackDenied}, // the client's budget is 2
	} {
		res, err := v.Verify(postFields("pow", tc.ticket))
		switch {
		case tc.err != nil && !errors.Is(err, tc.err):
			t.Errorf("%d: Verify(%s) error = %v, want %v", i, tc.ticket, err, tc.err)
		case tc.err == nil && (err != nil || !res.StepUp || res.Provider != "pow"):
			t.Errorf("%d: Verify(%s) = (%+v, %v), want a step-up pass by pow", i, tc.ticket, res, err)
		}
	}
	_, err = v.Verify(postFields("pow", "pass:4"))
	if ve := (*captcha.VerifyError)(nil); !errors.As(err, &ve) || ve.Provider != "pow" || ve.Code != "budget" {
		t.Errorf("over the step-up budget: error %v, want one naming pow with code budget", err)
	}
	got := v.Render()
	if got.Provider != "a" || got.StepUp == nil || got.StepUp.Provider != "pow" {
		t.Errorf("Render = %+v, want a with step-up pow", got)
	}
}

// TestFailbackWithWork: with WithWork, a degraded pass needs a solved proof
// of work besides the (unverifiable) ticket, and each proof is used once.
func TestFailbackWithWork(t *testing.T) {
	t.Parallel()
	a, pow := fake("a"), localFake{fake("pow")}
	v, err := captcha.New(a, captcha.WithLogger(quiet),
		captcha.WithFailbackPolicy(captcha.Bounded(captcha.Budget{PerClient: 10}).WithWork(pow)))
	if err != nil {
		t.Fatal(err)
	}
	down(t, a)
	for i, tc := range []struct {
		fields []string
		err    error
	}{
		{[]string{"a", "x1"}, captcha.ErrFailbackDenied},
		{[]string{"a", "x2", "pow", "reject"}, captcha.ErrFailbackDenied},
		{[]string{"a", "x3", "pow", "pass"}, nil},
		{[]string{"a", "x4", "pow", "pass"}, captcha.ErrReplayed},
		{[]string{"pow", "pass:2"}, captcha.ErrMissingTicket},
	} {
		res, err := v.Verify(postFields(tc.fields...))
		switch {
		case tc.err != nil && !errors.Is(err, tc.err):
			t.Errorf("%d: Verify(%v) error = %v, want %v", i, tc.fields, err, tc.err)
		case tc.err == nil && (err != nil || !res.Degraded):
			t.Errorf("%d: Verify(%v) = (%+v, %v), want a degraded pass", i, tc.fields, res, err)
		}
	}
}
