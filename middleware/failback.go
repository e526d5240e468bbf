package captcha

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"time"
)

// FailbackPolicy decides what happens to a ticket while its provider is
// unavailable (timeouts, connection errors, 5xx, the vendor's internal errors,
// or an open circuit breaker). Throttling and bad credentials never reach
// it: they always fail closed. Build one with [FailClosed], [FailOpen] or
// [Bounded]; the zero value is not a policy (WithFailbackPolicy ignores it).
//
// Under every policy a ticket must first pass the provider's local check
// ([FailbackChecker]) where it has one, and a ticket that was let through
// once is refused as [ErrReplayed] when presented again.
type FailbackPolicy struct {
	mode   failbackMode
	budget Budget
	work   Provider // WithWork
}

type failbackMode int

const (
	modeClosed failbackMode = iota + 1
	modeOpen
	modeBounded
)

// Budget bounds the degraded passes of the [Bounded] policy. Both limits
// apply; they are counted in the Verifier's Ledger, so instances sharing a
// ledger share the budget. A zero field means its default, so Budget{} is
// the default policy's budget: 3 degraded passes per client per 10 minutes,
// and 60 per minute in all.
type Budget struct {
	// PerClient degraded passes are allowed per client (per IPv4 address or
	// IPv6 /64) in each PerClientWindow. Default: 3 per 10 minutes.
	PerClient       int
	PerClientWindow time.Duration
	// Global degraded passes are allowed across all clients in each
	// GlobalWindow. Default: 60 per minute.
	Global       int
	GlobalWindow time.Duration
}

func (b Budget) withDefaults() Budget {
	if b.PerClient == 0 {
		b.PerClient = 3
	}
	if b.PerClientWindow == 0 {
		b.PerClientWindow = 10 * time.Minute
	}
	if b.Global == 0 {
		b.Global = 60
	}
	if b.GlobalWindow == 0 {
		b.GlobalWindow = time.Minute
	}
	return b
}

// FailClosed refuses every ticket while the provider is unavailable: the
// request fails with [ErrUnavailable] (503).
func FailClosed() FailbackPolicy { return FailbackPolicy{mode: modeClosed} }

// FailOpen lets every ticket through while the provider is unavailable,
// with Result.Degraded set, as long as it passes the provider's local check
// and was not used before.
//
// WARNING: during an outage — which an attacker can sometimes provoke or
// simply wait for — FailOpen lets any well-formed ticket through without a
// solved challenge, as fast as the attacker can send them. Only single use
// and the provider's shape checks remain. Prefer [Bounded], and if you use
// FailOpen, act on Result.Degraded in the handler.
func FailOpen() FailbackPolicy { return FailbackPolicy{mode: modeOpen} }

// Bounded lets a ticket through with Result.Degraded set while b holds, and
// refuses it with [ErrFailbackDenied] (403) after that; Bounded(Budget{}) is
// the default policy. A negative limit, or a window under a second, is a
// configuration error reported by New.
func Bounded(b Budget) FailbackPolicy {
	return FailbackPolicy{mode: modeBounded, budget: b.withDefaults()}
}

// String names the policy: "fail-closed", "fail-open" or
// "bounded(3/10m0s per client, 60/1m0s global)".
func (p FailbackPolicy) String() string {
	switch p.mode {
	case modeClosed:
		return "fail-closed"
	case modeOpen:
		return "fail-open"
	case modeBounded:
		b := p.budget
		return fmt.Sprintf("bounded(%d/%v per client, %d/%v global)", b.PerClient, b.PerClientWindow, b.Global, b.GlobalWindow)
	}
	return "invalid"
}

func (p FailbackPolicy) validate() error {
	if p.mode != modeBounded {
		return nil
	}
	b := p.budget
	if b.PerClient <= 0 || b.Global <= 0 || b.PerClientWindow < time.Second || b.GlobalWindow < time.Second {
		return fmt.Errorf("captcha: failback budget %+v: limits must be positive and windows at least 1s", b)
	}
	return nil
}

// failback applies the policy to t while the provider's breaker is open
// (cause). The ticket was claimed already, so a replay never gets here.
func (v *Verifier) failback(vr *verification, t Ticket, cause error) (*Result, error) {
	pol := v.cfg.policy
	if pol.mode == modeClosed {
		return nil, cause
	}
	if vr.laterUp {
		// A provider later in the chain is available: the page should
		// switch to it rather than pass this ticket unverified.
		return nil, v.fail("failover", ErrUnavailable)
	}
	if fc, ok := v.p.(FailbackChecker); ok {
		if err := fc.CheckFailback(&vr.call, t); err != nil {
			return nil, v.fail(codeOf(err), classOr(err, ErrRejected))
		}
	}
	if v.work != nil {
		if err := v.checkWork(vr, t); err != nil {
			return nil, err
		}
	}
	if pol.mode == modeBounded {
		if err := v.spendBudget(vr, t, "", "", pol.budget); err != nil {
			return nil, err
		}
	}
	v.log(&vr.call, slog.LevelWarn, "captcha: degraded pass",
		slog.String("provider", v.name), slog.String("policy", pol.String()),
		slog.String("client", clientTag(t.ClientIP)), slog.String("cause", codeOf(cause)))
	return v.pass(vr, Result{Code: "failback"}, true), nil
}

// checkWork verifies the proof of work a degraded pass needs (see
// FailbackPolicy.WithWork) and uses it up. Without one, or with one that
// fails, the pass is denied.
func (v *Verifier) checkWork(vr *verification, t Ticket) error {
	w := v.work
	if !complete(vr.work, w.fields) {
		return v.denied(&vr.call, t, "work", "no proof of work")
	}
	wt := Ticket{Values: vr.work, ClientIP: t.ClientIP, Request: t.Request}
	res, err := w.call(vr, t.Request, wt)
	if err != nil || !res.Passed {
		return v.denied(&vr.call, t, "work", "proof of work failed")
	}
	return w.claim(vr, t.Request, wt)
}

// spendBudget counts one pass against b, the per-client limit and then the
// global one, under the Verifier's budget keys with kind ("" for the
// failback budget, "stepup:" for the step-up's); what names the budget in
// the log line of a denial.
func (v *Verifier) spendBudget(vr *verification, t Ticket, kind, what string, b Budget) error {
	client := hashedKey(v.budgetPf+kind+"client:", sha256.Sum256([]byte(budgetKey(t.ClientIP))))
	if err := v.spend(vr, t, client, b.PerClient, b.PerClientWindow, what+"client budget spent"); err != nil {
		return err
	}
	return v.spend(vr, t, v.budgetPf+kind+"global", b.Global, b.GlobalWindow, what+"global budget spent")
}

// spend counts one degraded pass against the budget at key, of limit per
// window.
func (v *Verifier) spend(vr *verification, t Ticket, key string, limit int, window time.Duration, why string) error {
	ctx, cancel := v.ledgerContext(vr)
	n, err := v.ledger.Incr(ctx, key, window)
	cancel()
	if err != nil {
		return v.ledgerError(&vr.call, "budget", err)
	}
	if n > int64(limit) {
		return v.denied(&vr.call, t, "budget", why)
	}
	return nil
}

func (v *Verifier) denied(ctx context.Context, t Ticket, code, why string) error {
	v.log(ctx, slog.LevelWarn, "captcha: failback denied",
		slog.String("provider", v.name), slog.String("client", clientTag(t.ClientIP)), slog.String("reason", why))
	return v.fail(code, ErrFailbackDenied)
}
