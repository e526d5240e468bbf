package adapters_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/tencent"
	"github.com/captchakit/captcha/providers/tencent/tencenttest"
)

// BenchmarkTableProtected backs the "full protected request ÷ bare provider
// call" row of scripts/bench.sh, which also counts its instructions per
// operation under valgrind. The Tencent emulator runs in a child process
// (which valgrind does not trace), started once and never waited for, so
// that no SIGCHLD reaches a process valgrind runs (callgrind 3.19 can abort
// on one); with tableMintEnv set, every run mints the same number of tickets
// whatever b.N, so that two runs differing only in b.N differ by exactly ΔN
// requests.

// Environment and paths of the table benchmark.
const (
	// tableEmulatorEnv makes TestTableEmulatorProcess serve.
	tableEmulatorEnv = "CAPTCHAKIT_TABLE_EMULATOR"
	// tableMintEnv, a count, is how many tickets each run mints at least.
	tableMintEnv = "CAPTCHAKIT_BENCH_MINT"
	// tableMintPath mints n=<count> tickets in one reply, one
	// "<ticket> <randstr>" line each.
	tableMintPath = "/bench/mint"
	// tableDropPath closes the child's idle connections, so that no
	// keep-alive goroutine of ours outlives the benchmark.
	tableDropPath = "/bench/drop-idle"
)

// TestTableEmulatorProcess is not a test: BenchmarkTableProtected runs this
// test binary again with tableEmulatorEnv set, to serve the Tencent emulator
// (plus tableMintPath and tableDropPath) from another process. It prints
// "EMULATOR <base URL>" and serves until its standard input closes, which is
// when its parent exits.
func TestTableEmulatorProcess(t *testing.T) {
	if os.Getenv(tableEmulatorEnv) == "" {
		t.Skip("helper process for BenchmarkTableProtected")
	}
	e := tencenttest.New(tencenttest.Config{})
	srv := &http.Server{ReadHeaderTimeout: time.Minute}
	mux := http.NewServeMux()
	mux.Handle("/", e)
	mux.HandleFunc(tableMintPath, func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil || n < 0 || n > 1<<20 {
			http.Error(w, "n: want a count up to 2^20", http.StatusBadRequest)
			return
		}
		bw := bufio.NewWriter(w)
		for range n {
			tk := e.Mint(0)
			_, _ = bw.WriteString(tk.Ticket + " " + tk.Randstr + "\n")
		}
		_ = bw.Flush()
	})
	mux.HandleFunc(tableDropPath, func(http.ResponseWriter, *http.Request) {
		srv.SetKeepAlivesEnabled(false) // closes the idle connections
		srv.SetKeepAlivesEnabled(true)
	})
	srv.Handler = mux
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	fmt.Println("EMULATOR", "http://"+ln.Addr().String())
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = srv.Close()
}

// tableChild is the emulator process, started once.
var tableChild struct {
	once  sync.Once
	url   string
	err   error
	stdin io.WriteCloser // held open: the child exits when we do
}

// tableEmulator returns the base URL of the emulator process, starting it on
// first use. Its idle connections are closed when b ends.
func tableEmulator(b *testing.B) string {
	b.Helper()
	c := &tableChild
	c.once.Do(func() {
		cmd := exec.Command(os.Args[0], "-test.run=^TestTableEmulatorProcess$", "-test.bench=^$", "-test.count=1", "-test.v=false")
		cmd.Env = append(os.Environ(), tableEmulatorEnv+"=1")
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			c.err = err
			return
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			c.err = err
			return
		}
		if err := cmd.Start(); err != nil {
			c.err = err
			return
		}
		c.stdin = stdin
		line, err := bufio.NewReader(stdout).ReadString('\n')
		u, ok := strings.CutPrefix(strings.TrimSpace(line), "EMULATOR ")
		if !ok {
			c.err = fmt.Errorf("emulator process printed %q: %v", line, err)
			return
		}
		c.url = u
	})
	if c.err != nil {
		b.Fatal(c.err)
	}
	b.Cleanup(func() { tableDropIdle(b, c.url) })
	return c.url
}

