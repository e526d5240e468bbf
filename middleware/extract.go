package captcha

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
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

// DefaultExtractor returns the extractor a Verifier uses unless told
// otherwise: each field is taken from the first of these that has it,
//
//  1. the body, if it is application/x-www-form-urlencoded, multipart/form-data
//     or JSON (application/json or any +json type): a top-level string or
//     number member; the body is read under maxBody bytes and put back;
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
func DefaultExtractor(maxBody int64) Extractor {
	return func(r *http.Request, fields []string) (map[string]string, error) {
		return newDefaultExtractor(fields, maxBody).extract(r)
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
// for the next handler. A form that was already parsed (r.PostForm set) is
// read from r.PostForm.
func TicketFromBody(maxBytes int64) Extractor {
	return func(r *http.Request, fields []string) (map[string]string, error) {
		out := make(map[string]string, len(fields))
		return out, fromBody(r, fields, maxBytes, out)
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

func (d *defaultExtractor) extract(r *http.Request) (map[string]string, error) {
	out := make(map[string]string, len(d.fields))
	if err := fromBody(r, d.fields, d.maxBody, out); err != nil {
		return nil, err
	}
	if complete(out, d.fields) {
		return out, nil
	}
	for i, f := range d.fields {
		if out[f] == "" {
			if v := r.Header.Get(d.headers[i]); v != "" {
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

type bodyKind int

const (
	bodyNone bodyKind = iota
	bodyForm
	bodyMultipart
	bodyJSON
)

func kindOf(contentType string) bodyKind {
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

func fromBody(r *http.Request, fields []string, maxBytes int64, out map[string]string) error {
	ct := r.Header.Get("Content-Type")
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
	body, err := readBody(r, maxBytes)
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

// readBody reads r.Body under max bytes and replaces it with a reader over
// the same bytes. A body over max is ErrBodyTooLarge; the client's body is
// then left unread and nothing is put back.
func readBody(r *http.Request, max int64) ([]byte, error) {
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
	r.Body = &replayBody{Reader: bytes.NewReader(body)}
	return body, nil
}

// replayBody is the body put back after extraction.
type replayBody struct{ *bytes.Reader }

func (*replayBody) Close() error { return nil }

// scanURLEncoded fills out with the wanted fields of an urlencoded string.
// It allocates only for the values it keeps.
func scanURLEncoded(s []byte, fields []string, out map[string]string) error {
	var seen uint64
	for len(s) > 0 {
		var pair []byte
		if i := bytes.IndexByte(s, '&'); i >= 0 {
			pair, s = s[:i], s[i+1:]
		} else {
			pair, s = s, nil
		}
		if len(pair) == 0 {
			continue
		}
		key, val, _ := bytes.Cut(pair, []byte{'='})
		idx := -1
		if bytes.IndexByte(key, '%') >= 0 || bytes.IndexByte(key, '+') >= 0 {
			k, err := url.QueryUnescape(string(key))
			if err != nil {
				return ErrBadRequest
			}
			idx = fieldIndex(k, fields)
		} else {
			idx = fieldIndexBytes(key, fields)
		}
		if idx < 0 {
			continue
		}
		if seen&(1<<idx) != 0 {
			return ErrBadRequest
		}
		seen |= 1 << idx
		v, err := url.QueryUnescape(string(val))
		if err != nil {
			return ErrBadRequest
		}
		out[fields[idx]] = v
	}
	return nil
}

func fieldIndex(k string, fields []string) int {
	for i, f := range fields {
		if f == k {
			return i
		}
	}
	return -1
}

func fieldIndexBytes(k []byte, fields []string) int {
	for i, f := range fields {
		if string(k) == f {
			return i
		}
	}
	return -1
}

// scanMultipart fills out with the wanted non-file fields of a multipart
// form. body is already bounded by the body cap.
func scanMultipart(body []byte, contentType string, fields []string, out map[string]string) error {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["boundary"] == "" {
		return ErrBadRequest
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var seen uint64
	for {
		part, err := mr.NextPart()
		// NextPart returns io.EOF itself after the closing delimiter, and
		// wraps it when the body ends before one (a truncated or
		// delimiter-less body), which mime/multipart's ReadForm refuses too.
		if err == io.EOF { //nolint:errorlint // only the unwrapped io.EOF is the end
			return nil
		}
		if err != nil {
			return ErrBadRequest
		}
		idx := fieldIndex(part.FormName(), fields)
		if idx < 0 || part.FileName() != "" {
			continue
		}
		if seen&(1<<idx) != 0 {
			return ErrBadRequest
		}
		seen |= 1 << idx
		v, err := io.ReadAll(part)
		if err != nil {
			return ErrBadRequest
		}
		out[fields[idx]] = string(v)
	}
}

// scanJSON fills out with the wanted top-level members of a JSON object.
// Strings are taken unquoted, numbers as written; null counts as absent; any
// other type for a wanted member is ErrBadRequest, as is a body that is not a
// JSON object, names a wanted member twice, or gives one a string that is not
// valid UTF-8 once unescaped (encoding/json would substitute U+FFFD).
func scanJSON(b []byte, fields []string, out map[string]string) error {
	if !json.Valid(b) {
		return ErrBadRequest
	}
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return ErrBadRequest
	}
	i++
	var seen uint64
	for {
		i = skipSpace(b, i)
		if i >= len(b) {
			return ErrBadRequest
		}
		if b[i] == '}' {
			return nil
		}
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
		end := endOfString(b, i)
		if end < 0 {
			return ErrBadRequest
		}
		key := b[i:end]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return ErrBadRequest
		}
		i = skipSpace(b, i+1)
		start := i
		i = skipValue(b, i)
		if i < 0 {
			return ErrBadRequest
		}
		idx, err := jsonFieldIndex(key, fields)
		if err != nil {
			return err
		}
		if idx < 0 {
			continue
		}
		if seen&(1<<idx) != 0 {
			return ErrBadRequest
		}
		seen |= 1 << idx
		v, err := jsonScalar(b[start:i])
		if err != nil {
			return err
		}
		if v != "" {
			out[fields[idx]] = v
		}
	}
}

func jsonFieldIndex(quoted []byte, fields []string) (int, error) {
	inner := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return fieldIndexBytes(inner, fields), nil
	}
	var k string
	if err := json.Unmarshal(quoted, &k); err != nil {
		return -1, ErrBadRequest
	}
	return fieldIndex(k, fields), nil
}

func jsonScalar(v []byte) (string, error) {
	switch {
	case len(v) == 0:
		return "", ErrBadRequest
	case v[0] == '"':
		inner := v[1 : len(v)-1]
		// Escapes are ASCII, so the raw bytes must be valid UTF-8 on their
		// own; only a \u escape can still add an unpaired surrogate.
		if !utf8.Valid(inner) {
			return "", ErrBadRequest
		}
		if bytes.IndexByte(inner, '\\') < 0 {
			return string(inner), nil
		}
		if !pairedSurrogates(inner) {
			return "", ErrBadRequest
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", ErrBadRequest
		}
		return s, nil
	case v[0] == '-' || (v[0] >= '0' && v[0] <= '9'):
		return string(v), nil
	case string(v) == "null":
		return "", nil
	default:
		return "", ErrBadRequest
	}
}

// pairedSurrogates reports whether every \u escape of a UTF-16 surrogate in
// the inside of a valid JSON string is half of a pair: a high surrogate
// (D800-DBFF) directly followed by an escaped low one (DC00-DFFF).
func pairedSurrogates(s []byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			continue
		}
		i++
		if i >= len(s) || s[i] != 'u' {
			continue
		}
		u, ok := hex4(s, i+1)
		if !ok {
			return false
		}
		i += 4
		switch {
		case u >= 0xdc00 && u <= 0xdfff:
			return false
		case u >= 0xd800 && u <= 0xdbff:
			if i+6 >= len(s) || s[i+1] != '\\' || s[i+2] != 'u' {
				return false
			}
			lo, ok := hex4(s, i+3)
			if !ok || lo < 0xdc00 || lo > 0xdfff {
				return false
			}
			i += 6
		}
	}
	return true
}

// hex4 decodes the four hex digits at s[i:i+4].
func hex4(s []byte, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range s[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// endOfString returns the index just past the JSON string starting at b[i],
// or -1.
func endOfString(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index just past the JSON value starting at b[i], or
// -1. b is known to be valid JSON.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return endOfString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e := endOfString(b, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	default:
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' &&
			b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
			j++
		}
		return j
	}
}
