package otelcaptcha_test

import (
	"context"
	"fmt"
	"net/http"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/middleware/otelcaptcha"
	"github.com/captchakit/captcha/providers/providertest"
)

// A Verifier observed through the OpenTelemetry SDK, here with a manual
// reader; an application would register its exporter (Prometheus, OTLP).
func Example() {
	reader := sdkmetric.NewManualReader()
	obs, err := otelcaptcha.New(otelcaptcha.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	if err != nil {
		panic(err)
	}
	v, err := captcha.New(&providertest.Fake{}, captcha.WithObserver(obs), captcha.WithLogger(quiet))
	if err != nil {
		panic(err)
	}
	r, _ := http.NewRequest(http.MethodPost, "/login", nil)
	r.Header.Set("X-Captcha-Ticket", "pass")
	_, _ = v.Verify(r)

	var rm metricdata.ResourceMetrics
	_ = reader.Collect(context.Background(), &rm)
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if s, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "captcha.verifications" {
			p := s.DataPoints[0]
			outcome, _ := p.Attributes.Value("captcha.outcome")
			fmt.Println(m.Name, outcome.AsString(), p.Value)
		}
	}
	// Output: captcha.verifications pass 1
}
