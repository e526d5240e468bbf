package session_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/session"
)

var (
	hashKey    = []byte("0123456789abcdef0123456789abcdef")                                 // 32 bytes
	blockKey   = []byte("fedcba9876543210fedcba9876543210")                                 // 32 bytes
	oldHashKey = []byte("old-hash-key-old-hash-key-old-hash-key-old-hash-key-0123456789ab") // 64 bytes
)

// stores returns one store of each kind the package is tested with.
func stores(t *testing.T, keyPairs ...[]byte) map[string]sessions.Store {
	t.Helper()
	return map[string]sessions.Store{
		"cookie":     sessions.NewCookieStore(keyPairs...),
		"filesystem": sessions.NewFilesystemStore(t.TempDir(), keyPairs...),
	}
}

func newStore(t testing.TB, st sessions.Store, opts ...session.Option) *session.Store {
	t.Helper()
	s, err := session.New(st, opts...)
	if err != nil {
		t.Fatalf("session.New: %v", err)
	}
	return s
}

// set records status in a fresh response and returns the request a browser
// would send next, carrying the cookies it got.
func set(t testing.TB, s *session.Store, status geetest.ServerStatus) *http.Request {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := s.SetServerStatus(rec, httptest.NewRequest(http.MethodGet, "/register", nil), status); err != nil {
		t.Fatalf("SetServerStatus: %v", err)
	}
	return withCookies(rec)
}

func withCookies(rec *httptest.ResponseRecorder) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	for _, c := range rec.Result().Cookies() {
		r.AddCookie(c)
	}
	return r
}

func TestNewNilStore(t *testing.T) {
	t.Parallel()
	s, err := session.New(nil)
	if err == nil || s != nil {
		t.Fatalf("New(nil) = (%v, %v), want (nil, error)", s, err)
	}
}

func TestNewUnusableKeys(t *testing.T) {
	t.Parallel()
	for name, st := range map[string]sessions.Store{
		"cookie without keys":       sessions.NewCookieStore(),
		"cookie with nil hash key":  sessions.NewCookieStore(nil),
		"cookie with bad block key": sessions.NewCookieStore(hashKey, []byte("short")),
		"filesystem without keys":   sessions.NewFilesystemStore(t.TempDir()),
	} {
		if s, err := session.New(st); err == nil || s != nil {
			t.Errorf("New(%s) = (%v, %v), want an error", name, s, err)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.UnixMilli(1763700000123)
	for name, st := range stores(t, hashKey, blockKey) {
		for _, online := range []bool{true, false} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				s := newStore(t, st)
				want := geetest.NewServerStatus(online, "3cf802e2cde8eb37df37370f496be721", at)
				r := set(t, s, want)
				got, ok, err := s.ServerStatus(r)
				if err != nil || !ok {
					t.Fatalf("ServerStatus = (%+v, %v, %v), want ok", got, ok, err)
				}
				if got.Online != want.Online || got.ChallengeHash != want.ChallengeHash || !got.IssuedAt.Equal(want.IssuedAt) {
					t.Errorf("ServerStatus = %+v, want %+v", got, want)
				}
				if !got.RecordedFor("3cf802e2cde8eb37df37370f496be721") {
					t.Error("Issued(the challenge) = false, want true")
				}
			})
		}
	}
}

func TestMissing(t *testing.T) {
	t.Parallel()
	for name, st := range stores(t, hashKey) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t, st)
			r := httptest.NewRequest(http.MethodPost, "/login", nil)
			got, ok, err := s.ServerStatus(r)
			if ok || err != nil {
				t.Fatalf("ServerStatus(no cookie) = (%+v, %v, %v), want (zero, false, nil)", got, ok, err)
			}
		})
	}
}

func TestServerStatusLeavesRequestAlone(t *testing.T) {
	t.Parallel()
	s := newStore(t, sessions.NewCookieStore(hashKey))
	r := set(t, s, geetest.NewServerStatus(true, "c", time.Now()))
	ctx := r.Context()
	if _, _, err := s.ServerStatus(r); err != nil {
		t.Fatal(err)
	}
	if r.Context() != ctx {
		t.Error("ServerStatus replaced the request's context, want the request untouched")
	}
}

