package session

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/geetest"
)

// Store is a geetest.StatusStore on a gorilla/sessions store. It is safe for
// concurrent use if the underlying store is (CookieStore and FilesystemStore
// are).
type Store struct {
	store        sessions.Store
	name         string
	keyStatus    string
	keyChallenge string
	keyIssued    string
}

var _ geetest.StatusStore = (*Store)(nil)

// Option configures a [Store].
type Option interface{ apply(*config) }

type config struct {
	name string
	key  string
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithName sets the session (cookie) name. An empty name is ignored.
// Default: "captcha".
func WithName(name string) Option {
	return optionFunc(func(c *config) {
		if name != "" {
			c.name = name
		}
	})
}

// WithKey sets the key of the status value in the session; the challenge
// hash and the issue time are kept under key+".challenge" and
// key+".issued_at". An empty key is ignored. Default: "gt_server_status".
func WithKey(key string) Option {
	return optionFunc(func(c *config) {
		if key != "" {
			c.key = key
		}
	})
}

// New returns a Store keeping the status in store, which must be signed (see
// the package documentation). It returns an error if store is nil, and, for
// the gorilla CookieStore and FilesystemStore, if they have no keys, if a
// hash key is not 32 or 64 bytes (securecookie itself signs with a key of any
// length, a 10-byte one included), or if their keys cannot encode (a block
// key of the wrong length).
//
// For other stores New cannot see the keys: check them where you build the
// store. [NewCookieStore] builds a checked CookieStore with this cookie's
// options.
func New(store sessions.Store, opts ...Option) (*Store, error) {
	if store == nil {
		return nil, errors.New("session: New: the sessions.Store is nil")
	}
	if err := checkCodecs(store); err != nil {
		return nil, err
	}
	c := config{name: "captcha", key: "gt_server_status"}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return &Store{
		store:        store,
		name:         c.name,
		keyStatus:    c.key,
		keyChallenge: c.key + ".challenge",
		keyIssued:    c.key + ".issued_at",
	}, nil
}

// NewCookieStore returns a gorilla CookieStore for [New], signed (and, with
// block keys, encrypted) with keyPairs, after checking the keys that
// sessions.NewCookieStore accepts unchecked. keyPairs are as for
// sessions.NewCookieStore: a hash key and an optional block key, then older
// pairs for rotation. Every hash key must be 32 or 64 bytes (HMAC-SHA256);
// every block key must be 16, 24 or 32 bytes (AES-128/192/256) or nil (the
// cookie is then signed only). The error names the key (by its position in
// keyPairs, never its bytes) and the problem.
//
// The cookie options suit this cookie: Path "/", SameSite=Lax, HttpOnly,
// Secure, and gorilla's MaxAge of 30 days. Change them on the returned
// store's Options before calling New; turn Secure off only for plain-HTTP
// local development, or browsers drop the cookie.
//
// Its codecs serialize with [CompactSerializer], which reads the status
// without gob and still reads cookies written with gob (by an earlier
// version of this package or a plain sessions.NewCookieStore with the same
// keys). A store that only reads gob cannot read what this one writes; see
// CompactSerializer for rolling back.
func NewCookieStore(keyPairs ...[]byte) (*sessions.CookieStore, error) {
	if err := checkKeyPairs("NewCookieStore", keyPairs); err != nil {
		return nil, err
	}
	cs := sessions.NewCookieStore(keyPairs...)
	cs.Options.SameSite = http.SameSiteLaxMode
	cs.Options.HttpOnly = true
	cs.Options.Secure = true
	useCompact(cs.Codecs)
	return cs, nil
}

// NewFilesystemStore returns a gorilla FilesystemStore for [New], keeping
// sessions in files under dir (the system's temporary directory if dir is
// empty) and their IDs in cookies signed with keyPairs. The keys are checked,
// the cookie options set and the codecs given [CompactSerializer] as by
// [NewCookieStore].
func NewFilesystemStore(dir string, keyPairs ...[]byte) (*sessions.FilesystemStore, error) {
	if err := checkKeyPairs("NewFilesystemStore", keyPairs); err != nil {
		return nil, err
	}
	fs := sessions.NewFilesystemStore(dir, keyPairs...)
	fs.Options.SameSite = http.SameSiteLaxMode
	fs.Options.HttpOnly = true
	fs.Options.Secure = true
	useCompact(fs.Codecs)
	return fs, nil
}

// checkKeyPairs checks the key lengths for the constructor fn.
func checkKeyPairs(fn string, keyPairs [][]byte) error {
	if len(keyPairs) == 0 {
		return fmt.Errorf("session: %s: no keys; a hash key of 32 or 64 bytes is required", fn)
	}
	for i, k := range keyPairs {
		if i%2 == 0 {
			if n := len(k); n != 32 && n != 64 {
				return fmt.Errorf("session: %s: hash key %d (keyPairs[%d]) is %d bytes; it must be 32 or 64", fn, i/2+1, i, n)
			}
			continue
		}
		if n := len(k); k != nil && n != 16 && n != 24 && n != 32 {
			return fmt.Errorf("session: %s: block key %d (keyPairs[%d]) is %d bytes; it must be 16, 24 or 32, or nil", fn, i/2+1, i, n)
		}
	}
	return nil
}

// useCompact gives the codecs the compact serializer.
func useCompact(codecs []securecookie.Codec) {
	for _, c := range codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.SetSerializer(CompactSerializer{})
		}
	}
}

