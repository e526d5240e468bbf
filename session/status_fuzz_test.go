package session_test

import (
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/session"
)

var fuzzHashKey = []byte("fuzz-hash-key-fuzz-hash-key-0123") // 32 bytes

// Keys of the status record under the default WithKey.
const (
	keyStatus    = "gt_server_status"
	keyChallenge = "gt_server_status.challenge"
	keyIssued    = "gt_server_status.issued_at"
)

// FuzzServerStatusCookie sends arbitrary Cookie headers to ServerStatus on
// the two signed gorilla stores, with gob and with CompactSerializer: a
// status is only ever read from a cookie this server signed (a valid MAC
// under fuzzHashKey, as the seeds minted below carry), every failure wraps
// captcha.ErrNoServerStatus and never quotes the cookie, and the request is
// left as it was.
func FuzzServerStatusCookie(f *testing.F) {
	cookie := sessions.NewCookieStore(fuzzHashKey)
	fsys := sessions.NewFilesystemStore(f.TempDir(), fuzzHashKey)
	want := geetest.NewServerStatus(true, "challenge", time.UnixMilli(1_700_000_000_000))
	stores := map[string]*session.Store{}
	// signed reports whether a cookie value carries a valid MAC under
	// fuzzHashKey, whatever its age. It is not a set of the values minted
	// here: a fuzz worker is a process of its own, which mints its seeds
	// again, possibly in another second (the MAC covers the time), and is
	// handed the coordinator's.
	verifier := securecookie.New(fuzzHashKey, nil).MaxAge(0).SetSerializer(securecookie.NopEncoder{})
	signed := func(v string) bool {
		var raw []byte
		return verifier.Decode("captcha", v, &raw) == nil
	}
	compactCookie, err := session.NewCookieStore(fuzzHashKey)
	if err != nil {
		f.Fatal(err)
	}
	compactFsys, err := session.NewFilesystemStore(f.TempDir(), fuzzHashKey)
	if err != nil {
		f.Fatal(err)
	}
	for name, st := range map[string]sessions.Store{
		"cookie": cookie, "filesystem": fsys,
		"compact cookie": compactCookie, "compact filesystem": compactFsys,
	} {
		s, err := session.New(st)
		if err != nil {
			f.Fatal(err)
		}
		rec := httptest.NewRecorder()
		if err := s.SetServerStatus(rec, httptest.NewRequest(http.MethodGet, "/", nil), want); err != nil {
			f.Fatal(err)
		}
		for _, c := range rec.Result().Cookies() {
			f.Add(c.Name + "=" + c.Value)
			f.Add("a=b; " + c.Name + "=" + c.Value[:len(c.Value)/2] + "x" + c.Value[len(c.Value)/2+1:])
		}
		stores[name] = s
	}
	for _, s := range []string{"", "captcha=", "captcha=x", "captcha=MTcwMDAwMDAwMHxYWFh8", "captcha=a; captcha=b", "captcha=\"\x00\"", "captcha=%%%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		for name, s := range stores {
			r := httptest.NewRequest(http.MethodPost, "/login", nil)
			r.Header.Set("Cookie", header)
			ctx := r.Context()
			got, ok, err := s.ServerStatus(r)
			if r.Context() != ctx || r.Header.Get("Cookie") != header {
				t.Fatalf("%s: ServerStatus modified the request", name)
			}
			c, cerr := r.Cookie("captcha")
			switch {
			case ok && (cerr != nil || !signed(c.Value)):
				t.Fatalf("%s: status read from a cookie this server did not sign: %q", name, header)
			case ok && (err != nil || got.Online != want.Online || got.ChallengeHash != want.ChallengeHash || !got.IssuedAt.Equal(want.IssuedAt)):
				t.Fatalf("%s: ServerStatus = (%+v, %v, %v), want %+v", name, got, ok, err, want)
			case err != nil && !errors.Is(err, captcha.ErrNoServerStatus):
				t.Fatalf("%s: error %v does not wrap ErrNoServerStatus", name, err)
			case err != nil && cerr == nil && len(c.Value) >= 12 && strings.Contains(err.Error(), c.Value):
				t.Fatalf("%s: error %q quotes the cookie", name, err)
			case !ok && err == nil && cerr == nil:
				t.Fatalf("%s: cookie %q ignored without an error", name, c.Value)
			}
		}
	})
}

