package captcha

import (
	"context"
	"errors"
	"testing"
	"time"
)

type ctxKey struct{}

// TestCallCtx checks that callCtx behaves as
// context.WithTimeout(context.WithoutCancel(parent), d): the parent's values,
// not its cancellation; the deadline, with or without anybody waiting on
// Done; cancel; and children derived from it.
func TestCallCtx(t *testing.T) {
	t.Parallel()
	guard := time.After(time.Minute) // a hang guard, not a timing assertion

	parent, cancelParent := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "v"))
	cancelParent()
	before := time.Now()
	c := newCallCtx(parent, time.Hour)
	after := time.Now()
	if got := c.Value(ctxKey{}); got != "v" {
		t.Errorf("Value = %v, want the parent's value", got)
	}
	if c.Err() != nil {
		t.Errorf("Err = %v after the parent was cancelled, want nil", c.Err())
	}
	if dl, ok := c.Deadline(); !ok || dl.Before(before.Add(time.Hour)) || dl.After(after.Add(time.Hour)) {
		t.Errorf("Deadline = %v, %v; want an hour after it was made", dl, ok)
	}
	child, stopChild := context.WithCancel(c)
	defer stopChild()
	c.cancel()
	if !errors.Is(c.Err(), context.Canceled) {
		t.Errorf("Err after cancel = %v, want Canceled", c.Err())
	}
	select {
	case <-c.Done():
	case <-guard:
		t.Fatal("Done not closed after cancel")
	}
	select {
	case <-child.Done():
	case <-guard:
		t.Fatal("a derived context was not cancelled with its parent")
	}

	// The deadline passes with nobody waiting on Done: Err reports it.
	late := newCallCtx(context.Background(), time.Millisecond)
	for late.Err() == nil {
		select {
		case <-guard:
			t.Fatal("Err never reported the deadline")
		default:
			time.Sleep(time.Millisecond)
		}
	}
	if !errors.Is(late.Err(), context.DeadlineExceeded) {
		t.Errorf("Err = %v, want DeadlineExceeded", late.Err())
	}
	select {
	case <-late.Done():
	case <-guard:
		t.Fatal("Done of an expired context is not closed")
	}

	// Somebody waits on Done: the timer closes it at the deadline.
	waited := newCallCtx(context.Background(), 5*time.Millisecond)
	select {
	case <-waited.Done():
	case <-guard:
		t.Fatal("Done never closed at the deadline")
	}
	if !errors.Is(waited.Err(), context.DeadlineExceeded) {
		t.Errorf("Err = %v, want DeadlineExceeded", waited.Err())
	}
	waited.cancel()
	if !errors.Is(waited.Err(), context.DeadlineExceeded) {
		t.Errorf("cancel after the deadline changed Err to %v", waited.Err())
	}

	// A derived context follows the deadline.
	parentOnly := newCallCtx(context.Background(), 5*time.Millisecond)
	derived, stop := context.WithCancel(parentOnly)
	defer stop()
	select {
	case <-derived.Done():
	case <-guard:
		t.Fatal("a derived context never saw the deadline")
	}
	parentOnly.cancel()
}