// invalid returns an error about stored state that cannot be used; it wraps
// captcha.ErrNoServerStatus.
func invalid(format string, args ...any) error {
	return fmt.Errorf("session: %w: "+format, append([]any{captcha.ErrNoServerStatus}, args...)...)
}

// ServerStatus returns the status recorded for the client of r. ok is false
// when the client has no status; err is non-nil when the session cannot be
// read (a tampered or foreign cookie, keys rotated away, a failing backend) or
// holds a value of the wrong type. Errors wrap captcha.ErrNoServerStatus.
//
// It reads the session with the store's New method rather than Get, so that r
// is not modified (Get caches sessions in r's context); r is treated as
// read-only. For a *sessions.CookieStore it decodes the cookie with the
// store's codecs itself, as the store's New does, without building the
// Session New would return and discard.
func (s *Store) ServerStatus(r *http.Request) (geetest.ServerStatus, bool, error) {
	if r == nil {
		return geetest.ServerStatus{}, false, invalid("no request")
	}
	var values map[interface{}]interface{}
	if cs, ok := s.store.(*sessions.CookieStore); ok {
		c, err := r.Cookie(s.name)
		if err != nil {
			return geetest.ServerStatus{}, false, nil // no cookie, no session
		}
		if err := securecookie.DecodeMulti(s.name, c.Value, &values, cs.Codecs...); err != nil {
			return geetest.ServerStatus{}, false, invalid("reading session %q: %w", s.name, err)
		}
	} else {
		sess, err := s.store.New(r, s.name)
		if err != nil {
			return geetest.ServerStatus{}, false, invalid("reading session %q: %w", s.name, err)
		}
		if sess == nil {
			return geetest.ServerStatus{}, false, invalid("store returned no session")
		}
		values = sess.Values
	}
	return s.statusFrom(values)
}

// statusFrom reads the record from a session's values.
func (s *Store) statusFrom(values map[interface{}]interface{}) (geetest.ServerStatus, bool, error) {
	rawStatus, hasStatus := values[s.keyStatus]
	rawChallenge, hasChallenge := values[s.keyChallenge]
	rawIssued, hasIssued := values[s.keyIssued]
	if !hasStatus && !hasChallenge && !hasIssued {
		return geetest.ServerStatus{}, false, nil
	}
	if !hasStatus || !hasChallenge || !hasIssued {
		return geetest.ServerStatus{}, false, invalid("partial record")
	}
	status, ok := toInt64(rawStatus)
	if !ok || (status != 0 && status != 1) {
		return geetest.ServerStatus{}, false, invalid("status of type %T is not 0 or 1", rawStatus)
	}
	hash, ok := rawChallenge.(string)
	if !ok || !isHexSHA256(hash) {
		return geetest.ServerStatus{}, false, invalid("challenge hash of type %T is not a hex SHA-256", rawChallenge)
	}
	ms, ok := toInt64(rawIssued)
	if !ok || ms <= 0 {
		return geetest.ServerStatus{}, false, invalid("issue time of type %T is not a positive integer", rawIssued)
	}
	return geetest.ServerStatus{
		Online:        status == 1,
		ChallengeHash: hash,
		IssuedAt:      time.UnixMilli(ms),
	}, true, nil
}

