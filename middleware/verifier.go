package captcha

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Verifier checks the CAPTCHA ticket of a request with one Provider. It is
// safe for concurrent use; create one per provider and share it between
// routes and adapters.
type Verifier struct {
	p        Provider
	ident    TicketIdentifier // p, if it implements it
	name     string
	fields   []string
	cfg      config
	extract  func(*http.Request) (map[string]string, error)
	breaker  *breaker
	claimPfx string
	budgetPf string
	lastMis  atomic.Int64 // unix nanos of the last misconfiguration log line
	lastThr  atomic.Int64 // unix nanos of the last throttling log line
}

// New returns a Verifier for p. It returns an error for a nil provider, a
// provider without a name or fields, and invalid options. It logs its
// failback policy once.
func New(p Provider, opts ...Option) (*Verifier, error) {
	if p == nil {
		return nil, errors.New("captcha: New: provider is nil")
	}
	name := p.Name()
	if name == "" {
		return nil, errors.New("captcha: New: provider has an empty Name")
	}
	fields := p.Fields()
	if len(fields) == 0 || len(fields) > 64 {
		return nil, fmt.Errorf("captcha: New: provider %s has %d ticket fields, want 1 to 64", name, len(fields))
	}
	for i, f := range fields {
		if f == "" {
			return nil, fmt.Errorf("captcha: New: provider %s has an empty field name", name)
		}
		if fieldIndex(f, fields[:i]) >= 0 {
			return nil, fmt.Errorf("captcha: New: provider %s names field %q twice", name, f)
		}
	}
	cfg := newConfig(opts)
	switch {
	case cfg.timeout <= 0:
		return nil, fmt.Errorf("captcha: New: WithTimeout(%v): must be positive", cfg.timeout)
	case cfg.maxBody <= 0:
		return nil, fmt.Errorf("captcha: New: WithMaxBodyBytes(%d): must be positive", cfg.maxBody)
	case cfg.replayWindow < time.Minute:
		return nil, fmt.Errorf("captcha: New: WithReplayWindow(%v): must be at least a minute", cfg.replayWindow)
	}
	if err := cfg.policy.validate(); err != nil {
		return nil, err
	}
	if err := cfg.breaker.validate(); err != nil {
		return nil, err
	}
	v := &Verifier{
		p:        p,
		name:     name,
		fields:   append([]string(nil), fields...),
		cfg:      cfg,
		claimPfx: "claim:" + name + ":",
		budgetPf: "budget:" + name + ":",
	}
	if cfg.extractor != nil {
		e := cfg.extractor
		v.extract = func(r *http.Request) (map[string]string, error) { return e(r, v.fields) }
	} else {
		v.extract = newDefaultExtractor(v.fields, cfg.maxBody).extract
	}
	v.ident, _ = p.(TicketIdentifier)
	v.breaker = newBreaker(name, cfg.breaker, cfg.logger)
	cfg.logger.Info("captcha: verifier ready", slog.String("provider", name), slog.String("failback", cfg.policy.String()))
	return v, nil
}

// Require returns net/http middleware that verifies every request with p
// before calling the next handler. It panics if New(p, opts...) returns an
// error — only here, at construction, never while serving a request. Use New
// to handle the error yourself.
func Require(p Provider, opts ...Option) func(http.Handler) http.Handler {
	v, err := New(p, opts...)
	if err != nil {
		panic(err)
	}
	return v.Handler
}

// Handler returns next wrapped in verification. A request that passes reaches
// next with its Result in the context ([FromContext]); one that fails reaches
// the error handler and not next.
func (v *Verifier) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if res, ok := FromContext(r.Context()); ok && res.Passed {
			next.ServeHTTP(w, r)
			return
		}
		res, err := v.Verify(r)
		if err != nil {
			v.cfg.errorHandler(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), res)))
	})
}

// Provider returns the Verifier's provider.
func (v *Verifier) Provider() Provider { return v.p }

// ErrorHandler returns the Verifier's error handler, for adapters that
// render failures through it.
func (v *Verifier) ErrorHandler() ErrorHandler { return v.cfg.errorHandler }

// Health returns a snapshot of the provider's health as this Verifier sees
// it.
func (v *Verifier) Health() Health { return v.breaker.health(v.name, v.cfg.policy) }