func TestTamperedAndForeignCookies(t *testing.T) {
	t.Parallel()
	good := newStore(t, sessions.NewCookieStore(hashKey, blockKey))
	other := newStore(t, sessions.NewCookieStore([]byte("another-hash-key-another-hash-ke")))
	r := set(t, good, geetest.NewServerStatus(false, "c", time.Now()))
	cookie, err := r.Cookie("captcha")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		value string
		store *session.Store
	}{
		{"flipped byte", flip(cookie.Value), good},
		{"truncated", cookie.Value[:len(cookie.Value)/2], good},
		{"garbage", "not-a-cookie", good},
		{"empty", "", good},
		{"other store's keys", cookie.Value, other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodPost, "/login", nil)
			req.AddCookie(&http.Cookie{Name: "captcha", Value: tt.value})
			got, ok, err := tt.store.ServerStatus(req)
			if ok || !errors.Is(err, captcha.ErrNoServerStatus) {
				t.Fatalf("ServerStatus = (%+v, %v, %v), want an error wrapping ErrNoServerStatus", got, ok, err)
			}
		})
	}
}

func flip(s string) string {
	b := []byte(s)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	newHash := []byte("new-hash-key-new-hash-key-new-ha")
	newBlock := []byte("new-block-key-16")
	oldBlock := []byte("old-block-key-24-bytes!!")
	at := time.Now()

	dir := t.TempDir() // the filesystem stores share their files; only the keys differ
	for name, pair := range map[string]struct{ old, rotated, newOnly sessions.Store }{
		"cookie": {
			old:     sessions.NewCookieStore(oldHashKey, oldBlock),
			rotated: sessions.NewCookieStore(newHash, newBlock, oldHashKey, oldBlock),
			newOnly: sessions.NewCookieStore(newHash, newBlock),
		},
		"filesystem": {
			old:     sessions.NewFilesystemStore(dir, oldHashKey, oldBlock),
			rotated: sessions.NewFilesystemStore(dir, newHash, newBlock, oldHashKey, oldBlock),
			newOnly: sessions.NewFilesystemStore(dir, newHash, newBlock),
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			old, rotated, newOnly := newStore(t, pair.old), newStore(t, pair.rotated), newStore(t, pair.newOnly)
			r := set(t, old, geetest.NewServerStatus(true, "rotating", at))

			if st, ok, err := rotated.ServerStatus(r); err != nil || !ok || !st.RecordedFor("rotating") {
				t.Errorf("rotated store reading an old-key cookie = (%+v, %v, %v), want the status", st, ok, err)
			}
			if st, ok, err := newOnly.ServerStatus(r); ok || !errors.Is(err, captcha.ErrNoServerStatus) {
				t.Errorf("new-key-only store reading an old-key cookie = (%+v, %v, %v), want ErrNoServerStatus", st, ok, err)
			}
			// What the rotated store writes is under the new key.
			r2 := set(t, rotated, geetest.NewServerStatus(true, "rotated", at))
			if st, ok, err := newOnly.ServerStatus(r2); err != nil || !ok || !st.RecordedFor("rotated") {
				t.Errorf("new-key-only store reading a cookie from the rotated store = (%+v, %v, %v), want the status", st, ok, err)
			}
			if _, ok, err := old.ServerStatus(r2); ok || err == nil {
				t.Errorf("old-key store reading a new-key cookie = (%v, %v), want an error", ok, err)
			}
		})
	}
}

