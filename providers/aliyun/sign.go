package aliyun

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"slices"
	"strings"
	"sync"
)

// algorithm is the ACS3 signature algorithm this package implements.
const algorithm = "ACS3-HMAC-SHA256"

// header is one request header as given to the canonicaliser. Names may be in
// any case; the canonicaliser lowercases them.
type header struct{ name, value string }

// param is one query parameter.
type param struct{ key, value string }

// appendCanonicalRequest appends the ACS3 canonical request for the given
// parts to dst (docs/wire.md#alibaba-acs3-signing, steps 1-5) and returns it
// together with the offsets of the signed-headers line inside the returned
// slice, so the caller can reuse that line in the Authorization header.
//
// It is the general form the SDK's GetAuthorization computes: an empty path is
// "/", query keys are sorted and values RFC 3986 encoded (an empty value gives
// "key="), and of the headers only host, content-type and x-acs-* are signed,
// lowercased, trimmed, sorted, with duplicate names merged by joining their
// sorted values with ",". It sorts and rewrites query and headers in place and
// allocates nothing when their names are already lowercase.
func appendCanonicalRequest(dst []byte, method, path string, query []param, headers []header, payloadHash string) (out []byte, signedStart, signedEnd int) {
	dst = append(dst, method...)
	dst = append(dst, '\n')
	if path == "" {
		path = "/"
	}
	dst = appendCanonicalPath(dst, path)
	dst = append(dst, '\n')

	slices.SortFunc(query, func(a, b param) int { return strings.Compare(a.key, b.key) })
	for i, q := range query {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = appendCanonicalPath(dst, q.key)
		dst = append(dst, '=')
		dst = appendRFC3986(dst, q.value)
	}
	dst = append(dst, '\n')

	// Keep the signed headers, lowercased and trimmed, then sort by name and
	// value so that duplicates sit together with their values in order.
	n := 0
	for _, h := range headers {
		name := strings.ToLower(h.name)
		if name != "host" && name != "content-type" && !strings.HasPrefix(name, "x-acs-") {
			continue
		}
		headers[n] = header{name: name, value: strings.TrimSpace(h.value)}
		n++
	}
	headers = headers[:n]
	slices.SortFunc(headers, func(a, b header) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	for i, h := range headers {
		if i > 0 && headers[i-1].name == h.name {
			dst = append(dst, ',')
		} else {
			if i > 0 {
				dst = append(dst, '\n')
			}
			dst = append(dst, h.name...)
			dst = append(dst, ':')
		}
		dst = append(dst, h.value...)
	}
	if n > 0 {
		dst = append(dst, '\n')
	}
	dst = append(dst, '\n')

	signedStart = len(dst)
	for i, h := range headers {
		if i > 0 && headers[i-1].name == h.name {
			continue
		}
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = append(dst, h.name...)
	}
	signedEnd = len(dst)
	dst = append(dst, '\n')
	dst = append(dst, payloadHash...)
	return dst, signedStart, signedEnd
}

// appendCanonicalPath appends s with the SDK's path rewrites: "+" becomes
// "%20", "*" becomes "%2A" and "%7E" becomes "~".
func appendCanonicalPath(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			dst = append(dst, "%20"...)
		case c == '*':
			dst = append(dst, "%2A"...)
		case c == '%' && i+2 < len(s) && s[i+1] == '7' && (s[i+2] == 'E' || s[i+2] == 'e'):
			if s[i+2] == 'E' {
				dst = append(dst, '~')
				i += 2
			} else {
				dst = append(dst, c)
			}
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

const upperHex = "0123456789ABCDEF"

// unreserved reports whether c is an RFC 3986 unreserved character.
func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// appendRFC3986 appends s percent-encoded as the canonical query wants it:
// unreserved characters literal, everything else %XX, a space %20.
func appendRFC3986(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
	}
	return dst
}

// signer computes ACS3-HMAC-SHA256 signatures with one secret. The keyed
// HMAC state is pooled, so no call derives it again.
type signer struct{ pool sync.Pool }

// macState is one pooled keyed HMAC with scratch space that does not escape
// per call.
type macState struct {
	mac     hash.Hash
	scratch [2*sha256.Size + sha256.Size]byte
}

var stringToSignPrefix = []byte(algorithm + "\n")

func newSigner(secret string) *signer {
	key := []byte(secret)
	s := &signer{}
	s.pool.New = func() any { return &macState{mac: hmac.New(sha256.New, key)} }
	return s
}

// signature returns hex(HMAC-SHA256(secret, StringToSign)) for the canonical
// request cr.
func (s *signer) signature(cr []byte) (sig [2 * sha256.Size]byte) {
	st, _ := s.pool.Get().(*macState)
	sum := sha256.Sum256(cr)
	crHex := st.scratch[:2*sha256.Size]
	hex.Encode(crHex, sum[:])
	st.mac.Reset()
	_, _ = st.mac.Write(stringToSignPrefix)
	_, _ = st.mac.Write(crHex)
	mac := st.mac.Sum(st.scratch[2*sha256.Size : 2*sha256.Size])
	hex.Encode(sig[:], mac)
	s.pool.Put(st)
	return sig
}

// appendAuthorization appends the Authorization header value for key ID id,
// the signed-headers line and the hex signature.
func appendAuthorization(dst []byte, id string, signedHeaders, sig []byte) []byte {
	dst = append(dst, algorithm+" Credential="...)
	dst = append(dst, id...)
	dst = append(dst, ",SignedHeaders="...)
	dst = append(dst, signedHeaders...)
	dst = append(dst, ",Signature="...)
	return append(dst, sig...)
}
