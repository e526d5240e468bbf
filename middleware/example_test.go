package captcha_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
)

func post(h http.Handler, ticket string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"ticket": {ticket}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// Protect a route: only requests with a ticket the provider accepts reach the
// handler. (providertest.Fake stands in for tencent.New, aliyun.New, ...)
func ExampleRequire() {
	p := &providertest.Fake{}
	login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "welcome")
	})
	mux := http.NewServeMux()
	mux.Handle("POST /login", captcha.Require(p, captcha.WithLogger(slog.New(slog.DiscardHandler)))(login))

	for _, ticket := range []string{"pass", "pass", "reject", ""} {
		rec := post(mux, ticket)
		fmt.Printf("%q: %d %s", ticket, rec.Code, rec.Body.String())
	}
	// Output:
	// "pass": 200 welcome
	// "pass": 403 Forbidden
	// "reject": 403 Forbidden
	// "": 403 Forbidden
}

// A custom 403 page: the error handler receives the reason.
func ExampleWithErrorHandler() {
	page := func(w http.ResponseWriter, r *http.Request, err error) {
		switch {
		case errors.Is(err, captcha.ErrMissingTicket):
			http.Error(w, "Please solve the puzzle first.", http.StatusForbidden)
		case errors.Is(err, captcha.ErrRejected), errors.Is(err, captcha.ErrReplayed):
			http.Error(w, "That did not work, please try again.", http.StatusForbidden)
		default:
			captcha.DefaultErrorHandler(w, r, err)
		}
	}
	h := captcha.Require(&providertest.Fake{}, captcha.WithErrorHandler(page),
		captcha.WithLogger(slog.New(slog.DiscardHandler)))(http.NotFoundHandler())
	fmt.Print(post(h, "").Body.String())
	fmt.Print(post(h, "reject").Body.String())
	// Output:
	// Please solve the puzzle first.
	// That did not work, please try again.
}

// The handler reads the verification Result from the request context.
func ExampleFromContext() {
	h := captcha.Require(&providertest.Fake{}, captcha.WithLogger(slog.New(slog.DiscardHandler)))(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			res, ok := captcha.FromContext(r.Context())
			fmt.Println(ok, res.Provider, res.Passed, res.Degraded, res.Code)
		}))
	post(h, "pass")
	// Output: true fake true false ok
}

// New returns the shared Verifier (for adapters and Verify), and reports bad
// configuration as an error instead of panicking.
func ExampleNew() {
	_, err := captcha.New(&providertest.Fake{}, captcha.WithTimeout(0))
	fmt.Println(err)

	v, err := captcha.New(&providertest.Fake{}, captcha.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		panic(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/?ticket=reject:9", nil)
	_, err = v.Verify(r)
	var ve *captcha.VerifyError
	fmt.Println(errors.As(err, &ve), ve.Code, captcha.StatusCode(err))
	// Output:
	// captcha: New: WithTimeout(0s): must be positive
	// true 9 403
}

// When the vendor goes down, the first failures are 503s that open the
// circuit breaker; only then does the bounded policy let a few tickets
// through, marked Degraded, before it refuses.
func ExampleWithFailbackPolicy() {
	p := &providertest.Fake{}
	p.SetFault(providertest.FaultHTTP503) // the vendor is down
	budget := captcha.Budget{PerClient: 2, PerClientWindow: 10 * 60e9, Global: 100, GlobalWindow: 60e9}
	v, err := captcha.New(p,
		captcha.WithFailbackPolicy(captcha.Bounded(budget)),
		captcha.WithBreaker(captcha.BreakerSettings{ConsecutiveFailures: 2}),
		captcha.WithLogger(slog.New(slog.DiscardHandler)),
	)
	if err != nil {
		panic(err)
	}
	h := v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, _ := captcha.FromContext(r.Context())
		fmt.Fprintf(w, "degraded=%v", res.Degraded)
	}))
	for i := range 5 {
		rec := post(h, fmt.Sprintf("ticket-%d", i))
		fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()), v.Health().State)
	}
	// Output:
	// 503 Service Unavailable unverified
	// 503 Service Unavailable open
	// 200 degraded=true open
	// 200 degraded=true open
	// 403 Forbidden open
}

