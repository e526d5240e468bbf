package geetest

import (
	"context"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/captchakit/captcha/internal/vendorhttp"
	captcha "github.com/captchakit/captcha/middleware"
)

// Provider names, as reported in Result.Provider and in errors.
const (
	NameV3 = "geetest3"
	NameV4 = "geetest4"
)

// GeeTest v3 ticket fields, as gt.js's getValidate returns them and pages post
// them.
const (
	FieldChallenge = "geetest_challenge"
	FieldValidate  = "geetest_validate"
	FieldSeccode   = "geetest_seccode"
)

// Default endpoints and limits.
const (
	// DefaultV3Endpoint is GeeTest v3's API host (register.php, validate.php),
	// over HTTPS (the official SDKs use plain HTTP, whose md5(seccode) answer
	// anyone on the path could forge); plain HTTP only by an explicit Endpoint.
	DefaultV3Endpoint = "https://api.geetest.com"
	// DefaultChallengeMaxAge is how long a v3 challenge stays valid: GeeTest
	// documents ten minutes.
	DefaultChallengeMaxAge = 10 * time.Minute
	// SDK is the value sent in the sdk parameter.
	SDK = "captchakit-go:1"
	// clockSkew is how far in the future an issue time may lie, for servers
	// whose clocks differ slightly.
	clockSkew = time.Minute
)

// DigestMod selects how a v3 challenge from register.php is hashed with the
// private key before it goes to the browser. Anything other than md5 must be
// enabled on the account by GeeTest.
type DigestMod string

// The digest modes GeeTest supports.
const (
	DigestMD5        DigestMod = "md5"         // md5_hex(origin + private_key)
	DigestSHA256     DigestMod = "sha256"      // sha256_hex(origin + private_key)
	DigestHMACSHA256 DigestMod = "hmac-sha256" // hex(HMAC-SHA256(private_key, origin))
)

// V3Config configures a GeeTest v3 provider.
type V3Config struct {
	// CaptchaID is the public captcha ID ("gt"), 32 hex digits. Required.
	CaptchaID string
	// PrivateKey is the secret key, 32 hex digits. Required. It is used only
	// locally, to hash challenges; it is never sent.
	PrivateKey string
	// DigestMod hashes challenges. Default: DigestMD5.
	DigestMod DigestMod
	// StatusStore keeps each client's server status between register and
	// validate; see package session. It must be signed. Required.
	StatusStore StatusStore
	// Endpoint is the scheme and host of register.php and validate.php, e.g.
	// an emulator's URL. Default: DefaultV3Endpoint.
	Endpoint string
	// HTTPClient sends the requests. Default: a client whose transport keeps
	// up to 256 idle connections per host (Go's default keeps 2) with bounded
	// dial and TLS handshake times. Its own Timeout, if any, also applies.
	HTTPClient *http.Client
	// Timeout bounds a call that arrives without a deadline of its own: a
	// direct call outside a Verifier, and every register call (Register ignores its caller's deadline). Through a Verifier, the Verifier's
	// deadline (captcha.WithTimeout) alone bounds the call. Default:
	// captcha.DefaultTimeout (2s).
	Timeout time.Duration
	// ChallengeMaxAge is how old an issued challenge may be when it is
	// validated. Default: DefaultChallengeMaxAge (10 minutes).
	ChallengeMaxAge time.Duration
	// UserID returns the optional user_id sent to GeeTest for its analytics
	// (you may hash it); an empty result sends none. Default: none.
	UserID func(r *http.Request) string
	// ClientType is sent as client_type: "web", "h5", "native" or "unknown".
	// Default: "" (not sent).
	ClientType string
	// Now returns the current time, for the age of issued challenges. Default: time.Now.
	Now func() time.Time
	// Logger receives RegisterHandler's line when register falls back to
	// failback mode (at most one a minute). Default: slog.Default().
	Logger *slog.Logger
}

