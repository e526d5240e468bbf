// Package vendorhttp is the transport discipline shared by the provider
// clients: a keep-alive transport sized for concurrency, a per-call deadline,
// response bodies read under a cap and always closed, and transport errors
// classified without leaking URLs or secrets.
package vendorhttp

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
)

// MaxBody is the largest vendor reply read. Real replies are well under 2 KiB.
const MaxBody = 64 << 10

// NewTransport returns a transport for one vendor host: HTTP keep-alive with
// up to 256 idle connections per host (Go's default keeps 2, which churns
// connections under concurrency), bounded dial, TLS and header timeouts.
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   2 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   2 * time.Second,
		ResponseHeaderTimeout: 0, // the per-call context deadline bounds it
		ExpectContinueTimeout: time.Second,
	}
}

// Client returns c, or a new client on [NewTransport] when c is nil. The client
// has no Timeout of its own: every call carries a context deadline instead.
func Client(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{Transport: NewTransport()}
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Buffer returns an empty buffer from a pool; give it back with PutBuffer.
func Buffer() *bytes.Buffer {
	b, _ := bufPool.Get().(*bytes.Buffer)
	if b == nil {
		b = new(bytes.Buffer)
	}
	b.Reset()
	return b
}

// PutBuffer returns b to the pool. Oversized buffers are dropped.
func PutBuffer(b *bytes.Buffer) {
	if b.Cap() > 4*MaxBody {
		return
	}
	bufPool.Put(b)
}

// ErrTooLarge reports a reply over MaxBody.
var ErrTooLarge = errors.New("reply larger than " + strconv.Itoa(MaxBody) + " bytes")

// ReadBody reads resp.Body into buf under MaxBody and closes it. A body over
// the cap is an error, never silently truncated.
func ReadBody(resp *http.Response, buf *bytes.Buffer) error {
	defer resp.Body.Close()
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return err
	}
	if n > MaxBody {
		return ErrTooLarge
	}
	return nil
}

// Bound returns ctx bounded by d when ctx has no deadline of its own: a
// provider's Timeout applies to a call made outside a Verifier. A call
// through a Verifier carries the Verifier's deadline, the one owner of a
// verification's time, and is returned as is with a no-op cancel.
func Bound(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}

// Exchange is the one shape of a vendor call: it bounds ctx (see [Bound]),
// builds the request with build (an error there is a misconfiguration),
// sends it, and hands the reply's status and body to read, which turns them
// into the provider's answer, classifying errors with [Wrap] and
// [ClassifyStatus]. The body is read under MaxBody (a larger one is an
// error, never truncated), is always closed, and is only valid during read.
// A transport or read error comes back classified by [ClassifyTransport].
//
// The context build gets carries an httptrace.ClientTrace (build must make
// the request with it): a request whose deadline passed before it was
// written and before a connection to the vendor was even attempted (it
// queued for a pooled connection, a DNS answer, or CPU on a starved host) is
// marked captcha.ErrNotSent, so it does not count against the vendor's
// health. Tracing the context before the request is built costs no copy of
// the request.
func Exchange[T any](ctx context.Context, c *http.Client, provider string, timeout time.Duration,
	build func(context.Context) (*http.Request, error), read func(status int, body []byte) (T, error)) (T, error) {
	var zero T
	ctx, cancel := Bound(ctx, timeout)
	defer cancel()
	w := new(wire)
	req, err := build(httptrace.WithClientTrace(ctx, w.trace()))
	if err != nil {
		return zero, Wrap(provider, captcha.ErrMisconfigured, "request", err)
	}
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() != nil && !w.reached() {
			return zero, Wrap(provider, captcha.ErrUnavailable, "not-sent", fmt.Errorf("%w: %w", captcha.ErrNotSent, ctx.Err()))
		}
		return zero, ClassifyTransport(provider, err)
	}
	buf := Buffer()
	defer PutBuffer(buf)
	if err := ReadBody(resp, buf); err != nil {
		return zero, ClassifyTransport(provider, err)
	}
	return read(resp.StatusCode, buf.Bytes())
}

