package providertest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
)

// Fake is a scriptable captcha.Provider. Its zero value is ready to use: it is
// named "fake", reads the single field "ticket", and judges a ticket by its
// value:
//
//	"pass"                     passes (Code "ok"), any number of times
//	"pass:<id>"                passes once, like a vendor ticket; then it is
//	                           rejected with Code "used"
//	"reject" or "reject:<c>"   is rejected with Code c (default "rejected")
//	"unavailable[:<id>]"       fails with captcha.ErrUnavailable
//	"throttled[:<id>]"         fails with captcha.ErrThrottled
//	"misconfigured[:<id>]"     fails with captcha.ErrMisconfigured
//	"hang"                     blocks until the context is done
//	anything else              is rejected with Code "unknown"
//
// [Fake.SetOutcome] replaces that script, and [Fake.SetFault] makes every call
// fail as an emulator with that fault would. Fake is safe for concurrent use.
// A call held by FaultHang ends when its context is done, or when SetFault
// changes the fault; it is then answered as the new fault (or none) says.
type Fake struct {
	// ProviderName is returned by Name. Default: "fake".
	ProviderName string
	// FieldNames is returned by Fields. Default: ["ticket"].
	FieldNames []string

	latency atomic.Int64 // time.Duration
	calls   atomic.Int64
	mu      sync.RWMutex
	outcome func(captcha.Ticket) (captcha.Result, error)
	fault   Fault
	changed chan struct{} // if not nil, closed when SetFault changes fault
	used    sync.Map      // "pass:<id>" tickets already verified
}

var _ captcha.Provider = (*Fake)(nil)

// Name returns f.ProviderName, or "fake".
func (f *Fake) Name() string {
	if f.ProviderName == "" {
		return "fake"
	}
	return f.ProviderName
}

// Fields returns f.FieldNames, or ["ticket"].
func (f *Fake) Fields() []string {
	if len(f.FieldNames) == 0 {
		return defaultFields
	}
	return f.FieldNames
}

var defaultFields = []string{"ticket"}

// SetLatency adds d before every answer (the wait ends early if the context
// is done).
func (f *Fake) SetLatency(d time.Duration) { f.latency.Store(int64(d)) }

// SetOutcome replaces the value-based script with fn; nil restores it.
func (f *Fake) SetOutcome(fn func(captcha.Ticket) (captcha.Result, error)) {
	f.mu.Lock()
	f.outcome = fn
	f.mu.Unlock()
}

// SetFault makes every call fail as a vendor with that fault would;
// FaultNone restores normal answers. FaultSlow adds 50ms of latency. Calls
// held by FaultHang are released when the fault changes.
func (f *Fake) SetFault(fault Fault) {
	f.mu.Lock()
	if fault != f.fault && f.changed != nil {
		close(f.changed)
		f.changed = nil
	}
	f.fault = fault
	f.mu.Unlock()
}

// hangChanged returns a channel closed when the fault next changes, or nil
// when the fault is no longer FaultHang.
func (f *Fake) hangChanged() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fault != FaultHang {
		return nil
	}
	if f.changed == nil {
		f.changed = make(chan struct{})
	}
	return f.changed
}

// Calls reports how many times Verify was called.
func (f *Fake) Calls() int64 { return f.calls.Load() }

// Verify judges t by the script (see [Fake]).
func (f *Fake) Verify(ctx context.Context, t captcha.Ticket) (captcha.Result, error) {
	f.calls.Add(1)
	f.mu.RLock()
	outcome, fault := f.outcome, f.fault
	f.mu.RUnlock()
	for fault == FaultHang {
		if changed := f.hangChanged(); changed != nil {
			select {
			case <-ctx.Done():
				return captcha.Result{}, f.fail(captcha.ErrUnavailable, "", ctx.Err())
			case <-changed:
			}
		}
		f.mu.RLock()
		outcome, fault = f.outcome, f.fault
		f.mu.RUnlock()
	}

	delay := time.Duration(f.latency.Load())
	if fault == FaultSlow {
		delay += 50 * time.Millisecond
	}
	if delay > 0 {
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return captcha.Result{}, f.fail(captcha.ErrUnavailable, "", ctx.Err())
		case <-timer.C:
		}
	}
	if err := ctx.Err(); err != nil {
		return captcha.Result{}, f.fail(captcha.ErrUnavailable, "", err)
	}
	switch fault {
	case FaultNone, FaultSlow:
	case FaultThrottled:
		return captcha.Result{}, f.fail(captcha.ErrThrottled, "throttled", nil)
	case FaultBadCredentials:
		return captcha.Result{}, f.fail(captcha.ErrMisconfigured, "bad-credentials", nil)
	default:
		return captcha.Result{}, f.fail(captcha.ErrUnavailable, fault.String(), nil)
	}
	if outcome != nil {
		return outcome(t)
	}
	return f.script(ctx, t)
}

func (f *Fake) script(ctx context.Context, t captcha.Ticket) (captcha.Result, error) {
	v := t.Values[f.Fields()[0]]
	res := captcha.Result{Provider: f.Name(), At: time.Now()}
	switch {
	case v == "pass":
		res.Passed, res.Code = true, "ok"
		return res, nil
	case strings.HasPrefix(v, "pass:"):
		if _, dup := f.used.LoadOrStore(v, struct{}{}); dup {
			res.Code = "used"
			return res, nil
		}
		res.Passed, res.Code = true, "ok"
		return res, nil
	case v == "reject":
		res.Code = "rejected"
		return res, nil
	case strings.HasPrefix(v, "reject:"):
		res.Code = strings.TrimPrefix(v, "reject:")
		return res, nil
	case is(v, "unavailable"):
		return captcha.Result{}, f.fail(captcha.ErrUnavailable, "", nil)
	case is(v, "throttled"):
		return captcha.Result{}, f.fail(captcha.ErrThrottled, "", nil)
	case is(v, "misconfigured"):
		return captcha.Result{}, f.fail(captcha.ErrMisconfigured, "", nil)
	case v == "hang":
		<-ctx.Done()
		return captcha.Result{}, f.fail(captcha.ErrUnavailable, "", ctx.Err())
	default:
		res.Code = "unknown"
		return res, nil
	}
}

// is reports whether ticket v is word or word:<id>: the ids make tickets
// distinct, since the core refuses a ticket it has seen before.
func is(v, word string) bool {
	rest, ok := strings.CutPrefix(v, word)
	return ok && (rest == "" || rest[0] == ':')
}

func (f *Fake) fail(class error, code string, cause error) error {
	err := class
	if cause != nil && !errors.Is(cause, class) {
		err = fmt.Errorf("%w: %w", class, cause)
	}
	return &captcha.VerifyError{Provider: f.Name(), Code: code, Err: err}
}
