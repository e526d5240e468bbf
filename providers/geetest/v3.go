package geetest

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
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
	// DefaultV3APIBase is GeeTest v3's API host (register.php, validate.php),
	// over HTTPS (the official SDKs use plain HTTP, whose md5(seccode) answer
	// anyone on the path could forge); plain HTTP only by an explicit APIBase.
	DefaultV3APIBase = "https://api.geetest.com"
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
	StatusStore captcha.StatusStore
	// APIBase is the scheme and host of register.php and validate.php, e.g.
	// an emulator's URL. Default: DefaultV3APIBase.
	APIBase string
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
	store        captcha.StatusStore
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
	base, err := apiBase(cfg.APIBase, DefaultV3APIBase, "V3Config.APIBase")
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
		now:          time.Now,
		logger:       cfg.Logger,
	}, nil
}

// apiBase validates an APIBase setting and returns it without a trailing
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

// TicketID returns the challenge the ticket was issued for: the submitted
// geetest_challenge, without the two characters the slide captcha appends to
// it. Resubmitting a challenge with another suffix is therefore a replay.
func (p *V3) TicketID(t captcha.Ticket) string {
	return issuedChallenge(t.Values[FieldChallenge])
}

// issuedChallenge strips the two characters GeeTest's slide captcha appends
// to the challenge it was given (its glossary: "The challenge of Slide captcha
// has two extra random numbers at the end"). The challenges this package
// issues are 32 (md5, failback) or 64 (sha256, hmac-sha256) characters long.
func issuedChallenge(c string) string {
	switch len(c) {
	case 34, 66:
		return c[:len(c)-2]
	}
	return c
}

// validChallenge reports whether c has the shape of a challenge this package
// issued, possibly with the slide captcha's two-character suffix.
func validChallenge(c string) bool {
	switch len(c) {
	case 32:
		return isLowerAlnum(c, 32)
	case 34:
		return isLowerAlnum(c, 34)
	case 64:
		return isLowerHex(c, 64)
	case 66:
		return isLowerHex(c[:64], 64) && isLowerAlnum(c[64:], 2)
	}
	return false
}

// Bounds on ticket values; real values are far shorter.
const (
	maxValidate = 256
	maxSeccode  = 512
)

// wellFormedV3 reports whether the three values have the shape gt.js gives
// them.
func wellFormedV3(v map[string]string) bool {
	return validChallenge(v[FieldChallenge]) && isToken(v[FieldValidate], maxValidate) && isToken(v[FieldSeccode], maxSeccode)
}

// status reads the client's server status and checks that it was recorded for
// challenge, is not older than the maximum age and not in the future.
func (p *V3) status(t captcha.Ticket, challenge string) (captcha.ServerStatus, error) {
	if t.Request == nil {
		return captcha.ServerStatus{}, vendorhttp.Wrap(NameV3, captcha.ErrNoServerStatus, "no-request", nil)
	}
	st, ok, err := p.store.ServerStatus(t.Request)
	if err != nil {
		if errors.Is(err, captcha.ErrNoServerStatus) {
			return captcha.ServerStatus{}, &captcha.VerifyError{Provider: NameV3, Code: "session", Err: err}
		}
		return captcha.ServerStatus{}, vendorhttp.Wrap(NameV3, captcha.ErrNoServerStatus, "session", err)
	}
	if !ok {
		return captcha.ServerStatus{}, vendorhttp.Wrap(NameV3, captcha.ErrNoServerStatus, "no-status", nil)
	}
	if !st.Issued(issuedChallenge(challenge)) {
		return captcha.ServerStatus{}, vendorhttp.Wrap(NameV3, captcha.ErrNoServerStatus, "challenge-mismatch", nil)
	}
	now := p.now()
	switch {
	case st.IssuedAt.After(now.Add(clockSkew)):
		return captcha.ServerStatus{}, vendorhttp.Wrap(NameV3, captcha.ErrNoServerStatus, "future", nil)
	case now.Sub(st.IssuedAt) > p.maxAge:
		return captcha.ServerStatus{}, vendorhttp.Wrap(NameV3, captcha.ErrNoServerStatus, "stale", nil)
	}
	return st, nil
}

