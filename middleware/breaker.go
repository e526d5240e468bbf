package captcha

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/sony/gobreaker/v2"
)

// BreakerSettings tune the circuit breaker that decides whether a provider is
// down. It is the only thing that can start failback: the failback policy runs
// only while the breaker is open (or half-open with its probes taken). A lone
// unavailable answer while it is closed fails that request with 503 and
// Retry-After and counts toward opening it.
//
// Only vendor-attributable unavailability counts as a failure: a timeout, a
// refused or reset connection, a 5xx, the vendor's internal error. A request
// that never reached the vendor before its deadline ([ErrNotSent]) does not
// count, and rejections, throttling and bad credentials are answers. While the
// breaker is open no request waits on the provider. After OpenTimeout it lets
// HalfOpenProbes requests through; if they succeed it closes, if one fails it
// opens again.
//
// There is one breaker per Provider value, shared by every Verifier built on
// it; see [New].
type BreakerSettings struct {
	// Disabled turns the breaker off: every request waits on the provider,
	// an unavailable provider always fails the request with 503, and the
	// failback policy never runs.
	Disabled bool
	// ConsecutiveFailures opens the breaker after that many unavailable
	// outcomes in a row. Zero means DefaultConsecutiveFailures (5).
	ConsecutiveFailures uint32
	// FailureRatio opens the breaker when at least that share of the
	// requests in Window were unavailable, once MinRequests were seen. Zero
	// means 0.5, of at least 20 (MinRequests) in a minute (Window).
	FailureRatio float64
	MinRequests  uint32
	Window       time.Duration
	// OpenTimeout is how long the breaker stays open before probing. Zero
	// means 10s.
	OpenTimeout time.Duration
	// HalfOpenProbes is how many requests probe the provider when the
	// breaker is half-open. Zero means 1.
	HalfOpenProbes uint32
}

// DefaultConsecutiveFailures is how many unavailable answers in a row open a
// breaker whose settings leave ConsecutiveFailures zero: after that many,
// failback may start.
const DefaultConsecutiveFailures = 5

func (s BreakerSettings) withDefaults() BreakerSettings {
	if s.ConsecutiveFailures == 0 {
		s.ConsecutiveFailures = DefaultConsecutiveFailures
	}
	if s.FailureRatio <= 0 {
		s.FailureRatio = 0.5
	}
	if s.MinRequests == 0 {
		s.MinRequests = 20
	}
	if s.Window <= 0 {
		s.Window = time.Minute
	}
	if s.OpenTimeout <= 0 {
		s.OpenTimeout = 10 * time.Second
	}
	if s.HalfOpenProbes == 0 {
		s.HalfOpenProbes = 1
	}
	return s
}

func (s BreakerSettings) validate() error {
	if s.FailureRatio > 1 {
		return fmt.Errorf("captcha: BreakerSettings.FailureRatio %v is over 1", s.FailureRatio)
	}
	return nil
}

// Health is a snapshot of a provider's health as this process sees it, for a
// /healthz endpoint. Every Verifier built on one provider value reports the
// same health. It marshals to JSON.
type Health struct {
	Provider string `json:"provider"`
	// State is one of:
	//   - "closed": healthy, the vendor has answered since start;
	//   - "unverified": the breaker is closed but the vendor has not answered
	//     once since this process started (no traffic yet, or every call
	//     failed without a reply: a wrong endpoint, a TLS or DNS error);
	//   - "open": down; the failback policy decides at once;
	//   - "half-open": probing after an outage;
	//   - "disabled": no breaker (WithBreaker with Disabled); failback never
	//     runs.
	State string `json:"state"`
	// Answered reports whether the vendor has answered a call (a verdict, a
	// throttle, a refusal of our credentials) since this process started.
	Answered bool `json:"answered"`
	// Requests, Failures and ConsecutiveFailures count the current window.
	Requests            uint32 `json:"requests"`
	Failures            uint32 `json:"failures"`
	ConsecutiveFailures uint32 `json:"consecutive_failures"`
	// Policy names the failback policy of the Verifier asked.
	Policy string `json:"policy"`
}

// Healthy reports whether the provider is known to be up: State "closed", or
// "disabled". A new process is "unverified", so not Healthy, until its first
// vendor answer: use Healthy to alert, not to gate readiness.
func (h Health) Healthy() bool { return h.State == "closed" || h.State == "disabled" }

var (
	errHealthFailure  = errors.New("unavailable")
	errHealthExcluded = errors.New("excluded")
)

type breaker struct {
	cb *gobreaker.CircuitBreaker[struct{}]
}

func newBreaker(name string, s BreakerSettings, onChange func(from, to gobreaker.State)) *breaker {
	if s.Disabled {
		return nil
	}
	s = s.withDefaults()
	st := gobreaker.Settings{
		Name:         name,
		MaxRequests:  s.HalfOpenProbes,
		Interval:     s.Window,
		BucketPeriod: s.Window / 6,
		Timeout:      s.OpenTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			if c.ConsecutiveFailures >= s.ConsecutiveFailures {
				return true
			}
			return c.Requests >= s.MinRequests && float64(c.TotalFailures) >= s.FailureRatio*float64(c.Requests)
		},
		OnStateChange: func(_ string, from, to gobreaker.State) { onChange(from, to) },
		IsSuccessful:  func(err error) bool { return err == nil },
		IsExcluded:    func(err error) bool { return errors.Is(err, errHealthExcluded) },
	}
	return &breaker{cb: gobreaker.NewCircuitBreaker[struct{}](st)}
}

func (s *state) health(p FailbackPolicy) Health {
	h := Health{Provider: s.name, Policy: p.String(), State: "disabled", Answered: s.answered.Load()}
	b := s.breaker()
	if b == nil {
		return h
	}
	c := b.cb.Counts()
	h.State = b.cb.State().String()
	if h.State == "closed" && !h.Answered {
		h.State = "unverified"
	}
	h.Requests, h.Failures, h.ConsecutiveFailures = c.Requests, c.TotalFailures, c.ConsecutiveFailures
	return h
}

// changed logs a breaker state change. A breaker that opens before the vendor
// ever answered is more likely a wrong endpoint than an outage: that is said
// at error level.
func (s *state) changed(from, to gobreaker.State) {
	answered := s.answered.Load()
	level := slog.LevelWarn
	switch {
	case to == gobreaker.StateClosed:
		level = slog.LevelInfo
	case to == gobreaker.StateOpen && !answered:
		level = slog.LevelError
	}
	s.obs.breakerChange(BreakerEvent{Provider: s.name, From: from.String(), To: to.String()})
	s.log(context.Background(), level, "captcha: provider health changed",
		slog.String("provider", s.name), slog.String("from", from.String()), slog.String("to", to.String()),
		slog.Bool("answered_since_start", answered))
}
