// Package emulator is the machinery shared by the vendor emulators
// (tencenttest, aliyuntest, geetesttest): serving on loopback, fault injection
// at the HTTP level, a clock that tests can move, and a store of minted
// tickets with single use and age.
//
// The emulators deliberately do not import the providers they test. Each
// re-implements, from the vendor's documentation, what it checks: Tencent's
// TC3 and Alibaba's ACS3/RPC signatures, GeeTest's challenge hashing and
// sign_token, the reply bodies. An emulator that called the provider's own
// signer would accept whatever that signer produces, bugs included; written
// apart, each is an independent oracle, checked against the vendors' test
// vectors and their official SDKs (sdkcompat/). Only this transport-level
// machinery, which judges nothing, is shared.
package emulator

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/captchakit/captcha/providers/providertest"
)

// Server is an emulator served on 127.0.0.1. The emulator packages embed it
// in their own Server, which so has its URL, Addr and Close.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:<port>": a provider's endpoint,
	// and the origin of the stand-in scripts for pages.
	URL string
	// Addr is "127.0.0.1:<port>", the host a client signs (the official
	// SDKs' endpoint setting).
	Addr string

	srv    *http.Server
	faults *Faults
}

// Serve serves h on a free loopback port. faults may be nil; if not, Close
// releases requests it holds hanging.
func Serve(h http.Handler, faults *Faults) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{
		URL:    "http://" + ln.Addr().String(),
		Addr:   ln.Addr().String(),
		srv:    &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
		faults: faults,
	}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// ForTest calls start, fails t (naming pkg) if it fails, and closes the
// server when the test ends: the NewServer of every emulator package.
func ForTest[S io.Closer](t testing.TB, pkg string, start func() (S, error)) S {
	t.Helper()
	s, err := start()
	if err != nil {
		t.Fatalf("%s: start emulator: %v", pkg, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Close stops the server, its connections, and any request held by
// FaultHang.
func (s *Server) Close() error {
	if s.faults != nil {
		s.faults.release()
	}
	err := s.srv.Close()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Faults holds the fault an emulator currently injects. The zero value is
// not usable; call NewFaults.
type Faults struct {
	mu      sync.Mutex
	fault   providertest.Fault
	changed chan struct{} // closed, and replaced, when Inject changes fault
	latency atomic.Int64
	held    atomic.Int64 // requests FaultHang holds now
	calls   atomic.Int64 // requests that reached a Wrap'd handler
	stop    chan struct{}
	once    sync.Once
}

// SlowLatency is the delay FaultSlow adds.
const SlowLatency = 50 * time.Millisecond

// NewFaults returns a fault switch with no fault injected.
func NewFaults() *Faults {
	return &Faults{changed: make(chan struct{}), stop: make(chan struct{})}
}

// Inject sets the current fault; providertest.FaultNone clears it. A request
// held by FaultHang is released when the fault changes, and answered as the
// new fault (or none) says.
func (f *Faults) Inject(fault providertest.Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fault == f.fault {
		return
	}
	f.fault = fault
	close(f.changed)
	f.changed = make(chan struct{})
}

// Current returns the current fault.
func (f *Faults) Current() providertest.Fault {
	fault, _ := f.state()
	return fault
}

// state returns the current fault and the channel closed when it changes.
func (f *Faults) state() (providertest.Fault, <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fault, f.changed
}

// Held returns how many requests FaultHang holds now.
func (f *Faults) Held() int { return int(f.held.Load()) }

// SetLatency adds d before every answer, whatever the fault.
func (f *Faults) SetLatency(d time.Duration) { f.latency.Store(int64(d)) }

func (f *Faults) release() { f.once.Do(func() { close(f.stop) }) }

// Wrap applies the transport-level faults before next runs: latency, slow,
// hang, HTTP 500/502/503 with an HTML body, a 200 whose body is malformed (the
// given truncated JSON), and a connection reset. The vendor-level faults
// (internal error, throttled, bad credentials) are left to next, which reads
// Current and answers in its vendor's own words.
//
// A request that waits (for latency, or held by FaultHang) ends as soon as
// its client goes away or the emulator closes; one held by FaultHang also
// ends when Inject changes the fault, and is then answered as the new fault
// says, as a vendor that recovers answers the requests it was holding.
func (f *Faults) Wrap(next http.Handler, malformed string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		held := false
		for {
			fault, changed := f.state()
			delay := time.Duration(f.latency.Load())
			if fault == providertest.FaultSlow {
				delay += SlowLatency
			}
			if (delay > 0 || fault == providertest.FaultHang) && !held {
				if holdBody(r) != nil {
					return
				}
				held = true
			}
			if delay > 0 && !f.wait(r, delay) {
				return
			}
			if fault != providertest.FaultHang {
				f.answer(w, r, fault, next, malformed)
				return
			}
			if !f.hang(r, changed) {
				return
			}
		}
	})
}

// hang holds r until changed is closed, and then reports true; or until its
// client goes away or the emulator closes, and then reports false.
func (f *Faults) hang(r *http.Request, changed <-chan struct{}) bool {
	f.held.Add(1)
	defer f.held.Add(-1)
	select {
	case <-changed:
		return true
	case <-r.Context().Done():
		return false
	case <-f.stop:
		return false
	}
}

// answer answers r as fault says: a transport-level fault here, the rest by
// next.
func (f *Faults) answer(w http.ResponseWriter, r *http.Request, fault providertest.Fault, next http.Handler, malformed string) {
	switch fault {
	case providertest.FaultHTTP500, providertest.FaultHTTP502, providertest.FaultHTTP503:
		code := http.StatusInternalServerError
		switch fault {
		case providertest.FaultHTTP502:
			code = http.StatusBadGateway
		case providertest.FaultHTTP503:
			code = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(code)
		_, _ = w.Write([]byte("<html><body><h1>" + http.StatusText(code) + "</h1></body></html>\n"))
	case providertest.FaultMalformedJSON:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(malformed))
	case providertest.FaultConnReset:
		Reset(w)
	default:
		next.ServeHTTP(w, r)
	}
}

func (f *Faults) wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-f.stop:
		return false
	}
}

