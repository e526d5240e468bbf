package hcaptcha

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/captchakit/captcha/internal/siteverify"
	"github.com/captchakit/captcha/internal/vendorhttp"
	captcha "github.com/captchakit/captcha/middleware"
)

// Name is the provider name, as reported in Result.Provider and in errors.
const Name = "hcaptcha"

// DefaultEndpoint is hCaptcha's siteverify URL.
const DefaultEndpoint = "https://api.hcaptcha.com/siteverify"

// SiteverifyPath is the path of DefaultEndpoint, appended to an Endpoint
// given without one (an emulator's base URL).
const SiteverifyPath = "/siteverify"

// DefaultField is the form field the widget puts its token in. The widget
// also fills "g-recaptcha-response", for reCAPTCHA compatibility; the
// provider does not read it, so that its field set stays apart from the
// reCAPTCHA provider's (a failover chain needs disjoint field sets).
const DefaultField = "h-captcha-response"

// MaxTokenLen is the longest token sent to hCaptcha. Real tokens ("P1_…")
// are often over 1000 characters and hCaptcha publishes no maximum; a
// longer value is rejected with Code "malformed" without a call.
const MaxTokenLen = 16 << 10

// testToken and testSecret are hCaptcha's published test values: the test
// sitekey always yields testToken, which only testSecret accepts.
const (
	testToken  = "10000000-aaaa-bbbb-cccc-000000000001"
	testSecret = "0x0000000000000000000000000000000000000000"
)

// Config configures a Provider. Secret and Hostnames (or AnyHostname) are
// required; every other field has a default.
type Config struct {
	// Secret is the account's secret key ("0x…"). Required.
	Secret string
	// Sitekey, when set, is sent as "sitekey", so that hCaptcha refuses a
	// token issued for another sitekey of the account; it is recommended.
	// A "sitekey-secret-mismatch" answer is then a misconfiguration (the
	// sitekey is ours); without it, a rejection (the client chose the
	// sitekey). PageParams reports it to a failover chain's page. Default:
	// not sent.
	Sitekey string
	// Hostnames are the sites whose tokens pass: the reply's "hostname"
	// must be one of them (compared case-insensitively), or match an entry
	// "*.example.com" (any name under example.com, not example.com
	// itself). Required, unless AnyHostname is set.
	Hostnames []string
	// AnyHostname accepts tokens whatever site they were solved on, and
	// logs a warning when the provider is built.
	//
	// WARNING: a sitekey is public. Without a hostname check, a token
	// solved on any page that embeds the widget passes. Default: false.
	AnyHostname bool
	// MinScore, when positive, is the lowest passing score on the
	// normalised scale (Result.Score: 1 minus hCaptcha Enterprise's risk
	// "score", so higher is more human); a reply without a score then
	// fails with "score-threshold-not-met". It must be at most 1. Default:
	// 0, no score check (only Enterprise accounts get a score).
	MinScore float64
	// MaxAge, when positive, is the oldest "challenge_ts" that passes.
	// Default: 0, no local check: hCaptcha refuses expired tokens itself
	// ("expired-input-response").
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

// Extra is Result.Extra of an hCaptcha verification: the reply's fields
// beyond the ones Result has.
type Extra struct {
	// ChallengeTS is when the challenge was solved; zero when the reply
	// had none.
	ChallengeTS time.Time
	// ScoreReason is the Enterprise "score_reason".
	ScoreReason []string
	// ErrorCodes are the reply's "error-codes".
	ErrorCodes []string
}

// Provider verifies hCaptcha tokens with siteverify. It implements
// captcha.Provider and captcha.FailbackChecker and is safe for concurrent
// use. It also implements captcha.PageParams.
type Provider struct {
	sitekey string
	client  *siteverify.Client
	checks  *siteverify.Checks
	fields  []string
	test    bool
}

var (
	_ captcha.Provider        = (*Provider)(nil)
	_ captcha.FailbackChecker = (*Provider)(nil)
	_ captcha.PageParams      = (*Provider)(nil)
)

// New validates cfg and returns a Provider. An invalid field is an error
// that names it, e.g. "hcaptcha: Config.Secret is required".
func New(cfg Config) (*Provider, error) {
	switch {
	case cfg.Secret == "":
		return nil, errors.New("hcaptcha: Config.Secret is required")
	case !vendorhttp.Plausible(cfg.Secret, 256):
		return nil, errors.New("hcaptcha: Config.Secret must be printable ASCII without spaces")
	case cfg.Sitekey != "" && !vendorhttp.Plausible(cfg.Sitekey, 256):
		return nil, errors.New("hcaptcha: Config.Sitekey must be printable ASCII without spaces")
	case cfg.Timeout < 0:
		return nil, errors.New("hcaptcha: Config.Timeout must not be negative")
	}
	url, err := siteverify.Endpoint("hcaptcha: Config.Endpoint", cfg.Endpoint, DefaultEndpoint, SiteverifyPath)
	if err != nil {
		return nil, err
	}
	checks, err := siteverify.NewChecks(siteverify.CheckConfig{
		Prefix: "hcaptcha: Config.", Hostnames: cfg.Hostnames, AnyHostname: cfg.AnyHostname,
		MinScore: cfg.MinScore, Scored: cfg.MinScore > 0, MaxAge: cfg.MaxAge, Now: cfg.Now,
	})
	if err != nil {
		return nil, err
	}
	sc := siteverify.Config{
		Name: Name, URL: url, Secret: cfg.Secret, OmitRemoteIP: cfg.OmitRemoteIP,
		Attempts: 1, Classify: classifier(cfg.Sitekey != ""), HTTPClient: cfg.HTTPClient, Timeout: cfg.Timeout,
	}
	if cfg.Sitekey != "" {
		sc.Extra = urlValues("sitekey", cfg.Sitekey)
	}
	client, err := siteverify.New(sc)
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
		logger.Warn("captcha: hcaptcha accepts tokens solved on any hostname (Config.AnyHostname)",
			slog.String("provider", Name))
	}
	return &Provider{sitekey: cfg.Sitekey, client: client, checks: checks, fields: []string{field}, test: cfg.Secret == testSecret}, nil
}

