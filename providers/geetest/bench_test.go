package geetest_test

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/providers/geetest/geetesttest"
	"github.com/captchakit/captcha/session"
)

// The benchmarks measure Verify against the emulator on loopback. The
// emulator runs in the same process, so B/op and allocs/op include its side
// of each call; BenchmarkV4VerifyStatic and BenchmarkV3VerifyStatic answer
// from a fixed body to show the client's share (net/http's server side of a
// loopback call still included). BenchmarkV3VerifyRemote has the fixed-body
// server in a child process, so that it counts the whole client side and
// nothing else, and BenchmarkV3VerifyClient answers from a stub transport,
// which leaves the provider's own work: the status read, the checks,
// building the request and reading the reply.

// v3Tickets issues n solved challenges, each with its own status cookie.
func v3Tickets(b *testing.B, srv *geetesttest.Server, st *session.Store, n int) []captcha.Ticket {
	b.Helper()
	tks := make([]captcha.Ticket, n)
	for i := range tks {
		c, err := srv.Register(geetesttest.DefaultV3CaptchaID, "md5")
		if err != nil {
			b.Fatal(err)
		}
		rec := httptest.NewRecorder()
		if err := st.SetServerStatus(rec, httptest.NewRequest(http.MethodGet, "/register", nil), geetest.NewServerStatus(true, c, time.Now())); err != nil {
			b.Fatal(err)
		}
		c += "42"
		v, s, err := srv.Solve(c)
		if err != nil {
			b.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodPost, "/login", nil)
		for _, ck := range rec.Result().Cookies() {
			r.AddCookie(ck)
		}
		tks[i] = captcha.Ticket{Request: r, ClientIP: "192.0.2.1", Values: map[string]string{
			geetest.FieldChallenge: c, geetest.FieldValidate: v, geetest.FieldSeccode: s,
		}}
	}
	return tks
}

func v4Tickets(b *testing.B, srv *geetesttest.Server, n int) []captcha.Ticket {
	b.Helper()
	tks := make([]captcha.Ticket, n)
	for i := range tks {
		tk, err := srv.MintV4(geetesttest.DefaultV4CaptchaID)
		if err != nil {
			b.Fatal(err)
		}
		tks[i] = captcha.Ticket{Values: tk.Values(), ClientIP: "192.0.2.1"}
	}
	return tks
}

func runVerify(b *testing.B, p captcha.Provider, tks []captcha.Ticket, parallel bool) {
	b.Helper()
	b.ReportAllocs()
	b.ResetTimer()
	if !parallel {
		for i := 0; i < b.N; i++ {
			if res, err := p.Verify(b.Context(), tks[i]); err != nil || !res.Passed {
				b.Fatalf("Verify = (%+v, %v)", res, err)
			}
		}
		return
	}
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			tk := tks[next.Add(1)-1]
			if res, err := p.Verify(b.Context(), tk); err != nil || !res.Passed {
				b.Errorf("Verify = (%+v, %v)", res, err)
				return
			}
		}
	})
}

// BenchmarkV3Verify validates a fresh ticket, with its own status cookie
// from the store session.NewCookieStore builds, per operation.
func BenchmarkV3Verify(b *testing.B) {
	for _, mode := range []struct {
		name     string
		parallel bool
	}{{"serial", false}, {"parallel", true}} {
		b.Run(mode.name, func(b *testing.B) {
			srv := geetesttest.NewServer(b, geetesttest.Config{})
			st := newCheckedStatusStore(b)
			p := newV3(b, geetest.V3Config{StatusStore: st, Endpoint: srv.URL})
			runVerify(b, p, v3Tickets(b, srv, st, b.N), mode.parallel)
		})
	}
}

func BenchmarkV4Verify(b *testing.B) {
	for _, mode := range []struct {
		name     string
		parallel bool
	}{{"serial", false}, {"parallel", true}} {
		b.Run(mode.name, func(b *testing.B) {
			srv := geetesttest.NewServer(b, geetesttest.Config{})
			p, err := geetest.NewV4(geetest.V4Config{CaptchaID: geetesttest.DefaultV4CaptchaID, CaptchaKey: geetesttest.DefaultV4CaptchaKey, Endpoint: srv.URL})
			if err != nil {
				b.Fatal(err)
			}
			runVerify(b, p, v4Tickets(b, srv, b.N), mode.parallel)
		})
	}
}

