package providertest_test

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
)

// TestFakeConformance runs the conformance suite against the Fake itself, so
// the suite is known to pass a provider that keeps the contract.
func TestFakeConformance(t *testing.T) {
	var seq atomic.Int64
	providertest.Run(t, func(t *testing.T) *providertest.Harness {
		const base = "http://fake.invalid"
		var fakes []*providertest.Fake
		h := &providertest.Harness{BaseURL: base, Secrets: []string{"fake-secret"}}
		h.New = func(t *testing.T, baseURL string, wrongSecret bool) captcha.Provider {
			f := &providertest.Fake{}
			switch {
			case baseURL != base:
				f.SetFault(providertest.FaultConnRefused)
			case wrongSecret:
				f.SetFault(providertest.FaultBadCredentials)
			}
			fakes = append(fakes, f)
			return f
		}
		h.Pass = func(*testing.T) captcha.Ticket {
			return captcha.Ticket{Values: map[string]string{"ticket": "pass:" + strconv.FormatInt(seq.Add(1), 10)}}
		}
		h.Reject = func(*testing.T) captcha.Ticket {
			return captcha.Ticket{Values: map[string]string{"ticket": "reject:7"}}
		}
		h.Inject = func(f providertest.Fault) {
			for _, fk := range fakes {
				fk.SetFault(f)
			}
		}
		return h
	})
}

func TestFakeScript(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ticket     string
		wantPassed bool
		wantCode   string
		wantErr    error
	}{
		{"pass", true, "ok", nil},
		{"reject", false, "rejected", nil},
		{"reject:F008", false, "F008", nil},
		{"garbage", false, "unknown", nil},
		{"unavailable", false, "", captcha.ErrUnavailable},
		{"throttled", false, "", captcha.ErrThrottled},
		{"misconfigured", false, "", captcha.ErrMisconfigured},
	}
	for _, tt := range tests {
		t.Run(tt.ticket, func(t *testing.T) {
			t.Parallel()
			f := &providertest.Fake{}
			res, err := f.Verify(t.Context(), captcha.Ticket{Values: map[string]string{"ticket": tt.ticket}})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Verify(%q) error = %v, want %v", tt.ticket, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify(%q) error = %v", tt.ticket, err)
			}
			if res.Passed != tt.wantPassed || res.Code != tt.wantCode {
				t.Errorf("Verify(%q) = (passed %v, code %q), want (%v, %q)", tt.ticket, res.Passed, res.Code, tt.wantPassed, tt.wantCode)
			}
		})
	}
}

func TestFaultString(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, f := range providertest.Faults() {
		s := f.String()
		if s == "" || seen[s] {
			t.Errorf("Fault(%d).String() = %q: empty or duplicate", int(f), s)
		}
		seen[s] = true
	}
	if got, want := providertest.Fault(99).String(), "fault(99)"; got != want {
		t.Errorf("Fault(99).String() = %q, want %q", got, want)
	}
}

// TestGH11FakeHangReleasedWhenFaultChanges: a call held by FaultHang is
// answered as the new fault says once SetFault changes it.
func TestGH11FakeHangReleasedWhenFaultChanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		next       providertest.Fault
		wantPassed bool
		wantErr    error
	}{
		{next: providertest.FaultNone, wantPassed: true},
		{next: providertest.FaultSlow, wantPassed: true},
		{next: providertest.FaultThrottled, wantErr: captcha.ErrThrottled},
		{next: providertest.FaultHTTP503, wantErr: captcha.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.next.String(), func(t *testing.T) {
			t.Parallel()
			f := &providertest.Fake{}
			f.SetFault(providertest.FaultHang)
			type answer struct {
				res captcha.Result
				err error
			}
			done := make(chan answer, 1)
			go func() {
				res, err := f.Verify(t.Context(), captcha.Ticket{Values: map[string]string{"ticket": "pass"}})
				done <- answer{res, err}
			}()
			// Whether the call is held yet or not, it must be answered as
			// the new fault says.
			for f.Calls() == 0 {
				time.Sleep(time.Millisecond)
			}
			f.SetFault(providertest.FaultHang) // no change: still held
			f.SetFault(tt.next)
			got := <-done
			if !errors.Is(got.err, tt.wantErr) || (tt.wantErr == nil && got.err != nil) || got.res.Passed != tt.wantPassed {
				t.Errorf("released by SetFault(%v): (passed %v, %v), want (passed %v, %v)", tt.next, got.res.Passed, got.err, tt.wantPassed, tt.wantErr)
			}
		})
	}
}

// TestFakeHangEndsWithContext: a call held by FaultHang fails with
// captcha.ErrUnavailable when its context ends, and the fault stays on.
func TestFakeHangEndsWithContext(t *testing.T) {
	t.Parallel()
	f := &providertest.Fake{}
	f.SetFault(providertest.FaultHang)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := f.Verify(ctx, captcha.Ticket{Values: map[string]string{"ticket": "pass"}})
		done <- err
	}()
	for f.Calls() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, captcha.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("Verify after its context ended = %v, want ErrUnavailable wrapping context.Canceled", err)
	}
}