// tableDropIdle asks the emulator process to close its idle connections,
// on a connection of its own that closes too.
func tableDropIdle(b *testing.B, baseURL string) {
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // b's own is done by now
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+tableDropPath, nil)
	if err != nil {
		b.Errorf("drop idle connections: %v", err)
		return
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		b.Errorf("drop idle connections: %v", err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}

// tableTickets mints max(n, $CAPTCHAKIT_BENCH_MINT) tickets in the emulator
// process with one request.
func tableTickets(b *testing.B, baseURL string, n int) []tencenttest.Ticket {
	b.Helper()
	if s := os.Getenv(tableMintEnv); s != "" {
		m, err := strconv.Atoi(s)
		if err != nil || m < 0 {
			b.Fatalf("%s=%q: want a count", tableMintEnv, s)
		}
		n = max(n, m)
	}
	req, err := http.NewRequestWithContext(b.Context(), http.MethodGet, baseURL+tableMintPath+"?n="+strconv.Itoa(n), nil)
	if err != nil {
		b.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("mint: status %d, %v", resp.StatusCode, err)
	}
	tks := make([]tencenttest.Ticket, 0, n)
	for line := range bytes.Lines(body) {
		tk, rs, ok := strings.Cut(strings.TrimSpace(string(line)), " ")
		if !ok {
			b.Fatalf("mint: line %q", line)
		}
		tks = append(tks, tencenttest.Ticket{Ticket: tk, Randstr: rs, AppID: tencenttest.DemoAppID})
	}
	if len(tks) != n {
		b.Fatalf("mint: got %d tickets, want %d", len(tks), n)
	}
	return tks
}

// BenchmarkTableProtected is a passing request through each router with the
// Tencent provider behind the middleware, against the emulator in a child
// process; "provider" is the bare provider call, Verify on a ready Ticket,
// with the same tickets. A full protected request costs <router> ÷ provider
// times a bare call. Requests and Tickets are built before the timer.
func BenchmarkTableProtected(b *testing.B) {
	baseURL := tableEmulator(b)
	newProvider := func(b *testing.B) *tencent.Provider {
		p, err := tencent.New(tencent.Config{
			SecretID: tencenttest.DemoSecretID, SecretKey: tencenttest.DemoSecretKey,
			AppID: tencenttest.DemoAppID, AppSecretKey: tencenttest.DemoAppSecretKey, Endpoint: baseURL,
		})
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
	b.Run("provider", func(b *testing.B) {
		p := newProvider(b)
		tks := tableTickets(b, baseURL, b.N)
		ts := make([]captcha.Ticket, len(tks))
		for i, tk := range tks {
			ts[i] = captcha.Ticket{Values: map[string]string{"ticket": tk.Ticket, "randstr": tk.Randstr}, ClientIP: "192.0.2.1"}
		}
		ctx := b.Context()
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if res, err := p.Verify(ctx, ts[i]); err != nil || !res.Passed {
				b.Fatalf("Verify = (%+v, %v)", res, err)
			}
		}
	})
	target, _ := url.Parse("/login")
	for _, rt := range benchRouters {
		b.Run(rt.name, func(b *testing.B) {
			v, err := captcha.New(newProvider(b), captcha.WithLogger(slog.New(slog.DiscardHandler)))
			if err != nil {
				b.Fatal(err)
			}
			h := rt.build(v)
			tks := tableTickets(b, baseURL, b.N)
			reqs := make([]*http.Request, len(tks))
			for i, tk := range tks {
				reqs[i] = &http.Request{
					Method: http.MethodPost, URL: target, RemoteAddr: "192.0.2.1:1234",
					Header: http.Header{"X-Captcha-Ticket": {tk.Ticket}, "X-Captcha-Randstr": {tk.Randstr}},
				}
			}
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				w.code = 0
				h.ServeHTTP(w, reqs[i])
				if w.code != 0 && w.code != http.StatusOK {
					b.Fatalf("status %d, want 200", w.code)
				}
			}
		})
	}
}
