package session_test

import (
	"bytes"
	"errors"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/session"
)

// The compact format's markers, as documented on CompactSerializer.
const (
	markerValues = 0x81
	markerString = 0x82
)

const statusHash = "b7e23ec29af22b0b4e41da31e868d57226121c84a2e1bdfb2c38e0c1b1b1d37a"

func statusValues(status int, ms int64) map[any]any {
	return map[any]any{keyStatus: status, keyChallenge: statusHash, keyIssued: ms}
}

func TestCompactSerializerRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values map[any]any
	}{
		{"status", statusValues(1, 1_763_700_000_123)},
		{"empty", map[any]any{}},
		{"flashes", map[any]any{"_flash": []any{"saved", 3, int64(-4), true}, keyStatus: 0}},
		{"empty flashes", map[any]any{"_flash": []any{}}},
		{"extremes", map[any]any{
			"min int": math.MinInt, "max int": math.MaxInt, "min int64": int64(math.MinInt64), "max int64": int64(math.MaxInt64),
			"zero": 0, "-1": -1, "false": false, "true": true,
		}},
		{"strings", map[any]any{"": "", "bytes": "\x00\x81\xff|=;\"", "long": strings.Repeat("é", 300)}},
		{"a key like a default key", map[any]any{"gt_server_status.": "x", "_flash2": 1}},
	}
	var sz session.CompactSerializer
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := sz.Serialize(tt.values)
			if err != nil {
				t.Fatalf("Serialize: %v", err)
			}
			if len(b) == 0 || b[0] != markerValues {
				t.Fatalf("Serialize = % x, want the compact values marker 0x81 first", b)
			}
			// Into a new session's empty map, as gorilla decodes, and into a nil one.
			got := map[any]any{}
			if err := sz.Deserialize(b, &got); err != nil {
				t.Fatalf("Deserialize: %v", err)
			}
			if !reflect.DeepEqual(got, tt.values) {
				t.Errorf("Deserialize = %#v, want %#v", got, tt.values)
			}
			var fresh map[any]any
			if err := sz.Deserialize(b, &fresh); err != nil || !reflect.DeepEqual(fresh, tt.values) {
				t.Errorf("Deserialize into a nil map = (%#v, %v), want %#v", fresh, err, tt.values)
			}
		})
	}
}

func TestCompactSerializerString(t *testing.T) {
	t.Parallel()
	var sz session.CompactSerializer
	for _, id := range []string{"", "MZ3VUQ3XKRPJ7KIOXXUH7XM2FWFSE6MPBFV4XJRN5O7BW5QTAP3A", "\x00\xff"} {
		b, err := sz.Serialize(id)
		if err != nil || len(b) == 0 || b[0] != markerString {
			t.Fatalf("Serialize(%q) = (% x, %v), want the compact string marker 0x82 first", id, b, err)
		}
		var got string
		if err := sz.Deserialize(b, &got); err != nil || got != id {
			t.Errorf("Deserialize = (%q, %v), want %q", got, err, id)
		}
	}
}

// TestCompactSerializerGobFallback: what the compact format cannot carry is
// written with gob, and so is everything under WriteGob; either way a plain
// gob codec reads it.
func TestCompactSerializerGobFallback(t *testing.T) {
	t.Parallel()
	type point struct{ X, Y int }
	tests := []struct {
		name    string
		sz      session.CompactSerializer
		src     any
		compare bool // the value survives gob exactly (nested empty slices do not)
	}{
		{"int key", session.CompactSerializer{}, map[any]any{1: "one"}, true},
		{"float64 value", session.CompactSerializer{}, map[any]any{"f": 1.5}, true},
		{"uint value", session.CompactSerializer{}, map[any]any{"u": uint(7)}, true},
		{"bytes value", session.CompactSerializer{}, map[any]any{"b": []byte("x")}, true},
		{"nested list", session.CompactSerializer{}, map[any]any{"_flash": []any{[]any{"x"}}}, true},
		{"list of a float", session.CompactSerializer{}, map[any]any{"_flash": []any{1.5}}, true},
		{"a struct", session.CompactSerializer{}, point{1, 2}, true},
		{"WriteGob status", session.CompactSerializer{WriteGob: true}, statusValues(1, 1_763_700_000_123), true},
		{"WriteGob string", session.CompactSerializer{WriteGob: true}, "session-id", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := tt.sz.Serialize(tt.src)
			if err != nil {
				t.Fatalf("Serialize: %v", err)
			}
			if len(b) == 0 || (b[0] >= 0x80 && b[0] <= 0xF7) {
				t.Fatalf("Serialize = % x, want gob (no compact marker)", b)
			}
			for name, sz := range map[string]securecookie.Serializer{"gob": securecookie.GobEncoder{}, "compact": tt.sz} {
				dst := reflect.New(reflect.TypeOf(tt.src))
				if err := sz.Deserialize(b, dst.Interface()); err != nil {
					t.Fatalf("%s Deserialize: %v", name, err)
				}
				if got := dst.Elem().Interface(); tt.compare && !reflect.DeepEqual(got, tt.src) {
					t.Errorf("%s Deserialize = %#v, want %#v", name, got, tt.src)
				}
			}
		})
	}
}