// TestValueTypes stores raw values as other stores would decode them and
// checks the type switch.
func TestValueTypes(t *testing.T) {
	t.Parallel()
	const hash = "b7e23ec29af22b0b4e41da31e868d57226121c84a2e1bdfb2c38e0c1b1b1d37a"
	ms := time.Now().UnixMilli()
	tests := []struct {
		name    string
		values  map[any]any
		want    geetest.ServerStatus
		wantOK  bool
		wantErr bool
	}{
		{"gob int and int64", map[any]any{"gt_server_status": 1, "gt_server_status.challenge": hash, "gt_server_status.issued_at": ms},
			geetest.ServerStatus{Online: true, ChallengeHash: hash, IssuedAt: time.UnixMilli(ms)}, true, false},
		{"json float64", map[any]any{"gt_server_status": float64(0), "gt_server_status.challenge": hash, "gt_server_status.issued_at": float64(ms)},
			geetest.ServerStatus{Online: false, ChallengeHash: hash, IssuedAt: time.UnixMilli(ms)}, true, false},
		{"int8 as the legacy demo", map[any]any{"gt_server_status": int8(1), "gt_server_status.challenge": hash, "gt_server_status.issued_at": ms},
			geetest.ServerStatus{Online: true, ChallengeHash: hash, IssuedAt: time.UnixMilli(ms)}, true, false},
		{"other keys only", map[any]any{"user": "alice"}, geetest.ServerStatus{}, false, false},
		{"status as string", map[any]any{"gt_server_status": "1", "gt_server_status.challenge": hash, "gt_server_status.issued_at": ms}, geetest.ServerStatus{}, false, true},
		{"status 2", map[any]any{"gt_server_status": 2, "gt_server_status.challenge": hash, "gt_server_status.issued_at": ms}, geetest.ServerStatus{}, false, true},
		{"fractional status", map[any]any{"gt_server_status": 0.5, "gt_server_status.challenge": hash, "gt_server_status.issued_at": ms}, geetest.ServerStatus{}, false, true},
		{"bool status", map[any]any{"gt_server_status": true, "gt_server_status.challenge": hash, "gt_server_status.issued_at": ms}, geetest.ServerStatus{}, false, true},
		{"hash not hex", map[any]any{"gt_server_status": 1, "gt_server_status.challenge": "zz", "gt_server_status.issued_at": ms}, geetest.ServerStatus{}, false, true},
		{"hash as bytes", map[any]any{"gt_server_status": 1, "gt_server_status.challenge": []byte(hash), "gt_server_status.issued_at": ms}, geetest.ServerStatus{}, false, true},
		{"time as string", map[any]any{"gt_server_status": 1, "gt_server_status.challenge": hash, "gt_server_status.issued_at": "now"}, geetest.ServerStatus{}, false, true},
		{"time zero", map[any]any{"gt_server_status": 1, "gt_server_status.challenge": hash, "gt_server_status.issued_at": 0}, geetest.ServerStatus{}, false, true},
		{"partial: status only", map[any]any{"gt_server_status": 1}, geetest.ServerStatus{}, false, true},
		{"partial: no time", map[any]any{"gt_server_status": 1, "gt_server_status.challenge": hash}, geetest.ServerStatus{}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs := sessions.NewCookieStore(hashKey)
			s := newStore(t, cs)
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			sess, err := cs.Get(req, "captcha")
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.values {
				sess.Values[k] = v
			}
			rec := httptest.NewRecorder()
			if err := sess.Save(req, rec); err != nil {
				t.Fatal(err)
			}
			got, ok, err := s.ServerStatus(withCookies(rec))
			if (err != nil) != tt.wantErr || ok != tt.wantOK {
				t.Fatalf("ServerStatus = (%+v, %v, %v), want ok %v, error %v", got, ok, err, tt.wantOK, tt.wantErr)
			}
			if err != nil && !errors.Is(err, captcha.ErrNoServerStatus) {
				t.Errorf("error %v does not wrap ErrNoServerStatus", err)
			}
			if ok && (got.Online != tt.want.Online || got.ChallengeHash != tt.want.ChallengeHash || !got.IssuedAt.Equal(tt.want.IssuedAt)) {
				t.Errorf("ServerStatus = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	s := newStore(t, sessions.NewCookieStore(hashKey), session.WithName("gt"), session.WithKey("status"), session.WithName(""), nil)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if err := s.SetServerStatus(rec, req, geetest.NewServerStatus(true, "c", time.Now())); err != nil {
		t.Fatal(err)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != "gt" {
		t.Fatalf("cookies = %v, want one named %q", cookies, "gt")
	}
	// A store using the default names does not see it.
	def := newStore(t, sessions.NewCookieStore(hashKey))
	if _, ok, err := def.ServerStatus(withCookies(rec)); ok || err != nil {
		t.Errorf("default-named store = (%v, %v), want (false, nil)", ok, err)
	}
	if _, ok, err := s.ServerStatus(withCookies(rec)); !ok || err != nil {
		t.Errorf("ServerStatus = (%v, %v), want (true, nil)", ok, err)
	}
}

func TestSetOverwritesUndecodableCookie(t *testing.T) {
	t.Parallel()
	s := newStore(t, sessions.NewCookieStore(hashKey))
	req := httptest.NewRequest(http.MethodGet, "/register", nil)
	req.AddCookie(&http.Cookie{Name: "captcha", Value: "tampered"})
	rec := httptest.NewRecorder()
	if err := s.SetServerStatus(rec, req, geetest.NewServerStatus(true, "fresh", time.Now())); err != nil {
		t.Fatalf("SetServerStatus over a tampered cookie: %v, want nil", err)
	}
	if st, ok, err := s.ServerStatus(withCookies(rec)); err != nil || !ok || !st.RecordedFor("fresh") {
		t.Errorf("ServerStatus = (%+v, %v, %v), want the fresh status", st, ok, err)
	}
}

func TestSetRejectsBadStatus(t *testing.T) {
	t.Parallel()
	s := newStore(t, sessions.NewCookieStore(hashKey))
	for name, st := range map[string]geetest.ServerStatus{
		"zero":    {},
		"no time": {Online: true, ChallengeHash: geetest.NewServerStatus(true, "c", time.Now()).ChallengeHash},
		"no hash": {Online: true, IssuedAt: time.Now()},
	} {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			if err := s.SetServerStatus(rec, httptest.NewRequest(http.MethodGet, "/", nil), st); err == nil {
				t.Error("SetServerStatus = nil, want an error")
			}
			if len(rec.Result().Cookies()) != 0 {
				t.Error("a cookie was set for an invalid status")
			}
		})
	}
}

// failingStore is a sessions.Store whose backend is down.
type failingStore struct{ sessions.Store }

var errBackend = errors.New("backend down")

func (failingStore) Save(*http.Request, http.ResponseWriter, *sessions.Session) error {
	return errBackend
}

func TestSaveError(t *testing.T) {
	t.Parallel()
	s := newStore(t, failingStore{sessions.NewCookieStore(hashKey)})
	rec := httptest.NewRecorder()
	err := s.SetServerStatus(rec, httptest.NewRequest(http.MethodGet, "/", nil), geetest.NewServerStatus(true, "c", time.Now()))
	if !errors.Is(err, errBackend) {
		t.Fatalf("SetServerStatus = %v, want the store's error", err)
	}
	if err := s.Clear(rec, httptest.NewRequest(http.MethodGet, "/", nil)); !errors.Is(err, errBackend) {
		t.Fatalf("Clear = %v, want the store's error", err)
	}
}

func TestClear(t *testing.T) {
	t.Parallel()
	for name, st := range stores(t, hashKey) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t, st)
			r := set(t, s, geetest.NewServerStatus(true, "c", time.Now()))
			rec := httptest.NewRecorder()
			if err := s.Clear(rec, r); err != nil {
				t.Fatalf("Clear: %v", err)
			}
			if _, ok, err := s.ServerStatus(withCookies(rec)); ok || err != nil {
				t.Errorf("ServerStatus after Clear = (%v, %v), want (false, nil)", ok, err)
			}
		})
	}
}
