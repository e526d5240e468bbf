package geetest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/captchakit/captcha/internal/vendorhttp"
	captcha "github.com/captchakit/captcha/middleware"
)

// GeeTest v4 ticket fields, as gt4.js's getValidate returns them.
const (
	FieldLotNumber     = "lot_number"
	FieldCaptchaOutput = "captcha_output"
	FieldPassToken     = "pass_token"
	FieldGenTime       = "gen_time"
)

// DefaultV4Endpoint is GeeTest v4's API host, over HTTPS (GeeTest's demos use
// plain HTTP); plain HTTP only by an explicit Endpoint.
const DefaultV4Endpoint = "https://gcaptcha4.geetest.com"

// V4MaxAge is how old a v4 ticket's gen_time may be for [V4.CheckFailback].
// GeeTest publishes no expiry; this matches v3's ten-minute challenge.
const V4MaxAge = 10 * time.Minute

// V4Config configures a GeeTest v4 provider.
type V4Config struct {
	// CaptchaID is the public captcha ID, 32 hex digits. Required.
	CaptchaID string
	// CaptchaKey is the secret key, 32 hex digits. Required. It only keys the
	// sign_token HMAC; it is never sent.
	CaptchaKey string
	// Endpoint is the scheme and host of the /validate endpoint, e.g. an
	// emulator's URL. Default: DefaultV4Endpoint.
	Endpoint string
	// HTTPClient sends the requests. Default: a client whose transport keeps
	// up to 256 idle connections per host (Go's default keeps 2) with bounded
	// dial and TLS handshake times. Its own Timeout, if any, also applies.
	HTTPClient *http.Client
	// Timeout bounds a call that arrives without a deadline of its own: a
	// direct call outside a Verifier. Through a Verifier, the Verifier's
	// deadline (captcha.WithTimeout) alone bounds the call. Default:
	// captcha.DefaultTimeout (2s).
	Timeout time.Duration
	// Now returns the current time, for the gen_time check of CheckFailback. Default: time.Now.
	Now func() time.Time
}

// V4 is the GeeTest v4 provider. It implements captcha.Provider,
// captcha.TicketIdentifier and captcha.FailbackChecker and is safe for
// concurrent use.
//
// Verify posts the four ticket values and sign_token =
// hex(HMAC-SHA256(captcha_key, lot_number)) to /validate?captcha_id=. It
// passes only on status "success" with result "success" (Code "success").
// Any other result is a rejection with Code "<result>: <reason>" (e.g.
// "fail: pass_token expire"). Error replies ({"status":"error"}) are mapped
// by code:
//
//	-50000                          captcha.ErrUnavailable (GeeTest runtime error)
//	-50101 … -50199                 captcha.ErrMisconfigured (captcha_id missing,
//	                                illegal, unknown, deleted, paused)
//	-50002                          rejection, Code "-50002" (param decrypt
//	                                error: the client's captcha_output did not
//	                                decrypt)
//	-50001, -50003, -50004, -50005,
//	-50301 … -50399                 rejection, Code = the error code (a bad,
//	                                repeated or expired ticket)
//	any other code                  rejection, Code = the error code
//
// A JSON object that carries no verdict (no status, status "success" without
// a result, status "error" without a code, or a status GeeTest does not
// document) is a rejection with Code "no-verdict".
//
// Codes the client can cause, and unknown codes, fail closed as rejections
// rather than as unavailability: a client can send a value that does not
// decrypt as often as it likes, and only unavailability may open the
// failback policy. Transport errors, timeouts, non-200 replies (429 is
// captcha.ErrThrottled) and bodies that are not a JSON object are
// captcha.ErrUnavailable. Unlike GeeTest's demos, nothing here ever lets a
// request through on an exception; the core's failback policy decides.
type V4 struct {
	id      string
	key     []byte
	client  *http.Client
	timeout time.Duration
	url     string
	macs    sync.Pool // hash.Hash: HMAC-SHA256 keyed with the captcha key
	now     func() time.Time
}

