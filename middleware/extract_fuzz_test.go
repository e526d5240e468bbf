package captcha_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
)

var fuzzFields = []string{"ticket", "randstr"}

// FuzzScanJSON checks the JSON scanner against encoding/json: whenever both
// accept a body, they agree on the ticket fields; the scanner never panics and
// never accepts what encoding/json rejects. Where encoding/json accepts a
// body the scanner refuses, the refusal must have a reason the extractor
// documents: a wanted member given twice or of the wrong type, or a wanted
// string that is not valid UTF-8 once unescaped, which encoding/json replaced
// with U+FFFD (issue #11).
func FuzzScanJSON(f *testing.F) {
	for _, s := range []string{
		`{"ticket":"t","randstr":"r"}`, `{"ticket":1.5e3}`, `{"a":[1,{"b":"}"}],"ticket":"x\"y"}`,
		`{"ticket":null}`, `{"tick\u0065t":"\u00e9"}`, `[]`, `{"ticket":"a","ticket":"b"}`, ` {"x":{}} `,
		`{"ticket":"true"}`, `{"ticket":true}`, `"s"`, `{`, `null`, `{"ticket":1e400}`,
		"{\"ticket\":\"\xab\"}", // issue #11: encoding/json reads "\ufffd"
		`{"ticket":"\ud800"}`, `{"ticket":"\ud83d\ude00\ufffd"}`, `{"ticket":"\udc00\ud800x"}`,
		"{\"ticket\":\"\xef\xbf\xbd\",\"x\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := map[string]string{}
		err := captcha.ScanJSON(b, fuzzFields, got)
		if err != nil && !errors.Is(err, captcha.ErrBadRequest) {
			t.Fatalf("error %v does not wrap ErrBadRequest", err)
		}
		std, members, stdErr := decodeJSONObject(b)
		switch {
		case err != nil && stdErr != nil:
			return
		case err == nil && stdErr != nil:
			t.Fatalf("scanner accepted %q, encoding/json says %v", b, stdErr)
		case err != nil:
			if !refusalJustified(std, members) {
				t.Fatalf("scanner refused %q (%v), which encoding/json reads as %v", b, err, std)
			}
			return
		}
		for _, f := range fuzzFields {
			want := ""
			switch v := std[f].(type) {
			case string:
				want = v
			case json.Number:
				want = string(v) // numbers are kept as written
			case nil:
			default:
				t.Fatalf("field %s of type %T accepted in %q", f, v, b)
			}
			if got[f] != want {
				t.Fatalf("field %s: scanner %q, encoding/json %q (body %q)", f, got[f], want, b)
			}
			for _, raw := range members[f] {
				if raw[0] != '"' {
					continue
				}
				if _, valid := unquoteJSON(raw); !valid {
					t.Fatalf("field %s: scanner accepted %s, which is not valid UTF-8", f, raw)
				}
			}
		}
	})
}

// decodeJSONObject decodes b as encoding/json does for a handler (into a
// map, numbers as json.Number) and also returns the raw values of each wanted
// member, in order, as json.Decoder's tokens find them. Anything but one JSON
// object is an error.
func decodeJSONObject(b []byte) (map[string]any, map[string][]json.RawMessage, error) {
	var std map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&std); err != nil {
		return nil, nil, err
	}
	if std == nil {
		return nil, nil, errors.New("not an object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, nil, errors.New("data after the object")
	}
	members := map[string][]json.RawMessage{}
	toks := json.NewDecoder(bytes.NewReader(b))
	if _, err := toks.Token(); err != nil { // '{'
		return nil, nil, err
	}
	for toks.More() {
		k, err := toks.Token()
		if err != nil {
			return nil, nil, err
		}
		var raw json.RawMessage
		if err := toks.Decode(&raw); err != nil {
			return nil, nil, err
		}
		if key, _ := k.(string); slices.Contains(fuzzFields, key) {
			members[key] = append(members[key], raw)
		}
	}
	return std, members, nil
}

// refusalJustified reports whether the scanner had a documented reason to
// refuse an object encoding/json decoded as std: a wanted member given twice,
// one that is not a string, number or null, or one whose string is not valid
// UTF-8 once unescaped while encoding/json's value for it holds U+FFFD.
func refusalJustified(std map[string]any, members map[string][]json.RawMessage) bool {
	for _, f := range fuzzFields {
		if len(members[f]) > 1 {
			return true
		}
		for _, raw := range members[f] {
			switch raw[0] {
			case '"':
				s, _ := std[f].(string)
				if _, valid := unquoteJSON(raw); !valid && strings.ContainsRune(s, utf8.RuneError) {
					return true
				}
			case 't', 'f', '{', '[':
				return true
			}
		}
	}
	return false
}

