package session_test

import (
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/session"
)

// BenchmarkServerStatus reads a status from its cookie: the session read of
// every GeeTest v3 validate. NewCookieStore's codecs use the compact
// serializer; a plain sessions.NewCookieStore uses gob.
func BenchmarkServerStatus(b *testing.B) {
	checked := func(keyPairs ...[]byte) sessions.Store {
		cs, err := session.NewCookieStore(keyPairs...)
		if err != nil {
			b.Fatal(err)
		}
		return cs
	}
	for _, bb := range []struct {
		name  string
		store sessions.Store
	}{
		{"NewCookieStore", checked(hashKey)},
		{"NewCookieStoreEncrypted", checked(hashKey, blockKey)},
		{"sessions.NewCookieStore", sessions.NewCookieStore(hashKey)},
	} {
		b.Run(bb.name, func(b *testing.B) {
			s, err := session.New(bb.store)
			if err != nil {
				b.Fatal(err)
			}
			r := set(b, s, geetest.NewServerStatus(true, "challenge", time.Now()))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				st, ok, err := s.ServerStatus(r)
				if err != nil || !ok || !st.Online {
					b.Fatalf("ServerStatus = (%+v, %v, %v)", st, ok, err)
				}
			}
		})
	}
}
