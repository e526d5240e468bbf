package recaptcha

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/captchakit/captcha/internal/siteverify"
	"github.com/captchakit/captcha/internal/vendorhttp"
	captcha "github.com/captchakit/captcha/middleware"
)

// Provider names, as reported in Result.Provider and in errors.
const (
	NameV2 = "recaptcha2"
	NameV3 = "recaptcha3"
)

// Version is the reCAPTCHA key type a Provider verifies.
type Version int

// The versions. Their keys are not interchangeable: a v2 token verified
// with a v3 secret (or the reverse) is "invalid-input-response".
const (
	// V2 is reCAPTCHA v2, checkbox or invisible: the reply has no score and
	// no action.
	V2 Version = 2
	// V3 is reCAPTCHA v3: the reply carries a score (0.0 to 1.0, higher is
	// more human) and the action the page executed.
	V3 Version = 3
)

// DefaultEndpoint is Google's siteverify URL. Where www.google.com cannot
// be reached, Google documents https://www.recaptcha.net/recaptcha/api/siteverify.
const DefaultEndpoint = "https://www.google.com/recaptcha/api/siteverify"

// SiteverifyPath is the path of DefaultEndpoint, appended to an Endpoint
// given without one (an emulator's base URL).
const SiteverifyPath = "/recaptcha/api/siteverify"

// DefaultField is the form field the v2 widget puts its token in, and the
// one v3 pages conventionally post theirs in.
const DefaultField = "g-recaptcha-response"

// DefaultMinScore is the lowest passing v3 score, Google's suggested
// starting threshold.
const DefaultMinScore = 0.5

// MaxTokenLen is the longest token sent to Google; real tokens are a few
// hundred to about two thousand characters. A longer value is rejected
// with Code "malformed" without a call.
const MaxTokenLen = 8 << 10

// TokenLifetime is how long Google accepts a token; later it answers
// "timeout-or-duplicate".
const TokenLifetime = 2 * time.Minute

// Config configures a Provider. Secret, Version and Hostnames (or
// AnyHostname) are required, and for V3 also Actions; every other field
// has a default.
type Config struct {
	// Secret is the key's secret. Required.
	Secret string
	// Sitekey is the key's public sitekey. Siteverify does not need it;
	// PageParams reports it to a failover chain's page. Default: none.
	Sitekey string
	// Version is the key type, V2 or V3. Required: a v3 key verified as v2
	// would pass every score.
	Version Version
	// Hostnames are the sites whose tokens pass: the reply's "hostname"
	// must be one of them (compared case-insensitively), or match an entry
	// "*.example.com" (any name under example.com, not example.com
	// itself). Required, unless AnyHostname is set. Android keys (which
	// answer apk_package_name instead) are not supported: their replies
	// have no hostname.
	Hostnames []string
	// AnyHostname accepts tokens whatever site they were solved on, and
	// logs a warning when the provider is built.
	//
	// WARNING: a sitekey is public. Without a hostname check, a token
	// solved on any page that embeds it passes, unless the key's domain
	// list in the admin console is the check you want (Google's own
	// domain validation can be switched off). Default: false.
	AnyHostname bool
	// Actions are the v3 actions that pass (the action given to
	// grecaptcha.execute), compared case-insensitively, as Google asks
	// servers to verify. Required for V3; must be empty for V2 (v2 replies
	// carry no action).
	Actions []string
	// MinScore is the lowest passing v3 score, in (0, 1]. Default:
	// DefaultMinScore (0.5). Must be 0 for V2.
	MinScore float64
	// MaxAge, when positive, is the oldest "challenge_ts" that passes.
	// Google's challenge_ts is when the challenge was loaded. Default: 0,
	// no local check: Google refuses tokens older than TokenLifetime
	// itself.
	MaxAge time.Duration
	// Field is the request field the token is read from. Default:
	// DefaultField.
	Field string
	// OmitRemoteIP stops sending the client IP as "remoteip". Default:
	// false, the IP resolved by the core is sent when it is an IP address.
	OmitRemoteIP bool
	// Endpoint is the siteverify URL; one without a path (an emulator's
	// base URL) gets SiteverifyPath. Default: DefaultEndpoint.
	Endpoint string
	// HTTPClient sends the requests. Default: a client whose transport
	// keeps up to 256 idle connections per host (Go's default keeps 2)
	// with bounded dial and TLS handshake times. Its own Timeout, if any,
	// also applies.
	HTTPClient *http.Client
	// Timeout bounds a call that arrives without a deadline of its own: a
	// direct call outside a Verifier. Through a Verifier, the Verifier's
	// deadline (captcha.WithTimeout) alone bounds the call. Default:
	// captcha.DefaultTimeout (2s).
	Timeout time.Duration
	// Logger receives the AnyHostname warning. Default: slog.Default().
	Logger *slog.Logger
	// Now returns the current time, for MaxAge. Default: time.Now.
	Now func() time.Time
}

// Extra is Result.Extra of a reCAPTCHA verification: the reply's fields
// beyond the ones Result has.
type Extra struct {
	// ChallengeTS is when the challenge was loaded; zero when the reply
	// had none.
	ChallengeTS time.Time
	// ErrorCodes are the reply's "error-codes".
	ErrorCodes []string
}

// Provider verifies reCAPTCHA v2 or v3 tokens with siteverify. It
// implements captcha.Provider and captcha.FailbackChecker and is safe for
// concurrent use. It also implements captcha.PageParams.
type Provider struct {
	name    string
	version Version
	sitekey string
	client  *siteverify.Client
	checks  *siteverify.Checks
	fields  []string
}

