package tencent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/captchakit/captcha/internal/vendorhttp"
	captcha "github.com/captchakit/captcha/middleware"
)

// Endpoints of the DescribeCaptchaResult API. A CaptchaAppId belongs to one
// site: use the host of the console where the app was created.
const (
	// DefaultEndpoint is the China site (cloud.tencent.com).
	DefaultEndpoint = "captcha.tencentcloudapi.com"
	// InternationalEndpoint is the international site (tencentcloud.com).
	InternationalEndpoint = "captcha.intl.tencentcloudapi.com"
)

// API identity sent in X-TC-Action and X-TC-Version.
const (
	Action  = "DescribeCaptchaResult"
	Version = "2019-07-22"
)

// Defaults of Config fields.
const (
	DefaultTicketField    = "ticket"
	DefaultRandstrField   = "randstr"
	DefaultDisasterMaxAge = 5 * time.Minute
	DefaultClockSkew      = 60 * time.Second
)

// Bounds on ticket values.
const (
	// MaxTicketLen bounds the ticket (and MaxRandstrLen the randstr) the
	// provider accepts. Real tickets are a few hundred bytes; longer values
	// are rejected locally (CodeTicketMalformed) without a call.
	MaxTicketLen  = 4096
	MaxRandstrLen = 128
)

// Config configures a Provider. AppID, AppSecretKey and either SecretID and
// SecretKey or Credentials are required; every other field has a default.
type Config struct {
	// SecretID is the API key ID (CAM), "AKID…". Required unless Credentials
	// is set.
	SecretID string
	// SecretKey is the API key secret. Required unless Credentials is set.
	SecretKey string
	// Token is the session token of temporary (STS) credentials, sent in
	// X-TC-Token. Default: none (permanent credentials).
	Token string
	// Credentials, instead of SecretID, SecretKey and Token, supplies
	// credentials that change without rebuilding the provider (STS tokens,
	// instance roles): it is read once per verification. The official SDK's
	// credential types fit as they are; see [CredentialSource]. Default: nil
	// (the static fields above).
	Credentials CredentialSource
	// AppID is the CaptchaAppId of the captcha app. Required.
	AppID uint64
	// AppSecretKey is the app's verification key (AppSecretKey). Required.
	AppSecretKey string
	// Endpoint is the API host, DefaultEndpoint or InternationalEndpoint, or
	// a base URL "http(s)://host[:port]" (an emulator, a proxy). The signed
	// Host is host[:port] of that URL. Default: DefaultEndpoint over HTTPS.
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
	// TicketField and RandstrField name the request fields the ticket and
	// the randstr are read from. Default: "ticket" and "randstr".
	TicketField  string
	RandstrField string
	// DisasterMaxAge is how long a disaster-recovery ticket stays acceptable
	// after the time written in it. Default: 5 minutes.
	DisasterMaxAge time.Duration
	// ClockSkew is how far in the future a disaster-recovery ticket's time
	// may be (the client's clock may run ahead of ours). Default: 60 s.
	ClockSkew time.Duration
	// Now returns the current time, for request timestamps and disaster-ticket
	// ages. Default: time.Now. Tests set it to an emulator's clock.
	Now func() time.Time

	// NeedGetCaptchaTime asks Tencent for the time the page fetched the
	// captcha: the request carries NeedGetCaptchaTime 1 and the reply's
	// GetCaptchaTime comes back in Extra.GetCaptchaTime. Default: false (the
	// parameter is not sent).
	NeedGetCaptchaTime bool
	// BusinessID and SceneID are sent as the request's BusinessId and
	// SceneId, JSON integers: business and scene IDs that older API
	// references describe as splitting the console's statistics, and the
	// current one marks as reserved. They do not change the verdict. Zero
	// means not sent, so an ID of 0 cannot be sent. Default: 0.
	BusinessID uint64
	SceneID    uint64
}

// Provider verifies Tencent Cloud Captcha tickets with DescribeCaptchaResult.
// It implements captcha.Provider, captcha.TicketIdentifier and
// captcha.FailbackChecker, and is safe for concurrent use.
type Provider struct {
	host    string // signed Host
	static  keyed  // the Config's SecretID, SecretKey and Token
	source  CredentialSource
	current atomic.Pointer[keyed] // signs with what source gave last
	appID   uint64
	tail    []byte // `,"CaptchaAppId":N,"AppSecretKey":"…"` and the optional parameters, `}`
	client  *http.Client
	timeout time.Duration
	fields  []string
	maxAge  time.Duration
	skew    time.Duration
	now     func() time.Time
	typeHdr []string
	actHdr  []string
	verHdr  []string
	tmpl    *http.Request // POST to url without context, body or headers
	stamp   atomic.Pointer[stamp]
}

