package turnstile

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

// Name is the provider name, as reported in Result.Provider and in errors.
const Name = "turnstile"

// DefaultEndpoint is Cloudflare's siteverify URL.
const DefaultEndpoint = "https://challenges.cloudflare.com/turnstile/v0/siteverify"

// SiteverifyPath is the path of DefaultEndpoint, appended to an Endpoint
// given without one (an emulator's base URL).
const SiteverifyPath = "/turnstile/v0/siteverify"

// DefaultField is the form field the widget puts its token in.
const DefaultField = "cf-turnstile-response"

// MaxTokenLen is the longest token sent to Cloudflare. Cloudflare documents
// tokens of at most 2048 characters and its reference validator refuses
// longer ones before calling; so does Verify (Code "malformed").
const MaxTokenLen = 2048

// TokenLifetime is how long Cloudflare accepts a token after the challenge
// was solved; later it answers "timeout-or-duplicate".
const TokenLifetime = 300 * time.Second

// dummyToken is the token Turnstile's test sitekeys produce. Production
// secrets reject it; CheckFailback refuses it unless the secret is a test
// secret, since anyone can send it.
const dummyToken = "XXXX.DUMMY.TOKEN.XXXX"

// Config configures a Provider. Secret and Hostnames (or AnyHostname) are
// required; every other field has a default.
type Config struct {
	// Secret is the widget's secret key. Required.
	Secret string
	// Sitekey is the widget's public sitekey. Siteverify does not need it;
	// PageParams reports it to a failover chain's page. Default: none.
	Sitekey string
	// Hostnames are the sites whose tokens pass: the reply's "hostname"
	// must be one of them (compared case-insensitively), or match an entry
	// "*.example.com" (any name under example.com, not example.com
	// itself). Required, unless AnyHostname is set.
	Hostnames []string
	// AnyHostname accepts tokens whatever site they were solved on, and
	// logs a warning when the provider is built.
	//
	// WARNING: a widget's sitekey is public. Without a hostname check, a
	// token solved on any page that embeds the widget (an attacker's own
	// page, served from a domain the widget allows) passes. Set it only
	// when Cloudflare's own domain list for the widget is the check you
	// want. Default: false.
	AnyHostname bool
	// Actions are the widget actions (the "action" / data-action value)
	// that pass, compared case-insensitively. Default: empty, the action is
	// not checked.
	Actions []string
	// CData, when set, returns the cData the page was rendered with for
	// the request being verified (for example the session ID); the reply's
	// "cdata" must equal it. r is the request the ticket came from, nil
	// when a Ticket was built without one. Default: nil, not checked.
	CData func(r *http.Request) string
	// MaxAge, when positive, is the oldest "challenge_ts" that passes.
	// Default: 0, no local check: Cloudflare itself refuses tokens older
	// than TokenLifetime.
	MaxAge time.Duration
	// Field is the request field the token is read from. Default:
	// DefaultField.
	Field string
	// NoRetry stops the one retry of a call that failed as unavailable
	// (a connection error, a 5xx, "internal-error") while time is left.
	// Every call carries a fresh idempotency_key, the same on its retry,
	// so Cloudflare answers the retry as it answered the first call
	// instead of "timeout-or-duplicate". Default: false (retry once).
	NoRetry bool
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
	// deadline (captcha.WithTimeout) alone bounds the call, retry
	// included. Default: captcha.DefaultTimeout (2s).
	Timeout time.Duration
	// Logger receives the AnyHostname warning. Default: slog.Default().
	Logger *slog.Logger
	// Now returns the current time, for MaxAge. Default: time.Now.
	Now func() time.Time
}

// Extra is Result.Extra of a Turnstile verification: the reply's fields
// beyond the ones Result has.
type Extra struct {
	// ChallengeTS is when the challenge was solved; zero when the reply
	// had none.
	ChallengeTS time.Time
	// CData is the widget's cData.
	CData string
	// EphemeralID is the Enterprise "metadata.ephemeral_id" device ID.
	EphemeralID string
	// ErrorCodes are the reply's "error-codes".
	ErrorCodes []string
}

// Provider verifies Turnstile tokens with siteverify. It implements
// captcha.Provider and captcha.FailbackChecker and is safe for concurrent
// use. It also implements captcha.PageParams.
type Provider struct {
	sitekey string
	client  *siteverify.Client
	checks  *siteverify.Checks
	fields  []string
	test    bool // a test secret: the dummy token is its only token
}

