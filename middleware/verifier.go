package captcha

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Verifier checks the CAPTCHA ticket of a request with one Provider. It is
// safe for concurrent use; create one per provider and share it between
// routes and adapters.
type Verifier struct {
	p        Provider
	st       *state // shared by every Verifier on p
	ledger   Ledger
	memory   *memoryLedger    // ledger, when it is the in-memory one (it never blocks)
	ident    TicketIdentifier // p, if it implements it
	name     string
	fields   []string
	cfg      config
	extract  func(*http.Request, *replayBody) (map[string]string, error)
	claimPfx string
	budgetPf string
	local    bool     // p verifies without a network call (LocalVerifier): verify, then claim
	sorted   []string // fields in name order, for the in-memory claim key

	// A failover chain (WithFailover, WithStepUp) or a failback policy with
	// work (FailbackPolicy.WithWork) is set on the Verifier New returns; its
	// members are Verifiers of their own that share its options.
	chain  []*Verifier // the providers in order, v itself first; nil without a chain
	stepUp *Verifier   // the chain member accepted as a step-up, or nil
	work   *Verifier   // the proof of work a degraded pass needs too, or nil
}

// New returns a Verifier for p. It returns an error for a nil provider, a
// provider without a name or fields, a nil ledger behind a non-nil interface
// (a constructor's ignored error), and invalid options. It logs its failback
// policy once.
//
// Verifiers built on the same Provider value share its state: one circuit
// breaker (so one view of the vendor's health), and unless WithLedger says
// otherwise one in-memory ledger, so single use and failback budgets hold
// across every route protected with p. Give p's Verifiers the same
// BreakerSettings; New refuses a second, different set. Different provider
// values never share state.
func New(p Provider, opts ...Option) (*Verifier, error) {
	cfg := newConfig(opts)
	v, err := build(p, cfg)
	if err != nil {
		return nil, err
	}
	if err := v.buildChain(); err != nil {
		return nil, err
	}
	return v, nil
}

// build returns the Verifier of one provider, without its chain.
func build(p Provider, cfg config) (*Verifier, error) {
	if p == nil || isNilPointer(p) {
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
	switch {
	case cfg.timeout <= 0:
		return nil, fmt.Errorf("captcha: New: WithTimeout(%v): must be positive", cfg.timeout)
	case cfg.replayWindow < time.Minute:
		return nil, fmt.Errorf("captcha: New: WithReplayWindow(%v): must be at least a minute", cfg.replayWindow)
	case cfg.ledgerWait <= 0:
		return nil, fmt.Errorf("captcha: New: WithLedgerTimeout(%v): must be positive", cfg.ledgerWait)
	case cfg.ledger != nil && isNilPointer(cfg.ledger):
		return nil, fmt.Errorf("captcha: New: WithLedger(%T(nil)): the ledger is a nil pointer; "+
			"was the error of its constructor ignored?", cfg.ledger)
	}
	if m, ok := p.(ReplayWindower); ok && cfg.replayWindow < m.MinReplayWindow() {
		return nil, fmt.Errorf("captcha: New: WithReplayWindow(%v) is shorter than provider %s needs (%v): "+
			"a ticket it accepts could be replayed once its claim is forgotten", cfg.replayWindow, name, m.MinReplayWindow())
	}
	if err := cfg.policy.validate(); err != nil {
		return nil, err
	}
	if err := cfg.breaker.validate(); err != nil {
		return nil, err
	}
	st := stateOf(p)
	if err := st.configure(&cfg); err != nil {
		return nil, err
	}
	v := &Verifier{
		p:        p,
		st:       st,
		ledger:   cfg.ledger,
		name:     name,
		fields:   append([]string(nil), fields...),
		sorted:   slices.Sorted(slices.Values(fields)),
		cfg:      cfg,
		claimPfx: "claim:" + name + ":",
		budgetPf: "budget:" + name + ":",
	}
	if v.ledger == nil {
		v.ledger = st.defaultLedger()
	}
	if m, ok := v.ledger.(*memoryLedger); ok {
		v.memory = m
	}
	if cfg.extractor != nil {
		e := cfg.extractor
		v.extract = func(r *http.Request, _ *replayBody) (map[string]string, error) { return e(r, v.fields) }
	} else {
		v.extract = newDefaultExtractor(v.fields, DefaultMaxBodyBytes).extract
	}
	v.ident, _ = p.(TicketIdentifier)
	if l, ok := p.(LocalVerifier); ok && l.VerifiesLocally() {
		v.local = true
	}
	cfg.logger.Info("captcha: verifier ready", slog.String("provider", name), slog.String("failback", cfg.policy.String()))
	if cfg.skip != nil {
		cfg.logger.Warn("captcha: UnsafeSkipVerify is set: requests it selects pass without any verification",
			slog.String("provider", name))
	}
	return v, nil
}

// isNilPointer reports whether x is an interface holding a nil pointer (or
// map, func, chan, slice): a value that is not == nil but panics when used.
func isNilPointer(x any) bool {
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Func, reflect.Chan, reflect.Slice, reflect.Interface:
		return v.IsNil()
	}
	return false
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
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { v.Serve(w, r, next) })
}

