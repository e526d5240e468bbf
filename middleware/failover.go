package captcha

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/sony/gobreaker/v2"
)

// LocalVerifier is implemented by providers that verify a ticket without a
// network call (a self-hosted proof of work). The Verifier asks such a
// provider before it claims the ticket, so junk never takes a ledger entry;
// a ticket is still claimed once it passed, so it is used only once. Only a
// local provider can be the work of [FailbackPolicy.WithWork].
type LocalVerifier interface {
	VerifiesLocally() bool
}

// PageParams is implemented by providers with public parameters a page needs
// to render their widget: Tencent's app ID, GeeTest's captcha ID, Alibaba's
// scene and prefix, a proof of work's challenge URL. They must be safe to
// show to anybody: never a secret. See [Verifier.RenderHandler].
type PageParams interface {
	PageParams() map[string]string
}

// WithFailover adds providers after the Verifier's own, in order, to a
// failover chain: New(primary, WithFailover(second, ..., last)).
//
// A ticket is for the provider whose fields the request carries (field sets
// must be disjoint; New checks). A ticket for a provider later in the chain
// is accepted only while every provider before it is unavailable as this
// server sees it (its circuit breaker open or half-open); otherwise it is
// rejected with [ErrRejected], so a client can never pick a weaker provider
// while a stronger one is healthy. A pass through a later provider has
// Result.Failover set: it was verified, unlike a degraded pass.
//
// The failback policy applies to the provider a ticket is for only while no
// provider after it is available: with a healthy provider to fail over to,
// a ticket for a provider that is down is [ErrUnavailable], and the page
// should ask [Verifier.RenderHandler] what to show instead.
//
// A provider whose breaker is disabled is never unavailable, so nothing
// after it is ever accepted. Every member shares the Verifier's options.
func WithFailover(providers ...Provider) Option {
	return optionFunc(func(c *config) { c.failover = append(c.failover, providers...) })
}

// WithStepUp accepts tickets for p (a proof of work, see package altcha) while
// the providers before it are healthy, within budget b (zero fields mean
// Budget's defaults), for clients whose browser cannot load the vendor's
// script. A step-up pass has Result.StepUp set; over the budget a ticket is
// [ErrFailbackDenied]. p is added to the end of the failover chain unless it
// is already in it, so while every provider before it is down its tickets are
// accepted as failover, without the budget. It never lets a request through
// without p's own verification.
func WithStepUp(p Provider, b Budget) Option {
	return optionFunc(func(c *config) { c.stepUp, c.stepUpBudget = p, b.withDefaults() })
}

// WithWork returns the policy with a proof of work required for every
// degraded pass: the request must also carry a ticket for pow (fields
// disjoint from the provider's), which must pass and is used up like any
// other ticket. The budget of a Bounded policy still applies. A degraded
// pass then costs the client real work, and a flood of invented tickets
// during an outage costs a flood of solved challenges. pow must implement
// [LocalVerifier]; New checks.
func (p FailbackPolicy) WithWork(pow Provider) FailbackPolicy {
	p.work = pow
	return p
}

// buildChain builds the members of v's failover chain and the work of its
// failback policy, and checks that their fields are disjoint.
func (v *Verifier) buildChain() error {
	cfg := v.cfg
	if len(cfg.failover) == 0 && cfg.stepUp == nil && cfg.policy.work == nil {
		return nil
	}
	member := func(p Provider) (*Verifier, error) {
		m, err := build(p, cfg)
		if err != nil {
			return nil, err
		}
		return m, nil
	}
	all := []*Verifier{v}
	seen := map[Provider]bool{v.p: true}
	for _, p := range cfg.failover {
		if p == nil || isNilPointer(p) {
			return errors.New("captcha: New: WithFailover: a provider is nil")
		}
		if isComparable(p) && seen[p] {
			return fmt.Errorf("captcha: New: WithFailover: provider %s is in the chain twice", p.Name())
		}
		m, err := member(p)
		if err != nil {
			return err
		}
		if isComparable(p) {
			seen[p] = true
		}
		all = append(all, m)
	}
	if p := cfg.stepUp; p != nil {
		if isNilPointer(p) {
			return errors.New("captcha: New: WithStepUp: the provider is nil")
		}
		for _, m := range all {
			if isComparable(p) && m.p == p {
				v.stepUp = m
			}
		}
		if v.stepUp == nil {
			m, err := member(p)
			if err != nil {
				return err
			}
			all = append(all, m)
			v.stepUp = m
		}
		if v.stepUp == v {
			return errors.New("captcha: New: WithStepUp: the step-up provider is the primary")
		}
	}
	if len(all) > 1 {
		v.chain = all
	}
	union := append([]string(nil), v.fields...)
	check := func(m *Verifier) error {
		for _, f := range m.fields {
			if fieldIndex(f, union) >= 0 {
				return fmt.Errorf("captcha: New: providers %s share the ticket field %q: a chain needs disjoint fields", m.name, f)
			}
			union = append(union, f)
		}
		return nil
	}
	for _, m := range all[1:] {
		if err := check(m); err != nil {
			return err
		}
	}
	if p := cfg.policy.work; p != nil {
		if isNilPointer(p) {
			return errors.New("captcha: New: FailbackPolicy.WithWork: the provider is nil")
		}
		w, err := member(p)
		if err != nil {
			return err
		}
		if !w.local {
			return fmt.Errorf("captcha: New: FailbackPolicy.WithWork(%s): the work must verify locally (LocalVerifier)", w.name)
		}
		for _, m := range all {
			if isComparable(p) && m.p == p {
				// Never down, it stops every failback before the work could
				// be asked for (a later provider is available).
				return fmt.Errorf("captcha: New: FailbackPolicy.WithWork(%s): the work is in the failover chain already, "+
					"so a degraded pass never happens; drop one of the two", w.name)
			}
		}
		if err := check(w); err != nil {
			return err
		}
		v.work = w
	}
	if len(union) > 64 {
		return fmt.Errorf("captcha: New: the chain has %d ticket fields, want at most 64", len(union))
	}
	for _, m := range all[1:] {
		m.work = v.work
	}
	if cfg.extractor != nil {
		e := cfg.extractor
		v.extract = func(r *http.Request, _ *replayBody) (map[string]string, error) { return e(r, union) }
	} else {
		v.extract = newDefaultExtractor(union, DefaultMaxBodyBytes).extract
	}
	return nil
}

