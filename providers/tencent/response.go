package tencent

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
)

// reply is the part of a DescribeCaptchaResult reply the provider reads.
type reply struct {
	Response struct {
		CaptchaCode int64       `json:"CaptchaCode"` // noCode when absent
		EvilLevel   int64       `json:"EvilLevel"`   // stays 0 when null
		RequestID   string      `json:"RequestId"`
		Error       *replyError `json:"Error"`
	} `json:"Response"`
}

type replyError struct {
	Code string `json:"Code"`
}

// noCode marks an absent (or null) CaptchaCode, which makes the reply
// undecodable. It is no real code; a reply that spells it out is treated the
// same way.
const noCode = math.MinInt64

// verdict is a decoded reply: either an error envelope (errCode set) or a
// CaptchaCode with its EvilLevel.
type verdict struct {
	errCode   string // the envelope's Error.Code; empty for a verdict
	code      int64  // CaptchaCode
	evil      int64  // EvilLevel (0 when null or absent)
	requestID string
}

var (
	errNotJSON    = errors.New("reply is not a JSON object")
	errNoResponse = errors.New("reply has no Response object")
	errNoCode     = errors.New("reply has neither an Error nor a CaptchaCode")
	errEmptyCode  = errors.New("reply has an Error without a Code")
)

// parseReply decodes a reply body into a typed struct (no generic maps). An
// error means the body is not a reply the API would send; it never quotes
// the body.
func parseReply(body []byte) (verdict, error) {
	var r reply
	r.Response.CaptchaCode = noCode
	if err := json.Unmarshal(body, &r); err != nil {
		return verdict{}, errNotJSON
	}
	resp := &r.Response
	v := verdict{requestID: resp.RequestID}
	switch {
	case resp.Error != nil:
		if resp.Error.Code == "" {
			return verdict{}, errEmptyCode
		}
		v.errCode = resp.Error.Code
		return v, nil
	case resp.CaptchaCode != noCode:
		v.code, v.evil = resp.CaptchaCode, resp.EvilLevel
		return v, nil
	case resp.RequestID == "":
		return verdict{}, errNoResponse
	default:
		return verdict{}, errNoCode
	}
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
