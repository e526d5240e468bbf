package tcpproxy_test

import (
	"bufio"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/captchakit/captcha/internal/leakcheck"
	"github.com/captchakit/captcha/internal/tcpproxy"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// guard bounds every wait in these tests; it is a hang guard only.
const guard = time.Minute

// echoServer answers each line it reads with "re: <line>".
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
	})
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := c.Write([]byte("re: " + line)); err != nil {
						return
					}
				}
			})
		}
	})
	return ln.Addr().String()
}

type client struct {
	c net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &client{c, bufio.NewReader(c)}
}

// ask sends line and reads one reply line, giving up after wait.
func (cl *client) ask(line string, wait time.Duration) (string, error) {
	if _, err := cl.c.Write([]byte(line + "\n")); err != nil {
		return "", err
	}
	_ = cl.c.SetReadDeadline(time.Now().Add(wait))
	reply, err := cl.r.ReadString('\n')
	return strings.TrimSuffix(reply, "\n"), err
}

func TestForwards(t *testing.T) {
	p := tcpproxy.Start(t, echoServer(t))
	cl := dial(t, p.Addr)
	for _, msg := range []string{"one", "two"} {
		if got, err := cl.ask(msg, guard); err != nil || got != "re: "+msg {
			t.Fatalf("ask(%q) = %q, %v; want %q", msg, got, err, "re: "+msg)
		}
	}
}

func TestHoldThenRelease(t *testing.T) {
	p := tcpproxy.Start(t, echoServer(t))
	cl := dial(t, p.Addr)
	h := p.HoldReply("SET")
	if got, err := cl.ask("GET a", guard); err != nil || got != "re: GET a" {
		t.Fatalf("a request that does not match: %q, %v", got, err)
	}
	if _, err := cl.c.Write([]byte("SET a\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.Held():
	case <-time.After(guard):
		t.Fatal("reply never held")
	}
	h.Release()
	_ = cl.c.SetReadDeadline(time.Now().Add(guard))
	if got, err := cl.r.ReadString('\n'); err != nil || got != "re: SET a\n" {
		t.Fatalf("released reply = %q, %v", got, err)
	}
	// One-shot: the next matching request is answered at once.
	if got, err := cl.ask("SET b", guard); err != nil || got != "re: SET b" {
		t.Fatalf("after the hold: %q, %v", got, err)
	}
}

// TestHoldUntilClientGivesUp is the use the package is for: the client's
// read times out (the reply is never sent), it hangs up, and a new
// connection works normally.
func TestHoldUntilClientGivesUp(t *testing.T) {
	p := tcpproxy.Start(t, echoServer(t))
	cl := dial(t, p.Addr)
	h := p.HoldReply("SET")
	_, err := cl.ask("SET a", 50*time.Millisecond)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("held reply: error = %v, want a read timeout", err)
	}
	select {
	case <-h.Held():
	case <-time.After(guard):
		t.Fatal("reply never held")
	}
	_ = cl.c.Close()
	if got, err := dial(t, p.Addr).ask("SET a", guard); err != nil || got != "re: SET a" {
		t.Fatalf("new connection: %q, %v", got, err)
	}
}

func TestCloseWithHeldReply(t *testing.T) {
	p, err := tcpproxy.New(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	cl := dial(t, p.Addr)
	h := p.HoldReply("x")
	if _, err := cl.c.Write([]byte("x\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.Held():
	case <-time.After(guard):
		t.Fatal("reply never held")
	}
	if err := p.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Close: %v", err)
	}
	_ = cl.c.SetReadDeadline(time.Now().Add(guard))
	if _, err := cl.r.ReadString('\n'); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read after Close: %v, want the connection closed", err)
	}
}
