package captcha

import (
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
)

// Extractor reads the named ticket fields from r and returns the values it
// found; a field it did not find is absent or empty. It returns an error
// wrapping [ErrBadRequest] or [ErrBodyTooLarge] for a request it cannot read.
// An extractor that reads r.Body must put back a reader over the same bytes,
// so that the protected handler reads exactly what the client sent.
type Extractor func(r *http.Request, fields []string) (map[string]string, error)

// DefaultHeaderPrefix is the prefix of the headers [DefaultExtractor] reads:
// field "ticket" is read from header "X-Captcha-Ticket", and "geetest_seccode"
// from "X-Captcha-Geetest-Seccode" (underscores become hyphens, since many
// proxies drop headers with underscores).
const DefaultHeaderPrefix = "X-Captcha-"

// DefaultMaxBodyBytes caps the body the default extraction reads: 64 KiB.
// The cap is the extractor's alone: to change it, pass
// WithTicketExtractor(DefaultExtractor(n)), or TicketFromBody(n) in a chain.
const DefaultMaxBodyBytes = 64 << 10

// DefaultExtractor returns the extractor a Verifier uses unless told
// otherwise: each field is taken from the first of these that has it,
//
//  1. the body, if it is application/x-www-form-urlencoded, multipart/form-data
//     or JSON (application/json or any +json type): a top-level string or
//     number member; the body is read under maxBody bytes (a larger one is
//     refused with [ErrBodyTooLarge], 413, never truncated) and put back;
//  2. the headers, under [DefaultHeaderPrefix];
//  3. the query string.
//
// A field given twice in the same body or query is refused as
// [ErrBadRequest], so that no two parsers can disagree about which value
// counts. For the same reason a JSON string read for a field must be valid
// UTF-8 once unescaped, as RFC 8259 requires: one holding an invalid byte, or
// an unpaired surrogate escape such as \ud800, is refused as [ErrBadRequest],
// where encoding/json would silently put U+FFFD in its place and hand the
// protected handler a value other than the one verified. Form and multipart
// values are taken byte for byte, as net/url and mime/multipart take them.
//
// A maxBody that is not positive means DefaultMaxBodyBytes.
func DefaultExtractor(maxBody int64) Extractor {
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	// The header names are derived from the fields once, not per request:
	// a Verifier passes the same fields every time.
	var last atomic.Pointer[defaultExtractor]
	return func(r *http.Request, fields []string) (map[string]string, error) {
		d := last.Load()
		if d == nil || !slices.Equal(d.fields, fields) {
			d = newDefaultExtractor(slices.Clone(fields), maxBody)
			last.Store(d)
		}
		return d.extract(r, nil)
	}
}

// ChainExtractors returns an extractor that takes each field from the first
// of es that has a non-empty value for it. An error from any of them stops
// the chain.
func ChainExtractors(es ...Extractor) Extractor {
	return func(r *http.Request, fields []string) (map[string]string, error) {
		out := make(map[string]string, len(fields))
		for _, e := range es {
			if complete(out, fields) {
				break
			}
			got, err := e(r, fields)
			if err != nil {
				return nil, err
			}
			for _, f := range fields {
				if out[f] == "" && got[f] != "" {
					out[f] = got[f]
				}
			}
		}
		return out, nil
	}
}

func complete(m map[string]string, fields []string) bool {
	for _, f := range fields {
		if m[f] == "" {
			return false
		}
	}
	return true
}

// TicketFromBody returns an extractor that reads the fields from an
// application/x-www-form-urlencoded, multipart/form-data or JSON body, as
// [DefaultExtractor] reads a body (a JSON string that is not valid UTF-8 is
// refused). Other content types yield nothing. The body is read under
// maxBytes (a larger one is [ErrBodyTooLarge], never truncated) and put back
// for the next handler; a maxBytes that is not positive means
// DefaultMaxBodyBytes. A form that was already parsed (r.PostForm set) is
// read from r.PostForm.
func TicketFromBody(maxBytes int64) Extractor {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBodyBytes
	}
	return func(r *http.Request, fields []string) (map[string]string, error) {
		out := make(map[string]string, len(fields))
		return out, fromBody(r, fields, maxBytes, out, nil)
	}
}

// TicketFromHeader returns an extractor that reads field f from the header
// prefix+f, with underscores in f turned into hyphens.
func TicketFromHeader(prefix string) Extractor {
	return func(r *http.Request, fields []string) (map[string]string, error) {
		out := make(map[string]string, len(fields))
		for _, f := range fields {
			if v := r.Header.Get(headerName(prefix, f)); v != "" {
				out[f] = v
			}
		}
		return out, nil
	}
}

// TicketFromQuery returns an extractor that reads the fields from the URL
// query string.
func TicketFromQuery() Extractor {
	return func(r *http.Request, fields []string) (map[string]string, error) {
		out := make(map[string]string, len(fields))
		return out, scanURLEncoded([]byte(r.URL.RawQuery), fields, out)
	}
}

func headerName(prefix, field string) string {
	return http.CanonicalHeaderKey(prefix + strings.ReplaceAll(field, "_", "-"))
}

// defaultExtractor implements DefaultExtractor. A Verifier builds one for
// its provider's fields, so the header names are computed once.
type defaultExtractor struct {
	fields  []string
	headers []string
	maxBody int64
}

func newDefaultExtractor(fields []string, maxBody int64) *defaultExtractor {
	d := &defaultExtractor{fields: fields, maxBody: maxBody, headers: make([]string, len(fields))}
	for i, f := range fields {
		d.headers[i] = headerName(DefaultHeaderPrefix, f)
	}
	return d
}

// extract reads the fields from r, putting the body back through rb (a new
// one when nil).
func (d *defaultExtractor) extract(r *http.Request, rb *replayBody) (map[string]string, error) {
	out := make(map[string]string, len(d.fields))
	if err := fromBody(r, d.fields, d.maxBody, out, rb); err != nil {
		return nil, err
	}
	if complete(out, d.fields) {
		return out, nil
	}
	for i, f := range d.fields {
		if out[f] == "" {
			if v := headerValue(r.Header, d.headers[i]); v != "" { // d.headers are canonical
				out[f] = v
			}
		}
	}
	if complete(out, d.fields) || r.URL.RawQuery == "" {
		return out, nil
	}
	q := make(map[string]string, len(d.fields))
	if err := scanURLEncoded([]byte(r.URL.RawQuery), d.fields, q); err != nil {
		return nil, err
	}
	for _, f := range d.fields {
		if out[f] == "" {
			out[f] = q[f]
		}
	}
	return out, nil
}
