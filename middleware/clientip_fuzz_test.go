package captcha_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
)

// fuzzTrusted are the proxies of FuzzTrustedProxies, as CIDR prefixes for
// the reference walk.
var fuzzTrusted = []string{"10.0.0.0/8", "192.0.2.7/32", "2001:db8:ffff::/48", "fe80::/10"}

// FuzzTrustedProxies checks the X-Forwarded-For walk against a reference
// written the plain way (strings.Split, net.SplitHostPort, net.ParseIP): both
// pick the same client for any peer address and header lines, the result is
// the same on a second call, and it is the peer itself whenever the peer is
// not a trusted proxy.
func FuzzTrustedProxies(f *testing.F) {
	for _, s := range [][3]string{
		{"203.0.113.5:999", "1.2.3.4", ""},
		{"10.1.1.1:999", "6.6.6.6, 198.51.100.1, 192.0.2.7, 10.2.2.2", ""},
		{"10.1.1.1:999", "6.6.6.6, 198.51.100.1", "10.3.3.3"},
		{"10.1.1.1:999", "198.51.100.1:5555", ""},
		{"10.1.1.1:999", "[2001:db8::5]:443", " , ,"},
		{"[2001:db8:ffff::1]:999", "2001:db8:1::9", ""},
		{"10.1.1.1:999", "not-an-ip, 10.2.2.2", ""},
		{"[::ffff:10.1.1.1]:999", "::ffff:198.51.100.1", ""},
		{"[fe80::1%eth0]:999", "fe80::2%lo, 10.0.0.1", ""},
		{"10.1.1.1:999", "[10.2.2.2]:80, 1.2.3.4:", "1.2.3.4:99999"},
		{"unix-socket", "1.2.3.4", ""},
		{"10.1.1.1", "198.51.100.1", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	resolve, err := captcha.TrustedProxies(fuzzTrusted...)
	if err != nil {
		f.Fatal(err)
	}
	var trusted []netip.Prefix
	for _, s := range fuzzTrusted {
		trusted = append(trusted, netip.MustParsePrefix(s))
	}
	f.Fuzz(func(t *testing.T, remote, xff1, xff2 string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = remote
		var lines []string
		for _, l := range []string{xff1, xff2} {
			if l != "" {
				lines = append(lines, l)
			}
		}
		if len(lines) > 0 {
			r.Header["X-Forwarded-For"] = lines
		}
		got := resolve(r)
		if again := resolve(r); again != got {
			t.Fatalf("second call = %q, first %q", again, got)
		}
		if want := refClientIP(trusted, remote, lines); got != want {
			t.Fatalf("RemoteAddr %q, X-Forwarded-For %q: got %q, reference %q", remote, lines, got, want)
		}
	})
}

// refClientIP is the reference walk: from the right of all header lines
// split at commas, skip trusted hops, return the first untrusted one, or the
// last trusted one when an entry does not parse or the hops run out.
func refClientIP(trusted []netip.Prefix, remote string, lines []string) string {
	host := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		host = h
	}
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	peer, ok := refAddr(host)
	if !ok || !isTrusted(peer) {
		return host
	}
	var hops []string
	for _, l := range lines {
		hops = append(hops, strings.Split(l, ",")...)
	}
	last := peer
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if h == "" {
			continue
		}
		a, ok := refAddr(h)
		if !ok {
			break
		}
		if !isTrusted(a) {
			return a.String()
		}
		last = a
	}
	return last.String()
}

// refAddr parses a hop the plain way: an IP address, or an IP address and a
// decimal port as net.SplitHostPort splits them, with square brackets only
// around IPv6. An IPv6 zone is dropped and an IPv4-mapped address is taken
// as IPv4.
func refAddr(s string) (netip.Addr, bool) {
	host := s
	if net.ParseIP(dropZone(s)) == nil {
		h, port, err := net.SplitHostPort(s)
		if err != nil || (strings.HasPrefix(s, "[") && !strings.Contains(h, ":")) {
			return netip.Addr{}, false
		}
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return netip.Addr{}, false
		}
		host = h
	}
	ip := net.ParseIP(dropZone(host))
	if ip == nil {
		return netip.Addr{}, false
	}
	if v4 := ip.To4(); v4 != nil {
		return netip.AddrFrom4([4]byte(v4)), true
	}
	return netip.AddrFrom16([16]byte(ip)), true
}

// dropZone removes a non-empty IPv6 zone (all after the first '%', as in
// "fe80::1%eth0") from an address with a colon.
func dropZone(s string) string {
	if i := strings.IndexByte(s, '%'); i > 0 && i < len(s)-1 && strings.Contains(s[:i], ":") {
		return s[:i]
	}
	return s
}

// FuzzBudgetKey checks the per-client budget key: the same key for the same
// client (an IPv4 address, also written IPv4-mapped or with a port; an IPv6
// /64), different keys for different clients, and unparseable strings kept
// apart from every address. It compares two fuzzed addresses.
func FuzzBudgetKey(f *testing.F) {
	for _, s := range [][2]string{
		{"192.0.2.1", "192.0.2.1:443"},
		{"192.0.2.1", "::ffff:192.0.2.1"},
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2:bbbb::9"},
		{"2001:db8:1:2::1", "2001:db8:1:3::1"},
		{"[2001:db8::1]:80", "2001:db8::ffff"},
		{"fe80::1%eth0", "fe80::2%lo"},
		{"fe80::%%0", "fe80::1%"},
		{"raw:192.0.2.1", "192.0.2.1"},
		{"", "unix-socket"},
		{"192.0.2.1", "192.0.2.2"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ka, kb := captcha.BudgetKey(a), captcha.BudgetKey(b)
		if again := captcha.BudgetKey(a); again != ka {
			t.Fatalf("BudgetKey(%q) = %q, then %q", a, ka, again)
		}
		ra, okA := refAddr(a)
		rb, okB := refAddr(b)
		for _, c := range []struct {
			in, key string
			ok      bool
		}{{a, ka, okA}, {b, kb, okB}} {
			if strings.HasPrefix(c.key, "raw:") == c.ok {
				t.Fatalf("BudgetKey(%q) = %q; reference parses it: %v", c.in, c.key, c.ok)
			}
			if !c.ok && c.key != "raw:"+c.in {
				t.Fatalf("BudgetKey(%q) = %q, want the raw string", c.in, c.key)
			}
		}
		var same bool
		switch {
		case !okA || !okB:
			same = !okA && !okB && a == b
		case ra.Is4() || rb.Is4():
			same = ra == rb
		default:
			pa, _ := ra.Prefix(64)
			pb, _ := rb.Prefix(64)
			same = pa == pb
		}
		if (ka == kb) != same {
			t.Fatalf("BudgetKey(%q) = %q, BudgetKey(%q) = %q; same client: %v", a, ka, b, kb, same)
		}
	})
}
