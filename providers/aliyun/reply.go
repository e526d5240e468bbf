package aliyun

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/captchakit/captcha/internal/vendorhttp"
	captcha "github.com/captchakit/captcha/middleware"
)

// reply is what readReply reads from a VerifyIntelligentCaptcha answer or a
// gateway error envelope.
type reply struct {
	RequestID    string
	Code         string
	HasSuccess   bool // Success was present
	Success      bool
	HasResult    bool // Result was present (an object)
	VerifyResult bool
	VerifyCode   string
}

// wireReply is the reply as encoding/json decodes it.
type wireReply struct {
	RequestID string `json:"RequestId"`
	Success   *bool  `json:"Success"`
	Code      string `json:"Code"`
	Result    *struct {
		VerifyResult bool   `json:"VerifyResult"`
		VerifyCode   string `json:"VerifyCode"`
	} `json:"Result"`
}

// decodeReply decodes body: with parseFast when the reply has the usual
// shape, else with encoding/json.
func decodeReply(body []byte) (reply, error) {
	if r, ok := parseFast(body); ok {
		return r, nil
	}
	return decodeSlow(body)
}

// decodeSlow decodes body with encoding/json.
func decodeSlow(body []byte) (reply, error) {
	var w wireReply
	if err := json.Unmarshal(body, &w); err != nil {
		return reply{}, err
	}
	r := reply{RequestID: w.RequestID, Code: w.Code}
	if w.Success != nil {
		r.HasSuccess, r.Success = true, *w.Success
	}
	if w.Result != nil {
		r.HasResult, r.VerifyResult, r.VerifyCode = true, w.Result.VerifyResult, w.Result.VerifyCode
	}
	return r, nil
}

var errUndecodable = errors.New("undecodable reply")
var errNoVerdict = errors.New("reply carries no verdict")

// readReply maps an HTTP status and body to a Result or a classified error.
//
// A verdict needs a decodable 200 reply with a Result whose VerifyCode is
// set and whose call-level Code is "Success" (or absent) and Success not
// false. It passes only if VerifyResult is true and VerifyCode is a T-code;
// anything else with a verdict is a rejection carrying the code. Replies
// without a verdict are classified by their gateway Code, or by HTTP status
// when there is none; an InvalidParameter code or an HTTP 413 is a rejection
// (see clientCaused).
func readReply(status int, body []byte) (captcha.Result, error) {
	r, err := decodeReply(body)
	if status != http.StatusOK {
		code := ""
		if err == nil {
			code = r.Code
		}
		switch {
		case clientCaused(code, status):
			return refused(code, status, r.RequestID), nil
		case code != "":
			return captcha.Result{}, classify(code, status)
		}
		return captcha.Result{}, vendorhttp.ClassifyStatus(Name, status)
	}
	if err != nil {
		return captcha.Result{}, vendorhttp.Wrap(Name, captcha.ErrUnavailable, "decode", errUndecodable)
	}
	callOK := (!r.HasSuccess || r.Success) && (r.Code == "" || r.Code == "Success")
	if callOK && r.HasResult && r.VerifyCode != "" {
		code := verifyCode(r.VerifyCode)
		return captcha.Result{
			Passed:    r.VerifyResult && code[0] == 'T',
			Code:      code,
			RequestID: safeCode(r.RequestID),
		}, nil
	}
	if r.Code != "" && r.Code != "Success" {
		if clientCaused(r.Code, status) {
			return refused(r.Code, status, r.RequestID), nil
		}
		return captcha.Result{}, classify(r.Code, status)
	}
	return captcha.Result{}, vendorhttp.Wrap(Name, captcha.ErrUnavailable, "decode", errNoVerdict)
}

