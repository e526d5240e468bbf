// Package redistest runs real redis-server processes on free loopback ports
// for tests: a standalone server with or without persistence, which a test
// can stop (SIGSTOP), resume, kill and restart, and a Redis Cluster of
// several masters with replicas, joined by redis-cli --cluster create.
//
// It never fakes Redis: without the binaries the test is skipped, or fails
// when the environment variable CI is set (CI must run it). Every wait is
// bounded by [Guard], generous and configurable, so a slow machine makes a
// test slow, never wrong.
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// GuardEnv names the environment variable that overrides DefaultGuard, as a
// time.ParseDuration string such as "5m".
const GuardEnv = "CAPTCHAKIT_REDIS_GUARD"

// DefaultGuard bounds every wait of this package (a server answering PING, a
// cluster agreeing on its slots, a failover) when GuardEnv is not set. It is
// a hang guard, not a performance expectation.
const DefaultGuard = time.Minute

// Guard returns the hang guard: the value of GuardEnv, else DefaultGuard. An
// unparsable or non-positive value yields DefaultGuard.
func Guard() time.Duration {
	if d, err := time.ParseDuration(os.Getenv(GuardEnv)); err == nil && d > 0 {
		return d
	}
	return DefaultGuard
}

// Config says how to run a standalone server. The zero value runs one with
// persistence off, which loses everything when it stops.
type Config struct {
	// AppendFsync turns the append-only file on with this fsync policy:
	// "always" (every write is on disk before its reply) or "everysec".
	// Default: "", no AOF and no RDB snapshots.
	AppendFsync string
	// Args are more redis-server arguments, such as "--maxmemory", "1mb".
	Args []string
}

// Server is a running redis-server.
type Server struct {
	// Addr is "127.0.0.1:<port>".
	Addr string

	bin     string
	dir     string
	args    []string
	ownsDir bool

	mu  sync.Mutex
	cmd *exec.Cmd // nil once stopped
}

// Start runs a standalone redis-server with persistence off (see Config),
// waits until it answers PING, and removes it when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartConfig(t, Config{})
}

// StartConfig is Start with a Config.
func StartConfig(t testing.TB, cfg Config) *Server {
	t.Helper()
	bin := need(t, "redis-server")
	s, err := launch(bin, cfg)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Launch is StartConfig for fixtures that outlive one test (a sync.Once in
// TestMain or a benchmark): the caller must Close the server. It returns an
// error when redis-server is not installed; see [Available].
func Launch(cfg Config) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, err
	}
	return launch(bin, cfg)
}

// Available reports why the binaries this package runs are missing, or nil.
func Available() error {
	for _, b := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(b); err != nil {
			return err
		}
	}
	return nil
}

// Need skips t when redis-server or redis-cli is not installed, or fails it
// when CI is set, as Start does. Call it before using a fixture from Launch
// or LaunchCluster.
func Need(t testing.TB) {
	t.Helper()
	need(t, "redis-server")
	need(t, "redis-cli")
}

// need returns the path of bin, or skips t (fails it when CI is set).
func need(t testing.TB, bin string) string {
	t.Helper()
	path, err := exec.LookPath(bin)
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not found in CI: scripts/test.sh installs it (%v)", bin, err)
	}
	t.Skipf("%s not installed (run ./scripts/test.sh, which installs it): %v", bin, err)
	return ""
}