// SetServerStatus records st for the client of r and saves the session
// through the configured store (what sess.Save does, without bypassing a
// wrapping store); for cookie-based stores that sets a cookie, so it must be
// called before the response body is written. A session that could not be decoded (a tampered or
// stale cookie) is replaced.
func (s *Store) SetServerStatus(w http.ResponseWriter, r *http.Request, st geetest.ServerStatus) error {
	if !isHexSHA256(st.ChallengeHash) {
		return errors.New("session: SetServerStatus: ChallengeHash is not a hex SHA-256")
	}
	if st.IssuedAt.UnixMilli() <= 0 {
		return errors.New("session: SetServerStatus: IssuedAt is not set")
	}
	sess, err := s.store.Get(r, s.name)
	if sess == nil {
		if err == nil {
			err = errors.New("store returned no session")
		}
		return fmt.Errorf("session: SetServerStatus: %w", err)
	}
	// A decode error leaves sess as a fresh session: overwrite it.
	status := 0
	if st.Online {
		status = 1
	}
	sess.Values[s.keyStatus] = status
	sess.Values[s.keyChallenge] = st.ChallengeHash
	sess.Values[s.keyIssued] = st.IssuedAt.UnixMilli()
	if err := s.store.Save(r, w, sess); err != nil {
		return fmt.Errorf("session: saving session %q: %w", s.name, err)
	}
	return nil
}

// Clear removes the status from the client's session and saves it; call it
// before the response body is written. It does not make a challenge single
// use (a client can present an older cookie again); the core's ledger does.
func (s *Store) Clear(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.store.Get(r, s.name)
	if sess == nil {
		if err == nil {
			err = errors.New("store returned no session")
		}
		return fmt.Errorf("session: Clear: %w", err)
	}
	delete(sess.Values, s.keyStatus)
	delete(sess.Values, s.keyChallenge)
	delete(sess.Values, s.keyIssued)
	if err := s.store.Save(r, w, sess); err != nil {
		return fmt.Errorf("session: saving session %q: %w", s.name, err)
	}
	return nil
}

// toInt64 accepts the integer types gob may return and float64 holding an
// integer, as JSON-based stores return numbers.
func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		if n > math.MaxInt64 {
			return 0, false
		}
		return int64(n), true
	case float64:
		if n != math.Trunc(n) || n < -(1<<53) || n > 1<<53 {
			return 0, false
		}
		return int64(n), true
	default:
		return 0, false
	}
}

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// checkCodecs makes a CookieStore or FilesystemStore without usable keys fail
// at construction rather than on every register request.
func checkCodecs(store sessions.Store) error {
	var codecs []securecookie.Codec
	switch s := store.(type) {
	case *sessions.CookieStore:
		codecs = s.Codecs
	case *sessions.FilesystemStore:
		codecs = s.Codecs
	default:
		return nil
	}
	if len(codecs) == 0 {
		return errors.New("session: New: the store has no keys")
	}
	for i, c := range codecs {
		if n, ok := hashKeyLen(c); ok && n != 32 && n != 64 {
			return fmt.Errorf("session: New: hash key %d of the store is %d bytes; it must be 32 or 64", i+1, n)
		}
	}
	if _, err := securecookie.EncodeMulti("probe", "probe", codecs...); err != nil {
		return fmt.Errorf("session: New: the store's keys cannot sign: %w", err)
	}
	return nil
}

// hashKeyLen returns the length of a securecookie codec's hash key. The
// field is unexported, so it is read by reflection; ok is false if a future
// securecookie names it otherwise (New then skips the length check, not the
// store).
func hashKeyLen(c securecookie.Codec) (n int, ok bool) {
	sc, isSC := c.(*securecookie.SecureCookie)
	if !isSC || sc == nil {
		return 0, false
	}
	f := reflect.ValueOf(sc).Elem().FieldByName("hashKey")
	if !f.IsValid() || f.Kind() != reflect.Slice {
		return 0, false
	}
	return f.Len(), true
}