// unquoteJSON decodes the JSON string raw (quotes included, known to be
// valid JSON) rune by rune, independently of the scanner, and reports whether
// it is valid UTF-8 once unescaped: no invalid byte and no unpaired surrogate
// escape.
func unquoteJSON(raw []byte) (string, bool) {
	s := raw[1 : len(raw)-1]
	var out []rune
	valid := true
	for len(s) > 0 {
		if s[0] != '\\' {
			r, n := utf8.DecodeRune(s)
			if r == utf8.RuneError && n == 1 {
				valid = false
			}
			out, s = append(out, r), s[n:]
			continue
		}
		if s[1] != 'u' {
			out = append(out, map[byte]rune{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}[s[1]])
			s = s[2:]
			continue
		}
		u, _ := strconv.ParseUint(string(s[2:6]), 16, 16)
		s = s[6:]
		r := rune(u)
		if utf16.IsSurrogate(r) {
			var lo uint64
			if len(s) >= 6 && s[0] == '\\' && s[1] == 'u' {
				lo, _ = strconv.ParseUint(string(s[2:6]), 16, 16)
			}
			if r = utf16.DecodeRune(r, rune(lo)); r == utf8.RuneError {
				valid = false
			} else {
				s = s[6:]
			}
		}
		out = append(out, r)
	}
	return string(out), valid
}

// FuzzScanURLEncoded checks the form scanner against net/url.ParseQuery.
// Both keep the bytes of a value as sent, valid UTF-8 or not.
func FuzzScanURLEncoded(f *testing.F) {
	for _, s := range []string{
		"ticket=a&randstr=b", "ticket=a%20b+c", "t%69cket=x", "ticket=%zz", "&&=&ticket", "ticket=a&ticket=b",
		"ticket=%AB%ff", "ticket=\xab\xef\xbf\xbd",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := map[string]string{}
		err := captcha.ScanURLEncoded([]byte(s), fuzzFields, got)
		if err != nil {
			if !errors.Is(err, captcha.ErrBadRequest) {
				t.Fatalf("error %v does not wrap ErrBadRequest", err)
			}
			return
		}
		vs, stdErr := url.ParseQuery(s)
		if stdErr != nil {
			return // ParseQuery also rejects ';' and bad escapes in other fields; ours only reads its own.
		}
		for _, f := range fuzzFields {
			if len(vs[f]) > 1 {
				t.Fatalf("field %s given %d times, scanner accepted", f, len(vs[f]))
			}
			if got[f] != vs.Get(f) {
				t.Fatalf("field %s: scanner %q, net/url %q", f, got[f], vs.Get(f))
			}
		}
	})
}

// FuzzVerify sends arbitrary bodies and content types through a Verifier: it
// never panics, never passes without the ticket "pass", and the handler
// always reads the body the client sent.
func FuzzVerify(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", []byte("ticket=pass"))
	f.Add("application/json", []byte(`{"ticket":"pass"}`))
	f.Add("multipart/form-data; boundary=b", []byte("--b\r\nContent-Disposition: form-data; name=\"ticket\"\r\n\r\npass\r\n--b--\r\n"))
	f.Add("text/plain", []byte("ticket=pass"))
	f.Add("application/problem+json", []byte(`{"ticket":"reject"}`))
	v, err := captcha.New(&providertest.Fake{}, captcha.WithLogger(quiet), captcha.WithTicketExtractor(captcha.DefaultExtractor(4096)))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", ct)
		res, err := v.Verify(r)
		if err == nil && (res == nil || !res.Passed) {
			t.Fatalf("Verify returned no error and no passing result")
		}
		if err == nil && !bytes.Contains(body, []byte("pass")) {
			t.Fatalf("passed a body without the pass ticket: %q", body)
		}
		if err != nil && captcha.StatusCode(err) == http.StatusOK {
			t.Fatalf("error %v maps to 200", err)
		}
		if errors.Is(err, captcha.ErrBodyTooLarge) {
			return // refused unread
		}
		rest, rerr := io.ReadAll(r.Body)
		if rerr != nil || !bytes.Equal(rest, body) {
			t.Fatalf("body after Verify = %q (%v), want %q", rest, rerr, body)
		}
	})
}

