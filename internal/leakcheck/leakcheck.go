// Package leakcheck fails a test binary whose tests leave goroutines
// running, as go.uber.org/goleak does, with the standard library only.
//
// Call Main from TestMain:
//
//	func TestMain(m *testing.M) { leakcheck.Main(m) }
//
// Once the tests have passed, Main waits until every goroutine they started
// has returned. Goroutines that already ran before the tests (started by
// package initialisation) and the runtime's own are not counted. A goroutine
// that is still there when the guard expires is a leak: Main prints its stack
// and exits with status 1. A goroutine that is merely slow to wind down on a
// loaded machine is not one, so the guard is generous (see Timeout).
package leakcheck

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TimeoutEnv names the environment variable that overrides DefaultTimeout,
// as a time.ParseDuration string such as "5m".
const TimeoutEnv = "CAPTCHAKIT_LEAK_TIMEOUT"

// DefaultTimeout is how long Main waits for the tests' goroutines to return
// when TimeoutEnv is not set.
const DefaultTimeout = 2 * time.Minute

// ignored are frames of goroutines that belong to the runtime or the
// standard library for the life of the process, whoever started them.
var ignored = []string{
	"os/signal.signal_recv", // the signal.Notify loop, never stops
	"os/signal.loop",
	"runtime.ensureSigM",
}

// Main runs m's tests and exits with their status; when they passed and some
// goroutine they started does not return within Timeout, it prints the
// stacks of those goroutines and exits with status 1. It does not return.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run is Main without the exit: it runs m's tests, checks for leaked
// goroutines when they passed, and returns the exit status. Use it when
// TestMain has more to do after the tests.
func Run(m *testing.M) int {
	before := ids(stacks())
	code := m.Run()
	if code != 0 {
		// A failed test may well leave goroutines behind; its own failure
		// is the message that matters.
		return code
	}
	// The process-wide pool of http.DefaultTransport belongs to no test,
	// and none can close it while others use it: close its idle
	// connections now, as a client that is done would.
	if tr, ok := http.DefaultTransport.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
	timeout, err := Timeout()
	if err != nil {
		fmt.Fprintf(os.Stderr, "leakcheck: %v\n", err)
		return 1
	}
	if leaked := wait(before, timeout); len(leaked) > 0 {
		fmt.Fprintf(os.Stderr, "leakcheck: %d goroutine(s) started by the tests still run %v after they passed:\n\n%s\n",
			len(leaked), timeout, strings.Join(leaked, "\n\n"))
		return 1
	}
	return 0
}

// Timeout returns the guard Main waits under: the value of TimeoutEnv, else
// DefaultTimeout. A value that is not a positive duration is an error.
func Timeout() (time.Duration, error) {
	s := os.Getenv(TimeoutEnv)
	if s == "" {
		return DefaultTimeout, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q is not a positive duration such as \"5m\"", TimeoutEnv, s)
	}
	return d, nil
}

// wait polls until no goroutine runs other than the calling one, those whose
// IDs are in before, and the runtime's own, or until timeout has passed. It
// returns the stacks of the goroutines still running then, or nil.
func wait(before map[int]bool, timeout time.Duration) []string {
	deadline := time.Now().Add(timeout)
	pause := time.Millisecond
	for {
		leaked := extra(before)
		if len(leaked) == 0 || !time.Now().Before(deadline) {
			return leaked
		}
		time.Sleep(pause)
		pause = min(2*pause, 100*time.Millisecond)
	}
}

// extra returns the stacks of the goroutines running now that are neither
// the calling one, nor in before, nor the runtime's own.
func extra(before map[int]bool) []string {
	all := stacks()
	// The first stack is always the calling goroutine's.
	var out []string
	for _, s := range all[1:] {
		id, ok := goroutineID(s)
		if ok && before[id] {
			continue
		}
		if slices.ContainsFunc(ignored, func(f string) bool { return strings.Contains(s, f) }) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// stacks returns the stack of every goroutine, the caller's first.
func stacks() []string {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, s := range bytes.Split(bytes.TrimSpace(buf), []byte("\n\n")) {
		out = append(out, string(s))
	}
	return out
}

func ids(stacks []string) map[int]bool {
	m := make(map[int]bool, len(stacks))
	for _, s := range stacks {
		if id, ok := goroutineID(s); ok {
			m[id] = true
		}
	}
	return m
}

// goroutineID reads N from a stack's first line, "goroutine N [state]:".
func goroutineID(stack string) (int, bool) {
	rest, ok := strings.CutPrefix(stack, "goroutine ")
	if !ok {
		return 0, false
	}
	num, _, _ := strings.Cut(rest, " ")
	id, err := strconv.Atoi(num)
	return id, err == nil
}