var (
	_ captcha.Provider         = (*Provider)(nil)
	_ captcha.TicketIdentifier = (*Provider)(nil)
	_ captcha.FailbackChecker  = (*Provider)(nil)
)

// Name is the provider name, as reported in Result.Provider and in errors.
const Name = "tencent"

const contentType = "application/json"

// New validates cfg and returns a Provider. An invalid field is an error that
// names it, e.g. "tencent: Config.AppID is required".
func New(cfg Config) (*Provider, error) {
	if cfg.Credentials != nil {
		if cfg.SecretID != "" || cfg.SecretKey != "" || cfg.Token != "" {
			return nil, errors.New("tencent: Config.Credentials and Config.SecretID, SecretKey or Token are mutually exclusive")
		}
	} else if err := checkStatic(cfg); err != nil {
		return nil, err
	}
	if cfg.AppID == 0 {
		return nil, errors.New("tencent: Config.AppID is required")
	}
	if cfg.AppSecretKey == "" {
		return nil, errors.New("tencent: Config.AppSecretKey is required")
	}
	base, host, err := parseEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("tencent: Config.Timeout must not be negative")
	}
	if cfg.DisasterMaxAge < 0 {
		return nil, errors.New("tencent: Config.DisasterMaxAge must not be negative")
	}
	if cfg.ClockSkew < 0 {
		return nil, errors.New("tencent: Config.ClockSkew must not be negative")
	}
	ticketField := orDefault(cfg.TicketField, DefaultTicketField)
	randstrField := orDefault(cfg.RandstrField, DefaultRandstrField)
	if ticketField == randstrField {
		return nil, errors.New("tencent: Config.TicketField and Config.RandstrField must differ")
	}

	p := &Provider{
		host:    host,
		source:  cfg.Credentials,
		appID:   cfg.AppID,
		client:  vendorhttp.Client(cfg.HTTPClient),
		timeout: cfg.Timeout,
		fields:  []string{ticketField, randstrField},
		maxAge:  cfg.DisasterMaxAge,
		skew:    cfg.ClockSkew,
		now:     cfg.Now,
		typeHdr: []string{contentType},
		actHdr:  []string{Action},
		verHdr:  []string{Version},
	}
	if p.tmpl, err = http.NewRequest(http.MethodPost, base, nil); err != nil { //nolint:noctx // a template: each request gets its context from WithContext
		return nil, errors.New(`tencent: Config.Endpoint must be a host[:port] or an "http(s)://host[:port]" URL`)
	}
	if cfg.Credentials == nil {
		p.static.signer = NewSigner(cfg.SecretID, cfg.SecretKey, Service, host)
		if cfg.Token != "" {
			p.static.token = []string{cfg.Token}
		}
	}
	p.tail = appendBodyTail(nil, cfg.AppID, cfg.AppSecretKey, bodyOptions{
		businessID: cfg.BusinessID, sceneID: cfg.SceneID, needGetCaptchaTime: cfg.NeedGetCaptchaTime,
	})
	if p.timeout == 0 {
		p.timeout = captcha.DefaultTimeout
	}
	if p.maxAge == 0 {
		p.maxAge = DefaultDisasterMaxAge
	}
	if p.skew == 0 {
		p.skew = DefaultClockSkew
	}
	if p.now == nil {
		p.now = time.Now
	}
	return p, nil
}

// checkStatic checks the static credentials: SecretID, SecretKey, Token.
func checkStatic(cfg Config) error {
	if err := checkHeaderToken("SecretID", cfg.SecretID, true); err != nil {
		return err
	}
	if strings.ContainsAny(cfg.SecretID, "/,") {
		return errors.New("tencent: Config.SecretID must not contain '/' or ','")
	}
	if cfg.SecretKey == "" {
		return errors.New("tencent: Config.SecretKey is required")
	}
	return checkHeaderToken("Token", cfg.Token, false)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// checkHeaderToken checks that a credential sent in a header is printable
// ASCII without spaces.
func checkHeaderToken(field, v string, required bool) error {
	if v == "" {
		if required {
			return fmt.Errorf("tencent: Config.%s is required", field)
		}
		return nil
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] >= 0x7f {
			return fmt.Errorf("tencent: Config.%s must be printable ASCII without spaces", field)
		}
	}
	return nil
}

