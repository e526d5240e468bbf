package aliyun

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/captchakit/captcha/internal/vendorhttp"
	captcha "github.com/captchakit/captcha/middleware"
)

// Name is the provider name in results and errors.
const Name = "aliyun"

// DefaultParamField is the ticket field the page sends the front-end
// success(captchaVerifyParam) value in.
const DefaultParamField = "captchaVerifyParam"

// The API this package calls.
const (
	Action  = "VerifyIntelligentCaptcha"
	Version = "2023-03-05"
)

// Regions and their endpoints (docs/wire.md#alibaba-endpoints). The region
// must match the front-end AliyunCaptchaConfig.region.
const (
	RegionCN  = "cn"  // Chinese mainland: captcha.cn-shanghai.aliyuncs.com
	RegionSGP = "sgp" // outside the mainland: captcha.ap-southeast-1.aliyuncs.com
)

// MaxParamLen bounds the captchaVerifyParam length, in bytes, that Verify
// sends to Alibaba and CheckFailback accepts. Real values are a few hundred
// bytes to a few KiB; a longer one is rejected locally (CodeParamTooLong)
// without a call, so that a client cannot make the gateway refuse our
// request at will.
const MaxParamLen = 8 << 10

// CodeParamTooLong is the Result.Code of a captchaVerifyParam that Verify
// rejects locally, without a call, for being longer than MaxParamLen.
const CodeParamTooLong = "param-too-long"

// Config configures a Provider. SceneID and either AccessKeyID and
// AccessKeySecret or Credentials are required; everything else has a
// default.
type Config struct {
	// AccessKeyID is the AccessKey ID (or the STS temporary key ID). Required
	// unless Credentials is set.
	AccessKeyID string
	// AccessKeySecret is the AccessKey secret. Required unless Credentials is
	// set. It never appears in errors.
	AccessKeySecret string
	// SecurityToken is the STS security token that goes with a temporary
	// AccessKey. Default: empty (a long-term AccessKey).
	SecurityToken string
	// Credentials, instead of AccessKeyID, AccessKeySecret and
	// SecurityToken, supplies credentials that change without rebuilding the
	// provider (STS tokens, RAM roles): it is read once per verification.
	// github.com/aliyun/credentials-go fits through a CredentialFunc; see
	// [CredentialSource]. Default: nil (the static fields above).
	Credentials CredentialSource
	// SceneID is the scene ID from the CAPTCHA console. It is always sent
	// from here, never taken from the request, so a tampered page cannot
	// switch scenes (the vendor answers F012). Required.
	SceneID string
	// Region selects the endpoint: RegionCN ("cn") or RegionSGP ("sgp").
	// Ignored when Endpoint is set. Default: "cn".
	Region string
	// DualStack selects the IPv4/IPv6 dual-stack host of the region
	// (captcha-dualstack.<region>.aliyuncs.com). Ignored when Endpoint is set.
	// Default: false (the IPv4-only host).
	DualStack bool
	// Endpoint overrides Region: a host ("captcha.cn-shanghai.aliyuncs.com",
	// reached over HTTPS) or a base URL with scheme ("http://127.0.0.1:1234",
	// for an emulator). Default: derived from Region and DualStack.
	Endpoint string
	// ParamField is the ticket field holding captchaVerifyParam. It is
	// passed to Alibaba unmodified. Default: DefaultParamField.
	ParamField string
	// HTTPClient sends the requests. Default: a client whose transport keeps
	// up to 256 idle connections per host (Go's default keeps 2) with bounded
	// dial and TLS handshake times. Its own Timeout, if any, also applies.
	HTTPClient *http.Client
	// Timeout bounds a call that arrives without a deadline of its own: a
	// direct call outside a Verifier. Through a Verifier, the Verifier's
	// deadline (captcha.WithTimeout) alone bounds the call. Default:
	// captcha.DefaultTimeout (2s).
	Timeout time.Duration
	// Now returns the current time, for request timestamps. Default: time.Now.
	Now func() time.Time
}

