package vendorhttp_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
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
		err := vendorhttp.Status("x", tt.code)
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
	err := vendorhttp.Transport("x", cause)
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

func TestWithTimeout(t *testing.T) {
	t.Parallel()
	const d = 2 * time.Second
	sooner, cancel := context.WithTimeout(context.Background(), d/2)
	defer cancel()
	if got, stop := vendorhttp.WithTimeout(sooner, d); got != sooner {
		t.Error("WithTimeout under a sooner deadline made a new context, want the caller's")
	} else {
		stop()
		if sooner.Err() != nil {
			t.Error("the no-op cancel cancelled the caller's context")
		}
	}
	later, cancel2 := context.WithTimeout(context.Background(), 10*d)
	defer cancel2()
	for name, parent := range map[string]context.Context{"later deadline": later, "no deadline": context.Background()} {
		got, stop := vendorhttp.WithTimeout(parent, d)
		dl, ok := got.Deadline()
		if got == parent || !ok || time.Until(dl) > d {
			t.Errorf("%s: WithTimeout deadline = %v (set %v), want within %v", name, time.Until(dl), ok, d)
		}
		stop()
	}
}