// Serve is what [Verifier.Handler] does for one request: it verifies r, with
// attrs added to the lines it logs (see [Verifier.VerifyWith]), and then
// either serves next with the Result in r's context or answers with the
// error handler (whose request carries attrs as log attributes). Adapters
// for routers with net/http handlers use it to name the route.
func (v *Verifier) Serve(w http.ResponseWriter, r *http.Request, next http.Handler, attrs ...slog.Attr) {
	res, err := v.verify(r, attrs)
	if err != nil {
		if len(attrs) > 0 {
			r = r.WithContext(ContextWithLogAttrs(r.Context(), attrs...))
		}
		v.cfg.errorHandler(w, r, err)
		return
	}
	if prev, _ := FromContext(r.Context()); prev != res {
		r = r.WithContext(NewContext(r.Context(), res))
	}
	next.ServeHTTP(w, r)
}

// ErrorHandler returns the Verifier's error handler, for adapters that
// render failures through it.
func (v *Verifier) ErrorHandler() ErrorHandler { return v.cfg.errorHandler }

// Health returns a snapshot of the provider's health as this process sees
// it; every Verifier on the same provider value reports the same.
func (v *Verifier) Health() Health { return v.st.health(v.cfg.policy) }

// Verify checks the ticket carried by r and returns the Result of a pass, or
// an error wrapping one of the package's sentinels (see [StatusCode]); it never
// returns a Result that did not pass. Verify reads and puts back r.Body; it
// does not store the Result in r's context (Handler does).
//
// If r's context already carries a Result that a Verifier on the same
// provider passed (a route wrapped twice), Verify returns it without
// verifying again. A Result from another provider, or one built by hand,
// does not count.
//
// The decision, in order: the ticket is extracted and claimed in the ledger
// (a ticket seen before is [ErrReplayed], and never reaches the vendor); if
// the provider's breaker is open, the failback policy decides; otherwise the
// vendor is asked, and its verdict stands. An unavailable vendor with the
// breaker closed fails the request with 503: only the breaker, from repeated
// failures this server saw, can start failback.
func (v *Verifier) Verify(r *http.Request) (*Result, error) { return v.verify(r, nil) }

// VerifyWith is Verify with attrs added to every line this verification
// logs, as if r's context carried them (see [ContextWithLogAttrs]), without
// the allocations of a new context and request. Adapters use it to name the
// route.
func (v *Verifier) VerifyWith(r *http.Request, attrs ...slog.Attr) (*Result, error) {
	return v.verify(r, attrs)
}

func (v *Verifier) verify(r *http.Request, attrs []slog.Attr) (*Result, error) {
	if res, ok := FromContext(r.Context()); ok && res.Passed && v.passedBy(res) {
		return res, nil
	}
	vr := new(verification)
	vr.call.start(r.Context(), v.cfg.timeout)
	if len(attrs) > 0 {
		vr.call.attrs = joinAttrs(&vr.attrs, logAttrs(r.Context()), attrs)
	}
	defer vr.call.cancel()
	res, err := v.decide(vr, r)
	if err == nil {
		if rerr := v.judgeRisk(res); rerr != nil {
			res, err = nil, rerr
		}
	}
	v.report(&vr.call, vr.call.deadline.Add(-v.cfg.timeout), vr.called, res, err)
	return res, err
}

// decide is the verification itself; see Verify.
func (v *Verifier) decide(vr *verification, r *http.Request) (*Result, error) {
	if v.cfg.skip != nil && v.cfg.skip(r) {
		res := v.pass(vr, Result{Code: "skipped"}, false)
		res.Skipped = true
		return res, nil
	}
	values, err := v.extract(r, &vr.body)
	if err != nil {
		return nil, v.fail("", classOr(err, ErrBadRequest))
	}
	if v.chain != nil || v.work != nil {
		return v.route(vr, r, values)
	}
	if !complete(values, v.fields) {
		return nil, v.fail("", ErrMissingTicket)
	}
	return v.check(vr, r, values)
}

