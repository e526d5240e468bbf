package captcha

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"unsafe"
)

// bodyKind is the kind of request body a ticket can be read from. This file
// holds how a body is read under the cap and put back; scan.go holds the
// scanners that pick the fields out of it.
type bodyKind int

const (
	bodyNone bodyKind = iota
	bodyForm
	bodyMultipart
	bodyJSON
)

func kindOf(contentType string) bodyKind {
	switch contentType { // the usual spellings, without parsing
	case "application/x-www-form-urlencoded":
		return bodyForm
	case "application/json":
		return bodyJSON
	}
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt)
	switch {
	case strings.EqualFold(mt, "application/x-www-form-urlencoded"):
		return bodyForm
	case strings.EqualFold(mt, "multipart/form-data"):
		return bodyMultipart
	case strings.EqualFold(mt, "application/json"), hasSuffixFold(mt, "+json"):
		return bodyJSON
	}
	return bodyNone
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

func fromBody(r *http.Request, fields []string, maxBytes int64, out map[string]string, rb *replayBody) error {
	ct := headerValue(r.Header, "Content-Type")
	kind := kindOf(ct)
	if kind == bodyNone {
		return nil
	}
	if kind == bodyForm && r.PostForm != nil {
		return fromValues(r.PostForm, fields, out)
	}
	if kind == bodyMultipart && r.MultipartForm != nil {
		return fromValues(r.MultipartForm.Value, fields, out)
	}
	body, err := readBody(r, maxBytes, rb)
	if err != nil || len(body) == 0 {
		return err
	}
	switch kind {
	case bodyForm:
		return scanURLEncoded(body, fields, out)
	case bodyJSON:
		return scanJSON(body, fields, out)
	default:
		return scanMultipart(body, ct, fields, out)
	}
}

func fromValues(vs map[string][]string, fields []string, out map[string]string) error {
	for _, f := range fields {
		switch v := vs[f]; len(v) {
		case 0:
		case 1:
			out[f] = v[0]
		default:
			return ErrBadRequest
		}
	}
	return nil
}

// readBody reads r.Body under max bytes and replaces it with rb (a new one
// when nil), reading the same bytes. A body over max is ErrBodyTooLarge; the
// client's body is then left unread and nothing is put back.
//
// The bytes are never written after they are read: the scanners hand out
// ticket values that share their memory (see unsafeString), and rb only
// reads them.
func readBody(r *http.Request, max int64, rb *replayBody) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > max {
		return nil, ErrBodyTooLarge
	}
	var body []byte
	var err error
	if r.ContentLength > 0 {
		body = make([]byte, r.ContentLength)
		_, err = io.ReadFull(r.Body, body)
		if err == nil {
			// The declared length was honoured; anything more is a lie.
			var one [1]byte
			if n, _ := r.Body.Read(one[:]); n > 0 {
				err = ErrBadRequest
			}
		} else if errors.Is(err, io.ErrUnexpectedEOF) {
			err = ErrBadRequest
		}
	} else {
		body, err = io.ReadAll(io.LimitReader(r.Body, max+1))
		if err == nil && int64(len(body)) > max {
			return nil, ErrBodyTooLarge
		}
	}
	if err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return nil, ErrBodyTooLarge
		case errors.Is(err, ErrBadRequest):
			return nil, ErrBadRequest
		default:
			return nil, errors.Join(ErrBadRequest, err)
		}
	}
	if rb == nil {
		rb = new(replayBody) // the reader lives in it: one allocation, not two
	}
	rb.Reset(body)
	r.Body = rb
	return body, nil
}

// headerValue is h.Get(key) for a key already in canonical form: the same
// value, without canonicalizing the key again on every request.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// replayBody is the body put back after extraction.
type replayBody struct{ bytes.Reader }

func (*replayBody) Close() error { return nil }

// unsafeString returns b's bytes as a string without copying them. Only for
// bytes that nobody writes again: a request body read by readBody, a buffer
// the caller just filled and drops. A ticket value taken from a body then
// costs no allocation of its own.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