var (
	_ captcha.Provider         = (*V4)(nil)
	_ captcha.TicketIdentifier = (*V4)(nil)
	_ captcha.FailbackChecker  = (*V4)(nil)
)

var fieldsV4 = []string{FieldLotNumber, FieldCaptchaOutput, FieldPassToken, FieldGenTime}

// NewV4 validates cfg and returns a v4 provider.
func NewV4(cfg V4Config) (*V4, error) {
	if cfg.CaptchaID == "" {
		return nil, errors.New("geetest: V4Config.CaptchaID is required")
	}
	if !isHexAnyCase(cfg.CaptchaID, 32) {
		return nil, errors.New("geetest: V4Config.CaptchaID must be 32 hex digits")
	}
	if cfg.CaptchaKey == "" {
		return nil, errors.New("geetest: V4Config.CaptchaKey is required")
	}
	if !isHexAnyCase(cfg.CaptchaKey, 32) {
		return nil, errors.New("geetest: V4Config.CaptchaKey must be 32 hex digits")
	}
	base, err := apiBase(cfg.Endpoint, DefaultV4Endpoint, "V4Config.Endpoint")
	if err != nil {
		return nil, err
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("geetest: V4Config.Timeout must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = captcha.DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := &V4{
		id:      cfg.CaptchaID,
		key:     []byte(cfg.CaptchaKey),
		client:  vendorhttp.Client(cfg.HTTPClient),
		timeout: cfg.Timeout,
		url:     base + "/validate?captcha_id=" + url.QueryEscape(cfg.CaptchaID),
		now:     cfg.Now,
	}
	p.macs.New = func() any { return hmac.New(sha256.New, p.key) }
	return p, nil
}

// Name returns "geetest4".
func (p *V4) Name() string { return NameV4 }

// Fields returns lot_number, captcha_output, pass_token and gen_time.
func (p *V4) Fields() []string { return fieldsV4 }

// CaptchaID returns the public captcha ID, for pages that need it.
func (p *V4) CaptchaID() string { return p.id }

// PageParams returns the public parameter the page's widget needs, for a
// failover chain's render handler (captcha.PageParams): the captcha ID.
func (p *V4) PageParams() map[string]string { return map[string]string{"captchaId": p.id} }

// TicketID returns the lot_number, which identifies a v4 ticket.
func (p *V4) TicketID(t captcha.Ticket) string { return t.Values[FieldLotNumber] }

// Bounds on ticket values; real values are far shorter.
const (
	maxLotNumber     = 128
	maxCaptchaOutput = 4096
	maxPassToken     = 512
	maxGenTime       = 19 // digits of a positive int64
)

func wellFormedV4(v map[string]string) bool {
	g := v[FieldGenTime]
	return isToken(v[FieldLotNumber], maxLotNumber) && isToken(v[FieldCaptchaOutput], maxCaptchaOutput) &&
		isToken(v[FieldPassToken], maxPassToken) && len(g) <= maxGenTime && isDigits(g)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CheckFailback vets a v4 ticket locally while GeeTest is unavailable: the
// lot_number must be 32 lowercase hex digits, gen_time a decimal Unix time
// neither in the future nor older than V4MaxAge, and captcha_output and
// pass_token non-empty printable tokens of bounded length. This is a shape
// check, not a verification: anyone can produce such values, so the core's
// failback policy and its budgets decide. Errors wrap captcha.ErrRejected and
// never contain ticket values.
func (p *V4) CheckFailback(_ context.Context, t captcha.Ticket) error {
	v := t.Values
	if !wellFormedV4(v) || !isLowerHex(v[FieldLotNumber], 32) {
		return vendorhttp.Wrap(NameV4, captcha.ErrRejected, "malformed", nil)
	}
	sec, err := strconv.ParseInt(v[FieldGenTime], 10, 64)
	if err != nil {
		return vendorhttp.Wrap(NameV4, captcha.ErrRejected, "malformed", nil)
	}
	gen, now := time.Unix(sec, 0), p.now()
	switch {
	case gen.After(now.Add(clockSkew)):
		return vendorhttp.Wrap(NameV4, captcha.ErrRejected, "future", nil)
	case now.Sub(gen) > V4MaxAge:
		return vendorhttp.Wrap(NameV4, captcha.ErrRejected, "stale", nil)
	}
	return nil
}

// Verify validates a v4 ticket with GeeTest; see [V4] for the mapping of
// replies. A ticket whose values are empty, too long, not printable or whose
// gen_time is not decimal is rejected locally with Code "malformed".
func (p *V4) Verify(ctx context.Context, t captcha.Ticket) (captcha.Result, error) {
	v := t.Values
	if !wellFormedV4(v) {
		return captcha.Result{Code: "malformed"}, nil
	}
	return vendorhttp.Exchange(ctx, p.client, NameV4, p.timeout, func(ctx context.Context) (*http.Request, error) {
		return p.validateRequest(ctx, v)
	}, readV4)
}

// readV4 turns a /validate reply into the provider's answer.
func readV4(status int, body []byte) (captcha.Result, error) {
	if status != http.StatusOK {
		return captcha.Result{}, vendorhttp.ClassifyStatus(NameV4, status)
	}
	reply, err := parseV4(body)
	if err != nil {
		return captcha.Result{}, vendorhttp.Wrap(NameV4, captcha.ErrUnavailable, "bad-reply", err)
	}
	return resultV4(reply)
}

// resultV4 maps a decoded reply to a result or an error; see [V4] for
// the table.
func resultV4(r v4Reply) (captcha.Result, error) {
	var res captcha.Result
	switch {
	case r.Status == "success" && r.Result == "success":
		res.Passed, res.Code = true, "success"
		return res, nil
	case r.Status == "success" && r.Result != "":
		res.Code = sanitizeReason(r.Result)
		if r.Reason != "" {
			res.Code += ": " + sanitizeReason(r.Reason)
		}
		return res, nil
	case r.Status != "error" || r.Code == "":
		res.Code = "no-verdict"
		return res, nil
	}
	code := sanitizeReason(string(r.Code))
	switch {
	case code == "-50000":
		return captcha.Result{}, vendorhttp.Wrap(NameV4, captcha.ErrUnavailable, code, nil)
	case strings.HasPrefix(code, "-501") && len(code) == 6:
		return captcha.Result{}, vendorhttp.Wrap(NameV4, captcha.ErrMisconfigured, code, nil)
	default:
		res.Code = code
		return res, nil
	}
}

// validateRequest builds the /validate request, with a rewindable body as
// V3's (see V3.validateRequest).
func (p *V4) validateRequest(ctx context.Context, v map[string]string) (*http.Request, error) {
	lot := v[FieldLotNumber]
	buf := vendorhttp.Buffer()
	defer vendorhttp.PutBuffer(buf)
	buf.Grow(128 + 3*(len(lot)+len(v[FieldCaptchaOutput])+len(v[FieldPassToken])+len(v[FieldGenTime])))
	b := buf.AvailableBuffer()
	b = vendorhttp.AppendForm(b, FieldLotNumber, lot)
	b = vendorhttp.AppendForm(b, FieldCaptchaOutput, v[FieldCaptchaOutput])
	b = vendorhttp.AppendForm(b, FieldPassToken, v[FieldPassToken])
	b = vendorhttp.AppendForm(b, FieldGenTime, v[FieldGenTime])
	b = append(b, "&sign_token="...)
	b = p.appendSignToken(b, lot)

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, strings.NewReader(string(b)))
	if err != nil {
		return nil, err
	}
	req.Header["Content-Type"] = hdrForm
	req.Header["Accept"] = hdrJSON
	req.Header["User-Agent"] = hdrUserAgent
	return req, nil
}

// appendSignToken appends hex(HMAC-SHA256(captcha_key, lot)) to b, with a
// pooled keyed HMAC (vector G-4).
func (p *V4) appendSignToken(b []byte, lot string) []byte {
	m, _ := p.macs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, p.key)
	}
	m.Reset()
	_, _ = m.Write([]byte(lot))
	var sum [sha256.Size]byte
	b = hex.AppendEncode(b, m.Sum(sum[:0]))
	p.macs.Put(m)
	return b
}