// Behind a reverse proxy, trust its X-Forwarded-For explicitly.
func ExampleTrustedProxies() {
	resolve, err := captcha.TrustedProxies("10.0.0.0/8")
	if err != nil {
		panic(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "10.0.0.2:5555"                           // our load balancer
	r.Header.Set("X-Forwarded-For", "6.6.6.6, 198.51.100.7") // spoofed entry, then the real client
	fmt.Println(resolve(r))

	r.RemoteAddr = "203.0.113.1:5555" // not our proxy: the header is ignored
	fmt.Println(resolve(r))
	// Output:
	// 198.51.100.7
	// 203.0.113.1
	_ = captcha.WithClientIP(resolve)
}

// Expose provider health on /healthz.
func ExampleVerifier_Health() {
	v, err := captcha.New(&providertest.Fake{}, captcha.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		panic(err)
	}
	healthz := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := v.Health()
		if !h.Healthy() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(h)
	})
	rec := httptest.NewRecorder()
	healthz.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	// A new process is "unverified" until the vendor's first answer.
	fmt.Print(rec.Code, " ", rec.Body.String())

	_, _ = v.Verify(httptest.NewRequest(http.MethodGet, "/?ticket=reject", nil))
	rec = httptest.NewRecorder()
	healthz.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output:
	// 503 {"provider":"fake","state":"unverified","answered":false,"requests":0,"failures":0,"consecutive_failures":0,"policy":"bounded(3/10m0s per client, 60/1m0s global)"}
	// 200 {"provider":"fake","state":"closed","answered":true,"requests":1,"failures":0,"consecutive_failures":0,"policy":"bounded(3/10m0s per client, 60/1m0s global)"}
}

// A failover chain: a ticket for the second provider is accepted only while
// the first is down, and the page asks the render handler which widget to
// show. (Fakes stand in for tencent.New and geetest.NewV4.)
func ExampleWithFailover() {
	primary := &providertest.Fake{ProviderName: "primary", FieldNames: []string{"ticket"}}
	second := &providertest.Fake{ProviderName: "second", FieldNames: []string{"token"}}
	v, err := captcha.New(primary, captcha.WithFailover(second),
		captcha.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		panic(err)
	}
	send := func(field, value string) {
		r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{field: {value}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := v.Verify(r)
		if err != nil {
			fmt.Printf("%s: %d\n", field, captcha.StatusCode(err))
			return
		}
		fmt.Printf("%s: passed by %s, failover %t\n", field, res.Provider, res.Failover)
	}
	send("ticket", "pass:1")
	send("token", "pass:1") // the primary is healthy: refused
	fmt.Println("render:", v.Render().Provider)

	primary.SetFault(providertest.FaultHTTP503) // the primary goes down...
	for i := range captcha.DefaultConsecutiveFailures {
		send("ticket", fmt.Sprint("pass:x", i)) // ...and this server sees it fail
	}
	fmt.Println("render:", v.Render().Provider)
	send("token", "pass:2")
	// Output:
	// ticket: passed by primary, failover false
	// token: 403
	// render: primary
	// ticket: 503
	// ticket: 503
	// ticket: 503
	// ticket: 503
	// ticket: 503
	// render: second
	// token: passed by second, failover true
}

// A loud test mode: requests from the end-to-end test network skip
// verification, marked on the Result.
func ExampleUnsafeSkipVerify() {
	fromE2E := func(r *http.Request) bool { return strings.HasPrefix(r.RemoteAddr, "10.99.") }
	v, err := captcha.New(&providertest.Fake{}, captcha.UnsafeSkipVerify(fromE2E),
		captcha.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		panic(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	r.RemoteAddr = "10.99.0.7:4000"
	res, err := v.Verify(r)
	fmt.Println(res.Passed, res.Skipped, err)
	r.RemoteAddr = "203.0.113.9:4000"
	_, err = v.Verify(r)
	fmt.Println(captcha.StatusCode(err))
	// Output:
	// true true <nil>
	// 403
}

// A risk rule: a pass the vendor flags as malicious is refused.
func ExampleWithRiskPolicy() {
	p := &providertest.Fake{}
	p.SetOutcome(func(t captcha.Ticket) (captcha.Result, error) {
		risk := 0
		if t.Values["ticket"] == "evil" {
			risk = 100 // Tencent's EvilLevel for a malicious request
		}
		return captcha.Result{Passed: true, Code: "1", Risk: risk}, nil
	})
	h := captcha.Require(p, captcha.WithRiskPolicy(captcha.RejectRisk(100)),
		captcha.WithLogger(slog.New(slog.DiscardHandler)))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "welcome")
	}))
	fmt.Print(post(h, "fine").Body.String())
	fmt.Print(post(h, "evil").Code, "\n")
	// Output:
	// welcome
	// 403
}