// V3 is the GeeTest v3 provider: [RegisterHandler] performs API1 (register)
// and records the outcome with the StatusStore, and Verify performs API2
// (validate). It implements captcha.Provider, captcha.TicketIdentifier and
// captcha.FailbackChecker, and is safe for concurrent use.
//
// Verify first checks the client's server status: it must exist, be readable,
// have been recorded for the submitted challenge, and be at most
// ChallengeMaxAge old (and not more than a minute in the future, for servers
// whose clocks differ); otherwise it fails with captcha.ErrNoServerStatus
// without calling GeeTest. If register was online, it asks validate.php and
// passes only if GeeTest answers md5(seccode). If register fell back, it calls
// nothing and returns an error wrapping both captcha.ErrUnavailable and
// captcha.ErrOfflineTicket, so that the core's failback policy decides; a
// failback ticket never passes by itself.
type V3 struct {
	id, key      string
	digest       DigestMod
	store        StatusStore
	client       *http.Client
	timeout      time.Duration
	maxAge       time.Duration
	userID       func(*http.Request) string
	clientType   string
	registerURL  string // with the fixed query parameters
	validateURL  string
	validateTail string // "&captchaid=...&json_format=1&sdk=..."
	now          func() time.Time
	logger       *slog.Logger
	lastFallback atomic.Int64 // unix nanos of the last fallback log line
}

var (
	_ captcha.Provider         = (*V3)(nil)
	_ captcha.TicketIdentifier = (*V3)(nil)
	_ captcha.FailbackChecker  = (*V3)(nil)
)

var fieldsV3 = []string{FieldChallenge, FieldValidate, FieldSeccode}

