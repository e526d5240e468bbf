package captcha

import (
	"log/slog"
	"net/http"
	"time"
)

// Option configures a Verifier. Options are created by the With* functions;
// a nil function, handler, ledger, logger or observer leaves the default in
// place. Values New refuses (a non-positive timeout, a nil provider in
// WithFailover) are errors, not defaults.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	errorHandler ErrorHandler
	extractor    Extractor
	clientIP     func(*http.Request) string
	clientIPSet  bool // WithClientIP was given
	timeout      time.Duration
	ledger       Ledger
	logger       *slog.Logger
	policy       FailbackPolicy
	replayWindow time.Duration
	breaker      BreakerSettings
	breakerSet   bool // WithBreaker was given
	ledgerWait   time.Duration
	failover     []Provider // WithFailover
	stepUp       Provider   // WithStepUp
	stepUpBudget Budget
	observer     Observer                 // WithObserver
	skip         func(*http.Request) bool // UnsafeSkipVerify
	risk         func(*Result) RiskAction // WithRiskPolicy
}

// DefaultTimeout bounds one verification unless WithTimeout says otherwise.
// Providers use the same value, by default, for calls made outside a
// Verifier. The vendors' SDKs default to 60 s or none.
const DefaultTimeout = 2 * time.Second

// DefaultLedgerTimeout bounds each Ledger call unless WithLedgerTimeout says
// otherwise: well under DefaultTimeout, so a stalled shared ledger costs a
// request a short wait and then a 503, not its whole verification deadline.
const DefaultLedgerTimeout = 500 * time.Millisecond

const (
	defaultReplayWindow = 30 * time.Minute
)

func newConfig(opts []Option) config {
	c := config{
		errorHandler: DefaultErrorHandler,
		clientIP:     RemoteAddrIP,
		timeout:      DefaultTimeout,
		policy:       Bounded(Budget{}),
		replayWindow: defaultReplayWindow,
		ledgerWait:   DefaultLedgerTimeout,
	}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	return c
}

// WithErrorHandler sets the handler that writes the response when
// verification fails. It receives the error, which wraps one of the package's
// sentinels; see [StatusCode].
//
// Default: [DefaultErrorHandler].
func WithErrorHandler(h ErrorHandler) Option {
	return optionFunc(func(c *config) {
		if h != nil {
			c.errorHandler = h
		}
	})
}

// WithTicketExtractor replaces how ticket fields are read from a request.
//
// Default: [DefaultExtractor] under [DefaultMaxBodyBytes] (form or JSON
// body, then X-Captcha-* headers, then the query string).
func WithTicketExtractor(e Extractor) Option {
	return optionFunc(func(c *config) {
		if e != nil {
			c.extractor = e
		}
	})
}

// WithClientIP sets how the client's IP is resolved; the result reaches the
// provider (Tencent's UserIp, GeeTest's ip_address, register included) and
// keys the per-client failback budget. The resolver belongs to the Provider
// value, like its breaker: Verifiers on one provider share it (New refuses a
// second, different function), and the provider's own steps outside a
// Verifier use it through [ClientIP].
//
// WARNING: only install a resolver that trusts forwarding headers (such as
// one from [TrustedProxies]) when every request reaches this server through
// those proxies. Otherwise any client can choose its own IP and with it a
// fresh failback budget per request.
//
// Default: [RemoteAddrIP].
func WithClientIP(f func(*http.Request) string) Option {
	return optionFunc(func(c *config) {
		if f != nil {
			c.clientIP, c.clientIPSet = f, true
		}
	})
}

// WithTimeout bounds one verification as a whole, from the moment Verify
// starts: the ledger claim, the provider call and the failback budget all
// share this one deadline, so a slow ledger leaves the vendor less time, and
// no request waits on the Verifier longer than d. It is the only deadline of
// a call through the Verifier: a provider's own Timeout setting applies only
// to calls made without one. New rejects a value that is not positive.
//
// Default: [DefaultTimeout] (2s).
func WithTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.timeout = d })
}

// WithLedger sets the shared record of single-use claims and failback
// budgets. Use a shared ledger (package redisledger) when the service runs on
// several instances, so that a ticket used on one is refused on the others and
// budgets are global.
//
// Default: one [NewMemoryLedger] per Provider value, shared by every
// Verifier built on it.
func WithLedger(l Ledger) Option {
	return optionFunc(func(c *config) {
		if l != nil {
			c.ledger = l
		}
	})
}

// WithLogger sets the logger for failback passes, breaker state changes and
// misconfiguration. Tickets and secrets are never logged.
//
// Default: [slog.Default].
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) {
		if l != nil {
			c.logger = l
		}
	})
}

// WithFailbackPolicy sets what happens to a ticket while the provider is
// unavailable: [FailClosed], [FailOpen] or [Bounded].
//
// Default: Bounded(Budget{}): 3 degraded passes per client per 10
// minutes and 60 per minute in all.
func WithFailbackPolicy(p FailbackPolicy) Option {
	return optionFunc(func(c *config) {
		if p.mode != 0 {
			c.policy = p
		}
	})
}

// WithReplayWindow sets how long a passing ticket stays claimed in the
// ledger. It must outlive every vendor's ticket lifetime (Tencent 5 minutes,
// GeeTest 10, Alibaba 20). New rejects a value under a minute.
//
// Default: 30 minutes.
func WithReplayWindow(d time.Duration) Option {
	return optionFunc(func(c *config) { c.replayWindow = d })
}

// WithBreaker tunes the circuit breaker that decides whether the provider is
// down, and so when failback may start. The breaker belongs to the Provider
// value: the first Verifier built on it sets its settings, and New refuses a
// later Verifier on the same provider that asks for different ones.
//
// Default: BreakerSettings{} (each zero field means its documented default).
func WithBreaker(s BreakerSettings) Option {
	return optionFunc(func(c *config) { c.breaker, c.breakerSet = s, true })
}

// WithLedgerTimeout bounds each call to the Ledger (a claim, a budget count).
// Ledger calls do not inherit the client's cancellation: a client that hangs
// up mid-request must not leave a ticket the vendor has already spent
// unclaimed. A call that runs past d fails the request closed with
// [ErrLedger] (503). New rejects a value that is not positive.
//
// Default: [DefaultLedgerTimeout] (500ms).
func WithLedgerTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.ledgerWait = d })
}
