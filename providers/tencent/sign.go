package tencent

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"hash"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Algorithm is the TencentCloud API 3.0 signature algorithm the Signer
// implements.
const Algorithm = "TC3-HMAC-SHA256"

// Service is the service name of Tencent Cloud Captcha in a TC3 credential
// scope.
const Service = "captcha"

// Signer computes TC3-HMAC-SHA256 Authorization headers (TencentCloud API 3.0)
// for one key pair, service and host, over the signed header set
// "content-type;host" that the official Go SDK uses.
//
// The signing key depends only on the secret key, the UTC date and the
// service, so a Signer derives it once per UTC day and caches it, with the
// HMAC's inner and outer SHA-256 states after the key's pads. The canonical
// request starts with the same bytes for every request of one content type,
// so the SHA-256 state after them is cached too. A Signer is safe for
// concurrent use.
type Signer struct {
	secretID  string
	secretKey string
	service   string
	host      string
	day       atomic.Pointer[dayKey]
	prefix    atomic.Pointer[crPrefix]
}

// dayKey is the signing key of one UTC day, with the HMAC pads precomputed
// and the SHA-256 states after each pad saved.
type dayKey struct {
	day   int64    // days since the Unix epoch
	date  [10]byte // "YYYY-MM-DD"
	ipad  [sha256.BlockSize]byte
	opad  [sha256.BlockSize]byte
	inner savedState // SHA-256 after ipad
	outer savedState // SHA-256 after opad
}

// crPrefix is the SHA-256 state after the part of the canonical request
// that precedes the payload hash, for one Content-Type value.
type crPrefix struct {
	contentType string
	state       savedState
}

// sigState is the scratch space of one signature: a SHA-256 that resumes
// from saved states, and buffers that live with it, so that nothing is
// allocated per call (a slice passed to hash.Hash.Write escapes).
type sigState struct {
	h   hash.Hash
	u   encoding.BinaryUnmarshaler // h, to resume a saved state
	buf [256]byte
	sum [sha256.Size]byte
}

var sigStates = sync.Pool{New: func() any {
	h := sha256.New()
	u, _ := h.(encoding.BinaryUnmarshaler)
	return &sigState{h: h, u: u}
}}

// savedState is the SHA-256 state after msg, marshaled, and msg itself, for
// a hash that could not resume from the state (none that crypto/sha256
// makes) to write it again.
type savedState struct {
	state []byte
	msg   []byte
}

// saveState returns the SHA-256 state after msg.
func saveState(msg []byte) savedState {
	h := sha256.New()
	h.Write(msg)
	s := savedState{msg: append([]byte(nil), msg...)}
	if m, ok := h.(encoding.BinaryMarshaler); ok {
		s.state, _ = m.MarshalBinary()
	}
	return s
}

// resume sets the hash to a saved state.
func (st *sigState) resume(s savedState) {
	if s.state != nil && st.u != nil && st.u.UnmarshalBinary(s.state) == nil {
		return
	}
	st.h.Reset()
	st.h.Write(s.msg)
}

// NewSigner returns a Signer for the key pair, the service name (Service for
// captcha) and the host the requests are sent to. The host is signed as
// given; include the port when the URL has one ("127.0.0.1:8080").
func NewSigner(secretID, secretKey, service, host string) *Signer {
	return &Signer{secretID: secretID, secretKey: secretKey, service: service, host: host}
}

// Authorization returns the Authorization header value for a POST to "/" at
// the Unix time timestamp, with the given Content-Type header value and body.
// The X-TC-Timestamp header must carry the same timestamp.
func (s *Signer) Authorization(timestamp int64, contentType string, body []byte) string {
	return string(s.appendAuthorization(nil, timestamp, contentType, body))
}

// appendAuthorization appends the Authorization header value to dst. It does
// not allocate when dst has room (after the first call of a UTC day and of
// a content type).
func (s *Signer) appendAuthorization(dst []byte, timestamp int64, contentType string, body []byte) []byte {
	payload := sha256.Sum256(body)
	return s.appendAuthorizationHashed(dst, timestamp, contentType, &payload)
}

