package altcha

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
)

// payload is the v1 solution the widget posts, base64 of
// {"algorithm","challenge","number","salt","signature","took"}. Members
// not named here ("took", "worker", ...) are ignored. encoding/json matches
// member names case-insensitively and keeps the last of duplicates; that
// cannot make a forged payload pass, since every member that counts is
// bound by the hash and the signature, and TicketID and Verify read a
// payload the same way.
type payload struct {
	Algorithm string `json:"algorithm"`
	Challenge string `json:"challenge"`
	Number    number `json:"number"`
	Salt      string `json:"salt"`
	Signature string `json:"signature"`
	// Test is set by the widget's test mode, whose payload carries no work.
	Test bool `json:"test"`
	// Solution is present in v2 payloads only.
	Solution present `json:"solution"`
}

// number is a JSON integer written the canonical way: decimal digits, no
// sign, no leading zero, no fraction or exponent, at most 18 digits. The hash
// input is built from its value, so that only one spelling of a number can
// exist. JSON null leaves it unset.
type number struct {
	v   int64
	set bool
}

func (n *number) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) == 0 || len(b) > 18 || (b[0] == '0' && len(b) > 1) {
		return errBadNumber
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return errBadNumber
		}
		v = v*10 + int64(c-'0')
	}
	n.v, n.set = v, true
	return nil
}

type jsonError string

func (e jsonError) Error() string { return string(e) }

const errBadNumber = jsonError("altcha: number is not a canonical non-negative integer")

// present records that a member exists with a value other than null.
type present bool

func (p *present) UnmarshalJSON(b []byte) error {
	*p = string(b) != "null"
	return nil
}

var strictBase64 = base64.StdEncoding.Strict()

// decodePayload decodes a posted payload, or returns the Code of why it
// cannot: CodeMalformed, CodeTestMode for the widget's test-mode payload, or
// CodeUnsupportedVersion for a v2 payload. It
// checks only the shape; see Provider.check for the rest.
func decodePayload(raw string) (payload, string) {
	var pl payload
	if raw == "" || len(raw) > MaxPayloadLen {
		return pl, CodeMalformed
	}
	b, err := strictBase64.DecodeString(raw)
	if err != nil || !shallow(b, MaxDepth) {
		return pl, CodeMalformed
	}
	// A type error (a v2 payload's object "challenge") does not stop the
	// decoder, so Test and Solution are set even then.
	err = json.Unmarshal(b, &pl)
	switch {
	case pl.Test:
		return pl, CodeTestMode
	case bool(pl.Solution):
		return pl, CodeUnsupportedVersion
	case err != nil:
		return pl, CodeMalformed
	}
	return pl, ""
}

// shallow reports whether the JSON text b nests arrays and objects at most
// max deep. It only counts brackets outside strings; whether b is JSON at all
// is json.Unmarshal's to say.
func shallow(b []byte, max int) bool {
	depth := 0
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inString:
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > max {
				return false
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return true
}

// validSalt reports whether salt ends with the "&" delimiter every salt has
// carried since the splicing fix (CVE-2025-68113): without it, digits could
// move between the salt's last parameter and the number.
func validSalt(salt string) bool {
	return strings.HasSuffix(salt, "&")
}

// saltExpiry returns the "expires" parameter of a salt, in Unix seconds, or
// the Code of why there is none: CodeNoExpiry when it is absent,
// CodeBadSalt when the parameters do not parse or expires is not one
// non-negative integer.
func saltExpiry(salt string) (int64, string) {
	_, query, ok := strings.Cut(salt, "?")
	if !ok {
		return 0, CodeNoExpiry
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return 0, CodeBadSalt
	}
	vs := params["expires"]
	switch {
	case len(vs) == 0:
		return 0, CodeNoExpiry
	case len(vs) > 1:
		return 0, CodeBadSalt
	}
	exp, err := strconv.ParseInt(vs[0], 10, 64)
	if err != nil || exp < 0 || vs[0][0] == '+' {
		return 0, CodeBadSalt
	}
	return exp, ""
}

// appendInput appends the hash input: the salt followed by the number in
// decimal.
func appendInput(b []byte, salt string, n int64) []byte {
	b = append(b, salt...)
	return strconv.AppendInt(b, n, 10)
}

// decodeHex decodes s, which must be exactly 2*len(dst) lowercase hex
// digits (the spelling the libraries and the widget produce), into dst.
func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := fromHex(s[2*i])
		lo, ok2 := fromHex(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
