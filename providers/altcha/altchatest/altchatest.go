// Package altchatest solves ALTCHA v1 challenges in Go as the widget does in
// the browser, for tests and for the offline demo's scripted clients.
package altchatest

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"strconv"

	"github.com/captchakit/captcha/providers/altcha"
)

// Solve finds c's secret number by trying 0, 1, 2, ... up to c.MaxNumber,
// and returns the payload the widget would post for it: base64 of the JSON
// solution. It fails for an algorithm it does not know and a challenge no
// number solves.
func Solve(c altcha.Challenge) (string, error) {
	var h hash.Hash
	switch c.Algorithm {
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return "", fmt.Errorf("altchatest: unknown algorithm %q", c.Algorithm)
	}
	want, err := hex.DecodeString(c.Challenge)
	if err != nil {
		return "", fmt.Errorf("altchatest: challenge is not hex: %w", err)
	}
	var buf []byte
	var sum []byte
	for n := int64(0); n <= c.MaxNumber; n++ {
		buf = strconv.AppendInt(append(buf[:0], c.Salt...), n, 10)
		h.Reset()
		h.Write(buf)
		if sum = h.Sum(sum[:0]); string(sum) == string(want) {
			return Payload(c, n), nil
		}
	}
	return "", fmt.Errorf("altchatest: no number in [0, %d] solves the challenge", c.MaxNumber)
}

// Payload returns the payload the widget posts for number n of c, whether
// or not n solves it.
func Payload(c altcha.Challenge, n int64) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // JSON.stringify does not escape "&"
	_ = enc.Encode(struct {
		Algorithm string `json:"algorithm"`
		Challenge string `json:"challenge"`
		Number    int64  `json:"number"`
		Salt      string `json:"salt"`
		Signature string `json:"signature"`
	}{c.Algorithm, c.Challenge, n, c.Salt, c.Signature})
	return base64.StdEncoding.EncodeToString(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}
