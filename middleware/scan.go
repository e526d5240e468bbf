package captcha

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"unicode/utf8"
)

// scanURLEncoded fills out with the wanted fields of an urlencoded string.
// It allocates only for the values it has to unescape; the others share s's
// memory, so s must not be written afterwards (see unsafeString).
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
			k, err := url.QueryUnescape(unsafeString(key))
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
		v, err := url.QueryUnescape(unsafeString(val))
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
		out[fields[idx]] = unsafeString(v) // v is ReadAll's own buffer
	}
}

// scanJSON fills out with the wanted top-level members of a JSON object.
// Values without escapes share b's memory, so b must not be written
// afterwards (see unsafeString).
// Strings are taken unquoted, numbers as written; null counts as absent; any
// other type for a wanted member is ErrBadRequest, as is a body that is not a
// JSON object, names a wanted member twice, or gives one a string that is not
// valid UTF-8 once unescaped (encoding/json would substitute U+FFFD).
func scanJSON(b []byte, fields []string, out map[string]string) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return ErrBadRequest
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return end(b, i)
	}
	var seen uint64
	for {
		// A member: the body is validated as it is scanned.
		if i >= len(b) || b[i] != '"' {
			return ErrBadRequest
		}
		keyEnd := validString(b, i)
		if keyEnd < 0 {
			return ErrBadRequest
		}
		key := b[i:keyEnd]
		i = skipSpace(b, keyEnd)
		if i >= len(b) || b[i] != ':' {
			return ErrBadRequest
		}
		start := skipSpace(b, i+1)
		i = validValue(b, start)
		if i < 0 {
			return ErrBadRequest
		}
		if err := takeMember(key, b[start:i], fields, out, &seen); err != nil {
			return err
		}
		i = skipSpace(b, i)
		switch {
		case i < len(b) && b[i] == ',':
			i = skipSpace(b, i+1)
		case i < len(b) && b[i] == '}':
			return end(b, i)
		default:
			return ErrBadRequest
		}
	}
}

// end checks that nothing but space follows the object's closing brace at
// b[i].
func end(b []byte, i int) error {
	if skipSpace(b, i+1) != len(b) {
		return ErrBadRequest
	}
	return nil
}

// takeMember stores the value of a wanted member in out; seen marks the
// wanted members met so far, each of which may appear once.
func takeMember(key, value []byte, fields []string, out map[string]string, seen *uint64) error {
	idx, err := jsonFieldIndex(key, fields)
	if err != nil || idx < 0 {
		return err
	}
	if *seen&(1<<idx) != 0 {
		return ErrBadRequest
	}
	*seen |= 1 << idx
	v, err := jsonScalar(value)
	if err != nil {
		return err
	}
	if v != "" {
		out[fields[idx]] = v
	}
	return nil
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
			return unsafeString(inner), nil
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
		return unsafeString(v), nil
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
