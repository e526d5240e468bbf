package emulator_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/captchakit/captcha/internal/emulator"
	"github.com/captchakit/captcha/internal/leakcheck"
	"github.com/captchakit/captcha/providers/providertest"
)

// rig serves faults.Wrap(echo) on an httptest server and counts what is
// still open on it: connections, and handlers that have not returned.
type rig struct {
	faults   *emulator.Faults
	srv      *httptest.Server
	client   *http.Client
	handlers atomic.Int64
	mu       sync.Mutex
	conns    map[net.Conn]bool
}

// echo answers 200 with the request body it reads, or 413 when the body
// cannot be read.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "unreadable body", http.StatusRequestEntityTooLarge)
		return
	}
	_, _ = w.Write(body)
})

func newRig(t *testing.T) *rig {
	t.Helper()
	g := &rig{faults: emulator.NewFaults(), conns: map[net.Conn]bool{}}
	wrapped := g.faults.Wrap(echo, `{"trunc`)
	g.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.handlers.Add(1)
		defer g.handlers.Add(-1)
		wrapped.ServeHTTP(w, r)
	}))
	g.srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		g.mu.Lock()
		defer g.mu.Unlock()
		switch s {
		case http.StateNew:
			g.conns[c] = true
		case http.StateClosed, http.StateHijacked:
			delete(g.conns, c)
		}
	}
	g.srv.Start()
	t.Cleanup(g.srv.Close) // waits for every handler to return
	// Release what FaultHang still holds if the test failed, so that Close
	// returns.
	t.Cleanup(func() { g.faults.Inject(providertest.FaultNone) })
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	g.client = &http.Client{Transport: tr}
	return g
}

func (g *rig) openConns() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns)
}

// eventually polls cond until it holds, and fails t if it still does not
// once the leak-check guard has passed: the machine may be slow, so there
// is no tighter bound.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	guard, err := leakcheck.Timeout()
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(guard)
	for pause := time.Millisecond; !cond(); pause = min(2*pause, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not so after %v", what, guard)
		}
		time.Sleep(pause)
	}
}

// request makes a request with method and, for POST, a small JSON body, as
// the providers send.
func request(t *testing.T, ctx context.Context, method, url string) *http.Request {
	t.Helper()
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(`{"Ticket":"tr03-not-a-secret","Randstr":"@abc"}`)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestGH11HangEndsWhenClientLeaves: requests held by FaultHang end when their
// clients give up, so handlers and connections do not pile up while the
// fault stays on.
func TestGH11HangEndsWhenClientLeaves(t *testing.T) {
	t.Parallel()
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			g := newRig(t)
			g.faults.Inject(providertest.FaultHang)
			const n = 16
			ctx, giveUp := context.WithCancel(t.Context())
			defer giveUp()
			errs := make(chan error, n)
			for range n {
				go func() {
					resp, err := g.client.Do(request(t, ctx, method, g.srv.URL))
					if err == nil {
						resp.Body.Close()
					}
					errs <- err
				}()
			}
			eventually(t, "all requests held", func() bool { return g.faults.Held() == n })
			giveUp()
			for range n {
				if err := <-errs; err == nil {
					t.Error("a request held by FaultHang was answered after its client gave up")
				}
			}
			eventually(t, "no handler left running", func() bool { return g.handlers.Load() == 0 })
			eventually(t, "no connection left open", func() bool { return g.openConns() == 0 })
			if got := g.faults.Held(); got != 0 {
				t.Errorf("Held() = %d once every client gave up, want 0", got)
			}
			if got := g.faults.Current(); got != providertest.FaultHang {
				t.Errorf("Current() = %v, want the fault still on", got)
			}
		})
	}
}