// check verifies the ticket in values, which holds v's fields and no
// others: claim, then the vendor through the breaker or, while it is open,
// the failback policy. A provider that verifies locally is asked first and
// its ticket claimed once it passed, so junk costs no ledger entry.
func (v *Verifier) check(vr *verification, r *http.Request, values map[string]string) (*Result, error) {
	ctx := &vr.call
	t := Ticket{Values: values, ClientIP: v.cfg.clientIP(r), Request: r}
	if !v.local {
		if err := v.claim(vr, r, t); err != nil {
			return nil, err
		}
	}
	var res Result
	var err error
	if !v.st.run(func() (e error) { res, e = v.call(vr, r, t); err = e; return e }) {
		return v.failback(vr, t, v.fail("breaker-open", ErrUnavailable))
	}
	if v.local && err == nil && res.Passed {
		if err := v.claim(vr, r, t); err != nil {
			return nil, err
		}
	}
	switch {
	case err == nil && res.Passed:
		return v.pass(vr, res, false), nil
	case err == nil:
		return nil, v.fail(res.Code, ErrRejected)
	case errors.Is(err, ErrUnavailable):
		// A lone failure, or a ticket issued while the vendor was down
		// (ErrOfflineTicket) and judged after the breaker closed again:
		// the client retries with a new ticket.
		return nil, err
	case errors.Is(err, ErrMisconfigured), errors.Is(err, ErrThrottled):
		v.st.logClass(v.cfg.logger, ctx, err)
		return nil, err
	case isClassified(err):
		// A verdict reported as an error (ErrRejected, ErrNoServerStatus):
		// client input, not worth a log line.
		return nil, err
	default:
		// Outside the contract: fail closed, and never let it lead to failback.
		err = v.fail(codeOf(err), fmt.Errorf("%w: %w", ErrMisconfigured, err))
		v.st.logClass(v.cfg.logger, ctx, err)
		return nil, err
	}
}

// call runs the provider under the Verifier's deadline. The call does not
// inherit the client's cancellation: a client that disconnects or half-closes
// its connection mid-call must not turn a healthy vendor's verdict into
// "unavailable". A panicking provider is a bug; it fails the request closed
// instead of taking the server down.
func (v *Verifier) call(vr *verification, r *http.Request, t Ticket) (res Result, err error) {
	vr.called = true
	defer func() {
		if p := recover(); p != nil {
			v.log(&vr.call, slog.LevelError, "captcha: provider panicked",
				slog.String("provider", v.name), slog.Any("panic", p))
			res, err = Result{}, v.fail("panic", ErrMisconfigured)
		}
	}()
	return v.p.Verify(&vr.call, t)
}

// healthOutcome is what a provider call tells the breaker, by the outcome
// table: only vendor failures count against it; calls that never reached
// the vendor, and tickets issued in failback mode, are not counted.
func healthOutcome(err error) error {
	if err == nil {
		return nil
	}
	i := classify(err)
	switch {
	case i < 0:
		return nil
	case outcomes[i].health == healthFailure:
		return errHealthFailure
	case outcomes[i].health == healthExcluded:
		return errHealthExcluded
	}
	return nil
}

// pass fills in the fields of a passing Result that the core alone owns:
// whatever a provider put there, Provider, Degraded and At are the
// Verifier's.
func (v *Verifier) pass(vr *verification, res Result, degraded bool) *Result {
	res.Passed = true
	res.Provider = v.name
	res.Degraded = degraded
	res.Failover, res.StepUp, res.Skipped = false, false, false // the chain and the test mode set them
	res.At = time.Now()
	res.by = v.st
	res.parent = nil
	vr.res = res
	return &vr.res
}

// verification is what one Verify needs beyond the stack, in a single
// allocation: the Result a pass hands out (which later serves as the
// context that carries it), the deadline that bounds the whole
// verification, and the reader that puts the request body back.
type verification struct {
	res   Result
	call  callCtx
	body  replayBody
	attrs [2]slog.Attr

	// Set by route for a chain: whether a provider after the one the ticket
	// is for is available (then that one's failback is not used), and the
	// proof-of-work fields a degraded pass needs (FailbackPolicy.WithWork).
	laterUp bool
	work    map[string]string
	called  bool // a provider was asked
}

