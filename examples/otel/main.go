// Command otel is the net/http login demo observed through OpenTelemetry:
// package otelcaptcha turns every verification and breaker change into
// metrics, served for Prometheus at /metrics, and spans, printed to stderr.
//
//	go run ./examples/otel [-provider tencent|aliyun|geetest3|geetest4|turnstile|hcaptcha|recaptcha2|recaptcha3|chain] [-addr 127.0.0.1:8080] [-script-url URL]
//
// Log in, turn the outage switch on, log in again (a degraded pass), and
// read http://127.0.0.1:8080/metrics: captcha_verifications_total by
// provider and outcome, captcha_passes_degraded_total,
// captcha_breaker_state, the duration histogram.
//
// The OpenTelemetry SDK and the Prometheus exporter live in this module,
// the examples'; the library imports the OpenTelemetry API only.
package main

import (
	"io"
	"net/http"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/captchakit/captcha/examples/internal/demo"
	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/middleware/otelcaptcha"
)

func main() {
	demo.Main("otel", func(app *demo.App) (http.Handler, error) { return newHandler(app, os.Stderr) })
}

// newHandler wires the demo's pages, POST /login behind a Verifier with the
// OpenTelemetry observer, and GET /metrics; spans go to spans as JSON.
func newHandler(app *demo.App, spans io.Writer) (http.Handler, error) {
	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, err
	}
	traces, err := stdouttrace.New(stdouttrace.WithWriter(spans))
	if err != nil {
		return nil, err
	}
	obs, err := otelcaptcha.New(
		otelcaptcha.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))),
		otelcaptcha.WithTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(traces))))
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	for _, rt := range app.Routes() {
		mux.Handle(rt.Method+" "+rt.Path, rt.Handler)
	}
	v, err := captcha.New(app.Provider(), append(app.Options(),
		captcha.WithLogger(app.Logger()), captcha.WithObserver(obs),
		captcha.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
			page := demo.Denied(err)
			demo.Render(w, page.Status, demo.DeniedTemplate, page)
		}))...)
	if err != nil {
		return nil, err
	}
	for _, rt := range app.VerifierRoutes(v) {
		mux.Handle(rt.Method+" "+rt.Path, rt.Handler)
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("POST /login", v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, _ := captcha.FromContext(r.Context())
		demo.Render(w, http.StatusOK, demo.SuccessTemplate, app.Success(r.PostFormValue("username"), res))
	})))
	return mux, nil
}
