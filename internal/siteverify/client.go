package siteverify

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"maps"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/captchakit/captcha/internal/vendorhttp"
	captcha "github.com/captchakit/captcha/middleware"
)

// Config configures a Client. Name, URL, Secret and Classify are required;
// the vendor packages fill them in and validate what users set.
type Config struct {
	// Name is the provider name, in errors: "turnstile", "hcaptcha", ...
	Name string
	// URL is the siteverify URL.
	URL string
	// Secret is the site secret, sent as "secret".
	Secret string
	// Extra are form fields sent with every call (hCaptcha's "sitekey").
	Extra url.Values
	// OmitRemoteIP stops sending the client IP as "remoteip".
	OmitRemoteIP bool
	// IdempotencyKey sends a fresh random UUID as "idempotency_key" with
	// each verification, the same on its retry (Turnstile).
	IdempotencyKey bool
	// Attempts is how many times a verification is sent when it fails as
	// unavailable while time is left: 1 or 2. A retry is only safe where the
	// vendor deduplicates it (Turnstile's idempotency_key); elsewhere a
	// retry of a call that reached the vendor reports the token as already
	// seen.
	Attempts int
	// Classify returns the class of an error code.
	Classify func(code string) Class
	// HTTPClient sends the requests; nil means vendorhttp.Client(nil).
	HTTPClient *http.Client
	// Timeout bounds a call that has no deadline of its own.
	Timeout time.Duration
}

// Client verifies tokens with one siteverify endpoint. It is safe for
// concurrent use.
type Client struct {
	name     string
	url      string
	prefix   []byte // "secret=…" plus the Extra fields, form-encoded
	noIP     bool
	idem     bool
	attempts int
	classify func(string) Class
	http     *http.Client
	timeout  time.Duration
	typeHdr  []string
	accHdr   []string
}

// New returns a client for cfg. It does not validate what the vendor
// packages already validated; a missing required field is an error.
func New(cfg Config) (*Client, error) {
	switch {
	case cfg.Name == "", cfg.URL == "", cfg.Secret == "", cfg.Classify == nil:
		return nil, errors.New("siteverify: Config.Name, URL, Secret and Classify are required")
	case cfg.Attempts < 0 || cfg.Attempts > 2:
		return nil, errors.New("siteverify: Config.Attempts must be 1 or 2")
	}
	c := &Client{
		name:     cfg.Name,
		url:      cfg.URL,
		noIP:     cfg.OmitRemoteIP,
		idem:     cfg.IdempotencyKey,
		attempts: max(cfg.Attempts, 1),
		classify: cfg.Classify,
		http:     vendorhttp.Client(cfg.HTTPClient),
		timeout:  cfg.Timeout,
		typeHdr:  []string{"application/x-www-form-urlencoded"},
		accHdr:   []string{"application/json"},
	}
	if c.timeout <= 0 {
		c.timeout = captcha.DefaultTimeout
	}
	c.prefix = vendorhttp.AppendForm(nil, "secret", cfg.Secret)
	// Sorted, so that the body does not depend on map order.
	for _, k := range slices.Sorted(maps.Keys(cfg.Extra)) {
		for _, v := range cfg.Extra[k] {
			c.prefix = vendorhttp.AppendForm(c.prefix, k, v)
		}
	}
	return c, nil
}

