package geetest

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The response parsers. Each decodes into a small typed struct; none builds a
// generic map. They are fuzzed in parse_fuzz_test.go.

// errBadReply marks a reply that could not be decoded or lacks the fields the
// protocol promises. The caller maps it to captcha.ErrUnavailable.
var errBadReply = errors.New("undecodable reply")

// registerReply is register.php's answer with json_format=1.
type registerReply struct {
	Challenge string `json:"challenge"`
}

// errRegisterRefused is register.php answering without a challenge: GeeTest
// is up and refused the captcha ID (the SDKs lump it with "down").
var errRegisterRefused = errors.New("register refused the captcha ID")

// parseRegister returns the origin challenge from a register.php body, or an
// error when GeeTest gave none usable: errRegisterRefused for a missing or
// empty challenge, another error for bad JSON, the "0" GeeTest answers while
// it is down, or a challenge that is not 32 lowercase alphanumerics.
func parseRegister(body []byte) (string, error) {
	var r registerReply
	if err := json.Unmarshal(body, &r); err != nil {
		return "", errBadReply
	}
	switch {
	case r.Challenge == "":
		return "", errRegisterRefused
	case r.Challenge == "0":
		return "", errors.New("no challenge")
	case !isLowerAlnum(r.Challenge, 32):
		return "", errors.New("malformed challenge")
	}
	return r.Challenge, nil
}

// validateReply is validate.php's answer with json_format=1.
type validateReply struct {
	Seccode *string `json:"seccode"`
}

// parseValidate returns the seccode field of a validate.php body: "false" for
// a rejection, otherwise what should be md5_hex(seccode). A missing, null or
// empty field, or bad JSON, is errBadReply.
func parseValidate(body []byte) (string, error) {
	var r validateReply
	if err := json.Unmarshal(body, &r); err != nil || r.Seccode == nil || *r.Seccode == "" {
		return "", errBadReply
	}
	return *r.Seccode, nil
}

// v4Reply is the v4 /validate answer: a verdict ({"status":"success",
// "result":..., "reason":...}) or a request error ({"status":"error",
// "code":"-50005", "msg":...}). captcha_args is not decoded.
type v4Reply struct {
	Status string `json:"status"`
	Result string `json:"result"`
	Reason string `json:"reason"`
	Code   v4Code `json:"code"`
	Msg    string `json:"msg"`
}

// v4Code is the error code, documented as a string ("-50005"); a bare JSON
// number is accepted too.
type v4Code string

// UnmarshalJSON accepts a JSON string or an integer.
func (c *v4Code) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = v4Code(s)
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return errBadReply
	}
	*c = v4Code(strconv.FormatInt(n, 10))
	return nil
}

// parseV4 decodes a v4 /validate body. It fails (errBadReply) only when the
// body is not a JSON object of the expected field types: that is a broken
// answer from something in the path, an outage sign. An object that lacks
// the verdict fields decodes; resultV4 rejects it, since what the client
// sent may have caused it.
func parseV4(body []byte) (v4Reply, error) {
	var r v4Reply
	if !isObject(body) || json.Unmarshal(body, &r) != nil {
		return v4Reply{}, errBadReply
	}
	return r, nil
}

// isObject reports whether body, after leading JSON white space, starts an
// object, so that null, arrays and scalars are not taken for an empty reply.
func isObject(body []byte) bool {
	for _, c := range body {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c == '{'
	}
	return false
}

// isLowerAlnum reports whether s is n characters of [0-9a-z].
func isLowerAlnum(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

// isLowerHex reports whether s is n characters of [0-9a-f].
func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// isToken reports whether s is 1..max printable ASCII characters without
// spaces: the shape of every ticket value GeeTest hands the page.
func isToken(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// sanitizeReason bounds a vendor reason string for use in Result.Code:
// printable characters are kept, others become '?', and it is cut to at most
// 64 bytes on a character boundary.
func sanitizeReason(s string) string {
	const max = 64
	var b strings.Builder
	for _, r := range s {
		if !unicode.IsPrint(r) {
			r = '?'
		}
		if b.Len()+utf8.RuneLen(r) > max {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}