// BenchmarkV4VerifyStatic is BenchmarkV4Verify against a server that answers
// every request with the same success body, so nearly all allocations
// counted are the provider's and net/http's.
func BenchmarkV4VerifyStatic(b *testing.B) {
	body := []byte(`{"status":"success","result":"success","reason":"","captcha_args":{}}`)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(body) }))
	b.Cleanup(hs.Close)
	p, err := geetest.NewV4(geetest.V4Config{CaptchaID: demoV4ID, CaptchaKey: demoV4Key, Endpoint: hs.URL})
	if err != nil {
		b.Fatal(err)
	}
	tk := v4Ticket("1763700000")
	for _, mode := range []struct {
		name     string
		parallel bool
	}{{"serial", false}, {"parallel", true}} {
		b.Run(mode.name, func(b *testing.B) {
			tks := make([]captcha.Ticket, b.N)
			for i := range tks {
				tks[i] = tk
			}
			runVerify(b, p, tks, mode.parallel)
		})
	}
}

// newCheckedStatusStore returns a status store on the CookieStore
// session.NewCookieStore builds, usable over plain HTTP.
func newCheckedStatusStore(b *testing.B) *session.Store {
	b.Helper()
	cs, err := session.NewCookieStore(cookieHashKey)
	if err != nil {
		b.Fatal(err)
	}
	cs.Options.Secure = false
	st, err := session.New(cs)
	if err != nil {
		b.Fatal(err)
	}
	return st
}

// staticV3 is a solved v3 ticket whose status cookie came from st, and the
// validate.php body that passes it. The ticket is reused on every
// operation: the provider itself keeps no single-use record (the core's
// ledger does), so each call does the same work.
func staticV3(b *testing.B, st *session.Store) (captcha.Ticket, []byte) {
	b.Helper()
	issued := strings.Repeat("0123456789abcdef", 2)
	seccode := strings.Repeat("5e", 16) + "|jordan"
	rec := httptest.NewRecorder()
	if err := st.SetServerStatus(rec, httptest.NewRequest(http.MethodGet, "/register", nil), geetest.NewServerStatus(true, issued, time.Now())); err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	for _, ck := range rec.Result().Cookies() {
		r.AddCookie(ck)
	}
	sum := md5.Sum([]byte(seccode))
	tk := captcha.Ticket{Request: r, ClientIP: "192.0.2.1", Values: map[string]string{
		geetest.FieldChallenge: issued + "42", geetest.FieldValidate: strings.Repeat("7a", 16), geetest.FieldSeccode: seccode,
	}}
	return tk, []byte(`{"seccode":"` + hex.EncodeToString(sum[:]) + `"}`)
}

// v3Stores are the status stores the static benchmarks compare: the one
// session.NewCookieStore builds and a plain sessions.NewCookieStore.
func v3Stores(b *testing.B) []struct {
	name string
	st   *session.Store
} {
	b.Helper()
	return []struct {
		name string
		st   *session.Store
	}{
		{"NewCookieStore", newCheckedStatusStore(b)},
		{"sessions.NewCookieStore", newStatusStore(b, cookieHashKey)},
	}
}

// BenchmarkV3VerifyStatic is a v3 validate against a server that answers
// every request with the same passing body, over loopback.
func BenchmarkV3VerifyStatic(b *testing.B) {
	for _, s := range v3Stores(b) {
		b.Run(s.name, func(b *testing.B) {
			tk, body := staticV3(b, s.st)
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(body) }))
			b.Cleanup(hs.Close)
			p := newV3(b, geetest.V3Config{StatusStore: s.st, Endpoint: hs.URL})
			tks := make([]captcha.Ticket, b.N)
			for i := range tks {
				tks[i] = tk
			}
			runVerify(b, p, tks, false)
		})
	}
}

