package siteverify

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/captchakit/captcha/internal/vendorhttp"
)

// Codes of the local checks, as Result.Code reports them. The names follow
// Google's PHP library where it has one.
const (
	CodeHostname = "hostname-mismatch"
	CodeAction   = "action-mismatch"
	CodeCData    = "cdata-mismatch"
	CodeScore    = "score-threshold-not-met"
	CodeAge      = "challenge-timeout"
	// CodeMalformed is a token refused before any call (see Plausible).
	CodeMalformed = "malformed"
	// CodePass is Result.Code of a pass.
	CodePass = "success"
)

// CheckConfig configures Checks. Prefix names the vendor's Config in
// errors, e.g. "turnstile: Config.".
type CheckConfig struct {
	Prefix      string
	Hostnames   []string
	AnyHostname bool
	Actions     []string
	CData       func(r *http.Request) string
	// MinScore is the lowest passing score on the normalised scale (higher
	// is more human), when Scored; a reply without a score then fails.
	MinScore float64
	Scored   bool
	// MaxAge, when positive, is the oldest challenge_ts that passes; a
	// reply without one then fails.
	MaxAge time.Duration
	Now    func() time.Time
}

// Checks are the verifications of a successful reply beyond "success"; see
// Check. A Checks is immutable and safe for concurrent use.
type Checks struct {
	exact    []string // lower case
	suffixes []string // ".example.com" for "*.example.com"
	anyHost  bool
	actions  []string // trimmed, lower case
	cdata    func(*http.Request) string
	minScore float64
	scored   bool
	maxAge   time.Duration
	now      func() time.Time
}

// NewChecks validates cfg: Hostnames is required unless AnyHostname, and
// then must be empty; each entry is a host name or address without scheme,
// port or path, or "*." and a domain (any name under that domain, not the
// domain itself); Actions entries must not be empty; MinScore must be in
// [0, 1] and MaxAge not negative.
func NewChecks(cfg CheckConfig) (*Checks, error) {
	c := &Checks{anyHost: cfg.AnyHostname, cdata: cfg.CData, minScore: cfg.MinScore, scored: cfg.Scored,
		maxAge: cfg.MaxAge, now: cfg.Now}
	switch {
	case cfg.AnyHostname && len(cfg.Hostnames) > 0:
		return nil, errors.New(cfg.Prefix + "Hostnames and Config.AnyHostname are exclusive")
	case !cfg.AnyHostname && len(cfg.Hostnames) == 0:
		return nil, errors.New(cfg.Prefix + "Hostnames is required (or set Config.AnyHostname to accept tokens solved on any site)")
	case cfg.MinScore < 0 || cfg.MinScore > 1 || cfg.MinScore != cfg.MinScore:
		return nil, errors.New(cfg.Prefix + "MinScore must be between 0 and 1")
	case cfg.MaxAge < 0:
		return nil, errors.New(cfg.Prefix + "MaxAge must not be negative")
	}
	for i, h := range cfg.Hostnames {
		h = trimLower(h)
		if rest, ok := strings.CutPrefix(h, "*."); ok {
			if !isHostname(rest) || !strings.Contains(rest, ".") {
				return nil, fmt.Errorf("%sHostnames[%d] %q: a wildcard must be \"*.\" and a domain", cfg.Prefix, i, cfg.Hostnames[i])
			}
			c.suffixes = append(c.suffixes, "."+rest)
			continue
		}
		if !isHostname(h) {
			return nil, fmt.Errorf("%sHostnames[%d] %q is not a host name (give no scheme, port or path)", cfg.Prefix, i, cfg.Hostnames[i])
		}
		c.exact = append(c.exact, h)
	}
	for i, a := range cfg.Actions {
		a = trimLower(a)
		if a == "" || !vendorhttp.Plausible(a, 128) {
			return nil, fmt.Errorf("%sActions[%d] must be a non-empty name", cfg.Prefix, i)
		}
		c.actions = append(c.actions, a)
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// isHostname reports whether h (lower case) is made of host-name or
// IP-literal characters: letters, digits, '-', '.', and ':' for IPv6.
func isHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for i := 0; i < len(h); i++ {
		switch c := h[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '.':
		case c == ':' && strings.Count(h, ":") >= 2: // an IPv6 literal, not a port
		default:
			return false
		}
	}
	return true
}

// Check runs the checks on a successful reply and returns "" when all pass,
// else the code of the first that fails, in this order: hostname (in the
// allowlist, case-insensitively, after trimming; an empty hostname fails),
// action (one of Actions, the same way, when Actions is set), cdata (equal
// to CData(req), when CData is set; req may be nil), score (the normalised
// score at least MinScore, when Scored), age (challenge_ts at most MaxAge
// ago, when MaxAge is set).
func (c *Checks) Check(r *Reply, score float64, req *http.Request) string {
	if !c.anyHost && !c.hostAllowed(trimLower(r.Hostname)) {
		return CodeHostname
	}
	if len(c.actions) > 0 && !c.actionAllowed(trimLower(r.Action)) {
		return CodeAction
	}
	if c.cdata != nil && c.cdata(req) != r.CData {
		return CodeCData
	}
	if c.scored && (!r.HasScore || !(score >= c.minScore)) {
		return CodeScore
	}
	if c.maxAge > 0 && (!r.HasChallengeTS || c.now().Sub(r.ChallengeTS) > c.maxAge) {
		return CodeAge
	}
	return ""
}

func (c *Checks) hostAllowed(h string) bool {
	if h == "" {
		return false
	}
	for _, e := range c.exact {
		if h == e {
			return true
		}
	}
	for _, s := range c.suffixes {
		if len(h) > len(s) && strings.HasSuffix(h, s) {
			return true
		}
	}
	return false
}

func (c *Checks) actionAllowed(a string) bool {
	for _, e := range c.actions {
		if a == e {
			return true
		}
	}
	return false
}