// parseEndpoint returns the request URL and the Host to sign for an
// Endpoint: a bare host[:port] (HTTPS) or an http(s) base URL.
func parseEndpoint(ep string) (base, host string, err error) {
	if ep == "" {
		ep = DefaultEndpoint
	}
	raw := ep
	if !strings.Contains(ep, "://") {
		raw = "https://" + ep
	}
	u, perr := url.Parse(raw)
	if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" ||
		u.Opaque != "" || strings.ContainsAny(u.Host, " \t\r\n") {
		return "", "", errors.New(`tencent: Config.Endpoint must be a host[:port] or an "http(s)://host[:port]" URL`)
	}
	host = strings.ToLower(u.Host)
	return u.Scheme + "://" + host + "/", host, nil
}

// Name returns "tencent".
func (p *Provider) Name() string { return Name }

// Fields returns the ticket and randstr field names (default "ticket",
// "randstr").
func (p *Provider) Fields() []string { return p.fields }

// TicketID identifies a ticket by its ticket field alone, so resubmitting a
// ticket with another randstr is still a replay.
func (p *Provider) TicketID(t captcha.Ticket) string { return t.Values[p.fields[0]] }

// Verify asks DescribeCaptchaResult about t. CaptchaCode 1 passes; any other
// verdict is a rejection with the code in Result.Code; see the package
// documentation for how error replies map to errors. A malformed ticket, and a
// disaster-recovery ticket that fails the local check, are rejected without a
// call.
func (p *Provider) Verify(ctx context.Context, t captcha.Ticket) (captcha.Result, error) {
	ticket, randstr := t.Values[p.fields[0]], t.Values[p.fields[1]]
	if !vendorhttp.Plausible(ticket, MaxTicketLen) || !vendorhttp.Plausible(randstr, MaxRandstrLen) {
		return p.result(false, CodeTicketMalformed, 0, ""), nil
	}
	now := p.now()
	if IsDisasterTicket(ticket) {
		d, err := ParseDisasterTicket(ticket)
		if err == nil {
			err = checkDisaster(d, p.appID, now, p.maxAge, p.skew)
		}
		if err != nil {
			return p.result(false, CodeDisasterInvalid, 0, ""), nil
		}
	}

	// One bound for the credential read and the call together: Timeout is
	// the whole call's (Exchange finds the deadline and adds none).
	ctx, cancel := vendorhttp.Bound(ctx, p.timeout)
	defer cancel()
	k, err := p.credentials(ctx)
	if err != nil {
		return captcha.Result{}, err
	}
	return vendorhttp.Exchange(ctx, p.client, Name, p.timeout, func(ctx context.Context) (*http.Request, error) {
		return p.newRequest(ctx, k, ticket, randstr, t.ClientIP, now)
	}, p.readReply)
}

// newRequest builds the signed DescribeCaptchaResult request.
//
// It is a copy of a template request (no URL parsing per call) that owns,
// in one allocation, its URL, its body reader and the values of its two
// per-request headers; the other header values are shared slices.
func (p *Provider) newRequest(ctx context.Context, k *keyed, ticket, randstr, ip string, now time.Time) (*http.Request, error) {
	o := &outgoing{url: *p.tmpl.URL}
	body := make([]byte, 0, 64+len(ticket)+len(randstr)+len(ip)+len(p.tail))
	body = appendBody(body, ticket, ip, randstr, p.tail)
	o.body.Reset(body)
	ts := now.Unix()
	var authBuf [256]byte
	o.values[0] = string(k.signer.appendAuthorization(authBuf[:0], ts, contentType, body))
	o.values[1] = p.timestamp(ts)

	req := p.tmpl.WithContext(ctx)
	req.URL = &o.url
	req.Body = &o.body
	req.GetBody = o.getBody
	req.ContentLength = int64(len(body))
	// The constant values are shared slices: RoundTrippers must not modify
	// the request (net/http's contract), and Header.Set replaces a slice.
	req.Header = http.Header{
		"Content-Type":   p.typeHdr,
		"Authorization":  o.values[0:1:1],
		"X-Tc-Action":    p.actHdr,
		"X-Tc-Version":   p.verHdr,
		"X-Tc-Timestamp": o.values[1:2:2],
	}
	if k.token != nil {
		req.Header["X-Tc-Token"] = k.token
	}
	return req, nil
}

// outgoing is what one request owns besides its http.Request: a copy of the
// URL (a RoundTripper that broke the contract and wrote to it would touch
// this request only), the body and the Authorization and X-TC-Timestamp
// values.
type outgoing struct {
	url    url.URL
	body   bodyReader
	values [2]string
}

// getBody is the request's GetBody: a fresh reader over the same bytes, for
// the transport to resend the request on another connection.
func (o *outgoing) getBody() (io.ReadCloser, error) {
	r := new(bodyReader)
	r.Reset(o.body.bytes())
	return r, nil
}

// bodyReader is a request body: a bytes.Reader (whose WriteTo the transport
// uses) that closes, and that remembers its bytes for getBody.
type bodyReader struct {
	bytes.Reader
	b []byte
}