// Verify checks the ticket carried by r and returns the Result of a pass, or
// an error wrapping one of the package's sentinels (see [StatusCode]); it never
// returns a Result that did not pass. If r's context already carries a passing
// Result, Verify returns it without verifying again. Verify reads and puts back
// r.Body; it does not store the Result in r's context (Handler does).
func (v *Verifier) Verify(r *http.Request) (*Result, error) {
	if res, ok := FromContext(r.Context()); ok && res.Passed {
		return res, nil
	}
	values, err := v.extract(r)
	if err != nil {
		return nil, v.fail("", classOr(err, ErrBadRequest))
	}
	for _, f := range v.fields {
		if values[f] == "" {
			return nil, v.fail("", ErrMissingTicket)
		}
	}
	t := Ticket{Values: values, ClientIP: v.cfg.clientIP(r), Request: r}

	var done func(error)
	if v.breaker != nil {
		d, err := v.breaker.cb.Allow()
		if err != nil {
			// Open, or half-open with its probes taken: do not wait.
			return v.failback(r, t, v.fail("breaker-open", ErrUnavailable))
		}
		done = d
	}
	res, err := v.call(r, t)
	if done != nil {
		done(healthOutcome(err))
	}
	switch {
	case err == nil && res.Passed:
		res.Degraded = false
		return v.pass(r, t, res)
	case err == nil:
		return nil, v.fail(res.Code, ErrRejected)
	case errors.Is(err, ErrUnavailable):
		return v.failback(r, t, err)
	case errors.Is(err, ErrMisconfigured):
		v.logLimited(r, &v.lastMis, slog.LevelError, "captcha: provider refused our configuration; failing closed", err)
		return nil, err
	case errors.Is(err, ErrThrottled):
		v.logLimited(r, &v.lastThr, slog.LevelWarn, "captcha: provider throttled; failing closed", err)
		return nil, err
	case isClassified(err):
		// A verdict reported as an error (ErrRejected, ErrNoServerStatus):
		// client input, not worth a log line.
		return nil, err
	default:
		// Outside the contract: fail closed, and never let it lead to failback.
		v.logLimited(r, &v.lastMis, slog.LevelError, "captcha: provider returned an unclassified error; failing closed", err)
		return nil, v.fail(codeOf(err), fmt.Errorf("%w: %w", ErrMisconfigured, err))
	}
}

// call runs the provider under the Verifier's deadline. The call does not
// inherit the client's cancellation: a client that disconnects or half-closes
// its connection mid-call must not turn a healthy vendor's verdict into
// "unavailable" and so into a failback pass. A panicking provider is a bug;
// it fails the request closed instead of taking the server down.
func (v *Verifier) call(r *http.Request, t Ticket) (res Result, err error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), v.cfg.timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			v.log(r, slog.LevelError, "captcha: provider panicked",
				slog.String("provider", v.name), slog.Any("panic", p))
			res, err = Result{}, v.fail("panic", ErrMisconfigured)
		}
	}()
	return v.p.Verify(ctx, t)
}

// healthOutcome is what a provider call tells the breaker: only unavailable
// answers count against the provider, and not when no call was made (a
// ticket issued in failback mode).
func healthOutcome(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrOfflineTicket):
		return errHealthExcluded
	case errors.Is(err, ErrUnavailable):
		return errHealthFailure
	default:
		return nil
	}
}

func (v *Verifier) pass(r *http.Request, t Ticket, res Result) (*Result, error) {
	if err := v.claim(r, t); err != nil {
		return nil, err
	}
	res.Provider = v.name
	if res.At.IsZero() {
		res.At = time.Now()
	}
	return &res, nil
}

// claim records t as used. Ledger calls use the request's context, not the
// verification deadline, which may already be spent after a slow provider.
func (v *Verifier) claim(r *http.Request, t Ticket) error {
	first, err := v.cfg.ledger.Claim(r.Context(), v.ticketKey(t), v.cfg.replayWindow)
	if err != nil {
		return v.ledgerError(r, err)
	}
	if !first {
		return v.fail("", ErrReplayed)
	}
	return nil
}

// ticketKey is the ledger key of t: the provider's TicketID when it has one,
// else the fingerprint of all fields, hashed either way and built in one
// allocation.
func (v *Verifier) ticketKey(t Ticket) string {
	var sum [sha256.Size]byte
	if v.ident != nil {
		if id := v.ident.TicketID(t); id != "" {
			sum = sha256.Sum256([]byte(id))
			return v.key("id:", sum)
		}
	}
	return v.key("fp:", t.fingerprint())
}

