package siteverify

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// Reply is a decoded siteverify reply, as far as the providers read it.
type Reply struct {
	// Verdict reports that the reply carried a boolean "success"; Success
	// is its value.
	Verdict bool
	Success bool
	// ErrorCodes are the "error-codes", each cut to a printable code (see
	// cleanCode). Empty on a normal success.
	ErrorCodes []string
	// ChallengeTS is "challenge_ts", parsed; HasChallengeTS reports that it
	// was present and parsed.
	ChallengeTS    time.Time
	HasChallengeTS bool
	// Hostname, Action and CData are the token's "hostname", "action" and
	// "cdata".
	Hostname string
	Action   string
	CData    string
	// Score is "score" as the vendor sent it, when HasScore.
	Score    float64
	HasScore bool
	// ScoreReason is hCaptcha Enterprise's "score_reason" (or
	// "score-reason", the spelling some clients decode).
	ScoreReason []string
	// EphemeralID is Turnstile Enterprise's "metadata.ephemeral_id".
	EphemeralID string
}

// wireReply is the JSON shape. Optional fields whose type is wrong are left
// zero (see Parse); Success and Score have types of their own, so that a
// missing or mistyped verdict is told apart from false and a mistyped score
// is no score.
type wireReply struct {
	Success      verdictField `json:"success"`
	ErrorCodes   []string     `json:"error-codes"`
	ChallengeTS  string       `json:"challenge_ts"`
	Hostname     string       `json:"hostname"`
	Action       string       `json:"action"`
	CData        string       `json:"cdata"`
	Score        scoreField   `json:"score"`
	ScoreReason  []string     `json:"score_reason"`
	ScoreReason2 []string     `json:"score-reason"`
	Metadata     struct {
		EphemeralID string `json:"ephemeral_id"`
	} `json:"metadata"`
}

// errNotObject is Parse's one error; it never quotes the body.
var errNotObject = errors.New("reply is not a JSON object")

// Parse decodes a siteverify reply body. Its only error is a body that is
// not a JSON object. Within an object it is lenient, as the vendors ask
// ("failure bodies may contain additional fields"): unknown keys are
// ignored, and a field of the wrong type is left as if absent, so a
// mistyped "success" is no verdict, a mistyped "score" no score, and so on;
// every check that needs a field then fails.
func Parse(body []byte) (Reply, error) {
	if !isObject(body) {
		return Reply{}, errNotObject
	}
	var w wireReply
	if err := json.Unmarshal(body, &w); err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return Reply{}, errNotObject
		}
		// The decoder skipped the mistyped field and went on.
	}
	r := Reply{
		Hostname:    w.Hostname,
		Action:      w.Action,
		CData:       w.CData,
		ScoreReason: w.ScoreReason,
		EphemeralID: w.Metadata.EphemeralID,
	}
	if r.ScoreReason == nil {
		r.ScoreReason = w.ScoreReason2
	}
	r.Verdict, r.Success = w.Success.set, w.Success.val
	r.Score, r.HasScore = w.Score.val, w.Score.set
	if len(w.ErrorCodes) > 0 {
		r.ErrorCodes = make([]string, 0, len(w.ErrorCodes))
		for _, c := range w.ErrorCodes {
			r.ErrorCodes = append(r.ErrorCodes, cleanCode(c))
		}
	}
	if w.ChallengeTS != "" {
		r.ChallengeTS, r.HasChallengeTS = parseTime(w.ChallengeTS)
	}
	return r, nil
}

// verdictField is "success": set only by a JSON true or false; anything
// else (a string, null, a number) is no verdict. It decodes from the raw
// bytes without a copy.
type verdictField struct{ set, val bool }

func (v *verdictField) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true":
		*v = verdictField{true, true}
	case "false":
		*v = verdictField{true, false}
	default:
		*v = verdictField{}
	}
	return nil
}

// scoreField is "score": set only by a finite JSON number; anything else
// (a string, null, an object, 1e400) is no score.
type scoreField struct {
	set bool
	val float64
}

func (s *scoreField) UnmarshalJSON(b []byte) error {
	*s = scoreField{}
	if len(b) == 0 || (b[0] != '-' && (b[0] < '0' || b[0] > '9')) {
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		*s = scoreField{true, f}
	}
	return nil
}

// isObject reports whether body, after leading white space, starts an
// object. A valid JSON document that starts so is an object.
func isObject(body []byte) bool {
	for _, c := range body {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return true
		}
		return false
	}
	return false
}

// parseTime parses a challenge_ts: RFC 3339 with or without fractional
// seconds (Turnstile and hCaptcha send milliseconds and "Z", reCAPTCHA
// whole seconds), or with a numeric offset without a colon, as Google's
// notation "yyyy-MM-dd'T'HH:mm:ssZZ" may be read.
func parseTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02T15:04:05.999999999-0700", s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// maxCodeLen bounds an error code as reported in Result.Code. The vendors'
// codes are under 40 bytes.
const maxCodeLen = 64

// cleanCode returns code cut to maxCodeLen bytes of printable ASCII, each
// other byte replaced by '?', or "empty" for an empty code: a vendor's
// codes end up in results and logs.
func cleanCode(code string) string {
	if code == "" {
		return "empty"
	}
	if len(code) > maxCodeLen {
		code = code[:maxCodeLen]
	}
	for i := 0; i < len(code); i++ {
		if code[i] <= ' ' || code[i] >= 0x7f {
			return strings.Map(func(r rune) rune {
				if r <= ' ' || r >= 0x7f {
					return '?'
				}
				return r
			}, code)
		}
	}
	return code
}

// Class is what an error code says about a failed verification.
type Class int

// The classes, in increasing precedence: when a reply carries several
// codes, the one of the highest class decides (an unknown or client-caused
// code outranks the vendor's "internal-error", so that no client-chosen
// token can turn a rejection into an outage, and a misconfiguration
// outranks everything, so that it is loud).
const (
	// Unavailable: the vendor could not judge ("internal-error"):
	// captcha.ErrUnavailable.
	Unavailable Class = iota
	// Reject: the token is bad, or the code is unknown: a rejection,
	// Result{Passed: false} with the code.
	Reject
	// Duplicate: the token was used before or expired
	// ("timeout-or-duplicate", "already-seen-response"): a rejection with
	// the code. The vendors merge "expired" and "reused" in one code, so
	// it is not captcha.ErrReplayed, which the core reserves for what its
	// own ledger saw.
	Duplicate
	// Misconfigured: our request or our keys are wrong
	// ("invalid-input-secret", "bad-request"): captcha.ErrMisconfigured.
	Misconfigured
)

// BaseClass classifies the codes the three vendors share:
//
//	missing-input-secret, invalid-input-secret, bad-request   Misconfigured
//	timeout-or-duplicate                                      Duplicate
//	internal-error                                            Unavailable
//	anything else                                             Reject
//
// missing-input-response and invalid-input-response are rejections: the
// client sent no token, or a bad one. Vendor packages classify their own
// codes first and fall back to BaseClass.
func BaseClass(code string) Class {
	switch code {
	case "missing-input-secret", "invalid-input-secret", "bad-request":
		return Misconfigured
	case "timeout-or-duplicate":
		return Duplicate
	case "internal-error":
		return Unavailable
	}
	return Reject
}

// decide returns the code that decides a failed reply and its class: the
// first code of the highest class.
func decide(codes []string, classify func(string) Class) (string, Class) {
	best, bestClass := "", Class(-1)
	for _, c := range codes {
		if k := classify(c); k > bestClass {
			best, bestClass = c, k
		}
	}
	return best, bestClass
}