// passedBy reports whether res is a pass by v or a member of its chain.
func (v *Verifier) passedBy(res *Result) bool {
	if res.by == v.st {
		return true
	}
	for _, m := range v.chain {
		if res.by == m.st {
			return true
		}
	}
	return false
}

// unavailable reports whether this server sees m's vendor as down: its
// breaker open, or half-open and probing.
func (m *Verifier) unavailable() bool {
	b := m.st.breaker()
	return b != nil && b.cb.State() != gobreaker.StateClosed
}

// route verifies a request to a Verifier with a chain or with work behind
// its failback: it finds the provider the ticket is for and applies the
// chain's rules.
func (v *Verifier) route(vr *verification, r *http.Request, values map[string]string) (*Result, error) {
	members := v.chain
	if members == nil {
		members = []*Verifier{v}
	}
	k := -1
	for i, m := range members {
		if complete(values, m.fields) {
			if k >= 0 {
				return nil, v.fail("ambiguous", fmt.Errorf("%w: tickets for %s and %s in one request", ErrBadRequest, members[k].name, m.name))
			}
			k = i
		}
	}
	if k < 0 {
		return nil, v.fail("", ErrMissingTicket)
	}
	m := members[k]
	if v.work != nil && m != v.work {
		vr.work = make(map[string]string, len(v.work.fields))
		for _, f := range v.work.fields {
			if s := values[f]; s != "" {
				vr.work[f] = s
			}
		}
	}
	// The provider sees its own fields only: the others must not change
	// its ticket's fingerprint. A custom extractor's map is not written to.
	if len(values) > len(m.fields) {
		own := make(map[string]string, len(m.fields))
		for _, f := range m.fields {
			own[f] = values[f]
		}
		values = own
	}
	earlierDown := true
	for _, e := range members[:k] {
		if !e.unavailable() {
			earlierDown = false
			break
		}
	}
	switch {
	case earlierDown:
		for _, l := range members[k+1:] {
			if !l.unavailable() {
				vr.laterUp = true
				break
			}
		}
		res, err := m.check(vr, r, values)
		if err == nil && k > 0 {
			res.Failover = true
		}
		return res, err
	case m == v.stepUp:
		// The work is checked first, so only solved work counts against
		// the budget; over it, the solved ticket is used up all the same.
		res, err := m.check(vr, r, values)
		if err != nil {
			return nil, err
		}
		t := Ticket{ClientIP: v.cfg.clientIP(r)}
		if err := m.spendBudget(vr, t, "stepup:", "step-up ", v.cfg.stepUpBudget); err != nil {
			return nil, err
		}
		res.StepUp = true
		return res, nil
	default:
		v.log(&vr.call, slog.LevelInfo, "captcha: ticket for a later provider while an earlier one is healthy",
			slog.String("provider", v.name), slog.String("ticket_for", m.name))
		return nil, m.fail("failover-inactive", ErrRejected)
	}
}

// Render is what [Verifier.RenderHandler] answers: the provider a page
// should render now, and the step-up it may offer if that provider's script
// cannot load.
type Render struct {
	Provider string            `json:"provider"`
	Fields   []string          `json:"fields"`
	Params   map[string]string `json:"params,omitempty"`
	// Failover is set when Provider is not the chain's first: every one
	// before it is unavailable.
	Failover bool    `json:"failover"`
	StepUp   *Render `json:"stepUp,omitempty"`
}

// Render returns what a page should render now: the first provider of the
// chain this server sees as available (the first one when all are down, for
// its failback), with its public parameters ([PageParams]).
func (v *Verifier) Render() Render {
	members := v.chain
	if members == nil {
		members = []*Verifier{v}
	}
	pick := 0
	for i, m := range members {
		if !m.unavailable() {
			pick = i
			break
		}
	}
	out := members[pick].describe()
	out.Failover = pick > 0
	if v.stepUp != nil && v.stepUp != members[pick] {
		s := v.stepUp.describe()
		out.StepUp = &s
	}
	return out
}

func (v *Verifier) describe() Render {
	d := Render{Provider: v.name, Fields: v.fields}
	if pp, ok := v.p.(PageParams); ok {
		d.Params = pp.PageParams()
	}
	return d
}

// RenderHandler returns a handler answering GET with [Verifier.Render] as
// JSON, not to be cached, so a page can switch providers without a reload
// when one goes down or comes back.
func (v *Verifier) RenderHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		b, err := json.Marshal(v.Render())
		if err != nil {
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(append(b, '\n'))
	})
}