var (
	_ captcha.Provider        = (*Provider)(nil)
	_ captcha.FailbackChecker = (*Provider)(nil)
	_ captcha.PageParams      = (*Provider)(nil)
)

// New validates cfg and returns a Provider. An invalid field is an error
// that names it, e.g. "recaptcha: Config.Version must be recaptcha.V2 or
// recaptcha.V3".
func New(cfg Config) (*Provider, error) {
	switch {
	case cfg.Secret == "":
		return nil, errors.New("recaptcha: Config.Secret is required")
	case !vendorhttp.Plausible(cfg.Secret, 256):
		return nil, errors.New("recaptcha: Config.Secret must be printable ASCII without spaces")
	case cfg.Version != V2 && cfg.Version != V3:
		return nil, errors.New("recaptcha: Config.Version must be recaptcha.V2 or recaptcha.V3")
	case cfg.Version == V2 && len(cfg.Actions) > 0:
		return nil, errors.New("recaptcha: Config.Actions must be empty for V2 (v2 replies carry no action)")
	case cfg.Version == V2 && cfg.MinScore != 0:
		return nil, errors.New("recaptcha: Config.MinScore must be 0 for V2 (v2 replies carry no score)")
	case cfg.Version == V3 && len(cfg.Actions) == 0:
		return nil, errors.New("recaptcha: Config.Actions is required for V3 (Google asks servers to verify the action)")
	case cfg.Sitekey != "" && !vendorhttp.Plausible(cfg.Sitekey, 256):
		return nil, errors.New("recaptcha: Config.Sitekey must be printable ASCII without spaces")
	case cfg.Timeout < 0:
		return nil, errors.New("recaptcha: Config.Timeout must not be negative")
	}
	name := NameV2
	scored := cfg.Version == V3
	if scored {
		name = NameV3
		if cfg.MinScore == 0 {
			cfg.MinScore = DefaultMinScore
		}
	}
	url, err := siteverify.Endpoint("recaptcha: Config.Endpoint", cfg.Endpoint, DefaultEndpoint, SiteverifyPath)
	if err != nil {
		return nil, err
	}
	checks, err := siteverify.NewChecks(siteverify.CheckConfig{
		Prefix: "recaptcha: Config.", Hostnames: cfg.Hostnames, AnyHostname: cfg.AnyHostname,
		Actions: cfg.Actions, MinScore: cfg.MinScore, Scored: scored, MaxAge: cfg.MaxAge, Now: cfg.Now,
	})
	if err != nil {
		return nil, err
	}
	client, err := siteverify.New(siteverify.Config{
		Name: name, URL: url, Secret: cfg.Secret, OmitRemoteIP: cfg.OmitRemoteIP, Attempts: 1,
		Classify: siteverify.BaseClass, HTTPClient: cfg.HTTPClient, Timeout: cfg.Timeout,
	})
	if err != nil {
		return nil, err
	}
	field := cfg.Field
	if field == "" {
		field = DefaultField
	}
	if cfg.AnyHostname {
		logger := cfg.Logger
		if logger == nil {
			logger = slog.Default()
		}
		logger.Warn("captcha: recaptcha accepts tokens solved on any hostname (Config.AnyHostname)",
			slog.String("provider", name))
	}
	return &Provider{name: name, version: cfg.Version, sitekey: cfg.Sitekey, client: client, checks: checks, fields: []string{field}}, nil
}

// Name returns "recaptcha2" or "recaptcha3".
func (p *Provider) Name() string { return p.name }

// Fields returns the token field (default "g-recaptcha-response").
func (p *Provider) Fields() []string { return p.fields }

// Verify asks siteverify about the token in t. A success that passes every
// check of the Config passes (Code "success"); any other verdict is a
// rejection with Google's error code or the failed check's code in
// Result.Code; see the package documentation for how replies map to
// errors. A token that is empty, longer than MaxTokenLen or not printable
// ASCII is rejected with Code "malformed" without a call.
func (p *Provider) Verify(ctx context.Context, t captcha.Ticket) (captcha.Result, error) {
	token := t.Values[p.fields[0]]
	if !vendorhttp.Plausible(token, MaxTokenLen) {
		return captcha.Result{Code: siteverify.CodeMalformed}, nil
	}
	rep, err := p.client.Verify(ctx, token, t.ClientIP)
	if err != nil {
		return captcha.Result{}, err
	}
	res := captcha.Result{
		Hostname: rep.Hostname,
		Action:   rep.Action,
		Extra:    &Extra{ChallengeTS: rep.ChallengeTS, ErrorCodes: rep.ErrorCodes},
	}
	if rep.HasScore {
		// Already on the common scale: 1.0 is very likely a good
		// interaction.
		res.RawScore, res.Score, res.HasScore = rep.Score, min(max(rep.Score, 0), 1), true
	}
	switch {
	case !rep.Success:
		res.Code = p.client.Code(rep)
	default:
		if res.Code = p.checks.Check(&rep, res.Score, t.Request); res.Code == "" {
			res.Passed, res.Code = true, siteverify.CodePass
		}
	}
	return res, nil
}

// CheckFailback vets t locally while Google is unavailable: the token must
// be plausible (non-empty, at most MaxTokenLen bytes of printable ASCII).
// This is a shape check, not a verification: the core's failback policy and
// its budgets decide. The error wraps captcha.ErrRejected and never
// contains the token.
func (p *Provider) CheckFailback(_ context.Context, t captcha.Ticket) error {
	if !vendorhttp.Plausible(t.Values[p.fields[0]], MaxTokenLen) {
		return vendorhttp.Wrap(p.name, captcha.ErrRejected, siteverify.CodeMalformed, nil)
	}
	return nil
}