// Provider verifies Alibaba Cloud CAPTCHA 2.0 tickets with
// VerifyIntelligentCaptcha. It is stateless and safe for concurrent use.
type Provider struct {
	static   keyed // the Config's AccessKeyID, SecurityToken and AccessKeySecret
	source   CredentialSource
	current  atomic.Pointer[keyed] // signs with what source gave last
	sceneID  string
	field    string
	fields   []string
	url      string
	host     string
	client   *http.Client
	timeout  time.Duration
	bodyTail []byte // "&SceneId=<escaped scene>"
	now      func() time.Time
}

var (
	_ captcha.Provider         = (*Provider)(nil)
	_ captcha.TicketIdentifier = (*Provider)(nil)
	_ captcha.FailbackChecker  = (*Provider)(nil)
)

// New validates cfg and returns a Provider.
func New(cfg Config) (*Provider, error) {
	if cfg.Credentials != nil {
		if cfg.AccessKeyID != "" || cfg.AccessKeySecret != "" || cfg.SecurityToken != "" {
			return nil, errors.New("aliyun: Config.Credentials and Config.AccessKeyID, AccessKeySecret or SecurityToken are mutually exclusive")
		}
	} else if err := checkStatic(cfg); err != nil {
		return nil, err
	}
	if cfg.SceneID == "" {
		return nil, errors.New("aliyun: Config.SceneID is required")
	}
	if !printable(cfg.SceneID) || len(cfg.SceneID) > 64 {
		return nil, errors.New("aliyun: Config.SceneID must be at most 64 printable ASCII characters without spaces")
	}
	field := cfg.ParamField
	if field == "" {
		field = DefaultParamField
	}
	if !printable(field) {
		return nil, errors.New("aliyun: Config.ParamField must be printable ASCII without spaces")
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("aliyun: Config.Timeout must not be negative")
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = captcha.DefaultTimeout
	}
	base, host, err := endpoint(cfg)
	if err != nil {
		return nil, err
	}
	tail := append([]byte("&SceneId="), vendorhttp.AppendQueryEscape(nil, cfg.SceneID)...)
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	p := &Provider{
		source:   cfg.Credentials,
		sceneID:  cfg.SceneID,
		field:    field,
		fields:   []string{field},
		url:      base,
		host:     host,
		client:   vendorhttp.Client(cfg.HTTPClient),
		timeout:  timeout,
		bodyTail: tail,
		now:      now,
	}
	if cfg.Credentials == nil {
		p.static = keyed{keyID: cfg.AccessKeyID, token: cfg.SecurityToken, secret: cfg.AccessKeySecret, signer: newSigner(cfg.AccessKeySecret)}
	}
	return p, nil
}

// checkStatic checks the static credentials: AccessKeyID, AccessKeySecret,
// SecurityToken.
func checkStatic(cfg Config) error {
	switch {
	case cfg.AccessKeyID == "":
		return errors.New("aliyun: Config.AccessKeyID is required")
	case !printable(cfg.AccessKeyID):
		return errors.New("aliyun: Config.AccessKeyID must be printable ASCII without spaces")
	case cfg.AccessKeySecret == "":
		return errors.New("aliyun: Config.AccessKeySecret is required")
	case strings.ContainsAny(cfg.SecurityToken, "\r\n"):
		return errors.New("aliyun: Config.SecurityToken must not contain line breaks")
	}
	return nil
}

// endpoint resolves the request URL and the signed host from cfg.
func endpoint(cfg Config) (base, host string, err error) {
	if cfg.Endpoint == "" {
		var h string
		switch cfg.Region {
		case "", RegionCN:
			h = "cn-shanghai.aliyuncs.com"
		case RegionSGP:
			h = "ap-southeast-1.aliyuncs.com"
		default:
			return "", "", errors.New(`aliyun: Config.Region must be "cn" or "sgp"`)
		}
		if cfg.DualStack {
			h = "captcha-dualstack." + h
		} else {
			h = "captcha." + h
		}
		return "https://" + h + "/", h, nil
	}
	raw := cfg.Endpoint
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return "", "", errors.New("aliyun: Config.Endpoint must be a host[:port] or an http(s)://host[:port] base URL")
	}
	return u.Scheme + "://" + u.Host + "/", u.Host, nil
}