// FuzzScanMultipart checks multipart extraction against mime/multipart as a
// handler reads the same request (Request.ParseMultipartForm): whenever both
// accept a body they agree on the ticket fields, both keeping the bytes as
// sent; the extractor refuses only what it documents (a wanted field given
// twice, no boundary) and puts the body back as it was.
func FuzzScanMultipart(f *testing.F) {
	part := func(name, value string) string {
		return "--b\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n"
	}
	for _, s := range []struct{ params, body string }{
		{" boundary=b", part("ticket", "t") + part("randstr", "r") + "--b--\r\n"},
		{" boundary=b", part("ticket", "a") + part("ticket", "b") + "--b--\r\n"},
		{" boundary=b", part("user", "x") + "--b\r\nContent-Disposition: form-data; name=\"ticket\"; filename=\"t.txt\"\r\n\r\nfile\r\n" + part("ticket", "v") + "--b--\r\n"},
		{" boundary=b", "--b\r\nContent-Disposition: form-data; name=\"ticket\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\npa=73s\r\n--b--\r\n"},
		{" boundary=b", part("ticket", "\xab\x00 \r\n") + "--b--\r\n"},
		{` boundary="a b"`, "--a b\r\nContent-Disposition: form-data; name=\"ticket\"\r\n\r\nq\r\n--a b--\r\n"},
		{" boundary=b", "--b\r\nnot a part"},
		{" boundary=b", part("ticket", "no end")},
		{"", part("ticket", "t") + "--b--\r\n"},
		{` boundary=""`, "--\r\nContent-Disposition: form-data; name=\"ticket\"\r\n\r\nt\r\n----\r\n"},
		{" boundary=b; charset=utf-8", "preamble\r\n" + part("t%69cket", "x") + part("ticket", "") + "--b--\r\nepilogue"},
		{" boundary=b", part("ticket", "t") + "--b--"},
		// Found by this target: a body without a delimiter line was taken
		// as an empty form, which mime/multipart refuses.
		{"BoundArY=0", "0"},
		{" boundary=b", part("ticket", "t") + "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n"},
	} {
		f.Add(s.params, []byte(s.body))
	}
	const maxBody = 1 << 16
	extract := captcha.TicketFromBody(maxBody)
	f.Fuzz(func(t *testing.T, params string, body []byte) {
		ct := "multipart/form-data;" + params
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", ct)
		got, err := extract(r, fuzzFields)
		if len(body) > maxBody {
			if !errors.Is(err, captcha.ErrBodyTooLarge) {
				t.Fatalf("%d-byte body: error %v, want ErrBodyTooLarge", len(body), err)
			}
			return
		}
		if err != nil && !errors.Is(err, captcha.ErrBadRequest) {
			t.Fatalf("error %v does not wrap ErrBadRequest", err)
		}
		if rest, rerr := io.ReadAll(r.Body); rerr != nil || !bytes.Equal(rest, body) {
			t.Fatalf("body after extraction = %q (%v), want %q", rest, rerr, body)
		}
		if len(body) == 0 {
			if err != nil || len(got) != 0 {
				t.Fatalf("empty body: (%q, %v), want nothing", got, err)
			}
			return // an empty body is no body, whatever its type
		}

		std := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		std.Header.Set("Content-Type", ct)
		stdErr := std.ParseMultipartForm(maxBody)
		if std.MultipartForm != nil {
			defer func() { _ = std.MultipartForm.RemoveAll() }()
		}
		switch {
		case err != nil && stdErr != nil:
			return
		case err == nil && stdErr != nil:
			if errors.Is(stdErr, multipart.ErrMessageTooLarge) {
				return // mime/multipart's part and header limits; the extractor has only the body cap
			}
			t.Fatalf("extractor accepted %q (%q), mime/multipart says %v", body, ct, stdErr)
		case err != nil:
			if !multipartRefusalJustified(ct, std.MultipartForm.Value) {
				t.Fatalf("extractor refused %q (%q: %v), mime/multipart reads %q", body, ct, err, std.MultipartForm.Value)
			}
			return
		}
		for _, f := range fuzzFields {
			vs := std.MultipartForm.Value[f]
			if len(vs) > 1 {
				t.Fatalf("field %s given %d times, extractor accepted %q", f, len(vs), body)
			}
			want := ""
			if len(vs) == 1 {
				want = vs[0]
			}
			if got[f] != want {
				t.Fatalf("field %s: extractor %q, mime/multipart %q (body %q)", f, got[f], want, body)
			}
		}
	})
}

// multipartRefusalJustified reports whether the extractor had a documented
// reason to refuse a form mime/multipart decoded as values: a wanted field
// given twice, or a Content-Type with an empty boundary (RFC 2046 wants 1 to
// 70 characters).
func multipartRefusalJustified(ct string, values map[string][]string) bool {
	for _, f := range fuzzFields {
		if len(values[f]) > 1 {
			return true
		}
	}
	_, params, err := mime.ParseMediaType(ct)
	return err == nil && params["boundary"] == ""
}