// verifyCodes is the VerifyCode table Alibaba documents, code → meaning:
// T001, T005, T006 and F001–F013 from the server-integration doc and the
// official samples; F014–F017, F022 and F024 from the current table of the
// client V3-architecture reply doc; F018–F020 and F023 from the docs'
// constraint notes and a third-party copy of an older table. A T-code
// passes (with VerifyResult true) and every F-code is a rejection with the
// code in Result.Code; none is an outage or a misconfiguration, since each
// is a verdict on the ticket the client sent. A code missing here is judged
// by its first letter all the same, so a code Alibaba adds later fails
// closed unless it is a T-code with VerifyResult true.
var verifyCodes = map[string]string{
	"T001": "passed",
	"T005": "console test mode set to pass",
	"T006": "matched a whitelist policy",
	"F001": "suspected attack: failed the risk policy",
	"F002": "CaptchaVerifyParam empty",
	"F003": "CaptchaVerifyParam malformed",
	"F004": "console test mode set to fail",
	"F005": "scene ID does not exist",
	"F006": "scene ID belongs to another account",
	"F007": "verification exceeded its time limit",
	"F008": "duplicate submission: each value verifies once",
	"F009": "virtual-device environment",
	"F010": "same-IP frequency limit exceeded",
	"F011": "same-device frequency limit exceeded",
	"F012": "SceneId differs from the scene inside CaptchaVerifyParam",
	"F013": "CaptchaVerifyParam misses fields",
	"F014": "no initialization record (over 20 minutes since init, or never initialized)",
	"F015": "interactive check failed (e.g. the puzzle piece was misplaced)",
	"F016": "custom policy's URL check failed",
	"F017": "suspected attack: protocol or parameter anomaly",
	"F018": "V3 architecture: CaptchaVerifyParam reused",
	"F019": "V3 architecture: over 90 s between the client's verification and this call",
	"F020": "V3 architecture: parameter mismatch",
	"F022": "V3 architecture: encrypted-mode check failed (client resources abused, or the client integrated wrongly)",
	"F023": "V2 architecture: automatic failure after initialization failed",
	"F024": "automated script simulating clicks or slides",
}

// verifyCode returns a VerifyCode from the wire as Result.Code: a
// documented code as it is, anything else bounded by safeCode.
func verifyCode(s string) string {
	if _, ok := verifyCodes[s]; ok {
		return s
	}
	return safeCode(s)
}

// clientCaused reports whether a gateway refusal is about the value the
// client sent rather than about us or the vendor: an InvalidParameter code
// (captchaVerifyParam is the only parameter whose content the client
// chooses; the scene ID is validated in New) or an HTTP 413 (the parameter
// is too large for the gateway). Such a refusal is a rejection: it must not
// be an outage, which could open failback, nor a misconfiguration, which is
// logged loudly, since a client can cause it at will.
func clientCaused(code string, status int) bool {
	return status == http.StatusRequestEntityTooLarge || strings.HasPrefix(code, "InvalidParameter")
}

// refused is the rejection for a client-caused gateway refusal: Code is the
// gateway code, or "http-413" when the reply carried none.
func refused(code string, status int, requestID string) captcha.Result {
	code = safeCode(code)
	if code == "" {
		code = "http-" + strconv.Itoa(status)
	}
	return captcha.Result{Code: code, RequestID: safeCode(requestID)}
}

// misconfigured lists the gateway code prefixes that mean our credentials,
// signature, clock or request are wrong.
//
// SignatureNonceUsed is among them: every request carries a fresh 128-bit
// nonce from crypto/rand, so the gateway reporting a reused one means a
// broken random source or something replaying our requests in the path, not
// an outage. It must be loud and fail closed, never open failback.
var misconfigured = []string{
	"InvalidAccessKeyId",
	"SignatureDoesNotMatch",
	"IncompleteSignature",
	"InvalidTimeStamp",
	"SignatureNonceUsed",
	"Forbidden",
	"Missing",
	"InvalidApi",
	"InvalidVersion",
	"InvalidSecurityToken",
}

// classify maps a gateway error code to its class: Throttling* is
// ErrThrottled; InternalError and ServiceUnavailable are ErrUnavailable; the
// misconfigured list is ErrMisconfigured; any other code is ErrUnavailable on
// a 5xx or a 200 and ErrMisconfigured on a 4xx.
func classify(code string, status int) error {
	code = safeCode(code)
	class := captcha.ErrUnavailable
	switch {
	case strings.HasPrefix(code, "Throttling"):
		class = captcha.ErrThrottled
	case strings.HasPrefix(code, "InternalError"), strings.HasPrefix(code, "ServiceUnavailable"):
		class = captcha.ErrUnavailable
	case hasAnyPrefix(code, misconfigured):
		class = captcha.ErrMisconfigured
	case status >= 400 && status < 500:
		class = captcha.ErrMisconfigured
	}
	return vendorhttp.Wrap(Name, class, code, nil)
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// safeCode bounds a code from the wire to 64 printable ASCII characters
// without spaces, so a hostile reply cannot inject text into logs.
func safeCode(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	if printable(s) {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c <= ' ' || c > '~' {
			b[i] = '?'
		}
	}
	return string(b)
}
