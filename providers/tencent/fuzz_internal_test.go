package tencent

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

// refPlausible is the shape check written from its contract: 1 to max
// bytes, each printable ASCII and not a space (vendorhttp.Plausible).
func refPlausible(s string, max int) bool {
	return len(s) >= 1 && len(s) <= max && strings.Trim(s, "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~") == ""
}

// refDisaster matches the three documented disaster-ticket spellings.
var refDisaster = regexp.MustCompile(`^(?:trerror_|terror_)[0-9]{1,6}_(?:([0-9]{1,20})_([0-9]{1,11})|([0-9]{1,20})([0-9]{10}))$`)

// refDisasterOK reports whether a disaster ticket names app and was issued
// no more than maxAge before now and no more than skew after it.
func refDisasterOK(ticket string, app uint64, now time.Time, maxAge, skew time.Duration) bool {
	m := refDisaster.FindStringSubmatch(ticket)
	if m == nil {
		return false
	}
	a, ts := m[1], m[2]
	if a == "" {
		a, ts = m[3], m[4]
	}
	id, err := strconv.ParseUint(a, 10, 64)
	sec, _ := strconv.ParseInt(ts, 10, 64)
	return err == nil && id == app && sec <= now.Unix()+int64(skew/time.Second) && now.Unix()-sec <= int64(maxAge/time.Second)
}

// failingTransport counts the requests that would have gone to Tencent and
// sends none.
type failingTransport struct{ n atomic.Int64 }

func (c *failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	c.n.Add(1)
	return nil, errors.New("no network in fuzz tests")
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

// FuzzCheckFailback checks CheckFailback, and Verify where it decides
// without asking Tencent, for any ticket and randstr: CheckFailback returns
// nil only for plausible values and, for a disaster-recovery ticket, one that
// names our app and is fresh; its errors wrap ErrRejected. Verify never
// passes without Tencent, asks Tencent only about what CheckFailback would
// not refuse for its shape or its disaster-ticket fields, and no error quotes
// the ticket or the randstr.
func FuzzCheckFailback(f *testing.F) {
	const app = 199999164
	now := time.Unix(1_700_000_000, 0)
	unix := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	for _, s := range [][2]string{
		{"tr03" + strings.Repeat("a", 64) + "*", "@abc"},
		{"trerror_1001_199999164_" + unix(0), "@r"},
		{"terror_1001_199999164_" + unix(-5*time.Minute), "@r"},
		{"trerror_1001_199999164" + unix(time.Minute), "@r"},
		{"trerror_1001_199999164_" + unix(-5*time.Minute-time.Second), "@r"},
		{"trerror_1001_199999164_" + unix(61*time.Second), "@r"},
		{"trerror_1001_199999165_" + unix(0), "@r"},
		{"trerror_1001_18446744073709551616_1", "@r"},
		{"trerror_x", "@r"},
		{"ticket with space", "@r"},
		{"t", ""},
	} {
		f.Add(s[0], s[1])
	}
	rt := &failingTransport{}
	p, err := New(Config{
		SecretID: "AKIDfuzz", SecretKey: "fuzz-secret", AppID: app, AppSecretKey: "fuzz-app-secret",
		HTTPClient: &http.Client{Transport: rt}, Now: func() time.Time { return now },
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ticket, randstr string) {
		tk := captcha.Ticket{Values: map[string]string{"ticket": ticket, "randstr": randstr}, ClientIP: "203.0.113.7"}
		shaped := refPlausible(ticket, MaxTicketLen) && refPlausible(randstr, MaxRandstrLen)
		disaster := strings.HasPrefix(ticket, "trerror_") || strings.HasPrefix(ticket, "terror_")
		want := shaped && (!disaster || refDisasterOK(ticket, app, now, DefaultDisasterMaxAge, DefaultClockSkew))

		err := p.CheckFailback(context.Background(), tk)
		if again := p.CheckFailback(context.Background(), tk); (again == nil) != (err == nil) {
			t.Fatalf("CheckFailback = %v, then %v", err, again)
		}
		switch {
		case (err == nil) != want:
			t.Fatalf("CheckFailback(%q, %q) = %v, reference pass %v", ticket, randstr, err, want)
		case err != nil && !errors.Is(err, captcha.ErrRejected):
			t.Fatalf("CheckFailback error %v does not wrap ErrRejected", err)
		case err != nil && leaks(err.Error(), ticket, randstr):
			t.Fatalf("CheckFailback error %q quotes the ticket", err)
		}

		rt.n.Store(0)
		res, verr := p.Verify(context.Background(), tk)
		switch {
		case res.Passed:
			t.Fatalf("Verify(%q, %q) passed without Tencent", ticket, randstr)
		case !shaped && (verr != nil || res.Code != CodeTicketMalformed || rt.n.Load() != 0):
			t.Fatalf("Verify of a malformed ticket = (%+v, %v) after %d calls, want Code %s and no call", res, verr, rt.n.Load(), CodeTicketMalformed)
		case shaped && !want && (verr != nil || res.Code != CodeDisasterInvalid || rt.n.Load() != 0):
			t.Fatalf("Verify of a bad disaster ticket = (%+v, %v) after %d calls, want Code %s and no call", res, verr, rt.n.Load(), CodeDisasterInvalid)
		case want && (rt.n.Load() != 1 || !errors.Is(verr, captcha.ErrUnavailable)):
			t.Fatalf("Verify with Tencent unreachable = (%+v, %v) after %d calls, want one call and ErrUnavailable", res, verr, rt.n.Load())
		case verr != nil && leaks(verr.Error(), ticket, randstr, "fuzz-secret", "fuzz-app-secret"):
			t.Fatalf("Verify error %q quotes the ticket or a secret", verr)
		}
	})
}
