// Package otelcaptcha reports a Verifier's verifications and circuit-breaker
// changes as OpenTelemetry metrics and spans, through the OpenTelemetry API
// only: the application chooses the SDK and the exporters.
//
//	obs, err := otelcaptcha.New() // the global MeterProvider and TracerProvider
//	v, err := captcha.New(p, captcha.WithObserver(obs))
//
// # Metrics
//
//	captcha.verifications            counter    {verification}  provider, outcome
//	captcha.verification.duration    histogram  s               provider, outcome
//	captcha.passes.degraded          counter    {pass}          provider
//	captcha.passes.failover          counter    {pass}          provider (the one that verified)
//	captcha.failback.denied          counter    {request}       provider, code (budget, work)
//	captcha.breaker.state            gauge      {state}         provider: 0 closed, 1 half-open, 2 open
//	captcha.breaker.changes          counter    {change}        provider, from, to
//
// outcome is the class of captcha.Event.Outcome: pass, degraded, failover,
// step-up, skipped, rejected, replayed, missing, unavailable, throttled,
// misconfigured, ... — a small, fixed set, safe as an attribute.
//
// # Spans
//
// One span per verification, "captcha.verify", a child of the request's span
// when there is one, from the start of the verification to its end, with
// the attributes captcha.provider, captcha.outcome, captcha.code,
// captcha.passed and captcha.vendor_called. Outcomes that are failures of the
// system (unavailable, throttled, misconfigured, ledger) set the span's
// status to Error; a rejected ticket is an answer, not an error.
//
// No ticket, secret or client address is ever an attribute: the observer is
// handed none (see captcha.Event).
package otelcaptcha

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	captcha "github.com/captchakit/captcha/middleware"
)

// ScopeName is the instrumentation scope of the meter and the tracer.
const ScopeName = "github.com/captchakit/captcha/middleware/otelcaptcha"

// Option configures New.
type Option func(*config)

type config struct {
	mp metric.MeterProvider
	tp trace.TracerProvider
}

// WithMeterProvider sets the MeterProvider. Default: otel.GetMeterProvider().
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.mp = mp }
}

// WithTracerProvider sets the TracerProvider. Default:
// otel.GetTracerProvider().
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// Observer is a captcha.Observer that records OpenTelemetry metrics and
// spans. It is safe for concurrent use; share one among Verifiers.
type Observer struct {
	tracer       trace.Tracer
	verifs       metric.Int64Counter
	duration     metric.Float64Histogram
	degraded     metric.Int64Counter
	failover     metric.Int64Counter
	denied       metric.Int64Counter
	breakerState metric.Int64Gauge
	breakerChg   metric.Int64Counter
	sets         sync.Map // setKey → metric.MeasurementOption, built once per provider and outcome
}

type setKey struct{ provider, outcome string }

// measurement returns the attribute option for provider and outcome, built
// on first use: the set of each pair is computed once, not per request.
func (o *Observer) measurement(provider, outcome string) metric.MeasurementOption {
	k := setKey{provider, outcome}
	if m, ok := o.sets.Load(k); ok {
		return m.(metric.MeasurementOption)
	}
	var set attribute.Set
	if outcome == "" {
		set = attribute.NewSet(attribute.String("captcha.provider", provider))
	} else {
		set = attribute.NewSet(attribute.String("captcha.provider", provider), attribute.String("captcha.outcome", outcome))
	}
	m, _ := o.sets.LoadOrStore(k, metric.WithAttributeSet(set))
	return m.(metric.MeasurementOption)
}

var _ captcha.Observer = (*Observer)(nil)

// New returns an Observer on the given (or the global) providers. It fails
// only when an instrument cannot be created.
func New(opts ...Option) (*Observer, error) {
	c := config{}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	m := c.mp.Meter(ScopeName)
	o := &Observer{tracer: c.tp.Tracer(ScopeName)}
	var err error
	wrap := func(name string, e error) {
		if e != nil && err == nil {
			err = fmt.Errorf("otelcaptcha: instrument %s: %w", name, e)
		}
	}
	var e error
	o.verifs, e = m.Int64Counter("captcha.verifications", metric.WithUnit("{verification}"),
		metric.WithDescription("Verifications, by provider and outcome."))
	wrap("captcha.verifications", e)
	o.duration, e = m.Float64Histogram("captcha.verification.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of a verification, vendor call included."),
		metric.WithExplicitBucketBoundaries(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5))
	wrap("captcha.verification.duration", e)
	o.degraded, e = m.Int64Counter("captcha.passes.degraded", metric.WithUnit("{pass}"),
		metric.WithDescription("Passes let through by the failback policy, unverified."))
	wrap("captcha.passes.degraded", e)
	o.failover, e = m.Int64Counter("captcha.passes.failover", metric.WithUnit("{pass}"),
		metric.WithDescription("Passes verified by a later provider of a failover chain."))
	wrap("captcha.passes.failover", e)
	o.denied, e = m.Int64Counter("captcha.failback.denied", metric.WithUnit("{request}"),
		metric.WithDescription("Requests the failback policy refused (budget spent, no proof of work)."))
	wrap("captcha.failback.denied", e)
	o.breakerState, e = m.Int64Gauge("captcha.breaker.state", metric.WithUnit("{state}"),
		metric.WithDescription("Circuit breaker state: 0 closed, 1 half-open, 2 open."))
	wrap("captcha.breaker.state", e)
	o.breakerChg, e = m.Int64Counter("captcha.breaker.changes", metric.WithUnit("{change}"),
		metric.WithDescription("Circuit breaker state changes."))
	wrap("captcha.breaker.changes", e)
	if err != nil {
		return nil, err
	}
	return o, nil
}

// Verification implements captcha.Observer.
func (o *Observer) Verification(ctx context.Context, e captcha.Event) {
	provider := attribute.String("captcha.provider", e.Provider)
	outcome := attribute.String("captcha.outcome", e.Outcome)
	both := o.measurement(e.Provider, e.Outcome)
	o.verifs.Add(ctx, 1, both)
	o.duration.Record(ctx, e.Duration.Seconds(), both)
	switch e.Outcome {
	case "degraded":
		o.degraded.Add(ctx, 1, o.measurement(e.Provider, ""))
	case "failover":
		o.failover.Add(ctx, 1, o.measurement(e.Provider, ""))
	case "failback-denied":
		o.denied.Add(ctx, 1, metric.WithAttributes(provider, attribute.String("captcha.code", e.Code)))
	}
	end := time.Now()
	_, span := o.tracer.Start(ctx, "captcha.verify", trace.WithTimestamp(end.Add(-e.Duration)),
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(provider, outcome, attribute.String("captcha.code", e.Code),
			attribute.Bool("captcha.passed", e.Passed), attribute.Bool("captcha.vendor_called", e.VendorCalled)))
	switch e.Outcome {
	case "unavailable", "not-sent", "offline-ticket", "throttled", "misconfigured", "ledger":
		span.SetStatus(codes.Error, e.Outcome)
	}
	span.End(trace.WithTimestamp(end))
}

// BreakerChange implements captcha.Observer.
func (o *Observer) BreakerChange(e captcha.BreakerEvent) {
	ctx := context.Background()
	provider := attribute.String("captcha.provider", e.Provider)
	o.breakerChg.Add(ctx, 1, metric.WithAttributes(provider,
		attribute.String("captcha.breaker.from", e.From), attribute.String("captcha.breaker.to", e.To)))
	state := int64(0)
	switch e.To {
	case "half-open":
		state = 1
	case "open":
		state = 2
	}
	o.breakerState.Record(ctx, state, metric.WithAttributes(provider))
}
