package session_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/session"
)

func Example() {
	// A signed (and here also encrypted) cookie store. Use keys from your
	// secret store, e.g. 32 bytes from securecookie.GenerateRandomKey.
	cookies := sessions.NewCookieStore(
		[]byte("0123456789abcdef0123456789abcdef"), // hash key: 32 or 64 bytes
		[]byte("fedcba9876543210fedcba9876543210"), // block key: 16, 24 or 32 bytes
	)
	cookies.Options.SameSite = http.SameSiteLaxMode
	cookies.Options.HttpOnly = true
	st, err := session.New(cookies)
	if err != nil {
		panic(err)
	}

	// The register step records the status before writing its body.
	rec := httptest.NewRecorder()
	issued := geetest.NewServerStatus(true, "3cf802e2cde8eb37df37370f496be721", time.Now())
	if err := st.SetServerStatus(rec, httptest.NewRequest(http.MethodGet, "/register", nil), issued); err != nil {
		panic(err)
	}

	// The validate step reads it from the cookie the browser sends back.
	next := httptest.NewRequest(http.MethodPost, "/login", nil)
	for _, c := range rec.Result().Cookies() {
		next.AddCookie(c)
	}
	got, ok, err := st.ServerStatus(next)
	fmt.Println(ok, err, got.Online, got.RecordedFor("3cf802e2cde8eb37df37370f496be721"))
	// Output: true <nil> true true
}

func ExampleNewCookieStore() {
	// A 10-byte hash key signs cookies that are cheaper to forge than the
	// package documents; NewCookieStore refuses it.
	if _, err := session.NewCookieStore([]byte("short-key!")); err != nil {
		fmt.Println(err)
	}

	keys, err := session.NewCookieStore([]byte("0123456789abcdef0123456789abcdef")) // 32 bytes
	if err != nil {
		panic(err)
	}
	st, err := session.New(keys)
	fmt.Println(st != nil, err, keys.Options.SameSite == http.SameSiteLaxMode, keys.Options.HttpOnly)
	// Output:
	// session: NewCookieStore: hash key 1 (keyPairs[0]) is 10 bytes; it must be 32 or 64
	// true <nil> true true
}

func ExampleCompactSerializer() {
	// A store built with gorilla's constructor serializes with gob; give its
	// codecs the compact serializer (NewCookieStore does this itself). It
	// still reads the gob cookies the store wrote before.
	cookies := sessions.NewCookieStore([]byte("0123456789abcdef0123456789abcdef"))
	cookies.Options.SameSite = http.SameSiteLaxMode
	cookies.Options.HttpOnly = true
	for _, c := range cookies.Codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.SetSerializer(session.CompactSerializer{})
		}
	}
	st, err := session.New(cookies)
	if err != nil {
		panic(err)
	}
	rec := httptest.NewRecorder()
	issued := geetest.NewServerStatus(false, "3cf802e2cde8eb37df37370f496be721", time.Now())
	if err := st.SetServerStatus(rec, httptest.NewRequest(http.MethodGet, "/register", nil), issued); err != nil {
		panic(err)
	}
	next := httptest.NewRequest(http.MethodPost, "/login", nil)
	for _, c := range rec.Result().Cookies() {
		next.AddCookie(c)
	}
	got, ok, err := st.ServerStatus(next)
	fmt.Println(ok, err, got.Online)
	// Output: true <nil> false
}