// NewV3 validates cfg and returns a v3 provider.
func NewV3(cfg V3Config) (*V3, error) {
	if cfg.CaptchaID == "" {
		return nil, errors.New("geetest: V3Config.CaptchaID is required")
	}
	if !isHexAnyCase(cfg.CaptchaID, 32) {
		return nil, errors.New("geetest: V3Config.CaptchaID must be 32 hex digits")
	}
	if cfg.PrivateKey == "" {
		return nil, errors.New("geetest: V3Config.PrivateKey is required")
	}
	if !isHexAnyCase(cfg.PrivateKey, 32) {
		return nil, errors.New("geetest: V3Config.PrivateKey must be 32 hex digits")
	}
	switch cfg.DigestMod {
	case "":
		cfg.DigestMod = DigestMD5
	case DigestMD5, DigestSHA256, DigestHMACSHA256:
	default:
		return nil, fmt.Errorf("geetest: V3Config.DigestMod %q is not md5, sha256 or hmac-sha256", cfg.DigestMod)
	}
	if cfg.StatusStore == nil {
		return nil, errors.New("geetest: V3Config.StatusStore is required (see package session)")
	}
	base, err := apiBase(cfg.Endpoint, DefaultV3Endpoint, "V3Config.Endpoint")
	if err != nil {
		return nil, err
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("geetest: V3Config.Timeout must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = captcha.DefaultTimeout
	}
	if cfg.ChallengeMaxAge < 0 {
		return nil, errors.New("geetest: V3Config.ChallengeMaxAge must not be negative")
	}
	if cfg.ChallengeMaxAge == 0 {
		cfg.ChallengeMaxAge = DefaultChallengeMaxAge
	}
	switch cfg.ClientType {
	case "", "web", "h5", "native", "unknown":
	default:
		return nil, fmt.Errorf("geetest: V3Config.ClientType %q is not web, h5, native or unknown", cfg.ClientType)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	id := url.QueryEscape(cfg.CaptchaID)
	return &V3{
		id:           cfg.CaptchaID,
		key:          cfg.PrivateKey,
		digest:       cfg.DigestMod,
		store:        cfg.StatusStore,
		client:       vendorhttp.Client(cfg.HTTPClient),
		timeout:      cfg.Timeout,
		maxAge:       cfg.ChallengeMaxAge,
		userID:       cfg.UserID,
		clientType:   cfg.ClientType,
		registerURL:  base + "/register.php?gt=" + id + "&json_format=1&digestmod=" + url.QueryEscape(string(cfg.DigestMod)) + "&sdk=" + url.QueryEscape(SDK),
		validateURL:  base + "/validate.php",
		validateTail: "&captchaid=" + id + "&json_format=1&sdk=" + url.QueryEscape(SDK),
		now:          cfg.Now,
		logger:       cfg.Logger,
	}, nil
}

// apiBase validates an Endpoint setting and returns it without a trailing
// slash.
func apiBase(s, def, field string) (string, error) {
	if s == "" {
		return def, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("geetest: %s must be an http or https URL without query", field)
	}
	return strings.TrimRight(s, "/"), nil
}

// Name returns "geetest3".
func (p *V3) Name() string { return NameV3 }

// Fields returns geetest_challenge, geetest_validate and geetest_seccode.
func (p *V3) Fields() []string { return fieldsV3 }

// CaptchaID returns the public captcha ID, for pages that need it.
func (p *V3) CaptchaID() string { return p.id }

// PageParams returns the public parameter the page's widget needs, for a
// failover chain's render handler (captcha.PageParams): the captcha ID.
func (p *V3) PageParams() map[string]string { return map[string]string{"captchaId": p.id} }

// Verify validates a v3 ticket (API2). See [V3] for the steps. A malformed
// ticket is rejected with Code "malformed", GeeTest's "false" with Code
// "false", and an answer that is neither "false" nor md5(seccode) with Code
// "mismatch"; a pass has Code "success".
func (p *V3) Verify(ctx context.Context, t captcha.Ticket) (captcha.Result, error) {
	v := t.Values
	if !wellFormedV3(v) {
		return captcha.Result{Code: "malformed"}, nil
	}
	challenge, seccode := v[FieldChallenge], v[FieldSeccode]
	st, err := p.status(t, challenge)
	if err != nil {
		return captcha.Result{}, err
	}
	if !st.Online {
		return captcha.Result{}, vendorhttp.Wrap(NameV3, captcha.ErrUnavailable, "failback", captcha.ErrOfflineTicket)
	}

	return vendorhttp.Exchange(ctx, p.client, NameV3, p.timeout, func(ctx context.Context) (*http.Request, error) {
		return p.validateRequest(ctx, t, challenge, seccode)
	}, func(status int, body []byte) (captcha.Result, error) {
		return readValidate(status, body, seccode)
	})
}

// readValidate turns a validate.php reply into the provider's answer: a pass
// only when GeeTest answered md5(seccode).
func readValidate(status int, body []byte, seccode string) (captcha.Result, error) {
	if status != http.StatusOK {
		return captcha.Result{}, vendorhttp.ClassifyStatus(NameV3, status)
	}
	answer, err := parseValidate(body)
	if err != nil {
		return captcha.Result{}, vendorhttp.Wrap(NameV3, captcha.ErrUnavailable, "bad-reply", err)
	}
	var res captcha.Result
	switch {
	case answer == "false":
		res.Code = "false"
	case seccodeMatches(seccode, answer):
		res.Passed, res.Code = true, "success"
	default:
		res.Code = "mismatch"
	}
	return res, nil
}

// seccodeMatches reports, in constant time, whether answer is md5_hex(seccode)
// (either case).
func seccodeMatches(seccode, answer string) bool {
	if len(answer) != 2*md5.Size {
		return false
	}
	sum := md5.Sum([]byte(seccode))
	var want, got [2 * md5.Size]byte
	hex.Encode(want[:], sum[:])
	for i := range got {
		c := answer[i]
		if 'A' <= c && c <= 'F' {
			c += 'a' - 'A'
		}
		got[i] = c
	}
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// Static header values, shared by every request (the transport only reads
// them).
var (
	hdrForm      = []string{"application/x-www-form-urlencoded"}
	hdrJSON      = []string{"application/json"}
	hdrUserAgent = []string{"captchakit-geetest/1 (+https://github.com/captchakit/captcha)"}
)

// validateRequest builds the validate.php request. The form is built in a
// pooled scratch buffer and copied once into a string reader, so that the
// transport can rewind the body (GetBody) and resend the request when a
// kept-alive connection turns out to be closed before anything was written,
// instead of failing the verification.
func (p *V3) validateRequest(ctx context.Context, t captcha.Ticket, challenge, seccode string) (*http.Request, error) {
	buf := vendorhttp.Buffer()
	defer vendorhttp.PutBuffer(buf)
	buf.Grow(256 + 3*(len(seccode)+len(challenge)))
	b := buf.AvailableBuffer()
	b = vendorhttp.AppendForm(b, "seccode", seccode)
	b = vendorhttp.AppendForm(b, "challenge", challenge)
	b = append(b, p.validateTail...)
	b = p.appendOptional(b, t.Request, t.ClientIP)

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.validateURL, strings.NewReader(string(b)))
	if err != nil {
		return nil, err
	}
	req.Header["Content-Type"] = hdrForm
	req.Header["Accept"] = hdrJSON
	req.Header["User-Agent"] = hdrUserAgent
	return req, nil
}

// appendOptional appends user_id, client_type and ip_address when known.
func (p *V3) appendOptional(b []byte, r *http.Request, ip string) []byte {
	if p.userID != nil && r != nil {
		if uid := p.userID(r); uid != "" {
			b = vendorhttp.AppendForm(b, "user_id", uid)
		}
	}
	if p.clientType != "" {
		b = vendorhttp.AppendForm(b, "client_type", p.clientType)
	}
	if ip != "" {
		b = vendorhttp.AppendForm(b, "ip_address", ip)
	}
	return b
}