// FuzzServerStatusValues checks ServerStatus against a reference reading of
// the three stored values, for values of any of the types a store may hand
// back: directly (as a store decoding JSON or another format would) and
// through a real signed CookieStore (gob). A status is returned only for a
// complete record of status 0 or 1, a 64-digit hex challenge hash and a
// positive issue time in integer milliseconds; a partial or ill-typed record
// is an error wrapping captcha.ErrNoServerStatus that quotes none of the
// values; no record at all is (false, nil).
func FuzzServerStatusValues(f *testing.F) {
	hash := strings.Repeat("ab", 32)
	f.Add(uint8(0x40), int64(1), 0.0, hash, int64(1_700_000_000_000), uint8(7))
	f.Add(uint8(0x99), int64(0), 0.5, hash, int64(1_700_000_000_000), uint8(7))
	f.Add(uint8(0x1a), int64(1), 1.0, strings.ToUpper(hash), int64(-5), uint8(7))
	f.Add(uint8(0x0b), int64(1), 0.0, hash, int64(1), uint8(3))
	f.Add(uint8(0xcc), int64(2), math.Inf(1), "zz", int64(0), uint8(15))
	f.Add(uint8(0x88), int64(math.MaxInt64), math.NaN(), hash[:63]+"g", int64(math.MinInt64), uint8(0))
	store, err := session.New(sessions.NewCookieStore(fuzzHashKey))
	if err != nil {
		f.Fatal(err)
	}
	cookies := sessions.NewCookieStore(fuzzHashKey)
	f.Fuzz(func(t *testing.T, kinds uint8, status int64, fstatus float64, challenge string, issued int64, present uint8) {
		values := map[any]any{}
		if present&1 != 0 {
			values[keyStatus] = typed(kinds&15, status, fstatus)
		}
		if present&2 != 0 {
			values[keyChallenge] = challenge
			if present&8 != 0 {
				values[keyChallenge] = []byte(challenge)
			}
		}
		if present&4 != 0 {
			values[keyIssued] = typed(kinds>>4, issued, float64(issued)+fstatus)
		}
		want, wantOK, wantErr := refStatus(values)

		direct, err := session.New(valuesStore{values})
		if err != nil {
			t.Fatal(err)
		}
		check := func(via string, got geetest.ServerStatus, ok bool, err error) {
			t.Helper()
			if ok != wantOK || (err != nil) != wantErr {
				t.Fatalf("%s: ServerStatus(%#v) = (%+v, %v, %v), want ok %v, error %v", via, values, got, ok, err, wantOK, wantErr)
			}
			if ok && (got.Online != want.Online || got.ChallengeHash != want.ChallengeHash || !got.IssuedAt.Equal(want.IssuedAt)) {
				t.Fatalf("%s: ServerStatus(%#v) = %+v, want %+v", via, values, got, want)
			}
			if err != nil && !errors.Is(err, captcha.ErrNoServerStatus) {
				t.Fatalf("%s: error %v does not wrap ErrNoServerStatus", via, err)
			}
			if err != nil && len(challenge) >= 12 && strings.Contains(err.Error(), challenge) {
				t.Fatalf("%s: error %q quotes the stored challenge hash", via, err)
			}
		}
		got, ok, err := direct.ServerStatus(httptest.NewRequest(http.MethodPost, "/", nil))
		check("direct", got, ok, err)

		// The same values through gob in a signed cookie, when gob can carry
		// them (it cannot carry a nil interface value).
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		sess := sessions.NewSession(cookies, "captcha")
		sess.Values = values
		rec := httptest.NewRecorder()
		if cookies.Save(req, rec, sess) != nil {
			return
		}
		next := httptest.NewRequest(http.MethodPost, "/", nil)
		for _, c := range rec.Result().Cookies() {
			next.AddCookie(c)
		}
		got, ok, err = store.ServerStatus(next)
		check("cookie", got, ok, err)
	})
}

// typed returns n (or, for kinds 9 and 10, a float) as one of the types a
// session store may return for a number, or as a type that is not a number.
func typed(kind uint8, n int64, fl float64) any {
	switch kind {
	case 0:
		return int(n)
	case 1:
		return int8(n)
	case 2:
		return int16(n)
	case 3:
		return int32(n)
	case 4:
		return n
	case 5:
		return uint8(n)
	case 6:
		return uint16(n)
	case 7:
		return uint32(n)
	case 8:
		return uint64(n)
	case 9:
		return float64(n)
	case 10:
		return fl
	case 11:
		return strconv.FormatInt(n, 10)
	case 12:
		return n&1 == 1
	case 13:
		return float32(fl)
	case 14:
		return []int64{n}
	default:
		return nil
	}
}

// refStatus is the reference reading of a record, written from the
// documented contract with reflect rather than a type switch.
func refStatus(values map[any]any) (st geetest.ServerStatus, ok, isErr bool) {
	rawStatus, hasStatus := values[keyStatus]
	rawChallenge, hasChallenge := values[keyChallenge]
	rawIssued, hasIssued := values[keyIssued]
	if !hasStatus && !hasChallenge && !hasIssued {
		return st, false, false
	}
	status, okStatus := refInt(rawStatus)
	hash, okHash := rawChallenge.(string)
	ms, okIssued := refInt(rawIssued)
	if !hasStatus || !hasChallenge || !hasIssued || !okStatus || (status != 0 && status != 1) ||
		!okHash || len(hash) != 64 || strings.Trim(hash, "0123456789abcdefABCDEF") != "" ||
		!okIssued || ms <= 0 {
		return st, false, true
	}
	return geetest.ServerStatus{Online: status == 1, ChallengeHash: hash, IssuedAt: time.UnixMilli(ms)}, true, false
}

// refInt reads a stored number: any signed integer type, an unsigned one up
// to MaxInt64, or a float64 holding an integer of at most 2^53 in magnitude
// (what a JSON-based store returns).
func refInt(v any) (int64, bool) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(rv.Uint()), rv.Uint() <= math.MaxInt64
	case reflect.Float64:
		x := rv.Float()
		return int64(x), x == math.Trunc(x) && math.Abs(x) <= 1<<53
	}
	return 0, false
}

// valuesStore is a sessions.Store that hands back fixed values, as a store
// with its own encoding would decode them.
type valuesStore struct{ values map[any]any }

func (s valuesStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return s.New(r, name)
}

func (s valuesStore) New(_ *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	for k, v := range s.values {
		sess.Values[k] = v
	}
	return sess, nil
}

func (valuesStore) Save(*http.Request, http.ResponseWriter, *sessions.Session) error { return nil }