// Verify sends token (and clientIP, unless omitted or not an IP address) to
// the siteverify endpoint and returns its reply. A nil error with
// !Reply.Success is a rejection: Reply.ErrorCodes says why, and Code below
// picks the deciding code. A non-nil error is a *captcha.VerifyError that
// wraps captcha.ErrUnavailable, ErrThrottled or ErrMisconfigured.
//
// A call that fails as unavailable is sent again once, while time is left,
// when Config.Attempts is 2, with the same idempotency key; a retry that
// never reached the vendor reports the first failure.
func (c *Client) Verify(ctx context.Context, token, clientIP string) (Reply, error) {
	ctx, cancel := vendorhttp.Bound(ctx, c.timeout)
	defer cancel()
	body := make([]byte, 0, len(c.prefix)+len(token)+96)
	body = append(body, c.prefix...)
	body = vendorhttp.AppendForm(body, "response", token)
	if !c.noIP {
		if ip := remoteIP(clientIP); ip != "" {
			body = vendorhttp.AppendForm(body, "remoteip", ip)
		}
	}
	if c.idem {
		body = vendorhttp.AppendForm(body, "idempotency_key", newUUID())
	}
	build := func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.ContentLength = int64(len(body))
		// Shared slices: RoundTrippers must not modify the request.
		req.Header = http.Header{"Content-Type": c.typeHdr, "Accept": c.accHdr}
		return req, nil
	}
	var first error
	for attempt := 1; ; attempt++ {
		rep, err := vendorhttp.Exchange(ctx, c.http, c.name, c.timeout, build, c.read)
		if first != nil && errors.Is(err, captcha.ErrNotSent) {
			return Reply{}, first
		}
		if err == nil || attempt >= c.attempts || ctx.Err() != nil ||
			!errors.Is(err, captcha.ErrUnavailable) || errors.Is(err, captcha.ErrNotSent) {
			return rep, err
		}
		first = err
	}
}

// Code returns the code that decides a rejected reply: the first error code
// of the highest class, "unknown-error" when there is none ("success":
// false alone), or "no-verdict" for a reply without "success".
func (c *Client) Code(r Reply) string {
	switch {
	case !r.Verdict:
		return "no-verdict"
	case len(r.ErrorCodes) == 0:
		return "unknown-error"
	}
	code, _ := decide(r.ErrorCodes, c.classify)
	return code
}

// read turns a reply into a verdict or an error; see the package
// documentation for the table.
func (c *Client) read(status int, body []byte) (Reply, error) {
	r, err := Parse(body)
	switch {
	case err != nil && status != http.StatusOK:
		return Reply{}, vendorhttp.ClassifyStatus(c.name, status)
	case err != nil:
		return Reply{}, vendorhttp.Wrap(c.name, captcha.ErrUnavailable, "malformed-reply", err)
	case !r.Verdict && status != http.StatusOK:
		return Reply{}, vendorhttp.ClassifyStatus(c.name, status)
	case !r.Verdict:
		return r, nil // a rejection: "no-verdict"
	}
	if len(r.ErrorCodes) == 0 {
		switch {
		case status != http.StatusOK:
			// A success outside a 200, or a bare failure from something
			// that may not be the vendor: judged by the status.
			return Reply{}, vendorhttp.ClassifyStatus(c.name, status)
		case !r.Success:
			return r, nil // a rejection: "unknown-error"
		}
		return r, nil
	}
	// Error codes decide, whatever "success" and the status say.
	r.Success = false
	code, class := decide(r.ErrorCodes, c.classify)
	switch class {
	case Misconfigured:
		return Reply{}, vendorhttp.Wrap(c.name, captcha.ErrMisconfigured, code, nil)
	case Unavailable:
		return Reply{}, vendorhttp.Wrap(c.name, captcha.ErrUnavailable, code, nil)
	}
	return r, nil
}

// remoteIP returns s as an IP address string, or "" when it is not one (a
// custom client-IP function may return anything; a vendor refuses a bad
// remoteip, hCaptcha with a code of its own).
func remoteIP(s string) string {
	if s == "" {
		return ""
	}
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Zone() == "" {
			return s // already an address: sent as the core resolved it, without a copy
		}
		return a.WithZone("").String()
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().WithZone("").String()
	}
	return ""
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}

// trimLower returns s trimmed of spaces and in lower case.
func trimLower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Endpoint returns the siteverify URL for a Config.Endpoint value s: def
// when s is empty; s with path appended when s has no path (an emulator's
// base URL, "http://127.0.0.1:port"); else s as it is. s must be an http or
// https URL with a host and no user, query or fragment; field names it in
// the error.
func Endpoint(field, s, def, path string) (string, error) {
	if s == "" {
		return def, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" || strings.ContainsAny(s, " \t\r\n") {
		return "", errors.New(field + ` must be an "http(s)://host[:port][/path]" URL without user, query or fragment`)
	}
	if u.Path == "" || u.Path == "/" {
		return strings.TrimRight(s, "/") + path, nil
	}
	return s, nil
}