func TestCompactSerializerRejects(t *testing.T) {
	t.Parallel()
	valid, err := session.CompactSerializer{}.Serialize(map[any]any{"k": "v"}) // 81 01 01 'k' 03 01 'v'
	if err != nil {
		t.Fatal(err)
	}
	overflow := append([]byte{markerValues}, bytes.Repeat([]byte{0xff}, 10)...)
	tests := []struct {
		name string
		src  []byte
		dst  func() any
	}{
		{"empty", nil, nil},
		{"unknown marker", []byte{0x83, 0}, nil},
		{"last reserved marker", []byte{0xf7}, nil},
		{"zero byte", []byte{0x80}, nil},
		{"no count", []byte{markerValues}, nil},
		{"truncated count", []byte{markerValues, 0x80}, nil},
		{"count overflows", overflow, nil},
		{"count over the cap", []byte{markerValues, 0x81, 0x20}, nil}, // 4097
		{"count larger than the input", []byte{markerValues, 3, 1, 'k', 4}, nil},
		{"truncated key", []byte{markerValues, 1, 5, 'k', 4}, nil},
		{"no value", []byte{markerValues, 1, 2, 'k', 'k'}, nil},
		{"unknown tag", []byte{markerValues, 1, 1, 'k', 0x07}, nil},
		{"tag zero", []byte{markerValues, 1, 1, 'k', 0x00}, nil},
		{"truncated int", []byte{markerValues, 1, 1, 'k', 0x01, 0x80}, nil},
		{"int64 overflows", append([]byte{markerValues, 1, 1, 'k', 0x02}, bytes.Repeat([]byte{0xff}, 10)...), nil},
		{"truncated string", []byte{markerValues, 1, 1, 'k', 0x03, 9, 'v'}, nil},
		{"duplicate key", []byte{markerValues, 2, 1, 'k', 0x04, 1, 'k', 0x05}, nil},
		{"nested list", []byte{markerValues, 1, 1, 'k', 0x06, 1, 0x06, 0}, nil},
		{"list longer than the input", []byte{markerValues, 1, 1, 'k', 0x06, 9, 0x04}, nil},
		{"trailing bytes", append(append([]byte{}, valid...), 0), nil},
		{"values into a string", valid, func() any { return new(string) }},
		{"values into a nil map pointer", valid, func() any { return (*map[any]any)(nil) }},
		{"values into any", valid, func() any { return new(any) }},
		{"string into a map", []byte{markerString, 'x'}, nil},
		{"string into a nil pointer", []byte{markerString, 'x'}, func() any { return (*string)(nil) }},
	}
	var sz session.CompactSerializer
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.dst != nil {
				if err := sz.Deserialize(tt.src, tt.dst()); err == nil {
					t.Fatalf("Deserialize(% x) = nil, want an error", tt.src)
				}
				return
			}
			for _, before := range []map[any]any{{}, {"kept": 1, "k": "old"}} {
				got := maps.Clone(before)
				err := sz.Deserialize(tt.src, &got)
				if err == nil {
					t.Fatalf("Deserialize(% x) = nil, want an error", tt.src)
				}
				if !reflect.DeepEqual(got, before) {
					t.Errorf("Deserialize(% x) left %#v, want the map as it was, %#v", tt.src, got, before)
				}
				if len(tt.src) > 2 && strings.Contains(err.Error(), string(tt.src[1:])) {
					t.Errorf("error %q quotes the input", err)
				}
			}
		})
	}
}