// maxHeldBody bounds the request body holdBody keeps for the handler, above
// every emulator's own limit (64 KiB to 1 MiB).
const maxHeldBody = 2 << 20

// errHeldBodyTooLarge is what the handler reads after the first maxHeldBody
// bytes of a larger body.
var errHeldBodyTooLarge = errors.New("emulator: request body too large")

// holdBody reads r's body to its end before the handler waits, and puts it
// back for the handler to read when the wait is over. It returns an error
// when the body cannot be read (the client went away, or sent a broken
// body): there is no one left to answer.
//
// Reading the body is what lets a waiting handler see its client leave:
// net/http watches an HTTP/1 connection for the client's close, and then
// cancels r.Context, only once the handler has read the request body to its
// end (before that, what arrives on the connection is the body's). A body is
// read to its end even over maxHeldBody, so that the watch starts; the
// handler then reads its first maxHeldBody bytes and errHeldBodyTooLarge.
func holdBody(r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(r.Body, maxHeldBody+1)); err != nil {
		return err
	}
	var held io.Reader = &buf
	if buf.Len() > maxHeldBody {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return err
		}
		buf.Truncate(maxHeldBody)
		held = io.MultiReader(&buf, errReader{errHeldBodyTooLarge})
	}
	r.Body = heldBody{Reader: held, Closer: r.Body}
	return nil
}

// heldBody is a request body read ahead by holdBody: Read serves the held
// bytes, Close closes the original body.
type heldBody struct {
	io.Reader
	io.Closer
}

// errReader is a reader that fails with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// Reset hijacks the connection behind w and closes it with SO_LINGER 0, so the
// client sees a TCP reset.
func Reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("emulator: ResponseWriter cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// Controls are what a test turns on any emulator: the fault its API answers
// with, the latency before each answer, the clock, and the count of API
// calls. Every emulator embeds one, so these are its own methods; what each
// fault looks like in a vendor's words is on the emulator's type.
type Controls struct {
	clock  Clock
	faults *Faults
}

// NewControls returns the controls over faults, an emulator's API handlers
// being wrapped with faults.Wrap.
func NewControls(faults *Faults) *Controls { return &Controls{faults: faults} }

// Inject sets the fault the emulator's API answers with;
// providertest.FaultNone clears it. A request held by FaultHang is then
// answered as the new fault (or none) says.
func (c *Controls) Inject(f providertest.Fault) { c.faults.Inject(f) }

// SetLatency delays every API answer by d, whatever the fault.
func (c *Controls) SetLatency(d time.Duration) { c.faults.SetLatency(d) }

// Advance moves the emulator's clock by d, for expiry tests: what it
// minted ages, and checks against its clock (timestamps, lifetimes) see the
// moved time. Point a client's clock at Now where it signs with one.
func (c *Controls) Advance(d time.Duration) { c.clock.Advance(d) }

// Now returns the emulator's current time.
func (c *Controls) Now() time.Time { return c.clock.Now() }

// Calls reports how many API requests the emulator received, faulty ones
// included (scripts, pages and mint requests are not API requests).
func (c *Controls) Calls() int64 { return c.faults.calls.Load() }

// Clock is the emulator's time: the wall clock plus an offset tests can move.
type Clock struct{ offset atomic.Int64 }

// Now returns the emulator's current time.
func (c *Clock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// Advance moves the emulator's clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// Record is one minted ticket.
type Record[T any] struct {
	Value  T
	Issued time.Time
	Used   bool
}

// Retention is how long a Store keeps a minted ticket, far beyond every
// vendor's ticket lifetime (5 to 20 minutes). An older ticket is forgotten and
// judged as one the emulator never minted.
const Retention = time.Hour

// pruneEvery is how many Puts pass between two sweeps of old tickets, so that
// a long-running emulator (a demo, a load test) stays bounded at O(1)
// amortised cost.
const pruneEvery = 1024

// Store keeps minted tickets by ID for Retention. It is safe for concurrent
// use.
type Store[T any] struct {
	mu   sync.Mutex
	m    map[string]*Record[T]
	puts int
}

// Put records v under id, issued at issued.
func (s *Store[T]) Put(id string, v T, issued time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]*Record[T])
	}
	s.m[id] = &Record[T]{Value: v, Issued: issued}
	if s.puts++; s.puts%pruneEvery == 0 {
		cutoff := issued.Add(-Retention)
		for k, r := range s.m {
			if r.Issued.Before(cutoff) {
				delete(s.m, k)
			}
		}
	}
}

// Len returns the number of tickets kept.
func (s *Store[T]) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// Use marks id used and returns its record as it was before this call; ok is
// false for an unknown id.
func (s *Store[T]) Use(id string) (rec Record[T], ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[id]
	if !ok {
		return Record[T]{}, false
	}
	rec = *r
	r.Used = true
	return rec, true
}

// Peek returns id's record without using it.
func (s *Store[T]) Peek(id string) (Record[T], bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[id]
	if !ok {
		return Record[T]{}, false
	}
	return *r, true
}

// RandomHex returns n random bytes from crypto/rand as 2n hex digits.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
