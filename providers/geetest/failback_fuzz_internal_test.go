package geetest

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
)

// The shapes of ticket values, as regular expressions written from the
// documented rules: an independent reference for the hand-written checks.
var (
	refChallenge = regexp.MustCompile(`^(?:[0-9a-z]{32}|[0-9a-z]{34}|[0-9a-f]{64}|[0-9a-f]{64}[0-9a-z]{2})$`)
	refLot       = regexp.MustCompile(`^[0-9a-f]{32}$`)
	refGenTime   = regexp.MustCompile(`^[0-9]{1,19}$`)
)

// refToken reports whether s is 1 to max printable ASCII characters without
// spaces (a byte that is not UTF-8 decodes as U+FFFD, which is not ASCII).
func refToken(s string, max int) bool {
	return len(s) >= 1 && len(s) <= max && strings.IndexFunc(s, func(r rune) bool { return r < '!' || r > '~' }) < 0
}

// leaks reports whether msg quotes one of the ticket values. Values shorter
// than 12 bytes could occur in any message by chance and are not checked.
func leaks(msg string, values ...string) bool {
	for _, v := range values {
		if len(v) >= 12 && strings.Contains(msg, v) {
			return true
		}
	}
	return false
}

// fuzzNow is the fixed clock of the CheckFailback targets.
var fuzzNow = time.Unix(1_700_000_000, 0)

// FuzzWellFormed checks the v3 and v4 shape checks against the reference
// expressions, and that a v3 challenge's issued form is what register handed
// out: 32 lowercase alphanumerics or 64 lowercase hex digits.
func FuzzWellFormed(f *testing.F) {
	for _, s := range [][4]string{
		{"916e3a63fd4029a600fe5be03d6aa9aa", "1f6b3e0cd4d2d5a3f2ee11e0a2d1c7b8", "1f6b3e0cd4d2d5a3f2ee11e0a2d1c7b8|jordan", "1700000000"},
		{"916e3a63fd4029a600fe5be03d6aa9aaz9", "v", "s", "0"},
		{strings.Repeat("ab", 32) + "zz", strings.Repeat("x", 256), strings.Repeat("y", 513), strings.Repeat("9", 20)},
		{strings.Repeat("AB", 16), "a b", "\x7f", "-1"},
		{strings.Repeat("g", 64), "", "ok", "12a"},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		if got, want := validChallenge(a), refChallenge.MatchString(a); got != want {
			t.Fatalf("validChallenge(%q) = %v, reference %v", a, got, want)
		}
		if validChallenge(a) {
			if ic := issuedChallenge(a); !regexp.MustCompile(`^(?:[0-9a-z]{32}|[0-9a-f]{64})$`).MatchString(ic) || !strings.HasPrefix(a, ic) {
				t.Fatalf("issuedChallenge(%q) = %q", a, ic)
			}
		}
		v3 := map[string]string{FieldChallenge: a, FieldValidate: b, FieldSeccode: c}
		want3 := refChallenge.MatchString(a) && refToken(b, maxValidate) && refToken(c, maxSeccode)
		if got := wellFormedV3(v3); got != want3 {
			t.Fatalf("wellFormedV3(%q) = %v, reference %v", v3, got, want3)
		}
		v4 := map[string]string{FieldLotNumber: a, FieldCaptchaOutput: b, FieldPassToken: c, FieldGenTime: d}
		want4 := refToken(a, maxLotNumber) && refToken(b, maxCaptchaOutput) && refToken(c, maxPassToken) && refGenTime.MatchString(d)
		if got := wellFormedV4(v4); got != want4 {
			t.Fatalf("wellFormedV4(%q) = %v, reference %v", v4, got, want4)
		}
	})
}

// fuzzStatus is a StatusStore that returns one fixed answer.
type fuzzStatus struct {
	st  ServerStatus
	ok  bool
	err error
}

func (s *fuzzStatus) ServerStatus(*http.Request) (ServerStatus, bool, error) {
	return s.st, s.ok, s.err
}

func (*fuzzStatus) SetServerStatus(http.ResponseWriter, *http.Request, ServerStatus) error {
	return errors.New("read-only")
}

// countingTransport counts the requests that would have gone to GeeTest and
// sends none.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	c.n.Add(1)
	return nil, errors.New("no network in fuzz tests")
}