// claim records t as used before anything else looks at it, so that a replay
// costs no vendor call and spends no failback budget.
func (v *Verifier) claim(vr *verification, r *http.Request, t Ticket) error {
	var first bool
	var err error
	if v.memory != nil {
		first, err = v.memory.claimHashed(v.memoryKey(t), v.cfg.replayWindow)
	} else {
		ctx, cancel := v.ledgerContext(vr)
		first, err = v.ledger.Claim(ctx, v.claimKey(t), v.cfg.replayWindow)
		cancel()
	}
	if err != nil {
		return v.ledgerError(&vr.call, "claim", err)
	}
	if !first {
		return v.fail("", ErrReplayed)
	}
	return nil
}

// ledgerContext bounds one ledger call by the ledger timeout, and by what is
// left of the verification's own deadline, and detaches it from the client:
// a client that hangs up must not leave a ticket unclaimed, nor turn its own
// cancellation into a ledger failure. The in-memory ledger never blocks, so
// it gets the verification's context as is.
func (v *Verifier) ledgerContext(vr *verification) (context.Context, context.CancelFunc) {
	if v.memory != nil {
		return &vr.call, func() {}
	}
	c := newCallCtx(vr.call.parent, v.cfg.ledgerWait) // detached and bounded, in one allocation
	if vr.call.deadline.Before(c.deadline) {
		c.deadline = vr.call.deadline
	}
	return c, c.cancel
}

// claimKey is t's ledger key: the claim prefix and the hex SHA-256 of the
// provider's TicketID when it has one, else of all fields (the fingerprint).
// It is the one hash a ticket goes through on its way to the ledger.
func (v *Verifier) claimKey(t Ticket) string {
	pfx, sum := v.claimDigest(t)
	return hashedKey(v.claimPfx+[...]string{"id:", "fp:"}[pfx], sum)
}

// memoryKey is t's key in the in-memory ledger: the ledger's own keyed hash
// of what claimKey hashes with SHA-256, prefix included, in one pass. It
// never leaves the process, so it needs no stable digest.
func (v *Verifier) memoryKey(t Ticket) hkey {
	var buf [512]byte
	b := append(buf[:0], v.claimPfx...)
	if v.ident != nil {
		if id := v.ident.TicketID(t); id != "" {
			return v.memory.hashBytes(append(append(b, "id:"...), id...))
		}
	}
	b = append(b, "fp:"...)
	// The fingerprint's bytes, over v's fields in name order: what
	// appendFingerprint writes for a ticket with exactly those fields,
	// without ranging over and sorting the map. Fields an extractor added
	// beyond the provider's cannot change the key.
	for _, f := range v.sorted {
		if s, ok := t.Values[f]; ok {
			b = appendField(appendField(b, f), s)
		}
	}
	return v.memory.hashBytes(b)
}

// claimDigest is the SHA-256 a claim key is built from, and which of the two
// prefixes it goes under: 0 for a TicketID, 1 for the fingerprint.
func (v *Verifier) claimDigest(t Ticket) (pfx int, sum [sha256.Size]byte) {
	if v.ident != nil {
		if id := v.ident.TicketID(t); id != "" {
			return 0, sha256.Sum256([]byte(id))
		}
	}
	return 1, t.fingerprint()
}

// hashedKey returns prefix followed by sum in hex, in one allocation.
func hashedKey(prefix string, sum [sha256.Size]byte) string {
	var b strings.Builder
	b.Grow(len(prefix) + 2*len(sum))
	b.WriteString(prefix)
	var hx [2 * sha256.Size]byte
	hex.Encode(hx[:], sum[:])
	b.Write(hx[:])
	return b.String()
}

// ledgerError fails the request closed. The line is rate-limited: a ledger
// outage fails every request, and one line a minute says so.
func (v *Verifier) ledgerError(ctx context.Context, op string, err error) error {
	v.st.limited(v.cfg.logger, ctx, &v.st.lastLed, slog.LevelError, "captcha: ledger failed; failing closed",
		slog.String("provider", v.name), slog.String("op", op), slog.String("error", err.Error()))
	return v.fail("ledger", fmt.Errorf("%w: %s", ErrLedger, op))
}

func (v *Verifier) fail(code string, err error) error {
	return &VerifyError{Provider: v.name, Code: code, Err: err}
}

// transportCodes are the VerifyError codes of failures that carried no reply
// from the vendor (internal/vendorhttp writes them): they never tell that the
// vendor answered.
var transportCodes = []string{"transport", "timeout", "not-sent", "tls", "dns", "scheme", "request", "breaker-open"}

func isTransportCode(c string) bool { return slices.Contains(transportCodes, c) }

// isClassified reports whether err wraps one of the outcome table's
// sentinels.
func isClassified(err error) bool { return classify(err) >= 0 }

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
func (v *Verifier) log(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	logTo(v.cfg.logger, ctx, level, msg, attrs...)
}
