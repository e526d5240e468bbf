package captcha

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"sync"
	"sync/atomic"
	"time"
)

// state is what every Verifier built on one Provider value shares, and what
// the provider's own calls outside a Verifier (GeeTest v3 register) go
// through: the circuit breaker that decides whether the vendor is down, the
// default ledger (single use and failback budgets), whether the vendor has
// answered since start, and the limiters of the loud log lines.
//
// Sharing it is what makes two routes wrapped with Require(p) one thing to an
// attacker: a ticket used on one route is used on the other, one per-client
// budget covers both, and one outage opens one breaker.
type state struct {
	name string

	mu         sync.Mutex // guards configuration (the fields below up to ledger)
	configured bool       // a Verifier fixed the breaker settings
	settings   BreakerSettings
	brk        atomic.Pointer[breaker] // nil when disabled
	ledgerOnce sync.Once
	ledger     Ledger // the default ledger, made on first use
	clientIP   atomic.Pointer[clientIPFunc]
	ipSet      bool // a Verifier chose the client-IP resolver explicitly

	answered atomic.Bool // a verdict has come back since start
	lastMis  atomic.Int64
	lastThr  atomic.Int64
	lastLed  atomic.Int64
	logger   atomic.Pointer[slog.Logger]
	obs      observers // of the breaker's changes
}

// states maps each comparable Provider value to its state. Entries live as
// long as the process: build a provider once and share it, as the package
// doc says.
var states sync.Map

// stateOf returns p's shared state, making it on first use with default
// breaker settings. A provider whose value is not comparable (a struct type
// holding a slice, say) cannot be a map key; it gets a state of its own.
func stateOf(p Provider) *state {
	if !isComparable(p) {
		return newState(p.Name())
	}
	if s, ok := states.Load(p); ok {
		return s.(*state)
	}
	s, _ := states.LoadOrStore(p, newState(p.Name()))
	return s.(*state)
}

// isComparable reports whether p's dynamic value can be a map key: false for
// a struct holding a slice, a map or a func, which would make sync.Map panic.
func isComparable(p Provider) bool {
	v := reflect.ValueOf(p)
	return v.IsValid() && v.Comparable()
}

type clientIPFunc func(*http.Request) string

func newState(name string) *state {
	s := &state{name: name}
	f := clientIPFunc(RemoteAddrIP)
	s.clientIP.Store(&f)
	s.logger.Store(slog.Default())
	s.brk.Store(newBreaker(name, BreakerSettings{}, s.changed))
	return s
}

// configure fixes the breaker settings, the client-IP resolver and the
// logger the first time a Verifier is built on the provider. A later Verifier
// that asks for other breaker settings, or another client-IP function, is a
// configuration error: one provider has one view of its vendor's health, and
// one notion of who a client is (it keys the per-client budget, and GeeTest
// v3's register step sends it too).
func (s *state) configure(c *config) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.clientIPSet {
		if s.ipSet && !sameFunc(*s.clientIP.Load(), c.clientIP) {
			return fmt.Errorf("captcha: New: provider %s already has a Verifier with another WithClientIP; "+
				"Verifiers on one provider share their client-IP resolver", s.name)
		}
		f := clientIPFunc(c.clientIP)
		s.clientIP.Store(&f)
		s.ipSet = true
	}
	if c.observer != nil {
		s.obs.add(c.observer)
	}
	set, explicit, log := c.breaker, c.breakerSet, c.logger
	if s.configured {
		if explicit && set.withDefaults() != s.settings.withDefaults() {
			return fmt.Errorf("captcha: New: provider %s already has a Verifier with other BreakerSettings; "+
				"Verifiers on one provider share its breaker, so give them the same settings", s.name)
		}
		return nil
	}
	s.configured = true
	s.logger.Store(log)
	if set.withDefaults() != s.settings.withDefaults() {
		s.settings = set
		s.brk.Store(newBreaker(s.name, set, s.changed))
	}
	return nil
}

// log writes through the logger of the first Verifier built on the provider
// (the breaker's state changes, Guard's lines).
func (s *state) log(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	logTo(s.logger.Load(), ctx, level, msg, attrs...)
}

// logTo writes one line to l with the attributes ctx carries (see
// ContextWithLogAttrs).
func logTo(l *slog.Logger, ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	if !l.Enabled(ctx, level) {
		return
	}
	if extra := logAttrs(ctx); len(extra) > 0 {
		attrs = append(attrs, extra...)
	}
	l.LogAttrs(ctx, level, msg, attrs...)
}

