package geetest

import (
	"bytes"
	"sync/atomic"

	"github.com/captchakit/captcha/internal/vendorhttp"
)

// pooledBody is a request body backed by a pooled buffer. The transport
// closes it when it is done with it, possibly after Do returns; only then does
// the buffer go back to the pool.
type pooledBody struct {
	buf    *bytes.Buffer
	r      bytes.Reader
	closed atomic.Bool
}

func newPooledBody() *pooledBody { return &pooledBody{buf: vendorhttp.Buffer()} }

// seal makes the bytes written so far readable.
func (b *pooledBody) seal() { b.r.Reset(b.buf.Bytes()) }

func (b *pooledBody) Read(p []byte) (int, error) { return b.r.Read(p) }

func (b *pooledBody) Close() error {
	if b.closed.CompareAndSwap(false, true) {
		b.r.Reset(nil)
		vendorhttp.PutBuffer(b.buf)
	}
	return nil
}

// appendForm appends "&name=value" (without the "&" when b is empty) with
// value form-escaped.
func appendForm(b []byte, name, value string) []byte {
	if len(b) > 0 {
		b = append(b, '&')
	}
	b = append(b, name...)
	b = append(b, '=')
	return appendEscape(b, value)
}

// appendEscape appends s escaped as url.QueryEscape does, without allocating.
func appendEscape(b []byte, s string) []byte {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~':
			b = append(b, c)
		case c == ' ':
			b = append(b, '+')
		default:
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return b
}