var (
	_ captcha.Provider        = (*Provider)(nil)
	_ captcha.FailbackChecker = (*Provider)(nil)
	_ captcha.PageParams      = (*Provider)(nil)
)

// New validates cfg and returns a Provider. An invalid field is an error
// that names it, e.g. "turnstile: Config.Secret is required".
func New(cfg Config) (*Provider, error) {
	if cfg.Secret == "" {
		return nil, errors.New("turnstile: Config.Secret is required")
	}
	if !vendorhttp.Plausible(cfg.Secret, 256) {
		return nil, errors.New("turnstile: Config.Secret must be printable ASCII without spaces")
	}
	if cfg.Sitekey != "" && !vendorhttp.Plausible(cfg.Sitekey, 256) {
		return nil, errors.New("turnstile: Config.Sitekey must be printable ASCII without spaces")
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("turnstile: Config.Timeout must not be negative")
	}
	url, err := siteverify.Endpoint("turnstile: Config.Endpoint", cfg.Endpoint, DefaultEndpoint, SiteverifyPath)
	if err != nil {
		return nil, err
	}
	checks, err := siteverify.NewChecks(siteverify.CheckConfig{
		Prefix: "turnstile: Config.", Hostnames: cfg.Hostnames, AnyHostname: cfg.AnyHostname,
		Actions: cfg.Actions, CData: cfg.CData, MaxAge: cfg.MaxAge, Now: cfg.Now,
	})
	if err != nil {
		return nil, err
	}
	attempts := 2
	if cfg.NoRetry {
		attempts = 1
	}
	client, err := siteverify.New(siteverify.Config{
		Name: Name, URL: url, Secret: cfg.Secret, OmitRemoteIP: cfg.OmitRemoteIP,
		IdempotencyKey: true, Attempts: attempts, Classify: siteverify.BaseClass,
		HTTPClient: cfg.HTTPClient, Timeout: cfg.Timeout,
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
		logger.Warn("captcha: turnstile accepts tokens solved on any hostname (Config.AnyHostname)",
			slog.String("provider", Name))
	}
	return &Provider{sitekey: cfg.Sitekey, client: client, checks: checks, fields: []string{field}, test: isTestSecret(cfg.Secret)}, nil
}

// isTestSecret reports whether s is one of Cloudflare's published test
// secrets (always passes, always fails, token already spent).
func isTestSecret(s string) bool {
	switch s {
	case "1x0000000000000000000000000000000AA", "2x0000000000000000000000000000000AA",
		"3x0000000000000000000000000000000AA":
		return true
	}
	return false
}

// Name returns "turnstile".
func (p *Provider) Name() string { return Name }

// Fields returns the token field (default "cf-turnstile-response").
func (p *Provider) Fields() []string { return p.fields }

// Verify asks siteverify about the token in t. A success that passes every
// check of the Config passes (Code "success"); any other verdict is a
// rejection with Cloudflare's error code or the failed check's code in
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
		Extra: &Extra{ChallengeTS: rep.ChallengeTS, CData: rep.CData, EphemeralID: rep.EphemeralID,
			ErrorCodes: rep.ErrorCodes},
	}
	switch {
	case !rep.Success:
		res.Code = p.client.Code(rep)
	default:
		if res.Code = p.checks.Check(&rep, 0, t.Request); res.Code == "" {
			res.Passed, res.Code = true, siteverify.CodePass
		}
	}
	return res, nil
}

// CheckFailback vets t locally while Cloudflare is unavailable: the token
// must be plausible (non-empty, at most MaxTokenLen bytes of printable
// ASCII) and must not be the public test token "XXXX.DUMMY.TOKEN.XXXX"
// (unless the secret is a test secret). This is a shape check, not a
// verification: the core's failback policy and its budgets decide. The
// error wraps captcha.ErrRejected and never contains the token.
func (p *Provider) CheckFailback(_ context.Context, t captcha.Ticket) error {
	token := t.Values[p.fields[0]]
	if !vendorhttp.Plausible(token, MaxTokenLen) || (token == dummyToken && !p.test) {
		return vendorhttp.Wrap(Name, captcha.ErrRejected, siteverify.CodeMalformed, nil)
	}
	return nil
}
