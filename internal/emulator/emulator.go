// Package emulator is the machinery shared by the vendor emulators
// (tencenttest, aliyuntest, geetesttest): serving on loopback, fault injection
// at the HTTP level, a clock that tests can move, and a store of minted
// tickets with single use and age.
package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/captchakit/captcha/providers/providertest"
)

// Server is an emulator served on 127.0.0.1.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:<port>".
	URL string
	// Addr is "127.0.0.1:<port>".
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

// Close stops the server, its connections, and any hanging request.
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
	fault   atomic.Int32
	latency atomic.Int64
	stop    chan struct{}
	once    sync.Once
}

// SlowLatency is the delay FaultSlow adds.
const SlowLatency = 50 * time.Millisecond

// NewFaults returns a fault switch with no fault injected.
func NewFaults() *Faults { return &Faults{stop: make(chan struct{})} }

// Inject sets the current fault; providertest.FaultNone clears it.
func (f *Faults) Inject(fault providertest.Fault) { f.fault.Store(int32(fault)) }

// Current returns the current fault.
func (f *Faults) Current() providertest.Fault { return providertest.Fault(f.fault.Load()) }

// SetLatency adds d before every answer, whatever the fault.
func (f *Faults) SetLatency(d time.Duration) { f.latency.Store(int64(d)) }

func (f *Faults) release() { f.once.Do(func() { close(f.stop) }) }

// Wrap applies the transport-level faults before next runs: latency, slow,
// hang, HTTP 500/502/503 with an HTML body, a 200 whose body is malformed (the
// given truncated JSON), and a connection reset. The vendor-level faults
// (internal error, throttled, bad credentials) are left to next, which reads
// Current and answers in its vendor's own words.
func (f *Faults) Wrap(next http.Handler, malformed string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fault := f.Current()
		delay := time.Duration(f.latency.Load())
		if fault == providertest.FaultSlow {
			delay += SlowLatency
		}
		if delay > 0 && !f.wait(r, delay) {
			return
		}
		switch fault {
		case providertest.FaultHang:
			select {
			case <-r.Context().Done():
			case <-f.stop:
			}
			return
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
			return
		case providertest.FaultMalformedJSON:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(malformed))
			return
		case providertest.FaultConnReset:
			Reset(w)
			return
		}
		next.ServeHTTP(w, r)
	})
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
