package tencent

import (
	"errors"
	"math"
	"strings"
)

// noCode marks an absent (or null) CaptchaCode, which makes the reply
// undecodable. It is no real code; a reply that spells it out is treated the
// same way.
const noCode = math.MinInt64

// verdict is a decoded reply: either an error envelope (errCode set) or a
// CaptchaCode with its EvilLevel and the optional fields.
type verdict struct {
	errCode   string // the envelope's Error.Code; empty for a verdict
	code      int64  // CaptchaCode
	evil      int64  // EvilLevel (0 when null or absent)
	requestID string
	extra     Extra // the optional fields, for a verdict
	has       uint8 // which optional fields are present: has* bits
}

// Bits of verdict.has: an optional field that is present with a value of its
// type (a JSON integer in the int64 range, a string). A field that is null
// or of another type is absent: the optional fields never make a reply
// undecodable.
const (
	hasScore uint8 = 1 << iota
	hasEvilBitmap
	hasDeviceRiskCategory
	hasGetCaptchaTime
	hasSubmitCaptchaTime
)

var (
	errNotJSON    = errors.New("reply is not a JSON object")
	errNoResponse = errors.New("reply has no Response object")
	errNoCode     = errors.New("reply has neither an Error nor a CaptchaCode")
	errEmptyCode  = errors.New("reply has an Error without a Code")
)

// parseReply decodes a DescribeCaptchaResult reply body. An error means the
// body is not a reply the API would send; it never quotes the body.
//
// It is a scanner for exactly the reply's shape, in one pass and without
// reflection, that decodes what encoding/json would decode into
//
//	struct{ Response struct {
//		CaptchaCode int64   // noCode when absent or null
//		EvilLevel   int64
//		RequestId   string
//		Error       *struct{ Code string }
//	} }
//
// and agrees with it on every input (FuzzParseReplyDifferential): the
// same JSON grammar (any other member's value is skipped but checked, to
// encoding/json's nesting limit), member names matched as encoding/json
// matches them (case-insensitively, after unescaping), the last of
// duplicate members winning, null leaving a field as it was (and an Error
// pointer nil), a value of the wrong type making the reply undecodable, and
// string escapes, surrogate pairs and invalid UTF-8 decoded the same way
// (invalid bytes become U+FFFD). On top of that it reads the optional
// fields Score, EvilBitmap, DeviceRiskCategory, GetCaptchaTime and
// SubmitCaptchaTime leniently (see verdict.has).
//
// It allocates only the strings it keeps: RequestId, Error.Code and
// DeviceRiskCategory, at most one allocation each, and, for a container
// nested more than 128 levels deep in a value it skips, the bits that track
// the levels.
func parseReply(body []byte) (verdict, error) {
	p := replyParser{b: body}
	p.v.code = noCode
	i := skipSpace(body, 0)
	if i == len(body) {
		return verdict{}, errNotJSON
	}
	ok := false
	switch body[i] {
	case '{':
		i, ok = p.top(i)
	case 'n':
		i, ok = literal(body, i, "null") // decodes to nothing: no Response
	}
	// Any other top-level value is either not JSON or cannot decode into the
	// reply: encoding/json fails on both alike.
	if !ok || skipSpace(body, i) != len(body) {
		return verdict{}, errNotJSON
	}
	return p.result()
}

// replyParser holds the state of one parseReply.
type replyParser struct {
	b        []byte
	v        verdict
	hasError bool // an Error object is present (encoding/json: non-nil pointer)
}

// result applies the decision to what the parser collected.
func (p *replyParser) result() (verdict, error) {
	switch {
	case p.hasError:
		if p.v.errCode == "" {
			return verdict{}, errEmptyCode
		}
		return verdict{errCode: p.v.errCode, requestID: p.v.requestID}, nil
	case p.v.code != noCode:
		p.v.errCode = ""
		return p.v, nil
	case p.v.requestID == "":
		return verdict{}, errNoResponse
	default:
		return verdict{}, errNoCode
	}
}

// Members the parser keeps, by object.
const (
	memberOther = iota
	memberResponse
	memberCaptchaCode
	memberEvilLevel
	memberRequestID
	memberError
	memberScore
	memberEvilBitmap
	memberDeviceRiskCategory
	memberGetCaptchaTime
	memberSubmitCaptchaTime
	memberCode
)

// Container depths: the reply object, Response, Error.
const (
	depthTop = 1 + iota
	depthResponse
	depthError
)

// top parses the reply object at b[i] == '{'.
func (p *replyParser) top(i int) (int, bool) {
	b := p.b
	i++
	for first := true; ; first = false {
		key, slow, j, more, ok := nextMember(b, i, first)
		if !ok || !more {
			return j, ok
		}
		i = skipSpace(b, j)
		if topMember(key, slow) != memberResponse {
			if i, ok = skipValue(b, i, depthTop); !ok {
				return i, false
			}
			continue
		}
		if i == len(b) {
			return i, false
		}
		switch b[i] {
		case '{':
			i, ok = p.response(i)
		case 'n':
			i, ok = literal(b, i, "null") // leaves Response as it was
		default:
			ok = false // Response of another type
		}
		if !ok {
			return i, false
		}
	}
}

