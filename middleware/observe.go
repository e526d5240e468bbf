package captcha

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Event describes one verification, for an [Observer]. It never holds a
// ticket value, a secret or a client address.
type Event struct {
	// Provider is the provider the ticket was for (a chain's member), or
	// the Verifier's own when the request named none.
	Provider string
	// Outcome is the verification's class: "pass", "degraded", "failover",
	// "step-up" or "skipped" for a request let through; for one refused, the
	// class of its error: "bad-request", "too-large", "missing", "rejected",
	// "replayed", "no-server-status", "failback-denied", "step-up-required",
	// "offline-ticket",
	// "not-sent", "unavailable", "throttled", "ledger", "misconfigured".
	Outcome string
	// Code is the vendor's verdict code or the core's reason ("failback",
	// "budget", "failover-inactive", ...), as in Result.Code and
	// VerifyError.Code.
	Code string
	// Passed reports that the request was let through; Degraded, Failover,
	// StepUp and Skipped say how, as on the Result (each implies Passed).
	Passed                              bool
	Degraded, Failover, StepUp, Skipped bool
	// VendorCalled reports that the provider was asked (a replay, a missing
	// ticket or an open breaker asks nobody; a local provider such as a
	// proof of work is asked before its ticket is claimed, so its replays
	// count as asked).
	VendorCalled bool
	// Duration is the verification's wall time.
	Duration time.Duration
}

// BreakerEvent is a change of a provider's circuit breaker, as this process
// sees it: From and To are "closed", "open" or "half-open".
type BreakerEvent struct {
	Provider string
	From, To string
}

// Observer receives an event per verification and per breaker change. Its
// methods are called synchronously, so they must be fast and safe for
// concurrent use: Verification on the request's goroutine, BreakerChange on
// whichever goroutine made the breaker change (a request, Health, Render)
// while the breaker's lock is held. BreakerChange must therefore not call
// back into a Verifier on that provider (Health, Render, Verify): that
// deadlocks. Package otelcaptcha turns the events into OpenTelemetry metrics
// and spans.
type Observer interface {
	Verification(ctx context.Context, e Event)
	BreakerChange(e BreakerEvent)
}

// WithObserver sets o to receive an event per verification and every
// breaker change of the Verifier's providers. Without one the Verifier
// reports nothing and pays nothing.
func WithObserver(o Observer) Option {
	return optionFunc(func(c *config) {
		if o != nil {
			c.observer = o
		}
	})
}

// UnsafeSkipVerify lets the requests skip selects through without any
// verification: for end-to-end tests, CI and trusted internal callers that
// cannot solve a CAPTCHA. The Result of a skipped request has Passed and
// Skipped set and Code "skipped"; observers see outcome "skipped"; New logs
// a warning naming the provider. Nothing else changes: requests skip does
// not select are verified as always.
//
// WARNING: whoever can make skip return true bypasses the CAPTCHA. Select on
// something an attacker cannot set — a build flag, a listener that only
// your test network reaches, a mutual-TLS client identity — never on a
// header, a cookie or a query parameter alone. Prefer running tests against
// the vendors' published test keys, which every emulator in this module
// honours, so the real path is exercised.
func UnsafeSkipVerify(skip func(r *http.Request) bool) Option {
	return optionFunc(func(c *config) { c.skip = skip })
}

// outcomeNames names the rows of outcomes, in order; the assignment below
// fails to compile when the two lengths differ.
var _ [len(outcomes)]string = outcomeNames

var outcomeNames = [...]string{
	"bad-request", "too-large", "missing", "rejected", "replayed", "no-server-status",
	"failback-denied", "step-up-required", "offline-ticket", "not-sent", "unavailable", "throttled", "ledger", "misconfigured",
}

// outcomeOf names the class of a verification's result.
func outcomeOf(res *Result, err error) string {
	switch {
	case err == nil && res.Skipped:
		return "skipped"
	case err == nil && res.Degraded:
		return "degraded"
	case err == nil && res.StepUp:
		return "step-up"
	case err == nil && res.Failover:
		return "failover"
	case err == nil:
		return "pass"
	}
	if i := classify(err); i >= 0 {
		return outcomeNames[i]
	}
	return "misconfigured"
}

// report tells the observer and the Debug log about a verification that
// started at start.
func (v *Verifier) report(ctx context.Context, start time.Time, called bool, res *Result, err error) {
	debug := v.cfg.logger.Enabled(ctx, slog.LevelDebug)
	if v.cfg.observer == nil && !debug {
		return
	}
	e := Event{Provider: v.name, Outcome: outcomeOf(res, err), VendorCalled: called, Duration: time.Since(start)}
	if err == nil {
		e.Provider, e.Code, e.Passed = res.Provider, res.Code, true
		e.Degraded, e.Failover, e.StepUp, e.Skipped = res.Degraded, res.Failover, res.StepUp, res.Skipped
	} else if ve, ok := err.(*VerifyError); ok { //nolint:errorlint // the Verifier's own errors are *VerifyError at the top
		e.Provider, e.Code = ve.Provider, ve.Code
	}
	if v.cfg.observer != nil {
		v.cfg.observer.Verification(ctx, e)
	}
	if debug {
		logTo(v.cfg.logger, ctx, slog.LevelDebug, "captcha: verdict",
			slog.String("provider", e.Provider), slog.String("outcome", e.Outcome), slog.String("code", e.Code),
			slog.Bool("vendor_called", e.VendorCalled), slog.Duration("duration", e.Duration))
	}
}

// observers is a provider state's list of observers for its breaker.
type observers struct {
	mu   sync.Mutex
	list []Observer
}

func (o *observers) add(x Observer) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, y := range o.list {
		if y == x {
			return
		}
	}
	o.list = append(o.list, x)
}

func (o *observers) breakerChange(e BreakerEvent) {
	o.mu.Lock()
	list := o.list
	o.mu.Unlock()
	for _, x := range list {
		x.BreakerChange(e)
	}
}