// Reset makes r read b from the start.
func (r *bodyReader) Reset(b []byte) {
	r.Reader.Reset(b)
	r.b = b
}

func (r *bodyReader) bytes() []byte { return r.b }

// Close does nothing: the body is in memory.
func (*bodyReader) Close() error { return nil }

// stamp is an X-TC-Timestamp value, kept for the second it names.
type stamp struct {
	unix int64
	text string
}

// timestamp returns ts as X-TC-Timestamp text, formatting it once per
// second rather than once per request.
func (p *Provider) timestamp(ts int64) string {
	if s := p.stamp.Load(); s != nil && s.unix == ts {
		return s.text
	}
	s := &stamp{unix: ts, text: strconv.FormatInt(ts, 10)}
	p.stamp.Store(s)
	return s.text
}

// readReply maps a reply to a Result or an error. The error envelope wins
// whatever the HTTP status, as in the official SDK.
func (p *Provider) readReply(status int, body []byte) (captcha.Result, error) {
	v, err := parseReply(body)
	if err != nil {
		if status != http.StatusOK {
			return captcha.Result{}, vendorhttp.ClassifyStatus(Name, status)
		}
		return captcha.Result{}, vendorhttp.Wrap(Name, captcha.ErrUnavailable, "malformed-reply", err)
	}
	if v.errCode != "" {
		var cause error
		if v.requestID != "" { // for support tickets; not a secret
			cause = errors.New("RequestId " + v.requestID)
		}
		class := captcha.ErrMisconfigured
		switch classifyEnvelope(v.errCode) {
		case classUnavailable:
			class = captcha.ErrUnavailable
		case classThrottled:
			class = captcha.ErrThrottled
		}
		return captcha.Result{}, vendorhttp.Wrap(Name, class, v.errCode, cause)
	}
	if status != http.StatusOK {
		return captcha.Result{}, vendorhttp.ClassifyStatus(Name, status)
	}
	if v.code == 26 {
		return captcha.Result{}, vendorhttp.Wrap(Name, captcha.ErrUnavailable, "26", errSystemBusy)
	}
	res := p.result(v.code == 1, codeString(v.code), v.evil, v.requestID)
	if x := v.extraFields(); x != nil {
		res.Extra = x
		if x.HasScore {
			res.Score, res.RawScore, res.HasScore = normalScore(x.Score), float64(x.Score), true
		}
	}
	return res, nil
}

// codeString formats a CaptchaCode, without allocating for the ones Tencent
// documents.
func codeString(code int64) string {
	switch code {
	case 1:
		return "1"
	case 7:
		return "7"
	case 8:
		return "8"
	case 9:
		return "9"
	case 15:
		return "15"
	case 16:
		return "16"
	case 21:
		return "21"
	case 100:
		return "100"
	}
	return strconv.FormatInt(code, 10)
}

var errSystemBusy = errors.New("CaptchaCode 26 (system busy)")

func (p *Provider) result(passed bool, code string, evil int64, requestID string) captcha.Result {
	return captcha.Result{Passed: passed, Code: code, Risk: clampInt(evil), RequestID: requestID}
}

func clampInt(v int64) int {
	const maxInt = int64(^uint(0) >> 1)
	switch {
	case v > maxInt:
		return int(maxInt)
	case v < -maxInt-1:
		return int(-maxInt - 1)
	}
	return int(v)
}

// CheckFailback vets t locally while Tencent is unavailable. A
// disaster-recovery ticket passes when it parses, names our AppID, and was
// issued at most DisasterMaxAge ago and at most ClockSkew in the future. Any
// other ticket passes when ticket and randstr are plausible: non-empty,
// bounded (MaxTicketLen, MaxRandstrLen) and printable ASCII. Otherwise the
// error wraps captcha.ErrRejected; it never contains the ticket.
func (p *Provider) CheckFailback(_ context.Context, t captcha.Ticket) error {
	ticket, randstr := t.Values[p.fields[0]], t.Values[p.fields[1]]
	if !vendorhttp.Plausible(ticket, MaxTicketLen) || !vendorhttp.Plausible(randstr, MaxRandstrLen) {
		return vendorhttp.Wrap(Name, captcha.ErrRejected, CodeTicketMalformed, nil)
	}
	if !IsDisasterTicket(ticket) {
		return nil
	}
	d, err := ParseDisasterTicket(ticket)
	if err == nil {
		err = checkDisaster(d, p.appID, p.now(), p.maxAge, p.skew)
	}
	if err != nil {
		return vendorhttp.Wrap(Name, captcha.ErrRejected, CodeDisasterInvalid, err)
	}
	return nil
}