// BenchmarkV3VerifyClient is a v3 validate whose HTTP client answers from a
// stub transport, with no connection: what is counted is the provider's
// work, net/http's client bookkeeping, and the two allocations the stub
// makes for each reply (the response and its body).
func BenchmarkV3VerifyClient(b *testing.B) {
	for _, s := range v3Stores(b) {
		b.Run(s.name, func(b *testing.B) {
			tk, body := staticV3(b, s.st)
			p := newV3(b, geetest.V3Config{StatusStore: s.st, HTTPClient: &http.Client{Transport: cannedTransport{body}}})
			tks := make([]captcha.Ticket, b.N)
			for i := range tks {
				tks[i] = tk
			}
			runVerify(b, p, tks, false)
		})
	}
}

// cannedTransport answers every request with 200 and body, after reading
// and closing the request body as a transport does.
type cannedTransport struct{ body []byte }

var cannedHeader = http.Header{"Content-Type": {"application/json;charset=UTF-8"}}

func (c cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: cannedHeader, ContentLength: int64(len(c.body)), Body: newCannedBody(c.body), Request: r,
	}, nil
}

// cannedBody is a reply body, in one allocation.
type cannedBody struct{ bytes.Reader }

func newCannedBody(b []byte) *cannedBody {
	body := new(cannedBody)
	body.Reset(b)
	return body
}

func (*cannedBody) Close() error { return nil }

// BenchmarkV3VerifyRemote is BenchmarkV3VerifyStatic with the server in a
// child process (this test binary, running TestV3ReplyServerProcess), so
// that B/op and allocs/op are the client side's alone, a real transport
// on loopback included.
func BenchmarkV3VerifyRemote(b *testing.B) {
	for _, s := range v3Stores(b) {
		b.Run(s.name, func(b *testing.B) {
			tk, body := staticV3(b, s.st)
			p := newV3(b, geetest.V3Config{StatusStore: s.st, Endpoint: replyServerProcess(b, body)})
			tks := make([]captcha.Ticket, b.N)
			for i := range tks {
				tks[i] = tk
			}
			runVerify(b, p, tks, false)
		})
	}
}

// replyEnv carries the reply body to the child process; benchGuardEnv
// overrides the hang guard on starting it (a time.ParseDuration string).
const (
	replyEnv      = "CAPTCHAKIT_BENCH_V3_REPLY"
	benchGuardEnv = "CAPTCHAKIT_BENCH_GUARD"
)

// TestV3ReplyServerProcess is not a test: run as a child process by
// BenchmarkV3VerifyRemote, it serves the body in replyEnv on a loopback
// port, prints the port's URL and serves until its standard input closes.
// Otherwise it skips.
func TestV3ReplyServerProcess(t *testing.T) {
	body := os.Getenv(replyEnv)
	if body == "" {
		t.Skip("the child process of BenchmarkV3VerifyRemote")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, body) }),
		ReadHeaderTimeout: time.Minute,
	}
	go func() { _ = srv.Serve(ln) }()
	fmt.Printf("listening http://%s\n", ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes it or exits
	_ = srv.Close()
}

// replyServerProcess starts the child process serving body and returns its
// URL; it is stopped when b ends.
func replyServerProcess(b *testing.B, body []byte) string {
	b.Helper()
	guard := 2 * time.Minute
	if d, err := time.ParseDuration(os.Getenv(benchGuardEnv)); err == nil && d > 0 {
		guard = d
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestV3ReplyServerProcess$", "-test.bench=^$", "-test.count=1")
	cmd.Env = append(os.Environ(), replyEnv+"="+string(body))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				found <- u
				break
			}
		}
		close(found)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case u, ok := <-found:
		if !ok {
			b.Fatal("the reply server process exited without listening")
		}
		return u
	case <-time.After(guard):
		_ = cmd.Process.Kill()
		b.Fatalf("the reply server process did not listen within %v (hang guard; %s overrides it)", guard, benchGuardEnv)
		return ""
	}
}
