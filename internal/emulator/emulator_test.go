package emulator_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/captchakit/captcha/internal/emulator"
)

func TestStoreUseOnce(t *testing.T) {
	t.Parallel()
	var s emulator.Store[int]
	now := time.Now()
	s.Put("a", 7, now)
	for i, wantUsed := range []bool{false, true} {
		rec, ok := s.Use("a")
		if !ok || rec.Value != 7 || rec.Used != wantUsed {
			t.Errorf("use %d = (%+v, %v), want value 7, used %v", i, rec, ok, wantUsed)
		}
	}
	if _, ok := s.Use("b"); ok {
		t.Error("Use(unknown) ok = true")
	}
}

// TestStoreForgetsOldTickets: a long-running emulator stays bounded.
func TestStoreForgetsOldTickets(t *testing.T) {
	t.Parallel()
	var s emulator.Store[int]
	start := time.Now()
	const n = 10_000
	for i := range n {
		// One ticket a second: after n puts only the last hour's are kept.
		s.Put(strconv.Itoa(i), i, start.Add(time.Duration(i)*time.Second))
	}
	if got, max := s.Len(), int(emulator.Retention/time.Second)+1024+1; got > max {
		t.Errorf("Len() = %d after %d tickets over %v, want at most %d", got, n, time.Duration(n)*time.Second, max)
	}
	if _, ok := s.Peek(strconv.Itoa(n - 1)); !ok {
		t.Error("the newest ticket was forgotten")
	}
	if _, ok := s.Peek("0"); ok {
		t.Error("a ticket older than Retention is still kept")
	}
}