// printable reports whether s is non-empty printable ASCII without spaces.
func printable(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// Name returns "aliyun".
func (p *Provider) Name() string { return Name }

// Fields returns the one ticket field, Config.ParamField. The slice is shared;
// do not modify it.
func (p *Provider) Fields() []string { return p.fields }

// TicketID returns the whole captchaVerifyParam: it is one field and the
// vendor identifies a verification by all of it.
func (p *Provider) TicketID(t captcha.Ticket) string { return t.Values[p.field] }

// Verify calls VerifyIntelligentCaptcha with the ticket's captchaVerifyParam
// and the configured scene. A T-code verdict passes; an F-code verdict is
// Result{Passed: false} with a nil error; see the package documentation for
// how gateway errors map to rejections, captcha.ErrUnavailable, ErrThrottled
// and ErrMisconfigured. A captchaVerifyParam longer than MaxParamLen is
// rejected with Code CodeParamTooLong without a call.
func (p *Provider) Verify(ctx context.Context, t captcha.Ticket) (captcha.Result, error) {
	param := t.Values[p.field]
	if len(param) > MaxParamLen {
		return captcha.Result{Code: CodeParamTooLong}, nil
	}
	// One bound for the credential read and the call together: Timeout is
	// the whole call's (Exchange finds the deadline and adds none).
	ctx, cancel := vendorhttp.Bound(ctx, p.timeout)
	defer cancel()
	k, err := p.credentials(ctx)
	if err != nil {
		return captcha.Result{}, err
	}
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	res, err := vendorhttp.Exchange(ctx, p.client, Name, p.timeout, func(ctx context.Context) (*http.Request, error) {
		return p.newRequest(ctx, k, param, p.now(), nonce)
	}, readReply)
	if err != nil {
		return captcha.Result{}, err
	}
	return res, nil
}

// Static header values, shared by every request (the transport only reads
// them).
var (
	hdrContentType = []string{"application/x-www-form-urlencoded"}
	hdrAccept      = []string{"application/json"}
	hdrAction      = []string{Action}
	hdrVersion     = []string{Version}
	hdrUserAgent   = []string{"captchakit-aliyun/1 (+https://github.com/captchakit/captcha)"}
)

// newRequest builds the request for param, signed at now with nonce.
//
// The body is a string reader, so the transport can rewind it (GetBody) and
// resend the request when a kept-alive connection turns out to be closed
// before anything was written, instead of failing the verification.
func (p *Provider) newRequest(ctx context.Context, k *keyed, param string, now time.Time, nonce [16]byte) (*http.Request, error) {
	buf := vendorhttp.Buffer()
	defer vendorhttp.PutBuffer(buf)
	buf.Grow(len("CaptchaVerifyParam=") + 3*len(param) + len(p.bodyTail))
	b := buf.AvailableBuffer()
	b = append(b, "CaptchaVerifyParam="...)
	b = vendorhttp.AppendQueryEscape(b, param)
	b = append(b, p.bodyTail...)
	vals := p.sign(k, b, now, nonce)

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, strings.NewReader(string(b)))
	if err != nil {
		return nil, err
	}
	h := make(http.Header, 11) // sized once instead of grown
	req.Header = h
	h["Content-Type"] = hdrContentType
	h["Accept"] = hdrAccept
	h["User-Agent"] = hdrUserAgent
	h["X-Acs-Action"] = hdrAction
	h["X-Acs-Version"] = hdrVersion
	h["X-Acs-Date"] = vals[0:1:1]
	h["X-Acs-Signature-Nonce"] = vals[1:2:2]
	h["X-Acs-Content-Sha256"] = vals[2:3:3]
	h["Authorization"] = vals[3:4:4]
	if k.token != "" {
		h["X-Acs-Accesskey-Id"] = vals[4:5:5]
		h["X-Acs-Security-Token"] = vals[5:6:6]
	}
	return req, nil
}