// response parses the Response object at b[i] == '{'.
func (p *replyParser) response(i int) (int, bool) {
	b := p.b
	i++
	for first := true; ; first = false {
		key, slow, j, more, ok := nextMember(b, i, first)
		if !ok || !more {
			return j, ok
		}
		i = skipSpace(b, j)
		var present bool
		switch m := responseMember(key, slow); m {
		case memberCaptchaCode:
			i, ok = strictInt(b, i, &p.v.code)
		case memberEvilLevel:
			i, ok = strictInt(b, i, &p.v.evil)
		case memberRequestID:
			i, ok = strictString(b, i, &p.v.requestID)
		case memberError:
			i, ok = p.errorObject(i)
		case memberScore:
			i, present, ok = lenientInt(b, i, depthResponse, &p.v.extra.Score)
			p.v.setHas(hasScore, present)
		case memberEvilBitmap:
			i, present, ok = lenientInt(b, i, depthResponse, &p.v.extra.EvilBitmap)
			p.v.setHas(hasEvilBitmap, present)
		case memberGetCaptchaTime:
			i, present, ok = lenientInt(b, i, depthResponse, &p.v.extra.GetCaptchaTime)
			p.v.setHas(hasGetCaptchaTime, present)
		case memberSubmitCaptchaTime:
			i, present, ok = lenientInt(b, i, depthResponse, &p.v.extra.SubmitCaptchaTime)
			p.v.setHas(hasSubmitCaptchaTime, present)
		case memberDeviceRiskCategory:
			i, present, ok = lenientString(b, i, depthResponse, &p.v.extra.DeviceRiskCategory)
			p.v.setHas(hasDeviceRiskCategory, present)
		default:
			i, ok = skipValue(b, i, depthResponse)
		}
		if !ok {
			return i, false
		}
	}
}

func (v *verdict) setHas(bit uint8, present bool) {
	if present {
		v.has |= bit
	} else {
		v.has &^= bit
	}
}

// errorObject parses the value of Response.Error at b[i]: an object fills
// the Error (a second one adds to the first, as encoding/json decodes into
// the existing struct), null removes it, anything else is a type error.
func (p *replyParser) errorObject(i int) (int, bool) {
	b := p.b
	if i == len(b) {
		return i, false
	}
	switch b[i] {
	case 'n':
		p.hasError, p.v.errCode = false, ""
		return literal(b, i, "null")
	case '{':
	default:
		return i, false
	}
	if !p.hasError {
		p.hasError, p.v.errCode = true, ""
	}
	i++
	for first := true; ; first = false {
		key, slow, j, more, ok := nextMember(b, i, first)
		if !ok || !more {
			return j, ok
		}
		i = skipSpace(b, j)
		if errorMember(key, slow) == memberCode {
			i, ok = strictString(b, i, &p.v.errCode)
		} else {
			i, ok = skipValue(b, i, depthError)
		}
		if !ok {
			return i, false
		}
	}
}

// Member names, matched exactly first and then folded as encoding/json folds
// them (see foldKey).

func topMember(key []byte, slow bool) int {
	if !slow && string(key) == "Response" {
		return memberResponse
	}
	var buf [foldMax]byte
	if f, ok := foldKey(key, slow, &buf); ok && string(f) == "RESPONSE" {
		return memberResponse
	}
	return memberOther
}

func responseMember(key []byte, slow bool) int {
	if !slow {
		switch string(key) {
		case "CaptchaCode":
			return memberCaptchaCode
		case "EvilLevel":
			return memberEvilLevel
		case "RequestId":
			return memberRequestID
		case "Error":
			return memberError
		case "Score":
			return memberScore
		case "EvilBitmap":
			return memberEvilBitmap
		case "DeviceRiskCategory":
			return memberDeviceRiskCategory
		case "GetCaptchaTime":
			return memberGetCaptchaTime
		case "SubmitCaptchaTime":
			return memberSubmitCaptchaTime
		case "CaptchaMsg":
			return memberOther
		}
	}
	var buf [foldMax]byte
	f, ok := foldKey(key, slow, &buf)
	if !ok {
		return memberOther
	}
	switch string(f) {
	case "CAPTCHACODE":
		return memberCaptchaCode
	case "EVILLEVEL":
		return memberEvilLevel
	case "REQUESTID":
		return memberRequestID
	case "ERROR":
		return memberError
	case "SCORE":
		return memberScore
	case "EVILBITMAP":
		return memberEvilBitmap
	case "DEVICERISKCATEGORY":
		return memberDeviceRiskCategory
	case "GETCAPTCHATIME":
		return memberGetCaptchaTime
	case "SUBMITCAPTCHATIME":
		return memberSubmitCaptchaTime
	}
	return memberOther
}

func errorMember(key []byte, slow bool) int {
	if !slow && string(key) == "Code" {
		return memberCode
	}
	var buf [foldMax]byte
	if f, ok := foldKey(key, slow, &buf); ok && string(f) == "CODE" {
		return memberCode
	}
	return memberOther
}

// envelopeClass is the class of an error envelope's code:
//
//	InternalError*, ServiceUnavailable*        ErrUnavailable
//	RequestLimitExceeded*, LimitExceeded*      ErrThrottled
//	anything else                              ErrMisconfigured
//
// AuthFailure.*, UnauthorizedOperation.*, InvalidParameter*, MissingParameter
// and every code not listed fall in the last row: an unknown code fails
// closed, loudly, because a client-controlled ticket might provoke it and
// must not be able to steer the request into the failback policy.
type envelopeClass int

const (
	classMisconfigured envelopeClass = iota
	classUnavailable
	classThrottled
)

func classifyEnvelope(code string) envelopeClass {
	switch {
	case hasCodePrefix(code, "InternalError"), hasCodePrefix(code, "ServiceUnavailable"):
		return classUnavailable
	case hasCodePrefix(code, "RequestLimitExceeded"), hasCodePrefix(code, "LimitExceeded"):
		return classThrottled
	}
	return classMisconfigured
}

// hasCodePrefix reports whether code is p or p followed by a ".subcode".
func hasCodePrefix(code, p string) bool {
	return code == p || strings.HasPrefix(code, p+".")
}