func urlValues(k, v string) url.Values { return url.Values{k: {v}} }

// classifier returns the classification of hCaptcha's codes; see the
// package documentation. sitekeySent reports whether the provider sends
// our sitekey: a sitekey complaint is then about our configuration, else
// about the client's token.
func classifier(sitekeySent bool) func(string) siteverify.Class {
	return func(code string) siteverify.Class {
		switch code {
		case "not-using-dummy-passcode", "missing-remoteip", "invalid-remoteip":
			return siteverify.Misconfigured
		case "sitekey-secret-mismatch", "invalid-sitekey":
			if sitekeySent {
				return siteverify.Misconfigured
			}
			return siteverify.Reject
		case "already-seen-response", "invalid-or-already-seen-response", "expired-input-response":
			return siteverify.Duplicate
		case "not-using-dummy-secret":
			// The public test token with a production secret: anyone can
			// send it.
			return siteverify.Reject
		}
		return siteverify.BaseClass(code)
	}
}

// Name returns "hcaptcha".
func (p *Provider) Name() string { return Name }

// Fields returns the token field (default "h-captcha-response").
func (p *Provider) Fields() []string { return p.fields }

// Verify asks siteverify about the token in t. A success that passes every
// check of the Config passes (Code "success"); any other verdict is a
// rejection with hCaptcha's error code or the failed check's code in
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
		Extra:    &Extra{ChallengeTS: rep.ChallengeTS, ScoreReason: rep.ScoreReason, ErrorCodes: rep.ErrorCodes},
	}
	if rep.HasScore {
		// hCaptcha's score is a risk: higher is more likely a bot.
		res.RawScore, res.Score, res.HasScore = rep.Score, min(max(1-rep.Score, 0), 1), true
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

// CheckFailback vets t locally while hCaptcha is unavailable: the token
// must be plausible (non-empty, at most MaxTokenLen bytes of printable
// ASCII) and must not be the public test token (unless the secret is the
// test secret). This is a shape check, not a verification: the core's
// failback policy and its budgets decide. The error wraps
// captcha.ErrRejected and never contains the token.
func (p *Provider) CheckFailback(_ context.Context, t captcha.Ticket) error {
	token := t.Values[p.fields[0]]
	if !vendorhttp.Plausible(token, MaxTokenLen) || (token == testToken && !p.test) {
		return vendorhttp.Wrap(Name, captcha.ErrRejected, siteverify.CodeMalformed, nil)
	}
	return nil
}
