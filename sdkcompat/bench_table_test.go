package sdkcompat_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
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

// The benchmark below backs the "Tencent verify ÷ official SDK" row of
// scripts/bench.sh, which also counts its instructions per operation under
// valgrind. Two things make it fit for that, beside BenchmarkTencentVerify:
//
//   - the emulator's child process lives as long as this process and is
//     never waited for, so no SIGCHLD arrives while valgrind runs it
//     (callgrind 3.19 can abort on a signal delivered to a Go program);
//   - with tableMintEnv set, every run mints the same number of tickets
//     whatever b.N, so two runs that differ only in b.N differ by exactly
//     ΔN verifications: minting and start-up cancel.

// Environment of the table benchmarks.
const (
	// tableEmulatorEnv makes TestTableEmulatorProcess serve.
	tableEmulatorEnv = "SDKCOMPAT_TABLE_EMULATOR"
	// tableMintEnv, a count, is how many tickets each run mints at least.
	tableMintEnv = "CAPTCHAKIT_BENCH_MINT"
	// tableMintPath mints n=<count> tickets in one reply, one
	// "<ticket> <randstr>" line each.
	tableMintPath = "/bench/mint"
	// tableDropPath closes the child's idle connections, so that no
	// keep-alive goroutine of ours outlives the benchmark.
	tableDropPath = "/bench/drop-idle"
)

// TestTableEmulatorProcess is not a test: BenchmarkTableTencentVerify runs
// this test binary again with tableEmulatorEnv set, to serve the Tencent
// emulator (plus tableMintPath and tableDropPath) from a process valgrind
// does not trace. It prints "EMULATOR <base URL> <host:port>" and serves
// until its standard input closes, which is when its parent exits.
func TestTableEmulatorProcess(t *testing.T) {
	if os.Getenv(tableEmulatorEnv) == "" {
		t.Skip("helper process for BenchmarkTableTencentVerify")
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
	fmt.Println("EMULATOR", "http://"+ln.Addr().String(), ln.Addr().String())
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = srv.Close()
}

// tableChild is the emulator process, started once.
var tableChild struct {
	once      sync.Once
	url, host string
	err       error
	stdin     io.WriteCloser // held open: the child exits when we do
}

// tableEmulator returns the base URL and host:port of the emulator process,
// starting it on first use. Its idle connections are closed when b ends.
func tableEmulator(b *testing.B) (baseURL, host string) {
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
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "EMULATOR ")
		if !ok {
			c.err = fmt.Errorf("emulator process printed %q: %v", line, err)
			return
		}
		if _, err := fmt.Sscan(rest, &c.url, &c.host); err != nil {
			c.err = fmt.Errorf("emulator process printed %q: %v", line, err)
		}
	})
	if c.err != nil {
		b.Fatal(c.err)
	}
	b.Cleanup(func() { tableDropIdle(b, c.url) })
	return c.url, c.host
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

// BenchmarkTableTencentVerify is one passing verification, serial, by our
// provider, by the official SDK's common client and by the plain signed
// net/http call, against the emulator in a child process: B/op and
// allocs/op are the client's alone. Tickets are minted before the timer.
func BenchmarkTableTencentVerify(b *testing.B) {
	baseURL, host := tableEmulator(b)
	p, err := tencent.New(tencent.Config{
		SecretID: tencenttest.DemoSecretID, SecretKey: tencenttest.DemoSecretKey,
		AppID: tencenttest.DemoAppID, AppSecretKey: tencenttest.DemoAppSecretKey, Endpoint: baseURL,
	})
	if err != nil {
		b.Fatal(err)
	}
	sdk := tencentSDKClient(tencenttest.DemoSecretID, tencenttest.DemoSecretKey, "", host)
	plain := &plainTencent{
		url: baseURL + "/", host: host, id: tencenttest.DemoSecretID, key: tencenttest.DemoSecretKey,
		appID: tencenttest.DemoAppID, appSecret: tencenttest.DemoAppSecretKey,
	}
	ctx := context.Background()
	clients := []struct {
		name   string
		verify func(tb testing.TB, tk tencenttest.Ticket) error
	}{
		{"captchakit", func(_ testing.TB, tk tencenttest.Ticket) error {
			res, err := p.Verify(ctx, captcha.Ticket{
				Values: map[string]string{"ticket": tk.Ticket, "randstr": tk.Randstr}, ClientIP: "203.0.113.7"})
			if err == nil && !res.Passed {
				err = fmt.Errorf("code %s", res.Code)
			}
			return err
		}},
		{"sdk", func(tb testing.TB, tk tencenttest.Ticket) error {
			if code, errCode := tencentSDKVerify(tb, sdk, tk.Ticket, tk.Randstr, tk.AppID, tencenttest.DemoAppSecretKey); code != 1 {
				return fmt.Errorf("code %d %s", code, errCode)
			}
			return nil
		}},
		{"nethttp", func(_ testing.TB, tk tencenttest.Ticket) error {
			code, err := plain.verify(ctx, tk.Ticket, tk.Randstr, "203.0.113.7")
			if err == nil && code != 1 {
				err = fmt.Errorf("code %d", code)
			}
			return err
		}},
	}
	for _, c := range clients {
		b.Run(c.name, func(b *testing.B) {
			tickets := tableTickets(b, baseURL, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if err := c.verify(b, tickets[i]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
