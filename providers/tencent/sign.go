package tencent

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
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
// service, so a Signer derives it once per UTC day and caches it. A Signer is
// safe for concurrent use.
type Signer struct {
	secretID  string
	secretKey string
	service   string
	host      string
	day       atomic.Pointer[dayKey]
}

// dayKey is the signing key of one UTC day, with the HMAC pads precomputed.
type dayKey struct {
	day  int64    // days since the Unix epoch
	date [10]byte // "YYYY-MM-DD"
	ipad [sha256.BlockSize]byte
	opad [sha256.BlockSize]byte
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
// not allocate when dst has room.
func (s *Signer) appendAuthorization(dst []byte, timestamp int64, contentType string, body []byte) []byte {
	k := s.key(timestamp)

	// CanonicalRequest: method, URI, query, headers, signed headers, payload hash.
	payload := sha256.Sum256(body)
	var crBuf [512]byte
	cr := append(crBuf[:0], "POST\n/\n\ncontent-type:"...)
	cr = appendCanonicalValue(cr, contentType)
	cr = append(cr, "\nhost:"...)
	cr = appendCanonicalValue(cr, s.host)
	cr = append(cr, "\n\ncontent-type;host\n"...)
	cr = hex.AppendEncode(cr, payload[:])
	crHash := sha256.Sum256(cr)

	// StringToSign, hashed with the day's key (HMAC-SHA256 on the cached pads).
	var msgBuf [sha256.BlockSize + 256]byte
	msg := append(msgBuf[:0], k.ipad[:]...)
	msg = append(msg, Algorithm+"\n"...)
	msg = strconv.AppendInt(msg, timestamp, 10)
	msg = append(msg, '\n')
	msg = s.appendScope(msg, k)
	msg = append(msg, '\n')
	msg = hex.AppendEncode(msg, crHash[:])
	inner := sha256.Sum256(msg)
	outerBuf := append(msg[:0], k.opad[:]...)
	outerBuf = append(outerBuf, inner[:]...)
	sig := sha256.Sum256(outerBuf)

	dst = append(dst, Algorithm+" Credential="...)
	dst = append(dst, s.secretID...)
	dst = append(dst, '/')
	dst = s.appendScope(dst, k)
	dst = append(dst, ", SignedHeaders=content-type;host, Signature="...)
	return hex.AppendEncode(dst, sig[:])
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
	return k
}

func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}
