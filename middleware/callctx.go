package captcha

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// callCtx is the context of one provider or ledger call: the request's
// values, none of its cancellation (a client that hangs up must not turn a
// verdict into "unavailable", nor leave a ticket unclaimed), and the
// Verifier's deadline for that call.
//
// It is context.WithTimeout(context.WithoutCancel(parent), d) in one
// allocation: the Done channel and the timer behind it are made only when
// somebody asks for Done, as an HTTP call does. A provider that answers
// without waiting (a local check, a test fake) costs neither; Err still
// reports the deadline once it has passed.
type callCtx struct {
	parent   context.Context // for Value only
	deadline time.Time
	attrs    []slog.Attr // log attributes, the parent's included (see Verifier.VerifyWith); nil for none of its own

	mu    sync.Mutex
	done  chan struct{}
	timer *time.Timer
	err   error
	funcs []func() // registered by AfterFunc, run once done
}

func newCallCtx(parent context.Context, d time.Duration) *callCtx {
	return &callCtx{parent: parent, deadline: time.Now().Add(d)}
}

// start readies a zero callCtx held inside a larger value (see
// verification) to end d from now.
func (c *callCtx) start(parent context.Context, d time.Duration) {
	c.parent, c.deadline = parent, time.Now().Add(d)
}

// Deadline implements context.Context.
func (c *callCtx) Deadline() (time.Time, bool) { return c.deadline, true }

// Value implements context.Context.
func (c *callCtx) Value(key any) any {
	if c.attrs != nil && key == (logAttrsKey{}) {
		return c
	}
	return c.parent.Value(key)
}

func (c *callCtx) logAttrs() []slog.Attr { return c.attrs }

// Done implements context.Context.
func (c *callCtx) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		switch {
		case c.err != nil:
			close(c.done)
		case !time.Now().Before(c.deadline):
			c.finishLocked(context.DeadlineExceeded)
		case c.timer == nil:
			c.timer = time.AfterFunc(time.Until(c.deadline), c.expire)
		}
	}
	return c.done
}

// Err implements context.Context.
func (c *callCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil && !time.Now().Before(c.deadline) {
		c.finishLocked(context.DeadlineExceeded)
	}
	return c.err
}

// AfterFunc lets contexts derived from c (context.WithCancel and friends)
// follow it without a goroutine each, as they do for the standard library's
// own contexts.
func (c *callCtx) AfterFunc(f func()) (stop func() bool) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	if c.done == nil && c.timer == nil {
		c.timer = time.AfterFunc(time.Until(c.deadline), c.expire)
	}
	i := len(c.funcs)
	c.funcs = append(c.funcs, f)
	c.mu.Unlock()
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.err != nil || c.funcs[i] == nil {
			return false
		}
		c.funcs[i] = nil
		return true
	}
}

func (c *callCtx) expire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.finishLocked(context.DeadlineExceeded)
	}
}

// cancel ends the call's context, as a WithTimeout's cancel does.
func (c *callCtx) cancel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.err == nil {
		c.finishLocked(context.Canceled)
	}
}

func (c *callCtx) finishLocked(err error) {
	c.err = err
	if c.done != nil {
		close(c.done)
	}
	for i, f := range c.funcs {
		if f != nil {
			c.funcs[i] = nil
			go f()
		}
	}
}
