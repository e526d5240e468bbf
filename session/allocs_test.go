//go:build !race

package session_test

import (
	"testing"
	"time"

	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/session"
)

// TestGH15StatusReadAllocs is the regression check of issue #15: reading the
// status from a cookie of the store NewCookieStore builds does not pay for
// gob's decoder (over 200 allocations per read; about 20 without). The bound
// leaves room for changes in net/http and crypto. It counts allocations, not
// time, and does not run in parallel (AllocsPerRun counts the whole process);
// the race detector changes the counts, so the file is left out under -race.
func TestGH15StatusReadAllocs(t *testing.T) {
	const limit = 40
	cs, err := session.NewCookieStore(hashKey, blockKey)
	if err != nil {
		t.Fatal(err)
	}
	s := newStore(t, cs)
	r := set(t, s, geetest.NewServerStatus(true, "challenge", time.Now()))
	var failed bool
	n := testing.AllocsPerRun(100, func() {
		if _, ok, err := s.ServerStatus(r); !ok || err != nil {
			failed = true
		}
	})
	if failed {
		t.Fatal("ServerStatus did not return the status")
	}
	if n > limit {
		t.Errorf("ServerStatus allocates %v times per read, want at most %d", n, limit)
	}
}