// FuzzCheckFailbackV3 checks V3.CheckFailback, and Verify where it decides
// without asking GeeTest, for any ticket values and any recorded status:
// nil only for well-formed values whose challenge is the one recorded (or it
// with the slide captcha's two extra characters), recorded at most
// ChallengeMaxAge ago and at most a minute ahead; errors wrap ErrRejected or
// ErrNoServerStatus and never quote the ticket; Verify never passes without
// GeeTest and never calls GeeTest for a ticket CheckFailback refuses or whose
// challenge was issued offline; the answers are the same on a second call.
func FuzzCheckFailbackV3(f *testing.F) {
	const c32 = "916e3a63fd4029a600fe5be03d6aa9aa"
	for _, s := range []struct {
		challenge, validate, seccode, issued string
		age                                  int64
		store                                uint8
		online                               bool
	}{
		{c32, "v", "v|jordan", c32, 60, 0, false},
		{c32 + "a1", "v", "v|jordan", c32, 600, 0, false},
		{c32, "v", "v|jordan", c32, 601, 0, true},
		{c32, "v", "v|jordan", c32, -61, 0, false},
		{c32, "v", "v|jordan", c32 + "a1", 0, 0, false},
		{strings.Repeat("ab", 32), "v", "s", strings.Repeat("ab", 32), -60, 0, false},
		{c32, "v", "v|jordan", c32, 0, 1, false},
		{c32, "v", "v|jordan", c32, 0, 2, false},
		{c32, "", "v|jordan", c32, 0, 0, false},
		{"x", "v", "v", "x", 0, 0, true},
	} {
		f.Add(s.challenge, s.validate, s.seccode, s.issued, s.age, s.store, s.online)
	}
	st := &fuzzStatus{}
	rt := &countingTransport{}
	p, err := NewV3(V3Config{
		CaptchaID: "c9c4facd1a6feeb80802222cbb74ca8e", PrivateKey: "e4e298788aa8c768397639deb9b249a9",
		StatusStore: st, HTTPClient: &http.Client{Transport: rt},
	})
	if err != nil {
		f.Fatal(err)
	}
	p.now = func() time.Time { return fuzzNow }
	f.Fuzz(func(t *testing.T, challenge, validate, seccode, issued string, age int64, store uint8, online bool) {
		age %= 1 << 32 // seconds; well past every bound, without overflowing a Duration
		switch store % 3 {
		case 0:
			*st = fuzzStatus{st: NewServerStatus(online, issued, fuzzNow.Add(-time.Duration(age)*time.Second)), ok: true}
		case 1:
			*st = fuzzStatus{}
		default:
			*st = fuzzStatus{err: errors.New("undecodable session")}
		}
		rt.n.Store(0)
		tk := captcha.Ticket{
			Values:  map[string]string{FieldChallenge: challenge, FieldValidate: validate, FieldSeccode: seccode},
			Request: &http.Request{},
		}

		shaped := refChallenge.MatchString(challenge) && refToken(validate, maxValidate) && refToken(seccode, maxSeccode)
		base := challenge
		if n := len(challenge); n == 34 || n == 66 {
			base = challenge[:n-2]
		}
		recorded := store%3 == 0 && base == issued && age >= -60 && age <= 600
		err := p.CheckFailback(context.Background(), tk)
		if again := p.CheckFailback(context.Background(), tk); (again == nil) != (err == nil) {
			t.Fatalf("CheckFailback = %v, then %v", err, again)
		}
		switch {
		case (err == nil) != (shaped && recorded):
			t.Fatalf("CheckFailback(%q, issued %q, age %ds, store %d) = %v; shaped %v, recorded %v",
				tk.Values, issued, age, store%3, err, shaped, recorded)
		case err != nil && !shaped && !errors.Is(err, captcha.ErrRejected):
			t.Fatalf("CheckFailback of malformed values = %v, want ErrRejected", err)
		case err != nil && shaped && !errors.Is(err, captcha.ErrNoServerStatus):
			t.Fatalf("CheckFailback without a matching status = %v, want ErrNoServerStatus", err)
		case err != nil && leaks(err.Error(), challenge, validate, seccode):
			t.Fatalf("CheckFailback error %q quotes the ticket", err)
		}

		if shaped && recorded && online {
			return // Verify would ask GeeTest
		}
		res, verr := p.Verify(context.Background(), tk)
		switch {
		case res.Passed:
			t.Fatalf("Verify(%q) passed without GeeTest", tk.Values)
		case rt.n.Load() != 0:
			t.Fatalf("Verify(%q) called GeeTest", tk.Values)
		case !shaped && (verr != nil || res.Code != "malformed"):
			t.Fatalf("Verify of malformed values = (%+v, %v), want Code malformed", res, verr)
		case shaped && !recorded && !errors.Is(verr, captcha.ErrNoServerStatus):
			t.Fatalf("Verify without a matching status = %v, want ErrNoServerStatus", verr)
		case shaped && recorded && (!errors.Is(verr, captcha.ErrUnavailable) || !errors.Is(verr, captcha.ErrOfflineTicket)):
			t.Fatalf("Verify of an offline challenge = %v, want ErrUnavailable and ErrOfflineTicket", verr)
		case verr != nil && leaks(verr.Error(), challenge, validate, seccode):
			t.Fatalf("Verify error %q quotes the ticket", verr)
		}
	})
}

