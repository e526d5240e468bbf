package leakcheck

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

// helperEnv makes TestHelperLeak leak; TestLeakFailsBinary sets it in a
// child run of this test binary.
const helperEnv = "CAPTCHAKIT_LEAKCHECK_HELPER"

// leakForever is the function the leaked goroutine runs, so that its stack
// names it.
func leakForever(block chan struct{}) { <-block }

// TestHelperLeak leaks one goroutine when helperEnv is set, and is skipped
// otherwise.
func TestHelperLeak(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("only run by TestLeakFailsBinary")
	}
	go leakForever(make(chan struct{}))
}

// TestLeakFailsBinary runs this test binary with a test that leaks: the
// tests pass, and the binary fails naming the leaked goroutine.
func TestLeakFailsBinary(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), exe, "-test.run=^TestHelperLeak$", "-test.count=1")
	// The leak is permanent, so a short guard cannot miss it.
	cmd.Env = append(os.Environ(), helperEnv+"=1", TimeoutEnv+"=50ms")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("the binary with a leaking test returned %v, want exit status 1; stderr:\n%s", err, stderr.String())
	}
	for _, want := range []string{"leakcheck: 1 goroutine(s)", "leakcheck.leakForever"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not contain %q:\n%s", want, stderr.String())
		}
	}
}

// TestExtra: a goroutine started after the snapshot is reported until it
// returns; goroutines in the snapshot are not.
func TestExtra(t *testing.T) {
	stop := make(chan struct{})
	running := make(chan struct{})
	before := ids(stacks())
	go func() {
		close(running)
		leakForever(stop)
	}()
	<-running
	got := extra(before)
	if len(got) != 1 || !strings.Contains(got[0], "leakForever") {
		t.Fatalf("extra() = %q, want the one goroutine started after the snapshot", got)
	}
	if got := extra(ids(stacks())); len(got) != 0 {
		t.Errorf("extra(now) = %q, want none", got)
	}
	close(stop)
	// The goroutine returns on its own schedule: wait for it under the
	// guard Main uses.
	timeout, err := Timeout()
	if err != nil {
		t.Fatal(err)
	}
	if got := wait(before, timeout); len(got) != 0 {
		t.Errorf("after the goroutine returned, wait() = %q, want none", got)
	}
}

func TestTimeout(t *testing.T) {
	tests := []struct {
		env     string
		want    time.Duration
		wantErr bool
	}{
		{env: "", want: DefaultTimeout},
		{env: "5m", want: 5 * time.Minute},
		{env: "90s", want: 90 * time.Second},
		{env: "0", wantErr: true},
		{env: "-1m", wantErr: true},
		{env: "soon", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			t.Setenv(TimeoutEnv, tt.env)
			got, err := Timeout()
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("Timeout() with %s=%q = (%v, %v), want (%v, error %t)", TimeoutEnv, tt.env, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestGoroutineID(t *testing.T) {
	tests := []struct {
		stack  string
		want   int
		wantOK bool
	}{
		{stack: "goroutine 17 [chan receive]:\nmain.f()", want: 17, wantOK: true},
		{stack: "goroutine 1 gp=0xc000002380 m=0 mp=0x5a1c40 [running]:", want: 1, wantOK: true},
		{stack: "goroutine x [running]:"},
		{stack: "panic: boom"},
		{stack: ""},
	}
	for _, tt := range tests {
		got, ok := goroutineID(tt.stack)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("goroutineID(%q) = (%d, %v), want (%d, %v)", tt.stack, got, ok, tt.want, tt.wantOK)
		}
	}
}
