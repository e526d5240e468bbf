package captcha_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
)

func TestRemoteAddrIP(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"192.0.2.1:1234":   "192.0.2.1",
		"[2001:db8::1]:80": "2001:db8::1",
		"unix-socket":      "unix-socket",
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = addr
		r.Header.Set("X-Forwarded-For", "203.0.113.9")
		if got := captcha.RemoteAddrIP(r); got != want {
			t.Errorf("RemoteAddrIP(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	resolve, err := captcha.TrustedProxies("10.0.0.0/8", "192.0.2.7", "2001:db8:ffff::/48")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		remote string
		xff    []string
		want   string
	}{
		{"untrusted peer spoofed header ignored", "203.0.113.5:999", []string{"1.2.3.4"}, "203.0.113.5"},
		{"untrusted peer no header", "203.0.113.5:999", nil, "203.0.113.5"},
		{"trusted peer one hop", "10.1.1.1:999", []string{"198.51.100.1"}, "198.51.100.1"},
		{"client spoof left of real hop ignored", "10.1.1.1:999", []string{"6.6.6.6, 198.51.100.1"}, "198.51.100.1"},
		{"chain of trusted proxies", "10.1.1.1:999", []string{"6.6.6.6, 198.51.100.1, 192.0.2.7, 10.2.2.2"}, "198.51.100.1"},
		{"several header lines", "10.1.1.1:999", []string{"6.6.6.6, 198.51.100.1", "10.3.3.3"}, "198.51.100.1"},
		{"hop with port", "10.1.1.1:999", []string{"198.51.100.1:5555"}, "198.51.100.1"},
		{"ipv6 hop", "10.1.1.1:999", []string{"[2001:db8::5]:443"}, "2001:db8::5"},
		{"trusted ipv6 proxy", "[2001:db8:ffff::1]:999", []string{"2001:db8:1::9"}, "2001:db8:1::9"},
		{"garbage hop falls back to last trusted", "10.1.1.1:999", []string{"not-an-ip, 10.2.2.2"}, "10.2.2.2"},
		{"all trusted", "10.1.1.1:999", []string{"10.2.2.2, 10.3.3.3"}, "10.2.2.2"},
		{"trusted peer no header", "10.1.1.1:999", nil, "10.1.1.1"},
		{"ipv4-mapped peer", "[::ffff:10.1.1.1]:999", []string{"198.51.100.1"}, "198.51.100.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := resolve(r); got != tt.want {
				t.Errorf("resolve() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTrustedProxiesBadConfig(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "10.0.0.0/33", "example.com", "10.0.0.1/x"} {
		if _, err := captcha.TrustedProxies(bad); err == nil {
			t.Errorf("TrustedProxies(%q) error = nil, want an error", bad)
		}
	}
}

// TestSpoofedHeaderCannotRefreshBudget checks that a client cannot reset its
// failback budget by sending X-Forwarded-For.
func TestSpoofedHeaderCannotRefreshBudget(t *testing.T) {
	t.Parallel()
	resolve, err := captcha.TrustedProxies("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	for i, xff := range []string{"1.1.1.1", "2.2.2.2", "3.3.3.3"} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = "203.0.113.5:1000"
		r.Header.Set("X-Forwarded-For", xff)
		if got := resolve(r); got != "203.0.113.5" {
			t.Errorf("request %d: client IP = %q, want the peer 203.0.113.5", i, got)
		}
	}
}

func TestBudgetKeyGroupsIPv6By64(t *testing.T) {
	t.Parallel()
	a := captcha.BudgetKey("2001:db8:1:2:aaaa::1")
	b := captcha.BudgetKey("2001:db8:1:2:bbbb::9")
	c := captcha.BudgetKey("2001:db8:1:3::1")
	if a != b || a == c {
		t.Errorf("budget keys: same /64 %q %q, other /64 %q", a, b, c)
	}
	if got := captcha.BudgetKey("192.0.2.1"); got != "192.0.2.1" {
		t.Errorf("BudgetKey(192.0.2.1) = %q", got)
	}
}