// appendAuthorizationHashed is appendAuthorization for a body whose SHA-256
// is payload.
func (s *Signer) appendAuthorizationHashed(dst []byte, timestamp int64, contentType string, payload *[sha256.Size]byte) []byte {
	k := s.key(timestamp)
	st, _ := sigStates.Get().(*sigState)

	// CanonicalRequest: method, URI, query, headers and signed headers (the
	// cached prefix), then the payload hash.
	st.resume(s.canonicalPrefix(contentType))
	st.h.Write(hex.AppendEncode(st.buf[:0], payload[:]))
	crHash := st.h.Sum(st.sum[:0])

	// StringToSign, through HMAC-SHA256 with the day's key from its saved
	// inner and outer states.
	msg := append(st.buf[:0], Algorithm+"\n"...)
	msg = strconv.AppendInt(msg, timestamp, 10)
	msg = append(msg, '\n')
	msg = s.appendScope(msg, k)
	msg = append(msg, '\n')
	msg = hex.AppendEncode(msg, crHash)
	st.resume(k.inner)
	st.h.Write(msg)
	inner := st.h.Sum(st.sum[:0])
	st.resume(k.outer)
	st.h.Write(inner)
	sig := st.h.Sum(st.sum[:0])

	dst = append(dst, Algorithm+" Credential="...)
	dst = append(dst, s.secretID...)
	dst = append(dst, '/')
	dst = s.appendScope(dst, k)
	dst = append(dst, ", SignedHeaders=content-type;host, Signature="...)
	dst = hex.AppendEncode(dst, sig)
	sigStates.Put(st)
	return dst
}

// canonicalPrefix returns the saved SHA-256 state after
//
//	POST\n/\n\ncontent-type:<contentType>\nhost:<host>\n\ncontent-type;host\n
//
// cached for the last content type asked for.
func (s *Signer) canonicalPrefix(contentType string) savedState {
	if p := s.prefix.Load(); p != nil && p.contentType == contentType {
		return p.state
	}
	var buf [512]byte
	cr := append(buf[:0], "POST\n/\n\ncontent-type:"...)
	cr = appendCanonicalValue(cr, contentType)
	cr = append(cr, "\nhost:"...)
	cr = appendCanonicalValue(cr, s.host)
	cr = append(cr, "\n\ncontent-type;host\n"...)
	p := &crPrefix{contentType: contentType, state: saveState(cr)}
	s.prefix.Store(p)
	return p.state
}

// appendScope appends the credential scope "<date>/<service>/tc3_request".
func (s *Signer) appendScope(dst []byte, k *dayKey) []byte {
	dst = append(dst, k.date[:]...)
	dst = append(dst, '/')
	dst = append(dst, s.service...)
	return append(dst, "/tc3_request"...)
}

// appendCanonicalValue appends a header value as TC3 canonicalises it:
// trimmed of surrounding spaces (docs/wire.md#tencent-tc3-signing, step 2).
// The value is otherwise signed as sent, as the official SDK does.
func appendCanonicalValue(dst []byte, v string) []byte {
	for len(v) > 0 && (v[0] == ' ' || v[0] == '\t') {
		v = v[1:]
	}
	for len(v) > 0 && (v[len(v)-1] == ' ' || v[len(v)-1] == '\t') {
		v = v[:len(v)-1]
	}
	return append(dst, v...)
}

// key returns the signing key for the UTC day of timestamp, deriving it only
// when the day changed since the last call.
func (s *Signer) key(timestamp int64) *dayKey {
	day := floorDiv(timestamp, 86400)
	if k := s.day.Load(); k != nil && k.day == day {
		return k
	}
	k := deriveKey(s.secretKey, s.service, day)
	s.day.Store(k)
	return k
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// deriveKey computes kSigning = HMAC(HMAC(HMAC("TC3"+secretKey, date),
// service), "tc3_request") for the given day and precomputes its HMAC pads.
func deriveKey(secretKey, service string, day int64) *dayKey {
	k := &dayKey{day: day}
	time.Unix(day*86400, 0).UTC().AppendFormat(k.date[:0], time.DateOnly)
	kDate := hmacSHA256([]byte("TC3"+secretKey), k.date[:])
	kService := hmacSHA256(kDate, []byte(service))
	kSigning := hmacSHA256(kService, []byte("tc3_request"))
	for i := range k.ipad {
		k.ipad[i], k.opad[i] = 0x36, 0x5c
	}
	for i, b := range kSigning { // 32 bytes, shorter than the block: no pre-hash
		k.ipad[i] ^= b
		k.opad[i] ^= b
	}
	k.inner, k.outer = saveState(k.ipad[:]), saveState(k.opad[:])
	return k
}

func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}
