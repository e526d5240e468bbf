package session_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/session"
	"github.com/gorilla/sessions"
)

// TestGH12NewCookieStoreRefusesWeakKeys: a hash key shorter than documented
// (10 bytes is accepted by sessions.NewCookieStore) makes the signed status, and with it the choice of failback mode,
// cheaper to forge. NewCookieStore refuses it at construction, naming the key
// and the problem, never its bytes.
func TestGH12NewCookieStoreRefusesWeakKeys(t *testing.T) {
	t.Parallel()
	key := func(n int) []byte { return bytes.Repeat([]byte{'k'}, n) }
	tests := []struct {
		name string
		keys [][]byte
		want []string // substrings of the error; nil for success
	}{
		{"32-byte hash key", [][]byte{key(32)}, nil},
		{"64-byte hash key", [][]byte{key(64)}, nil},
		{"hash and AES-256 block key", [][]byte{key(32), key(32)}, nil},
		{"hash and AES-128 block key", [][]byte{key(64), key(16)}, nil},
		{"hash and AES-192 block key", [][]byte{key(32), key(24)}, nil},
		{"nil block key", [][]byte{key(32), nil}, nil},
		{"rotation", [][]byte{key(32), key(32), key(64), nil}, nil},
		{"no keys", nil, []string{"no keys", "32 or 64"}},
		{"10-byte hash key", [][]byte{key(10)}, []string{"hash key 1", "10 bytes", "32 or 64"}},
		{"31-byte hash key", [][]byte{key(31)}, []string{"hash key 1", "31 bytes"}},
		{"33-byte hash key", [][]byte{key(33), key(32)}, []string{"hash key 1", "33 bytes"}},
		{"nil hash key", [][]byte{nil, key(32)}, []string{"hash key 1", "0 bytes"}},
		{"5-byte block key", [][]byte{key(32), key(5)}, []string{"block key 1", "5 bytes", "16, 24 or 32"}},
		{"empty block key", [][]byte{key(32), {}}, []string{"block key 1", "0 bytes"}},
		{"short old hash key", [][]byte{key(32), key(32), key(10), key(32)}, []string{"hash key 2", "keyPairs[2]", "10 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs, err := session.NewCookieStore(tt.keys...)
			if tt.want != nil {
				if err == nil || cs != nil {
					t.Fatalf("NewCookieStore = (%v, %v), want an error", cs, err)
				}
				for _, w := range tt.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				if strings.Contains(err.Error(), "kkkk") {
					t.Errorf("error %q contains key bytes", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewCookieStore: %v", err)
			}
			o := cs.Options
			if o.SameSite != http.SameSiteLaxMode || !o.HttpOnly || !o.Secure || o.Path != "/" {
				t.Errorf("Options = %+v, want Path /, SameSite Lax, HttpOnly and Secure", o)
			}
			s := newStore(t, cs)
			issued := geetest.NewServerStatus(false, "challenge", time.Now())
			got, ok, err := s.ServerStatus(set(t, s, issued))
			if err != nil || !ok || got.Online || !got.RecordedFor("challenge") {
				t.Errorf("ServerStatus = (%+v, %v, %v), want the failback status just set", got, ok, err)
			}
		})
	}
}

// TestGH12NewRefusesShortHashKey: the docs require a 32- or 64-byte hash
// key; a store built by hand with a 10-byte one is refused by New, with an
// error that names the problem.
func TestGH12NewRefusesShortHashKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		keys [][]byte
		ok   bool
	}{
		{"10-byte hash key", [][]byte{[]byte("0123456789")}, false},
		{"32-byte hash key", [][]byte{bytes.Repeat([]byte("k"), 32)}, true},
		{"64-byte hash key", [][]byte{bytes.Repeat([]byte("k"), 64)}, true},
		{"rotated pair with a short old key", [][]byte{bytes.Repeat([]byte("k"), 32), nil, []byte("short")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := session.New(sessions.NewCookieStore(tt.keys...))
			switch {
			case tt.ok && err != nil:
				t.Errorf("New = %v, want no error", err)
			case !tt.ok && (err == nil || !strings.Contains(err.Error(), "must be 32 or 64")):
				t.Errorf("New = %v, want an error naming the hash key length", err)
			}
		})
	}
}