// FuzzCheckFailbackV4 checks V4.CheckFailback for any ticket values: nil
// only for a lot_number of 32 lowercase hex digits, bounded printable
// captcha_output and pass_token, and a decimal gen_time at most V4MaxAge old
// and at most a minute ahead; errors wrap ErrRejected and never quote the
// ticket; the answer is the same on a second call.
func FuzzCheckFailbackV4(f *testing.F) {
	now := strconv.FormatInt(fuzzNow.Unix(), 10)
	for _, s := range [][4]string{
		{"4dc3cfc2cdff448cad8d13107198d473", "emu_out", "pass", now},
		{"4dc3cfc2cdff448cad8d13107198d473", "o", "p", strconv.FormatInt(fuzzNow.Unix()-600, 10)},
		{"4dc3cfc2cdff448cad8d13107198d473", "o", "p", strconv.FormatInt(fuzzNow.Unix()-601, 10)},
		{"4dc3cfc2cdff448cad8d13107198d473", "o", "p", strconv.FormatInt(fuzzNow.Unix()+61, 10)},
		{"4DC3CFC2CDFF448CAD8D13107198D473", "o", "p", now},
		{"4dc3cfc2cdff448cad8d13107198d47", "o", "p", now},
		{"4dc3cfc2cdff448cad8d13107198d473", "o", "p", "9223372036854775807"},
		{"4dc3cfc2cdff448cad8d13107198d473", "o", "p", "9999999999999999999"},
		{"4dc3cfc2cdff448cad8d13107198d473", "o p", "p", now},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	p, err := NewV4(V4Config{CaptchaID: "647f5ed2ed8acb4be36784e01556bb71", CaptchaKey: "b09a7aafbfd83f73b35a9b530d0337bf"})
	if err != nil {
		f.Fatal(err)
	}
	p.now = func() time.Time { return fuzzNow }
	f.Fuzz(func(t *testing.T, lot, output, pass, gen string) {
		tk := captcha.Ticket{Values: map[string]string{
			FieldLotNumber: lot, FieldCaptchaOutput: output, FieldPassToken: pass, FieldGenTime: gen,
		}}
		err := p.CheckFailback(context.Background(), tk)
		if again := p.CheckFailback(context.Background(), tk); (again == nil) != (err == nil) {
			t.Fatalf("CheckFailback = %v, then %v", err, again)
		}
		sec, perr := strconv.ParseInt(gen, 10, 64)
		want := refLot.MatchString(lot) && refToken(output, maxCaptchaOutput) && refToken(pass, maxPassToken) &&
			refGenTime.MatchString(gen) && perr == nil && sec >= fuzzNow.Unix()-600 && sec <= fuzzNow.Unix()+60
		switch {
		case (err == nil) != want:
			t.Fatalf("CheckFailback(%q) = %v, reference pass %v", tk.Values, err, want)
		case err != nil && !errors.Is(err, captcha.ErrRejected):
			t.Fatalf("CheckFailback error %v does not wrap ErrRejected", err)
		case err != nil && leaks(err.Error(), lot, output, pass, gen):
			t.Fatalf("CheckFailback error %q quotes the ticket", err)
		}
	})
}