// CheckFailback vets a ticket while GeeTest is unavailable (or for a
// challenge issued in failback mode): the three fields must have the shape
// gt.js gives them (else an error wrapping captcha.ErrRejected), and the
// client's server status must exist, be readable, have been recorded for this
// challenge and be at most ChallengeMaxAge old (else an error wrapping
// captcha.ErrNoServerStatus). It returns nil only then; the core's failback
// policy then decides. It makes no network call.
func (p *V3) CheckFailback(_ context.Context, t captcha.Ticket) error {
	if !wellFormedV3(t.Values) {
		return vendorhttp.Wrap(NameV3, captcha.ErrRejected, "malformed", nil)
	}
	_, err := p.status(t, t.Values[FieldChallenge])
	return err
}

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
	b = appendForm(b, "seccode", seccode)
	b = appendForm(b, "challenge", challenge)
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
			b = appendForm(b, "user_id", uid)
		}
	}
	if p.clientType != "" {
		b = appendForm(b, "client_type", p.clientType)
	}
	if ip != "" {
		b = appendForm(b, "ip_address", ip)
	}
	return b
}

// Challenge is the outcome of the register step (API1).
type Challenge struct {
	// Online is true when GeeTest issued the challenge (status 1) and false
	// when it was generated locally in failback mode (status 0).
	Online bool
	// Challenge is the value handed to gt.js: GeeTest's challenge hashed with
	// the private key per DigestMod, or 32 random hex digits in failback mode.
	Challenge string
	// Cause says why register fell back (a *captcha.VerifyError wrapping
	// captcha.ErrUnavailable, with no secrets in its message); nil when
	// Online. RegisterHandler logs it; do not show it to clients.
	Cause error
}

// Register performs API1: it asks register.php for a challenge and hashes it
// per DigestMod. The call goes through the provider's circuit breaker (see
// captcha.Guard), shared with every Verifier built on p.
//
// It falls back to a local challenge from crypto/rand (Online false, Cause
// set) only when GeeTest is unavailable: the breaker is open, or the call
// timed out, failed to connect, got a 5xx, an undecodable reply, GeeTest's
// "0", or a malformed challenge. When GeeTest is throttling us (429), refuses
// the captcha ID (an empty challenge) or something between answers another
// 4xx, it returns an error wrapping captcha.ErrThrottled or
// captcha.ErrMisconfigured and no challenge: an offline challenge would let
// a made-up answer reach the failback policy while GeeTest is up. r supplies
// user_id and ip_address and may be nil; ip_address is resolved by
// captcha.ClientIP, the resolver of the Verifiers built on p
// (captcha.WithClientIP), so register and validate send the same address.
//
// Only ctx's values are used: its cancellation and deadline are ignored and
// the call is bounded by Timeout alone. Otherwise a client could choose
// failback mode by hanging up, or by half-closing its connection, which
// cancels the request context while the client can still read the answer.
func (p *V3) Register(ctx context.Context, r *http.Request) (Challenge, error) {
	ctx = context.WithoutCancel(ctx)
	var origin string
	err := captcha.Guard(ctx, p, func() (err error) {
		origin, err = p.register(ctx, r)
		return err
	})
	switch {
	case err == nil:
		return Challenge{Online: true, Challenge: p.hashChallenge(origin)}, nil
	case errors.Is(err, captcha.ErrUnavailable):
		return Challenge{Challenge: localChallenge(), Cause: err}, nil
	default:
		return Challenge{}, err
	}
}

func (p *V3) register(ctx context.Context, r *http.Request) (string, error) {
	return vendorhttp.Exchange(ctx, p.client, NameV3, p.timeout, func(ctx context.Context) (*http.Request, error) {
		return p.registerRequest(ctx, r)
	}, readRegister)
}