func launch(bin string, cfg Config) (*Server, error) {
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	args := []string{
		"--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", dir,
		"--protected-mode", "yes", "--loglevel", "warning", "--save", "",
	}
	switch cfg.AppendFsync {
	case "":
		args = append(args, "--appendonly", "no")
	case "always", "everysec":
		args = append(args, "--appendonly", "yes", "--appendfsync", cfg.AppendFsync)
	default:
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("Config.AppendFsync %q: want \"\", \"always\" or \"everysec\"", cfg.AppendFsync)
	}
	s := &Server{
		Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		bin:  bin, dir: dir, ownsDir: true,
		args: append(args, cfg.Args...),
	}
	if err := s.start(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// start runs the process and waits until it answers PING.
func (s *Server) start() error {
	s.mu.Lock()
	if s.cmd != nil {
		s.mu.Unlock()
		return fmt.Errorf("redis-server on %s is already running", s.Addr)
	}
	cmd := exec.Command(s.bin, s.args...)
	// The server writes its log to stdout; keep it for failures.
	logf, err := os.OpenFile(s.dir+"/redis.log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	err = cmd.Start()
	_ = logf.Close() // the child has its own descriptor
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("start redis-server: %w", err)
	}
	s.cmd = cmd
	s.mu.Unlock()

	deadline := time.Now().Add(Guard())
	for {
		err := s.ping()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on %s did not answer PING within %v: %w; log:\n%s", s.Addr, Guard(), err, s.Log())
		}
		if s.exited() {
			return fmt.Errorf("redis-server on %s exited; log:\n%s", s.Addr, s.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// running reports whether the process is up (possibly paused).
func (s *Server) running() bool { return !s.exited() }

// exited reports whether the process has ended (or was never restarted).
func (s *Server) exited() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return true
	}
	var ws syscall.WaitStatus
	pid, err := syscall.Wait4(s.cmd.Process.Pid, &ws, syscall.WNOHANG, nil)
	if err != nil || pid == 0 {
		return false
	}
	// Reaped here: let Stop not wait again.
	s.cmd.Process.Release()
	s.cmd = nil
	return true
}

// Log returns what the server has logged (warnings and up).
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.dir + "/redis.log")
	return string(b)
}

// Dir is the server's working directory, which holds its AOF or RDB files.
func (s *Server) Dir() string { return s.dir }

// Stop kills the server (SIGKILL): nothing is flushed, as in a crash. It
// resumes a paused server first. Later commands fail with connection errors
// until Restart. Stop on a stopped server does nothing.
func (s *Server) Stop() { s.signalAndWait(syscall.SIGKILL) }

// Shutdown stops the server the way a service manager does (SIGTERM): Redis
// flushes its append-only file, or writes a snapshot if it has save points,
// before exiting.
func (s *Server) Shutdown() { s.signalAndWait(syscall.SIGTERM) }

func (s *Server) signalAndWait(sig syscall.Signal) {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGCONT)
	_ = cmd.Process.Signal(sig)
	_ = cmd.Wait()
}

// Restart starts a stopped server again on the same port, directory and
// arguments, and waits until it answers PING (after loading its data).
func (s *Server) Restart() error { return s.start() }

// Pause stops the process (SIGSTOP): connections stay open and the kernel
// still accepts new ones, but nothing is answered until Resume: a stalled
// Redis, as in a long fork, a swapped-out host or a frozen VM.
func (s *Server) Pause() error { return s.signal(syscall.SIGSTOP) }

// Resume continues a paused server (SIGCONT); it answers what queued up.
func (s *Server) Resume() error { return s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return fmt.Errorf("redis-server on %s is not running", s.Addr)
	}
	return s.cmd.Process.Signal(sig)
}

// Close kills the server and removes its directory.
func (s *Server) Close() {
	s.Stop()
	if s.ownsDir {
		_ = os.RemoveAll(s.dir)
	}
}

func (s *Server) ping() error {
	reply, err := Command(s.Addr, time.Second, "PING")
	if err != nil {
		return err
	}
	if reply != "PONG" {
		return fmt.Errorf("PING answered %q", reply)
	}
	return nil
}

// Command sends one command to the server at addr on a new connection and
// returns its reply as text: a simple or bulk string as it is, an integer in
// decimal, an array as its elements joined by newlines. An error reply is
// returned as an error. The whole exchange is bounded by timeout.
func Command(addr string, timeout time.Duration, args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return "", err
	}
	return readReply(bufio.NewReader(c))
}

// readReply reads one RESP2 reply.
func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply line")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", errors.New(line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", fmt.Errorf("bad bulk length %q", line)
		}
		if n < 0 {
			return "", nil
		}
		buf := make([]byte, n+2)
		if _, err := readFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", fmt.Errorf("bad array length %q", line)
		}
		parts := make([]string, 0, max(n, 0))
		for range n {
			p, err := readReply(r)
			if err != nil {
				return "", err
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, "\n"), nil
	default:
		return "", fmt.Errorf("unexpected reply %q", line)
	}
}

func readFull(r *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// freePort returns a loopback port nothing listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
