// Package siteverifyemu is the machinery shared by the emulators of the
// hosted siteverify services (turnstiletest, hcaptchatest, recaptchatest):
// a store of minted tokens with single use and the first answer kept for an
// idempotent retry, the reading of a siteverify request's parameters, the
// mint endpoint and the script endpoint the stand-in scripts use.
//
// Like internal/emulator, it judges nothing: what a vendor checks, in which
// order, and how it words its answers is in each emulator, written from the
// vendor's documentation and apart from the providers (internal/siteverify),
// so that each emulator is an independent oracle for them.
package siteverifyemu

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/captchakit/captcha/internal/emulator"
)

// Token is what an emulator bound a token to when it minted it.
type Token struct {
	Sitekey  string
	Hostname string
	Action   string
	CData    string
	// Score is the vendor's raw score; the emulators that send one always
	// do, with a default of their own.
	Score  float64
	Issued time.Time
}

// Minted is one minted token and what was answered for it.
type Minted struct {
	Token Token

	mu    sync.Mutex
	used  bool
	key   string
	reply []byte
}

// Redeem runs judge for the token with the record locked, so that
// concurrent redeems are judged one after the other. first reports that it
// is the token's first redeem (the token is then spent, whatever judge
// answers). A later redeem that carries the first one's non-empty key gets
// the first answer again, unchanged, without judge: the idempotent retry
// Turnstile documents.
func (m *Minted) Redeem(key string, judge func(t Token, first bool) []byte) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.used {
		if key != "" && key == m.key {
			return m.reply
		}
		return judge(m.Token, false)
	}
	m.used = true
	body := judge(m.Token, true)
	if key != "" {
		m.key, m.reply = key, body
	}
	return body
}

// Tokens keeps minted tokens for emulator.Retention. The zero value is
// ready to use and safe for concurrent use.
type Tokens struct{ store emulator.Store[*Minted] }

// Put records a token minted as t under id.
func (ts *Tokens) Put(id string, t Token) { ts.store.Put(id, &Minted{Token: t}, t.Issued) }

// Get returns the record of id.
func (ts *Tokens) Get(id string) (*Minted, bool) {
	rec, ok := ts.store.Peek(id)
	return rec.Value, ok
}

// Len returns the number of tokens kept.
func (ts *Tokens) Len() int { return ts.store.Len() }

// Body kinds a siteverify endpoint reads.
const (
	// Form reads an application/x-www-form-urlencoded body (or one with no
	// Content-Type).
	Form = 1 << iota
	// Query also reads the URL query, as a form does in net/http.
	Query
	// Multipart reads a multipart/form-data body.
	Multipart
	// JSON reads an application/json object of string values.
	JSON
)

// MaxBody is the largest request body the emulators read.
const MaxBody = 64 << 10

// ErrBadBody is ReadParams' error for a body it cannot read as one of the
// kinds it was given (too large, malformed, or of another type).
var ErrBadBody = errors.New("siteverifyemu: unreadable request body")

// ReadParams returns the request's parameters, the first value of each,
// from the body kinds in kinds. A body of a kind not in kinds is read as
// no parameters (the vendor then misses the secret), not as an error.
func ReadParams(w http.ResponseWriter, r *http.Request, kinds int) (map[string]string, error) {
	out := map[string]string{}
	if kinds&Query != 0 {
		for k, v := range r.URL.Query() {
			out[k] = v[0]
		}
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body := http.MaxBytesReader(w, r.Body, MaxBody)
	switch {
	case (ct == "application/x-www-form-urlencoded" || ct == "") && kinds&Form != 0:
		raw, err := io.ReadAll(body)
		if err != nil {
			return nil, ErrBadBody
		}
		vs, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, ErrBadBody
		}
		for k, v := range vs {
			out[k] = v[0]
		}
	case ct == "multipart/form-data" && kinds&Multipart != 0:
		if ctParams["boundary"] == "" {
			return nil, ErrBadBody
		}
		r.Body = body
		if err := r.ParseMultipartForm(MaxBody); err != nil {
			return nil, ErrBadBody
		}
		defer func() { _ = r.MultipartForm.RemoveAll() }()
		for k, v := range r.MultipartForm.Value {
			out[k] = v[0]
		}
	case ct == "application/json" && kinds&JSON != 0:
		var obj map[string]any
		if err := json.NewDecoder(body).Decode(&obj); err != nil {
			return nil, ErrBadBody
		}
		for k, v := range obj {
			if s, ok := v.(string); ok {
				out[k] = s
			}
		}
	default:
		_, _ = io.Copy(io.Discard, body)
	}
	return out, nil
}

// Marshal returns v as JSON, for a reply body.
func Marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("siteverifyemu: " + err.Error()) // the emulators' replies are plain structs
	}
	return b
}

// WriteJSON writes body with status and a JSON Content-Type.
func WriteJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// ServeScript serves a stand-in client script to GET and HEAD.
func ServeScript(w http.ResponseWriter, r *http.Request, script []byte) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/javascript; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(script)
}

// MintReply is the mint endpoint's answer: a token, or an error with a
// vendor's client-side error code.
type MintReply struct {
	Success   bool   `json:"success"`
	Token     string `json:"token,omitempty"`
	ExpiresIn int    `json:"expires_in,omitempty"` // seconds
	Error     string `json:"error,omitempty"`
	Code      string `json:"code,omitempty"`
}

// ServeMint serves a mint endpoint for the stand-in scripts: CORS for any
// origin, GET and POST (OPTIONS answers the preflight). mint gets the
// query and returns the HTTP status and the answer.
func ServeMint(w http.ResponseWriter, r *http.Request, mint func(q url.Values) (int, MintReply)) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "no-store")
	switch r.Method {
	case http.MethodOptions:
		h.Set("Access-Control-Allow-Methods", "GET, POST")
		h.Set("Access-Control-Allow-Headers", "Content-Type")
		w.WriteHeader(http.StatusNoContent)
		return
	case http.MethodGet, http.MethodPost:
	default:
		h.Set("Allow", "GET, POST, OPTIONS")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	status, reply := mint(r.URL.Query())
	WriteJSON(w, status, Marshal(reply))
}

// RandomToken returns prefix followed by n random bytes in unpadded
// base64url.
func RandomToken(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// Hostname returns the hostname a mint request names, or def: the stand-in
// scripts send location.hostname.
func Hostname(q url.Values, def string) string {
	if h := strings.TrimSpace(q.Get("hostname")); h != "" {
		return h
	}
	return def
}