// registerRequest builds the register.php request.
func (p *V3) registerRequest(ctx context.Context, r *http.Request) (*http.Request, error) {
	var ip string
	if r != nil {
		ip = captcha.ClientIP(p, r)
	}
	var scratch [256]byte
	u := p.appendOptional(scratch[:0], r, ip)
	target := p.registerURL
	if len(u) > 0 {
		target += "&" + string(u)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	req.Header["Accept"] = hdrJSON
	req.Header["User-Agent"] = hdrUserAgent
	return req, nil
}

// readRegister turns a register.php reply into GeeTest's origin challenge.
func readRegister(status int, body []byte) (string, error) {
	if status != http.StatusOK {
		return "", vendorhttp.ClassifyStatus(NameV3, status)
	}
	origin, err := parseRegister(body)
	switch {
	case errors.Is(err, errRegisterRefused):
		return "", vendorhttp.Wrap(NameV3, captcha.ErrMisconfigured, "register-refused", err)
	case err != nil:
		return "", vendorhttp.Wrap(NameV3, captcha.ErrUnavailable, "register", err)
	}
	return origin, nil
}

// hashChallenge hashes GeeTest's origin challenge with the private key per
// the configured digest mode (docs/wire.md#geetest-v3-digestmod, vector G-1).
func (p *V3) hashChallenge(origin string) string {
	return hashChallenge(p.digest, origin, p.key)
}

func hashChallenge(mod DigestMod, origin, key string) string {
	switch mod {
	case DigestSHA256:
		sum := sha256.Sum256([]byte(origin + key))
		return hex.EncodeToString(sum[:])
	case DigestHMACSHA256:
		m := hmac.New(sha256.New, []byte(key))
		m.Write([]byte(origin))
		return hex.EncodeToString(m.Sum(nil))
	default:
		sum := md5.Sum([]byte(origin + key))
		return hex.EncodeToString(sum[:])
	}
}

// localChallenge returns a failback challenge: 32 lowercase hex digits from
// crypto/rand (never a constant, unlike the legacy Go SDK's md5("")).
func localChallenge() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	return hex.EncodeToString(b[:])
}

// registerReplyBody is the JSON gt.js expects from your register endpoint.
type registerReplyBody struct {
	Success    int    `json:"success"`
	GT         string `json:"gt"`
	Challenge  string `json:"challenge"`
	NewCaptcha bool   `json:"new_captcha"`
}

// RegisterHandler returns the register endpoint the page's initGeetest calls
// (API1). For each request it runs [V3.Register], records the outcome in the
// client's session through the provider's StatusStore, and only then writes
// {"success":1|0,"gt":...,"challenge":...,"new_captcha":true} with
// Cache-Control: no-store. When Register fails (GeeTest throttling us or
// refusing the captcha ID) it hands out no challenge and answers 503 or 500
// with a generic body; so it does if the status cannot be saved. A fallback
// and a failure are logged (at most once a minute each) with
// captcha.Guard's rate limit and the logger of V3Config. It accepts GET and
// POST. It panics if p is nil.
func RegisterHandler(p *V3) http.Handler {
	if p == nil {
		panic("geetest: RegisterHandler: nil *V3")
	}
	return http.HandlerFunc(p.serveRegister)
}

func (p *V3) serveRegister(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	ch, err := p.Register(r.Context(), r)
	if err != nil {
		code := captcha.StatusCode(err)
		if code == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "5")
		}
		http.Error(w, http.StatusText(code), code)
		return
	}
	if ch.Cause != nil {
		p.logFallback(r, ch.Cause)
	}
	st := captcha.NewServerStatus(ch.Online, ch.Challenge, p.now())
	if err := p.store.SetServerStatus(w, r, st); err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	body := registerReplyBody{GT: p.id, Challenge: ch.Challenge, NewCaptcha: true}
	if ch.Online {
		body.Success = 1
	}
	b, err := json.Marshal(body)
	if err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(b, '\n'))
}

// logFallback says, at most once a minute, that register handed out offline
// challenges, and why.
func (p *V3) logFallback(r *http.Request, cause error) {
	now := time.Now().UnixNano()
	prev := p.lastFallback.Load()
	if now-prev < int64(time.Minute) || !p.lastFallback.CompareAndSwap(prev, now) {
		return
	}
	p.logger.LogAttrs(r.Context(), slog.LevelWarn, "geetest: register fell back to failback mode",
		slog.String("provider", NameV3), slog.String("cause", cause.Error()))
}

// isHexAnyCase reports whether s is n hex digits of either case.
func isHexAnyCase(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
