package otelcaptcha_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/middleware/otelcaptcha"
	"github.com/captchakit/captcha/providers/providertest"
)

var quiet = slog.New(slog.DiscardHandler)

const clientIP = "192.0.2.55"

// rig is a Verifier on a Fake, observed through an SDK with a manual metric
// reader and an in-memory span exporter.
type rig struct {
	fake   *providertest.Fake
	v      *captcha.Verifier
	reader *sdkmetric.ManualReader
	spans  *tracetest.InMemoryExporter
}

func newRig(t testing.TB, opts ...captcha.Option) rig {
	t.Helper()
	r := rig{fake: &providertest.Fake{}, reader: sdkmetric.NewManualReader(), spans: tracetest.NewInMemoryExporter()}
	obs, err := otelcaptcha.New(
		otelcaptcha.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.reader))),
		otelcaptcha.WithTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(r.spans))))
	if err != nil {
		t.Fatal(err)
	}
	r.v, err = captcha.New(r.fake, append([]captcha.Option{captcha.WithLogger(quiet), captcha.WithObserver(obs)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (r rig) send(ticket string) {
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader("ticket="+ticket))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = clientIP + ":4321"
	_, _ = r.v.Verify(req)
}

// sums returns each counter's data points as "name{attr=value,...}" → value.
func (r rig) sums(t testing.TB) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out[m.Name+"{"+attrs(p.Attributes)+"}"] = p.Value
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					out[m.Name+"{"+attrs(p.Attributes)+"}"] = p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					out[m.Name+".count{"+attrs(p.Attributes)+"}"] = int64(p.Count)
				}
			}
		}
	}
	return out
}

func attrs(s attribute.Set) string {
	var parts []string
	for _, kv := range s.ToSlice() {
		parts = append(parts, string(kv.Key)+"="+kv.Value.String())
	}
	return strings.Join(parts, ",")
}

func TestMetricsAndSpans(t *testing.T) {
	t.Parallel()
	r := newRig(t, captcha.WithFailbackPolicy(captcha.Bounded(captcha.Budget{PerClient: 1})))
	r.send("pass:secret-1")
	r.send("pass:secret-1") // replayed
	r.send("reject:wrong")
	r.fake.SetFault(providertest.FaultHTTP503)
	for i := range captcha.DefaultConsecutiveFailures {
		r.send(fmt.Sprintf("trip-%d", i))
	}
	r.send("invented-1") // degraded
	r.send("invented-2") // over the client's budget
	got := r.sums(t)
	want := map[string]int64{
		"captcha.verifications{captcha.outcome=pass,captcha.provider=fake}":                                  1,
		"captcha.verifications{captcha.outcome=replayed,captcha.provider=fake}":                              1,
		"captcha.verifications{captcha.outcome=rejected,captcha.provider=fake}":                              1,
		"captcha.verifications{captcha.outcome=unavailable,captcha.provider=fake}":                           int64(captcha.DefaultConsecutiveFailures),
		"captcha.verifications{captcha.outcome=degraded,captcha.provider=fake}":                              1,
		"captcha.verifications{captcha.outcome=failback-denied,captcha.provider=fake}":                       1,
		"captcha.verification.duration.count{captcha.outcome=pass,captcha.provider=fake}":                    1,
		"captcha.passes.degraded{captcha.provider=fake}":                                                     1,
		"captcha.failback.denied{captcha.code=budget,captcha.provider=fake}":                                 1,
		"captcha.breaker.changes{captcha.breaker.from=closed,captcha.breaker.to=open,captcha.provider=fake}": 1,
		"captcha.breaker.state{captcha.provider=fake}":                                                       2,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %d, want %d", k, got[k], w)
		}
	}

	spans := r.spans.GetSpans()
	if n := 5 + captcha.DefaultConsecutiveFailures; len(spans) != n {
		t.Fatalf("%d spans, want %d", len(spans), n)
	}
	first := spans[0]
	if first.Name != "captcha.verify" || first.EndTime.Before(first.StartTime) {
		t.Errorf("span %q from %v to %v", first.Name, first.StartTime, first.EndTime)
	}
	var unavailable int
	for _, s := range spans {
		m := map[attribute.Key]attribute.Value{}
		for _, kv := range s.Attributes {
			m[kv.Key] = kv.Value
			// No ticket, secret or client address in any attribute.
			if v := kv.Value.String(); strings.Contains(v, "secret") || strings.Contains(v, "invented") ||
				strings.Contains(v, "trip-") || strings.Contains(v, clientIP) {
				t.Errorf("span attribute %s = %q carries request data", kv.Key, v)
			}
		}
		if m["captcha.provider"].AsString() != "fake" || m["captcha.outcome"].AsString() == "" {
			t.Errorf("span attributes %v, want provider and outcome", s.Attributes)
		}
		if m["captcha.outcome"].AsString() == "unavailable" {
			unavailable++
			if s.Status.Code != codes.Error {
				t.Errorf("unavailable span status %v, want Error", s.Status)
			}
		}
		if m["captcha.outcome"].AsString() == "rejected" && s.Status.Code == codes.Error {
			t.Errorf("rejected span has status Error: a rejection is an answer")
		}
	}
	if unavailable != captcha.DefaultConsecutiveFailures {
		t.Errorf("%d unavailable spans, want %d", unavailable, captcha.DefaultConsecutiveFailures)
	}
	for k := range got {
		if strings.Contains(k, "secret") || strings.Contains(k, clientIP) || strings.Contains(k, "invented") {
			t.Errorf("metric %s carries request data", k)
		}
	}
}

// BenchmarkObserver measures the pass path with no observer and with this
// package's, on the SDK with a manual reader and an in-memory exporter.
func BenchmarkObserver(b *testing.B) {
	for _, mode := range []string{"none", "otel"} {
		b.Run(mode, func(b *testing.B) {
			f := &providertest.Fake{}
			f.SetOutcome(func(captcha.Ticket) (captcha.Result, error) { return captcha.Result{Passed: true, Code: "ok"}, nil })
			opts := []captcha.Option{captcha.WithLogger(quiet)}
			if mode == "otel" {
				obs, err := otelcaptcha.New(
					otelcaptcha.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))),
					otelcaptcha.WithTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(tracetest.NewNoopExporter()))))
				if err != nil {
					b.Fatal(err)
				}
				opts = append(opts, captcha.WithObserver(obs))
			}
			v, err := captcha.New(f, opts...)
			if err != nil {
				b.Fatal(err)
			}
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				i++
				r := &http.Request{Method: http.MethodPost, RemoteAddr: clientIP + ":1",
					Header: http.Header{"X-Captcha-Ticket": {"t" + fmt.Sprint(i)}}}
				if _, err := v.Verify(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