// wire records how far a request got towards the vendor.
type wire struct {
	connecting atomic.Bool // a connection to the vendor was attempted
	wrote      atomic.Bool // the whole request was written
}

func (w *wire) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		ConnectStart: func(string, string) { w.connecting.Store(true) },
		WroteRequest: func(httptrace.WroteRequestInfo) { w.wrote.Store(true) },
	}
}

// reached reports whether the vendor could have seen anything of the
// request: a connection was attempted, or the request was written on a
// pooled one.
func (w *wire) reached() bool { return w.connecting.Load() || w.wrote.Load() }

// Wrap returns a *captcha.VerifyError of class for provider, with cause
// appended to the message after removing anything that could carry a secret
// or a ticket (a *url.Error's URL).
func Wrap(provider string, class error, code string, cause error) error {
	err := class
	if cause != nil {
		err = fmt.Errorf("%w: %w", class, Sanitize(cause))
	}
	return &captcha.VerifyError{Provider: provider, Code: code, Err: err}
}

// Sanitize strips a *url.Error down to its operation and inner error, so the
// request URL (which may hold query parameters) never reaches a message.
func Sanitize(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &opError{op: ue.Op, err: ue.Err}
	}
	return err
}

type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }

// ClassifyTransport classifies an error from http.Client.Do (or from reading a
// reply). Permanent errors are captcha.ErrMisconfigured: they will not heal
// by waiting, so they must be loud and must never lead to failback (the same
// line go-retryablehttp draws): a certificate that does not verify (code
// "tls"), a host that does not exist ("dns"), an unsupported URL scheme
// ("scheme"). Everything else (timeouts, refused or reset connections, a done
// context) means the vendor could not be asked: captcha.ErrUnavailable.
func ClassifyTransport(provider string, err error) error {
	switch {
	case permanentTLS(err):
		return Wrap(provider, captcha.ErrMisconfigured, "tls", err)
	case noSuchHost(err):
		return Wrap(provider, captcha.ErrMisconfigured, "dns", err)
	case strings.Contains(err.Error(), "unsupported protocol scheme"):
		// net/http's error for it is an unexported string type.
		return Wrap(provider, captcha.ErrMisconfigured, "scheme", err)
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return Wrap(provider, captcha.ErrUnavailable, "timeout", err)
	}
	return Wrap(provider, captcha.ErrUnavailable, "transport", err)
}

func permanentTLS(err error) bool {
	var (
		verr *tls.CertificateVerificationError
		uerr x509.UnknownAuthorityError
		herr x509.HostnameError
		cerr x509.CertificateInvalidError
		rerr tls.RecordHeaderError // the endpoint does not speak TLS
	)
	return errors.As(err, &verr) || errors.As(err, &uerr) || errors.As(err, &herr) ||
		errors.As(err, &cerr) || errors.As(err, &rerr) ||
		// net/http turns a RecordHeaderError from a plain-HTTP peer into this
		// unexported error.
		strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")
}

func noSuchHost(err error) bool {
	var derr *net.DNSError
	return errors.As(err, &derr) && derr.IsNotFound
}

// ClassifyStatus classifies a non-2xx reply that carried no vendor error envelope:
// 429 is throttling; 5xx is unavailability; any other status (a proxy's or a
// WAF's 403, a 404 from a wrong endpoint) is a misconfiguration. A 4xx must
// never lead to failback: the ticket is part of the request, so an attacker
// who can make something between us and the vendor refuse it (a WAF rule)
// would otherwise choose the failback policy.
func ClassifyStatus(provider string, code int) error {
	c := "http-" + strconv.Itoa(code)
	switch {
	case code == http.StatusTooManyRequests:
		return Wrap(provider, captcha.ErrThrottled, c, nil)
	case code >= 500:
		return Wrap(provider, captcha.ErrUnavailable, c, nil)
	default:
		return Wrap(provider, captcha.ErrMisconfigured, c, nil)
	}
}
