package redistest_test

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/captchakit/captcha/internal/leakcheck"
	"github.com/captchakit/captcha/internal/redistest"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

func do(t *testing.T, addr string, args ...string) string {
	t.Helper()
	reply, err := redistest.Command(addr, redistest.Guard(), args...)
	if err != nil {
		t.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
	return reply
}

func TestCommandReplies(t *testing.T) {
	s := redistest.Start(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"SET", "k", "v"}, "OK"},
		{[]string{"GET", "k"}, "v"},
		{[]string{"GET", "missing"}, ""},
		{[]string{"INCR", "n"}, "1"},
		{[]string{"RPUSH", "l", "a", "b"}, "2"},
		{[]string{"LRANGE", "l", "0", "-1"}, "a\nb"},
	}
	for _, tt := range tests {
		if got := do(t, s.Addr, tt.args...); got != tt.want {
			t.Errorf("%v = %q, want %q", tt.args, got, tt.want)
		}
	}
	if _, err := redistest.Command(s.Addr, redistest.Guard(), "NOSUCHCOMMAND"); err == nil || !strings.HasPrefix(err.Error(), "ERR") {
		t.Errorf("unknown command: error = %v, want the ERR reply", err)
	}
}

func TestPauseResume(t *testing.T) {
	s := redistest.Start(t)
	if err := s.Pause(); err != nil {
		t.Fatal(err)
	}
	// A paused server accepts the connection and never answers: the short
	// timeout is certain to expire.
	_, err := redistest.Command(s.Addr, 100*time.Millisecond, "PING")
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("PING while paused: error = %v, want a timeout", err)
	}
	if err := s.Resume(); err != nil {
		t.Fatal(err)
	}
	if got := do(t, s.Addr, "PING"); got != "PONG" {
		t.Fatalf("PING after Resume = %q", got)
	}
}

func TestRestart(t *testing.T) {
	tests := []struct {
		name     string
		cfg      redistest.Config
		stop     func(*redistest.Server)
		wantKept bool
	}{
		{"no persistence, killed", redistest.Config{}, (*redistest.Server).Stop, false},
		{"aof always, killed", redistest.Config{AppendFsync: "always"}, (*redistest.Server).Stop, true},
		{"aof everysec, shut down", redistest.Config{AppendFsync: "everysec"}, (*redistest.Server).Shutdown, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := redistest.StartConfig(t, tt.cfg)
			do(t, s.Addr, "SET", "k", "v")
			tt.stop(s)
			if _, err := redistest.Command(s.Addr, time.Second, "PING"); err == nil {
				t.Fatal("PING answered by a stopped server")
			}
			if err := s.Restart(); err != nil {
				t.Fatal(err)
			}
			if got := do(t, s.Addr, "GET", "k") == "v"; got != tt.wantKept {
				t.Errorf("key kept across the restart = %v, want %v", got, tt.wantKept)
			}
		})
	}
}

func TestBadConfig(t *testing.T) {
	redistest.Need(t)
	if s, err := redistest.Launch(redistest.Config{AppendFsync: "sometimes"}); err == nil {
		s.Close()
		t.Fatal("Launch with AppendFsync \"sometimes\": error = nil")
	}
	if _, err := redistest.LaunchCluster(2, 1); err == nil {
		t.Fatal("LaunchCluster with 2 masters: error = nil")
	}
}

func TestGuard(t *testing.T) {
	t.Setenv(redistest.GuardEnv, "")
	if got := redistest.Guard(); got != redistest.DefaultGuard {
		t.Errorf("Guard() unset = %v, want %v", got, redistest.DefaultGuard)
	}
	t.Setenv(redistest.GuardEnv, "5m")
	if got := redistest.Guard(); got != 5*time.Minute {
		t.Errorf("Guard() with 5m = %v", got)
	}
	t.Setenv(redistest.GuardEnv, "soon")
	if got := redistest.Guard(); got != redistest.DefaultGuard {
		t.Errorf("Guard() with a bad value = %v, want the default", got)
	}
}
