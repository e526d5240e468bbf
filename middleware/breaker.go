package captcha

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/sony/gobreaker/v2"
)

// BreakerSettings tune the circuit breaker that tracks a provider's health.
// Only unavailable outcomes count as failures; rejections, throttling and bad
// credentials are answers, and requests the client abandoned do not count.
// While the breaker is open no request waits on the provider: the failback
// policy decides at once. After OpenTimeout it lets HalfOpenProbes requests
// through; if they succeed it closes, if one fails it opens again.
type BreakerSettings struct {
	// Disabled turns the breaker off: every request waits on the provider.
	Disabled bool
	// ConsecutiveFailures opens the breaker after that many unavailable
	// outcomes in a row. Default 5.
	ConsecutiveFailures uint32
	// FailureRatio opens the breaker when at least that share of the
	// requests in Window were unavailable, once MinRequests were seen.
	// Default 0.5 of at least 20 in 60s.
	FailureRatio float64
	MinRequests  uint32
	Window       time.Duration
	// OpenTimeout is how long the breaker stays open before probing.
	// Default 10s.
	OpenTimeout time.Duration
	// HalfOpenProbes is how many requests probe the provider when the
	// breaker is half-open. Default 1.
	HalfOpenProbes uint32
}

// DefaultBreakerSettings are the settings a Verifier uses unless told
// otherwise.
var DefaultBreakerSettings = BreakerSettings{
	ConsecutiveFailures: 5,
	FailureRatio:        0.5,
	MinRequests:         20,
	Window:              time.Minute,
	OpenTimeout:         10 * time.Second,
	HalfOpenProbes:      1,
}

func (s BreakerSettings) withDefaults() BreakerSettings {
	d := DefaultBreakerSettings
	if s.ConsecutiveFailures == 0 {
		s.ConsecutiveFailures = d.ConsecutiveFailures
	}
	if s.FailureRatio <= 0 {
		s.FailureRatio = d.FailureRatio
	}
	if s.MinRequests == 0 {
		s.MinRequests = d.MinRequests
	}
	if s.Window <= 0 {
		s.Window = d.Window
	}
	if s.OpenTimeout <= 0 {
		s.OpenTimeout = d.OpenTimeout
	}
	if s.HalfOpenProbes == 0 {
		s.HalfOpenProbes = d.HalfOpenProbes
	}
	return s
}

func (s BreakerSettings) validate() error {
	if s.FailureRatio > 1 {
		return fmt.Errorf("captcha: BreakerSettings.FailureRatio %v is over 1", s.FailureRatio)
	}
	return nil
}

// Health is a snapshot of a provider's health as one Verifier sees it, for a
// /healthz endpoint. It marshals to JSON.
type Health struct {
	Provider string `json:"provider"`
	// State is "closed" (healthy), "open" (down: failback decides at once)
	// or "half-open" (probing); "disabled" without a breaker.
	State string `json:"state"`
	// Requests, Failures and ConsecutiveFailures count the current window.
	Requests            uint32 `json:"requests"`
	Failures            uint32 `json:"failures"`
	ConsecutiveFailures uint32 `json:"consecutive_failures"`
	// Policy names the failback policy.
	Policy string `json:"policy"`
}

// Healthy reports whether the breaker is closed (or disabled).
func (h Health) Healthy() bool { return h.State == "closed" || h.State == "disabled" }

var (
	errHealthFailure  = errors.New("unavailable")
	errHealthExcluded = errors.New("excluded")
)

type breaker struct {
	cb *gobreaker.TwoStepCircuitBreaker[struct{}]
}

func newBreaker(name string, s BreakerSettings, log *slog.Logger) *breaker {
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
		OnStateChange: func(name string, from, to gobreaker.State) {
			level := slog.LevelWarn
			if to == gobreaker.StateClosed {
				level = slog.LevelInfo
			}
			log.Log(context.Background(), level, "captcha: provider health changed",
				slog.String("provider", name), slog.String("from", from.String()), slog.String("to", to.String()))
		},
		IsSuccessful: func(err error) bool { return err == nil },
		IsExcluded:   func(err error) bool { return errors.Is(err, errHealthExcluded) },
	}
	return &breaker{cb: gobreaker.NewTwoStepCircuitBreaker[struct{}](st)}
}

func (b *breaker) health(name string, p FailbackPolicy) Health {
	h := Health{Provider: name, Policy: p.String(), State: "disabled"}
	if b == nil {
		return h
	}
	c := b.cb.Counts()
	h.State = b.cb.State().String()
	h.Requests, h.Failures, h.ConsecutiveFailures = c.Requests, c.TotalFailures, c.ConsecutiveFailures
	return h
}