func (s *state) defaultLedger() Ledger {
	s.ledgerOnce.Do(func() { s.ledger = NewMemoryLedger() })
	return s.ledger
}

// breaker returns the provider's breaker, or nil when it is disabled.
func (s *state) breaker() *breaker { return s.brk.Load() }

// run makes one vendor call through the breaker and reports its outcome to
// the breaker and the health record. It returns false, without calling,
// while the breaker is open (or half-open with its probes taken). Without a
// breaker every call runs. call's error is what the caller keeps; the breaker
// sees only its health class.
func (s *state) run(call func() error) bool {
	b := s.breaker()
	if b == nil {
		s.note(call())
		return true
	}
	ran := false
	_, _ = b.cb.Execute(func() (struct{}, error) {
		ran = true
		err := call()
		s.note(err)
		return struct{}{}, healthOutcome(err)
	})
	return ran
}

// note records whether a call's outcome was an answer from the vendor.
func (s *state) note(err error) {
	if answered(err) && !s.answered.Load() {
		s.answered.Store(true)
	}
}

// answered reports whether a call's outcome is a reply from the vendor that
// tells something about the ticket or the account: a verdict, a throttle,
// a refusal of our credentials in the vendor's own words.
func answered(err error) bool {
	if err == nil {
		return true
	}
	var ve *VerifyError
	i := classify(err)
	return i >= 0 && outcomes[i].health == healthAnswer && errors.As(err, &ve) && !isTransportCode(ve.Code)
}

// limited logs one line per kind at most once a minute: a wrong key or a
// throttled account under load must be loud, not a flood.
// The limit is per provider: Verifiers on one provider share it.
func (s *state) limited(l *slog.Logger, ctx context.Context, last *atomic.Int64, level slog.Level, msg string, attrs ...slog.Attr) {
	now := time.Now().UnixNano()
	prev := last.Load()
	if now-prev < int64(time.Minute) || !last.CompareAndSwap(prev, now) {
		return
	}
	logTo(l, ctx, level, msg, attrs...)
}

// sameFunc reports whether a and b are the same function (closures of one
// function literal count as the same).
func sameFunc(a, b func(*http.Request) string) bool {
	return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer()
}

// ClientIP resolves the client address of r as the Verifiers built on p do
// (their WithClientIP, or RemoteAddrIP while none chose one). Providers call
// it for requests they handle outside a Verifier, such as GeeTest v3's
// register step, so that register and validate send the vendor the same
// address from one resolver configured once.
func ClientIP(p Provider, r *http.Request) string {
	return (*stateOf(p).clientIP.Load())(r)
}

// Guard runs call, a request to p's vendor made outside a Verifier (GeeTest
// v3's register step), through p's circuit breaker: the one every Verifier
// built on p shares. While the breaker is open it does not run call and
// returns at once an error wrapping [ErrUnavailable] with Code
// "breaker-open"; otherwise it returns call's error, which must be classified
// as a Provider's is, and counts an unavailable outcome toward opening the
// breaker. Throttling and misconfiguration are logged at most once a minute,
// as a Verifier logs them.
//
// Providers call Guard so that an outage their own calls see opens failback
// for their tickets too, and so that while the vendor is down those calls
// cost nothing instead of a timeout each.
func Guard(ctx context.Context, p Provider, call func() error) error {
	s := stateOf(p)
	var err error
	if !s.run(func() error { err = call(); return err }) {
		return &VerifyError{Provider: s.name, Code: "breaker-open", Err: ErrUnavailable}
	}
	s.logClass(s.logger.Load(), ctx, err)
	return err
}

// logClass writes the rate-limited line for an error that fails closed
// loudly: misconfiguration and throttling.
func (s *state) logClass(l *slog.Logger, ctx context.Context, err error) {
	switch {
	case err == nil:
	case errors.Is(err, ErrMisconfigured):
		s.limited(l, ctx, &s.lastMis, slog.LevelError, "captcha: provider refused our configuration; failing closed",
			slog.String("provider", s.name), slog.String("error", err.Error()))
	case errors.Is(err, ErrThrottled):
		s.limited(l, ctx, &s.lastThr, slog.LevelWarn, "captcha: provider throttled; failing closed",
			slog.String("provider", s.name), slog.String("error", err.Error()))
	}
}