// TestGH11HangReleasedWhenFaultChanges: a request held by FaultHang is
// answered as the new fault says once Inject changes it, with the body it
// sent still there for the handler.
func TestGH11HangReleasedWhenFaultChanges(t *testing.T) {
	t.Parallel()
	const body = `{"Ticket":"tr03-not-a-secret","Randstr":"@abc"}`
	tests := []struct {
		name       string
		method     string
		next       providertest.Fault
		wantStatus int
		wantBody   string
	}{
		{name: "cleared post", method: http.MethodPost, next: providertest.FaultNone, wantStatus: 200, wantBody: body},
		{name: "cleared get", method: http.MethodGet, next: providertest.FaultNone, wantStatus: 200, wantBody: ""},
		{name: "slow", method: http.MethodPost, next: providertest.FaultSlow, wantStatus: 200, wantBody: body},
		{name: "http-503", method: http.MethodPost, next: providertest.FaultHTTP503, wantStatus: 503},
		{name: "malformed", method: http.MethodPost, next: providertest.FaultMalformedJSON, wantStatus: 200, wantBody: `{"trunc`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newRig(t)
			g.faults.Inject(providertest.FaultHang)
			type answer struct {
				status int
				body   string
				err    error
			}
			done := make(chan answer, 1)
			go func() {
				resp, err := g.client.Do(request(t, t.Context(), tt.method, g.srv.URL))
				if err != nil {
					done <- answer{err: err}
					return
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				done <- answer{resp.StatusCode, string(b), err}
			}()
			eventually(t, "request held", func() bool { return g.faults.Held() == 1 })
			g.faults.Inject(providertest.FaultHang) // no change: still held
			g.faults.Inject(tt.next)
			got := <-done
			if got.err != nil {
				t.Fatalf("request released by Inject(%v): %v", tt.next, got.err)
			}
			if got.status != tt.wantStatus || (tt.wantBody != "" || tt.method == http.MethodGet) && got.body != tt.wantBody {
				t.Errorf("released by Inject(%v): %d %q, want %d %q", tt.next, got.status, got.body, tt.wantStatus, tt.wantBody)
			}
			if got := g.faults.Held(); got != 0 {
				t.Errorf("Held() = %d after the release, want 0", got)
			}
		})
	}
}

// TestLatencyKeepsBody: a request that waits for latency reaches the handler
// with its body intact; one over the held limit reaches it with a read
// error, not a truncated body.
func TestLatencyKeepsBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		body       string
		wantStatus int
	}{
		{name: "small", body: `{"a":1}`, wantStatus: 200},
		{name: "empty", body: "", wantStatus: 200},
		{name: "too large", body: strings.Repeat("x", 2<<20+1), wantStatus: http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newRig(t)
			g.faults.SetLatency(time.Millisecond)
			resp, err := g.client.Post(g.srv.URL, "application/json", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus == 200 && string(b) != tt.body {
				t.Errorf("handler read %d bytes, want the %d sent", len(b), len(tt.body))
			}
		})
	}
}

// TestLatencyEndsWhenClientLeaves: a request waiting for a long latency ends
// when its client gives up, not when the latency is over.
func TestLatencyEndsWhenClientLeaves(t *testing.T) {
	t.Parallel()
	faults := emulator.NewFaults()
	faults.SetLatency(24 * time.Hour)
	var handlers atomic.Int64
	wrapped := faults.Wrap(echo, "{")
	// Served by Serve, whose Close ends the wait if the test fails.
	srv, err := emulator.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlers.Add(1)
		defer handlers.Add(-1)
		wrapped.ServeHTTP(w, r)
	}), faults)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	ctx, giveUp := context.WithCancel(t.Context())
	errs := make(chan error, 1)
	go func() {
		resp, err := (&http.Client{Transport: tr}).Do(request(t, ctx, http.MethodPost, srv.URL))
		if err == nil {
			resp.Body.Close()
		}
		errs <- err
	}()
	eventually(t, "request in the handler", func() bool { return handlers.Load() == 1 })
	giveUp()
	if err := <-errs; err == nil {
		t.Error("a request waiting for a day of latency was answered")
	}
	eventually(t, "no handler left running", func() bool { return handlers.Load() == 0 })
}

// TestCloseReleasesHang: closing the emulator ends the requests FaultHang
// holds.
func TestCloseReleasesHang(t *testing.T) {
	t.Parallel()
	faults := emulator.NewFaults()
	faults.Inject(providertest.FaultHang)
	srv, err := emulator.Serve(faults.Wrap(echo, "{"), faults)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	errs := make(chan error, 1)
	go func() {
		resp, err := (&http.Client{Transport: tr}).Do(request(t, t.Context(), http.MethodPost, srv.URL))
		if err == nil {
			resp.Body.Close()
		}
		errs <- err
	}()
	eventually(t, "request held", func() bool { return faults.Held() == 1 })
	if err := srv.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	<-errs
	eventually(t, "hang released", func() bool { return faults.Held() == 0 })
}
