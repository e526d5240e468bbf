package altcha_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"hash"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/altcha"
)

// testKey is a 32-byte HMAC key for tests.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// testMaxNumber keeps the tests' brute force short.
const testMaxNumber = 2000

// clock is a settable time source for Config.Now.
type clock struct{ unix atomic.Int64 }

func newClock(t time.Time) *clock {
	c := new(clock)
	c.unix.Store(t.Unix())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(c.unix.Load(), 0) }
func (c *clock) Advance(d time.Duration) { c.unix.Add(int64(d / time.Second)) }

// start is the clocks' starting time in the tests.
var start = time.Unix(1_800_000_000, 0)

func mustNew(t testing.TB, cfg altcha.Config) *altcha.Provider {
	t.Helper()
	p, err := altcha.New(cfg)
	if err != nil {
		t.Fatalf("altcha.New: %v", err)
	}
	return p
}

// newTestProvider is a provider with the test key, an easy difficulty and
// its own clock.
func newTestProvider(t testing.TB) (*altcha.Provider, *clock) {
	t.Helper()
	c := newClock(start)
	return mustNew(t, altcha.Config{HMACKey: testKey, MaxNumber: testMaxNumber, Now: c.Now}), c
}

func newHash(alg string) func() hash.Hash {
	switch alg {
	case "SHA-256":
		return sha256.New
	case "SHA-384":
		return sha512.New384
	case "SHA-512":
		return sha512.New
	}
	panic("no hash " + alg)
}

// hashHex is hex(H(s)), written here independently of the package.
func hashHex(alg, s string) string {
	h := newHash(alg)()
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil))
}

// solve finds the number the way the widget does: by trying 0, 1, 2, ...
// until H(salt + n) is the challenge.
func solve(t testing.TB, c altcha.Challenge) int64 {
	t.Helper()
	for n := int64(0); n <= c.MaxNumber; n++ {
		if hashHex(c.Algorithm, c.Salt+strconv.FormatInt(n, 10)) == c.Challenge {
			return n
		}
	}
	t.Fatalf("no number in [0, %d] solves the challenge", c.MaxNumber)
	return 0
}

// widgetPayload is what the widget posts, in its member order.
type widgetPayload struct {
	Algorithm string `json:"algorithm"`
	Challenge string `json:"challenge"`
	Number    int64  `json:"number"`
	Salt      string `json:"salt"`
	Signature string `json:"signature"`
	Took      int    `json:"took"`
}

// encode is btoa(JSON.stringify(v)): JSON without HTML escaping, then
// standard base64.
func encode(t testing.TB, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// solved issues a challenge from p and returns the payload that solves it.
func solved(t testing.TB, p *altcha.Provider, now time.Time) (string, altcha.Challenge) {
	t.Helper()
	c, err := p.NewChallenge(now)
	if err != nil {
		t.Fatal(err)
	}
	n := solve(t, c)
	return encode(t, widgetPayload{c.Algorithm, c.Challenge, n, c.Salt, c.Signature, 42}), c
}

// forge signs a payload for any salt and number with key, the way a server
// holding the key would: it passes every check the signature can vouch for.
func forge(key []byte, alg, salt string, n int64) widgetPayload {
	ch := hashHex(alg, salt+strconv.FormatInt(n, 10))
	m := hmac.New(newHash(alg), key)
	m.Write([]byte(ch))
	return widgetPayload{alg, ch, n, salt, hex.EncodeToString(m.Sum(nil)), 1}
}

func ticket(payload string) captcha.Ticket {
	return captcha.Ticket{Values: map[string]string{altcha.DefaultField: payload}, ClientIP: "203.0.113.7"}
}