func (v *Verifier) key(kind string, sum [sha256.Size]byte) string {
	var b strings.Builder
	b.Grow(len(v.claimPfx) + len(kind) + 2*len(sum))
	b.WriteString(v.claimPfx)
	b.WriteString(kind)
	var hx [2 * sha256.Size]byte
	hex.Encode(hx[:], sum[:])
	b.Write(hx[:])
	return b.String()
}

// failback applies the policy to t after the provider was found unavailable
// (cause).
func (v *Verifier) failback(r *http.Request, t Ticket, cause error) (*Result, error) {
	pol := v.cfg.policy
	if pol.mode == modeClosed {
		return nil, cause
	}
	if fc, ok := v.p.(FailbackChecker); ok {
		if err := fc.CheckFailback(r.Context(), t); err != nil {
			return nil, v.fail(codeOf(err), classOr(err, ErrRejected))
		}
	}
	if pol.mode == modeBounded {
		b := pol.budget
		n, err := v.cfg.ledger.Incr(r.Context(), v.budgetPf+"client:"+budgetKey(t.ClientIP), b.PerClientWindow)
		if err != nil {
			return nil, v.ledgerError(r, err)
		}
		if n > int64(b.PerClient) {
			return nil, v.denied(r, t, "client budget spent")
		}
		n, err = v.cfg.ledger.Incr(r.Context(), v.budgetPf+"global", b.GlobalWindow)
		if err != nil {
			return nil, v.ledgerError(r, err)
		}
		if n > int64(b.Global) {
			return nil, v.denied(r, t, "global budget spent")
		}
	}
	if err := v.claim(r, t); err != nil {
		return nil, err
	}
	v.log(r, slog.LevelWarn, "captcha: degraded pass",
		slog.String("provider", v.name), slog.String("policy", pol.String()),
		slog.String("client_ip", t.ClientIP), slog.String("cause", codeOf(cause)))
	return &Result{Provider: v.name, Passed: true, Degraded: true, Code: "failback", At: time.Now()}, nil
}

func (v *Verifier) denied(r *http.Request, t Ticket, why string) error {
	v.log(r, slog.LevelWarn, "captcha: failback denied",
		slog.String("provider", v.name), slog.String("client_ip", t.ClientIP), slog.String("reason", why))
	return v.fail("budget", ErrFailbackDenied)
}

func (v *Verifier) ledgerError(r *http.Request, err error) error {
	v.log(r, slog.LevelError, "captcha: ledger failed; failing closed",
		slog.String("provider", v.name), slog.String("error", err.Error()))
	return v.fail("ledger", ErrLedger)
}

// logLimited logs at most one line a minute per kind: a wrong key or a
// throttled account under load must be loud, not a flood.
func (v *Verifier) logLimited(r *http.Request, last *atomic.Int64, level slog.Level, msg string, err error) {
	now := time.Now().UnixNano()
	prev := last.Load()
	if now-prev < int64(time.Minute) || !last.CompareAndSwap(prev, now) {
		return
	}
	v.log(r, level, msg, slog.String("provider", v.name), slog.String("error", err.Error()))
}

func (v *Verifier) fail(code string, err error) error {
	return &VerifyError{Provider: v.name, Code: code, Err: err}
}

var sentinels = []error{ErrMissingTicket, ErrBadRequest, ErrBodyTooLarge, ErrRejected, ErrReplayed,
	ErrNoServerStatus, ErrUnavailable, ErrThrottled, ErrMisconfigured, ErrFailbackDenied, ErrLedger}

func isClassified(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// classOr returns err if it wraps one of the sentinels, else err wrapped
// with class.
func classOr(err, class error) error {
	if isClassified(err) {
		return err
	}
	return fmt.Errorf("%w: %w", class, err)
}

func codeOf(err error) string {
	var ve *VerifyError
	if errors.As(err, &ve) {
		return ve.Code
	}
	return ""
}

// log writes one line about r, with the attributes its context carries
// (see ContextWithLogAttrs).
func (v *Verifier) log(r *http.Request, level slog.Level, msg string, attrs ...slog.Attr) {
	if !v.cfg.logger.Enabled(r.Context(), level) {
		return
	}
	if extra := logAttrs(r.Context()); len(extra) > 0 {
		attrs = append(attrs, extra...)
	}
	v.cfg.logger.LogAttrs(r.Context(), level, msg, attrs...)
}