// TestCompactSerializerMerges: a non-empty destination gets the
// decoded entries, as gob adds to a map, and only once all of them are read.
func TestCompactSerializerMerges(t *testing.T) {
	t.Parallel()
	var sz session.CompactSerializer
	b, err := sz.Serialize(map[any]any{"a": 1, "b": "two"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[any]any{"a": "old", "c": true}
	if err := sz.Deserialize(b, &got); err != nil {
		t.Fatal(err)
	}
	if want := (map[any]any{"a": 1, "b": "two", "c": true}); !reflect.DeepEqual(got, want) {
		t.Errorf("Deserialize = %#v, want %#v", got, want)
	}
}

// rawCookie returns the serialized bytes inside a cookie signed with hashKey.
func rawCookie(t *testing.T, name, value string) []byte {
	t.Helper()
	var raw []byte
	if err := securecookie.New(hashKey, nil).SetSerializer(securecookie.NopEncoder{}).Decode(name, value, &raw); err != nil {
		t.Fatalf("decoding the cookie: %v", err)
	}
	return raw
}

// TestGH15NewCookieStoreIsCompact: the store NewCookieStore builds writes
// the status compactly, in a shorter cookie than gob's.
func TestGH15NewCookieStoreIsCompact(t *testing.T) {
	t.Parallel()
	cs, err := session.NewCookieStore(hashKey)
	if err != nil {
		t.Fatal(err)
	}
	st := geetest.NewServerStatus(true, "challenge", time.UnixMilli(1_763_700_000_123))
	rc := set(t, newStore(t, cs), st)
	rg := set(t, newStore(t, sessions.NewCookieStore(hashKey)), st)
	c, _ := rc.Cookie("captcha")
	g, _ := rg.Cookie("captcha")
	if raw := rawCookie(t, "captcha", c.Value); raw[0] != markerValues {
		t.Errorf("NewCookieStore's cookie holds % x, want the compact marker first", raw)
	}
	if raw := rawCookie(t, "captcha", g.Value); raw[0] >= 0x80 && raw[0] <= 0xF7 {
		t.Errorf("a gob store's cookie holds % x, want gob", raw)
	}
	if len(c.Value) >= len(g.Value) {
		t.Errorf("compact cookie is %d bytes, gob cookie %d; want the compact one shorter", len(c.Value), len(g.Value))
	}
}

// TestGH15ReadsGobCookies is the migration: cookies written before
// NewCookieStore used CompactSerializer (gob, by a plain securecookie codec
// or a gob CookieStore with the same keys) are still read, and the next
// SetServerStatus rewrites them compactly.
func TestGH15ReadsGobCookies(t *testing.T) {
	t.Parallel()
	ms := int64(1_763_700_000_123)
	want := geetest.ServerStatus{Online: true, ChallengeHash: statusHash, IssuedAt: time.UnixMilli(ms)}
	for _, keys := range [][][]byte{{hashKey}, {hashKey, blockKey}} {
		old, err := securecookie.EncodeMulti("captcha", statusValues(1, ms), securecookie.CodecsFromPairs(keys...)...) // default GobEncoder
		if err != nil {
			t.Fatal(err)
		}
		cs, err := session.NewCookieStore(keys...)
		if err != nil {
			t.Fatal(err)
		}
		s := newStore(t, cs)
		r := httptest.NewRequest(http.MethodPost, "/login", nil)
		r.AddCookie(&http.Cookie{Name: "captcha", Value: old})
		got, ok, err := s.ServerStatus(r)
		if err != nil || !ok || got != want {
			t.Errorf("%d keys: ServerStatus(gob cookie) = (%+v, %v, %v), want (%+v, true, nil)", len(keys), got, ok, err, want)
		}

		// The register step overwrites it with a compact cookie.
		rec := httptest.NewRecorder()
		if err := s.SetServerStatus(rec, r, geetest.NewServerStatus(false, "next", time.Now())); err != nil {
			t.Fatal(err)
		}
		next := withCookies(rec)
		if st, ok, err := s.ServerStatus(next); err != nil || !ok || !st.RecordedFor("next") {
			t.Errorf("%d keys: ServerStatus after rewriting = (%+v, %v, %v), want the new status", len(keys), st, ok, err)
		}
		if len(keys) == 1 {
			c, _ := next.Cookie("captcha")
			if raw := rawCookie(t, "captcha", c.Value); raw[0] != markerValues {
				t.Errorf("rewritten cookie holds % x, want the compact marker first", raw)
			}
		}
	}

	// A status written by a store of the earlier kind, through gorilla.
	gobStore := newStore(t, sessions.NewCookieStore(hashKey))
	cs, err := session.NewCookieStore(hashKey)
	if err != nil {
		t.Fatal(err)
	}
	r := set(t, gobStore, geetest.NewServerStatus(false, "old", time.Now()))
	if st, ok, err := newStore(t, cs).ServerStatus(r); err != nil || !ok || st.Online || !st.RecordedFor("old") {
		t.Errorf("ServerStatus(cookie of a gob CookieStore) = (%+v, %v, %v), want the failback status", st, ok, err)
	}
}

// TestGH15GobStoreRejectsCompactCookie is the downgrade path: a store whose
// codecs only read gob cannot read a compact cookie, and says so with
// ErrNoServerStatus (the ticket is rejected, never passed); registering
// again through it works; and a store with CompactSerializer{WriteGob: true}
// writes cookies both read.
func TestGH15GobStoreRejectsCompactCookie(t *testing.T) {
	t.Parallel()
	cs, err := session.NewCookieStore(hashKey)
	if err != nil {
		t.Fatal(err)
	}
	compact := newStore(t, cs)
	gob := newStore(t, sessions.NewCookieStore(hashKey))
	r := set(t, compact, geetest.NewServerStatus(true, "c", time.Now()))
	st, ok, err := gob.ServerStatus(r)
	if ok || !errors.Is(err, captcha.ErrNoServerStatus) {
		t.Fatalf("gob store reading a compact cookie = (%+v, %v, %v), want an error wrapping ErrNoServerStatus", st, ok, err)
	}

	rec := httptest.NewRecorder()
	if err := gob.SetServerStatus(rec, r, geetest.NewServerStatus(true, "again", time.Now())); err != nil {
		t.Fatalf("gob store registering over a compact cookie: %v", err)
	}
	if st, ok, err := gob.ServerStatus(withCookies(rec)); err != nil || !ok || !st.RecordedFor("again") {
		t.Errorf("gob store after registering again = (%+v, %v, %v), want the status", st, ok, err)
	}

	transitional := sessions.NewCookieStore(hashKey)
	for _, c := range transitional.Codecs {
		c.(*securecookie.SecureCookie).SetSerializer(session.CompactSerializer{WriteGob: true})
	}
	tr := newStore(t, transitional)
	if st, ok, err := tr.ServerStatus(r); err != nil || !ok || !st.RecordedFor("c") {
		t.Errorf("WriteGob store reading a compact cookie = (%+v, %v, %v), want the status", st, ok, err)
	}
	r2 := set(t, tr, geetest.NewServerStatus(true, "both", time.Now()))
	for name, s := range map[string]*session.Store{"gob": gob, "compact": compact} {
		if st, ok, err := s.ServerStatus(r2); err != nil || !ok || !st.RecordedFor("both") {
			t.Errorf("%s store reading a WriteGob cookie = (%+v, %v, %v), want the status", name, st, ok, err)
		}
	}
}

func TestGH15NewFilesystemStore(t *testing.T) {
	t.Parallel()
	if fs, err := session.NewFilesystemStore(t.TempDir(), []byte("short")); err == nil || fs != nil ||
		!strings.Contains(err.Error(), "NewFilesystemStore") || !strings.Contains(err.Error(), "32 or 64") {
		t.Errorf("NewFilesystemStore(short key) = (%v, %v), want an error naming the function and the length", fs, err)
	}
	if _, err := session.NewFilesystemStore(t.TempDir()); err == nil {
		t.Error("NewFilesystemStore(no keys) = nil error, want an error")
	}

	dir := t.TempDir()
	fs, err := session.NewFilesystemStore(dir, hashKey, blockKey)
	if err != nil {
		t.Fatal(err)
	}
	if o := fs.Options; o.SameSite != http.SameSiteLaxMode || !o.HttpOnly || !o.Secure || o.Path != "/" {
		t.Errorf("Options = %+v, want Path /, SameSite Lax, HttpOnly and Secure", o)
	}
	s := newStore(t, fs)
	r := set(t, s, geetest.NewServerStatus(true, "fs", time.Now()))
	if st, ok, err := s.ServerStatus(r); err != nil || !ok || !st.RecordedFor("fs") {
		t.Errorf("ServerStatus = (%+v, %v, %v), want the status", st, ok, err)
	}

	// Sessions a gob FilesystemStore wrote in the same directory (gob cookie
	// and gob file) are still read.
	old := newStore(t, sessions.NewFilesystemStore(dir, hashKey, blockKey))
	r = set(t, old, geetest.NewServerStatus(false, "old", time.Now()))
	if st, ok, err := s.ServerStatus(r); err != nil || !ok || st.Online || !st.RecordedFor("old") {
		t.Errorf("ServerStatus(gob filesystem session) = (%+v, %v, %v), want the failback status", st, ok, err)
	}
}
