package tencent

import (
	"strconv"
	"unicode/utf8"
)

// appendBody appends the DescribeCaptchaResult request body, in the field
// order of the API reference:
//
//	{"CaptchaType":9,"Ticket":"…","UserIp":"…","Randstr":"…","CaptchaAppId":N,"AppSecretKey":"…"}
//
// (with the optional parameters Config asks for before the '}'). tail is the
// constant end of the object, from appendBodyTail.
func appendBody(dst []byte, ticket, userIP, randstr string, tail []byte) []byte {
	dst = append(dst, `{"CaptchaType":9,"Ticket":`...)
	dst = appendJSONString(dst, ticket)
	dst = append(dst, `,"UserIp":`...)
	dst = appendJSONString(dst, userIP)
	dst = append(dst, `,"Randstr":`...)
	dst = appendJSONString(dst, randstr)
	return append(dst, tail...)
}

// bodyOptions are the optional request parameters; zero values are not
// sent.
type bodyOptions struct {
	businessID, sceneID uint64
	needGetCaptchaTime  bool
}

// appendBodyTail appends the part of the body that is the same for every
// request of one app: `,"CaptchaAppId":N,"AppSecretKey":"…"`, then
// `,"BusinessId":N`, `,"SceneId":N` and `,"NeedGetCaptchaTime":1` as opts
// asks, and the closing '}'. The IDs are JSON numbers, as the API requires.
func appendBodyTail(dst []byte, appID uint64, appSecretKey string, opts bodyOptions) []byte {
	dst = append(dst, `,"CaptchaAppId":`...)
	dst = strconv.AppendUint(dst, appID, 10)
	dst = append(dst, `,"AppSecretKey":`...)
	dst = appendJSONString(dst, appSecretKey)
	if opts.businessID != 0 {
		dst = append(dst, `,"BusinessId":`...)
		dst = strconv.AppendUint(dst, opts.businessID, 10)
	}
	if opts.sceneID != 0 {
		dst = append(dst, `,"SceneId":`...)
		dst = strconv.AppendUint(dst, opts.sceneID, 10)
	}
	if opts.needGetCaptchaTime {
		dst = append(dst, `,"NeedGetCaptchaTime":1`...)
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a quoted JSON string. It escapes what JSON
// requires (quote, backslash, control characters), plus U+2028 and U+2029;
// each byte of invalid UTF-8 becomes U+FFFD, as encoding/json does, so the
// output is always valid JSON.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