// sign returns the header values for body signed at now with nonce: date,
// nonce, content hash and Authorization, then (with STS) the key ID and the
// token.
func (p *Provider) sign(k *keyed, body []byte, now time.Time, nonce [16]byte) []string {
	scratch := vendorhttp.Buffer()
	defer vendorhttp.PutBuffer(scratch)
	scratch.Grow(2048)
	b := scratch.AvailableBuffer()

	// Date, nonce and payload hash share one backing string.
	b = now.UTC().AppendFormat(b, "2006-01-02T15:04:05Z")
	dateEnd := len(b)
	b = hex.AppendEncode(b, nonce[:])
	nonceEnd := len(b)
	sum := sha256.Sum256(body)
	b = hex.AppendEncode(b, sum[:])
	values := string(b)
	date, nonceHex, payload := values[:dateEnd], values[dateEnd:nonceEnd], values[nonceEnd:]

	hs := [9]header{
		{"content-type", hdrContentType[0]},
		{"host", p.host},
		{"x-acs-action", Action},
		{"x-acs-content-sha256", payload},
		{"x-acs-date", date},
		{"x-acs-signature-nonce", nonceHex},
		{"x-acs-version", Version},
	}
	n := 7
	if k.token != "" {
		hs[n] = header{"x-acs-accesskey-id", k.keyID}
		hs[n+1] = header{"x-acs-security-token", k.token}
		n += 2
	}
	// The canonical request and then the Authorization go into the rest of
	// the scratch space.
	cr, s, e := appendCanonicalRequest(b[len(b):], http.MethodPost, "/", nil, hs[:n], payload)
	sig := k.signer.signature(cr)
	auth := appendAuthorization(cr[len(cr):], k.keyID, cr[s:e], sig[:])

	vals := make([]string, 4, 6)
	vals[0], vals[1], vals[2], vals[3] = date, nonceHex, payload, string(auth)
	if k.token != "" {
		vals = append(vals, k.keyID, k.token)
	}
	return vals
}

// CheckFailback vets a captchaVerifyParam locally while Alibaba is
// unavailable: it must be non-empty, at most MaxParamLen bytes, a JSON object,
// and its "sceneId", if present, must be a string equal to Config.SceneID.
// This is a shape check, not a verification: it keeps obvious junk and other
// scenes' tickets out of the failback budget. The error wraps
// captcha.ErrRejected and never contains the parameter.
func (p *Provider) CheckFailback(_ context.Context, t captcha.Ticket) error {
	v := t.Values[p.field]
	switch {
	case v == "":
		return vendorhttp.Wrap(Name, captcha.ErrRejected, "failback", errEmptyParam)
	case len(v) > MaxParamLen:
		return vendorhttp.Wrap(Name, captcha.ErrRejected, "failback", errLongParam)
	}
	var shape struct {
		SceneID *string `json:"sceneId"`
	}
	if v[0] != '{' || json.Unmarshal([]byte(v), &shape) != nil {
		return vendorhttp.Wrap(Name, captcha.ErrRejected, "failback", errNotObject)
	}
	if shape.SceneID != nil && *shape.SceneID != p.sceneID {
		return vendorhttp.Wrap(Name, captcha.ErrRejected, "failback", errOtherScene)
	}
	return nil
}

var (
	errEmptyParam = errors.New("captchaVerifyParam is empty")
	errLongParam  = errors.New("captchaVerifyParam is too long")
	errNotObject  = errors.New("captchaVerifyParam is not a JSON object")
	errOtherScene = errors.New("captchaVerifyParam is for another scene")
)
