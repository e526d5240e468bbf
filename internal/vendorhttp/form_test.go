package vendorhttp_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/captchakit/captcha/internal/vendorhttp"
)

// FuzzAppendForm checks the form encoder against url.Values.Encode.
func FuzzAppendForm(f *testing.F) {
	for _, s := range []string{"", "a b", "é&=+%/?#", "\x00\xff"} {
		f.Add("response", s)
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		if name == "" || url.QueryEscape(name) != name {
			return
		}
		got := string(vendorhttp.AppendForm(nil, name, value))
		if want := (url.Values{name: {value}}).Encode(); got != want {
			t.Fatalf("AppendForm(%q, %q) = %q, want %q", name, value, got, want)
		}
		if got, want := string(vendorhttp.AppendQueryEscape(nil, value)), url.QueryEscape(value); got != want {
			t.Fatalf("AppendQueryEscape(%q) = %q, want %q", value, got, want)
		}
	})
}

// refPlausible is Plausible written from its contract: 1 to max bytes, each
// printable ASCII and not a space.
func refPlausible(s string, max int) bool {
	return len(s) >= 1 && len(s) <= max && strings.Trim(s, "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~") == ""
}

// FuzzPlausible checks the ticket shape check against refPlausible.
func FuzzPlausible(f *testing.F) {
	for _, s := range []string{"tr03x*", "", "a b", "\x7f", "é", "@abc", strings.Repeat("t", 129)} {
		f.Add(s, uint16(128))
	}
	f.Fuzz(func(t *testing.T, s string, max uint16) {
		if got, want := vendorhttp.Plausible(s, int(max)), refPlausible(s, int(max)); got != want {
			t.Fatalf("Plausible(%q, %d) = %v, reference %v", s, max, got, want)
		}
	})
}
