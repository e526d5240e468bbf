package vendorhttp_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/captchakit/captcha/internal/vendorhttp"
	captcha "github.com/captchakit/captcha/middleware"
)

func TestStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code int
		want error
	}{
		{429, captcha.ErrThrottled},
		{500, captcha.ErrUnavailable},
		{502, captcha.ErrUnavailable},
		{503, captcha.ErrUnavailable},
		{504, captcha.ErrUnavailable},
		{400, captcha.ErrMisconfigured},
		{401, captcha.ErrMisconfigured},
		{403, captcha.ErrMisconfigured}, // a WAF refusing a crafted ticket must not open failback
		{404, captcha.ErrMisconfigured},
		{302, captcha.ErrMisconfigured},
	}
	for _, tt := range tests {
		err := vendorhttp.ClassifyStatus("x", tt.code)
		if !errors.Is(err, tt.want) {
			t.Errorf("Status(%d) = %v, want %v", tt.code, err, tt.want)
		}
	}
}

func TestReadBodyCap(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 10, vendorhttp.MaxBody, vendorhttp.MaxBody + 1} {
		closed := false
		resp := &http.Response{Body: closer{Reader: bytes.NewReader(make([]byte, n)), closed: &closed}}
		buf := vendorhttp.Buffer()
		err := vendorhttp.ReadBody(resp, buf)
		switch {
		case n > vendorhttp.MaxBody && !errors.Is(err, vendorhttp.ErrTooLarge):
			t.Errorf("ReadBody(%d bytes) error = %v, want ErrTooLarge", n, err)
		case n <= vendorhttp.MaxBody && (err != nil || buf.Len() != n):
			t.Errorf("ReadBody(%d bytes) = %d bytes, %v", n, buf.Len(), err)
		}
		if !closed {
			t.Errorf("ReadBody(%d bytes) left the body open", n)
		}
		vendorhttp.PutBuffer(buf)
	}
}

func TestTransportErrorHidesURL(t *testing.T) {
	t.Parallel()
	cause := &url.Error{Op: "Post", URL: "https://vendor.example/validate?secret=s3cr3t&ticket=t1ck3t", Err: io.ErrUnexpectedEOF}
	err := vendorhttp.ClassifyTransport("x", cause)
	if !errors.Is(err, captcha.ErrUnavailable) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Transport() = %v, want ErrUnavailable wrapping the cause", err)
	}
	if msg := err.Error(); strings.Contains(msg, "s3cr3t") || strings.Contains(msg, "t1ck3t") || strings.Contains(msg, "vendor.example") {
		t.Errorf("message %q leaks the URL", msg)
	}
}

type closer struct {
	io.Reader
	closed *bool
}

func (c closer) Close() error { *c.closed = true; return nil }

// TestBound: a caller's deadline (a Verifier's) is the only one, sooner or
// later than the provider's Timeout; the Timeout bounds only a call that
// came without one.
func TestBound(t *testing.T) {
	t.Parallel()
	const d = 2 * time.Second
	sooner, cancel := context.WithTimeout(context.Background(), d/2)
	defer cancel()
	later, cancel2 := context.WithTimeout(context.Background(), 10*d)
	defer cancel2()
	for name, parent := range map[string]context.Context{"sooner deadline": sooner, "later deadline": later} {
		got, stop := vendorhttp.Bound(parent, d)
		if got != parent {
			t.Errorf("%s: Bound made a new context, want the caller's", name)
		}
		stop()
		if parent.Err() != nil {
			t.Errorf("%s: the no-op cancel cancelled the caller's context", name)
		}
	}
	got, stop := vendorhttp.Bound(context.Background(), d)
	defer stop()
	if dl, ok := got.Deadline(); !ok || time.Until(dl) > d {
		t.Errorf("no deadline: Bound deadline = %v (set %v), want within %v", time.Until(dl), ok, d)
	}
}

// blockBeforeWrite is a transport that never writes the request: it waits
// for the request's context, as a call queued behind a starved host or an
// exhausted connection pool does.
type blockBeforeWrite struct{}

func (blockBeforeWrite) RoundTrip(r *http.Request) (*http.Response, error) {
	<-r.Context().Done()
	return nil, r.Context().Err()
}

// exchange runs one call through vendorhttp.Exchange with a request to
// target and returns its error; the reply, if any, is ignored.
func exchange(ctx context.Context, c *http.Client, target string) error {
	_, err := vendorhttp.Exchange(ctx, c, "x", time.Minute, func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader("a=b"))
	}, func(int, []byte) (struct{}, error) { return struct{}{}, nil })
	return err
}

// TestExchangeNotSentIsNotTheVendorsFault: a request that never reached the
// wire before its deadline is marked ErrNotSent (still unavailable, but no
// evidence against the vendor); one the vendor saw and never answered is not.
func TestExchangeNotSentIsNotTheVendorsFault(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := exchange(ctx, &http.Client{Transport: blockBeforeWrite{}}, "http://127.0.0.1:9/x")
	if !errors.Is(err, captcha.ErrUnavailable) || !errors.Is(err, captcha.ErrNotSent) {
		t.Errorf("blocked before writing: error = %v, want ErrUnavailable and ErrNotSent", err)
	}

	// The vendor has the request before the call's context ends: however
	// slow the machine, the request was on the wire.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		cancel2()
		<-r.Context().Done()
	}))
	defer hung.Close()
	err = exchange(ctx2, hung.Client(), hung.URL)
	if !errors.Is(err, captcha.ErrUnavailable) || errors.Is(err, captcha.ErrNotSent) {
		t.Errorf("written, never answered: error = %v, want ErrUnavailable without ErrNotSent", err)
	}
}

// TestTransportPermanentErrorsAreMisconfiguration: a certificate that does
// not verify, a host that does not exist and an unsupported scheme will not
// heal by waiting; they must be loud and never lead to failback.
func TestTransportPermanentErrorsAreMisconfiguration(t *testing.T) {
	t.Parallel()
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(tlsSrv.Close)
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	noHost := &http.Client{Transport: &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
		return nil, &net.DNSError{Err: "no such host", Name: "api.example.invalid", IsNotFound: true}
	}}}
	tests := []struct {
		name   string
		client *http.Client
		url    string
		code   string
	}{
		{"untrusted certificate", &http.Client{}, tlsSrv.URL, "tls"},
		{"endpoint does not speak TLS", &http.Client{}, "https://" + plain.Listener.Addr().String(), "tls"},
		{"no such host", noHost, "http://api.example.invalid/", "dns"},
		{"unsupported scheme", &http.Client{}, "ftp://127.0.0.1/", "scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			err := exchange(ctx, tt.client, tt.url)
			var ve *captcha.VerifyError
			if !errors.Is(err, captcha.ErrMisconfigured) || !errors.As(err, &ve) || ve.Code != tt.code {
				t.Errorf("error = %v, want ErrMisconfigured with code %q", err, tt.code)
			}
			if errors.Is(err, captcha.ErrUnavailable) {
				t.Errorf("error = %v also wraps ErrUnavailable", err)
			}
		})
	}
}
