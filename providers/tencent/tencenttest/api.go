package tencenttest

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/captchakit/captcha/internal/emulator"
	"github.com/captchakit/captcha/providers/providertest"
)

// Error codes and messages of the envelopes the emulator answers, as Tencent
// words them.
var errorMessages = map[string]string{
	"AuthFailure.InvalidAuthorization": "The Authorization header is invalid.",
	"AuthFailure.SecretIdNotFound":     "The SecretId is not found, please ensure that your SecretId is correct.",
	"AuthFailure.SignatureExpire":      "Signature expired. Timestamp comparisons failed.",
	"AuthFailure.SignatureFailure":     "The provided credentials could not be validated. Please check your signature is correct.",
	"AuthFailure.TokenFailure":         "The token is invalid or has expired.",
	"InternalError":                    "An internal error has occurred. Retry your request, but if the problem persists, contact us.",
	"InvalidAction":                    "The action requested is invalid.",
	"InvalidParameter":                 "The request body is not a valid JSON object of the expected parameter types.",
	"MissingParameter":                 "The request is missing a required parameter.",
	"NoSuchVersion":                    "The requested version does not exist or is not supported.",
	"RequestLimitExceeded":             "Your current request times exceed the frequency limit of 1000 per second. Please reduce the frequency of calls.",
	"RequestSizeLimitExceeded":         "The request size exceeds the limit.",
	"UnsupportedProtocol":              "Only POST with a JSON body is supported by this emulator.",
}

// captchaMsgs are the CaptchaMsg texts of the verdicts, as the current
// DescribeCaptchaResult model documents them (code 16 was "appid no match"
// in the older table; it is now "appid-ticket mismatch"). 26 is from the
// historic table, which the current one no longer lists.
var captchaMsgs = map[int]string{
	1:   "OK",
	7:   "captcha no match",
	8:   "ticket expired",
	9:   "ticket reused",
	15:  "decrypt fail",
	16:  "appid-ticket mismatch",
	21:  "diff",
	26:  "system busy",
	100: "appid-secretkey-ticket mismatch",
}

const maxRequestBody = 1 << 20

// serveAPI answers one DescribeCaptchaResult request (faults at the HTTP
// level were already applied by Faults.Wrap).
func (e *Emulator) serveAPI(w http.ResponseWriter, r *http.Request) {
	switch e.faults.Current() {
	case providertest.FaultInternalError:
		writeError(w, "InternalError")
		return
	case providertest.FaultThrottled:
		writeError(w, "RequestLimitExceeded")
		return
	case providertest.FaultBadCredentials:
		writeError(w, "AuthFailure.SecretIdNotFound")
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, "UnsupportedProtocol")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		writeError(w, "RequestSizeLimitExceeded")
		return
	}
	if code := e.authenticate(r, body); code != "" {
		writeError(w, code)
		return
	}
	// The parameters of the API reference, typed as its model types them (a
	// value of another type is InvalidParameter); the optional ones may be
	// absent.
	var req struct {
		CaptchaType        *int64
		Ticket             *string
		UserIp             *string //nolint:revive // the API's own spelling
		Randstr            *string
		CaptchaAppId       *uint64 //nolint:revive // the API's own spelling
		AppSecretKey       *string
		BusinessId         *uint64 //nolint:revive // the API's own spelling
		SceneId            *uint64 //nolint:revive // the API's own spelling
		MacAddress         *string
		Imei               *string
		NeedGetCaptchaTime *int64
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, "InvalidParameter")
		return
	}
	if req.CaptchaType == nil || req.Ticket == nil || req.UserIp == nil || req.Randstr == nil ||
		req.CaptchaAppId == nil || req.AppSecretKey == nil {
		writeError(w, "MissingParameter")
		return
	}
	if e.busy.Load() {
		writeVerdict(w, verdict{code: 26})
		return
	}
	v := e.judge(*req.Ticket, *req.Randstr, *req.CaptchaAppId, *req.AppSecretKey)
	if req.NeedGetCaptchaTime == nil || *req.NeedGetCaptchaTime != 1 {
		v.fetched = time.Time{}
	}
	writeVerdict(w, v)
}

// verdict is what the emulator answers for one ticket.
type verdict struct {
	code    int
	evil    int
	fetched time.Time // GetCaptchaTime, when asked for; zero: none
	extra   replyExtra
}

// judge returns the verdict for a ticket: its CaptchaCode, and for a ticket
// it minted the EvilLevel, issue time and optional fields.
func (e *Emulator) judge(ticket, randstr string, appID uint64, appSecret string) verdict {
	secret, ok := e.apps[appID]
	if !ok || subtle.ConstantTimeCompare([]byte(secret), []byte(appSecret)) != 1 {
		return verdict{code: 100}
	}
	if strings.HasPrefix(ticket, "trerror_") || strings.HasPrefix(ticket, "terror_") {
		return verdict{code: 21}
	}
	rec, ok := e.tickets.Use(ticket)
	if !ok {
		return verdict{code: 15}
	}
	v := verdict{fetched: rec.Value.issued, extra: rec.Value.extra}
	switch {
	case rec.Used:
		v.code = 9
	case rec.Value.appID != appID:
		v.code = 16
	case e.Now().Sub(rec.Issued) > e.lifetime:
		v.code = 8
	case subtle.ConstantTimeCompare([]byte(rec.Value.randstr), []byte(randstr)) != 1:
		v.code = 7
	default:
		v.code, v.evil = 1, rec.Value.evil
	}
	return v
}

// authenticate checks action, version, Authorization, timestamp, signature
// and token, in that order, and returns the error code of the first failure
// or "".
func (e *Emulator) authenticate(r *http.Request, body []byte) string {
	switch a := r.Header.Get("X-TC-Action"); {
	case a == "":
		return "MissingParameter"
	case a != "DescribeCaptchaResult":
		return "InvalidAction"
	}
	if r.Header.Get("X-TC-Version") != "2019-07-22" {
		return "NoSuchVersion"
	}
	auth, ok := parseAuthorization(r.Header.Get("Authorization"))
	if !ok {
		return "AuthFailure.InvalidAuthorization"
	}
	cred, ok := (*e.creds.Load())[auth.secretID]
	if !ok {
		return "AuthFailure.SecretIdNotFound"
	}
	tsText := r.Header.Get("X-TC-Timestamp")
	if tsText == "" {
		return "MissingParameter"
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return "AuthFailure.InvalidAuthorization"
	}
	now := e.Now().Unix()
	if d := now - ts; d > int64(e.skew/time.Second) || -d > int64(e.skew/time.Second) {
		return "AuthFailure.SignatureExpire"
	}
	if auth.service != "captcha" || auth.date != time.Unix(ts, 0).UTC().Format(time.DateOnly) {
		return "AuthFailure.SignatureFailure"
	}
	payload := body
	if r.Header.Get("X-TC-Content-SHA256") == "UNSIGNED-PAYLOAD" {
		payload = []byte("UNSIGNED-PAYLOAD")
	}
	cr := canonicalRequest(r.Method, auth.signedHeaders, func(name string) string {
		if name == "host" {
			return r.Host
		}
		return r.Header.Get(name)
	}, payload)
	want := signature(cred.SecretKey, auth.date, auth.service, stringToSign(ts, auth.date, auth.service, cr))
	if !hmac.Equal([]byte(want), []byte(auth.signature)) {
		return "AuthFailure.SignatureFailure"
	}
	if cred.Token != "" && subtle.ConstantTimeCompare([]byte(cred.Token), []byte(r.Header.Get("X-TC-Token"))) != 1 {
		return "AuthFailure.TokenFailure"
	}
	return ""
}

// authorization is a parsed Authorization header.
type authorization struct {
	secretID, date, service string
	signedHeaders           []string
	signature               string
}

// parseAuthorization parses
//
//	TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request, SignedHeaders=<h1;h2>, Signature=<64 hex>
//
// The signed headers must be sorted, lower case, and include content-type and
// host.
func parseAuthorization(h string) (authorization, bool) {
	var a authorization
	rest, ok := strings.CutPrefix(h, "TC3-HMAC-SHA256 ")
	if !ok {
		return a, false
	}
	parts := strings.Split(rest, ",")
	if len(parts) != 3 {
		return a, false
	}
	cred, ok1 := strings.CutPrefix(strings.TrimSpace(parts[0]), "Credential=")
	signed, ok2 := strings.CutPrefix(strings.TrimSpace(parts[1]), "SignedHeaders=")
	sig, ok3 := strings.CutPrefix(strings.TrimSpace(parts[2]), "Signature=")
	if !ok1 || !ok2 || !ok3 {
		return a, false
	}
	scope := strings.Split(cred, "/")
	if len(scope) != 4 || scope[0] == "" || scope[3] != "tc3_request" {
		return a, false
	}
	if _, err := time.Parse(time.DateOnly, scope[1]); err != nil {
		return a, false
	}
	a.secretID, a.date, a.service = scope[0], scope[1], scope[2]
	a.signedHeaders = strings.Split(signed, ";")
	var hasType, hasHost bool
	for i, n := range a.signedHeaders {
		if n == "" || n != strings.ToLower(n) || (i > 0 && a.signedHeaders[i-1] >= n) {
			return a, false
		}
		hasType = hasType || n == "content-type"
		hasHost = hasHost || n == "host"
	}
	if !hasType || !hasHost {
		return a, false
	}
	if _, err := hex.DecodeString(sig); err != nil || len(sig) != 64 {
		return a, false
	}
	a.signature = strings.ToLower(sig)
	return a, true
}

// canonicalRequest builds the TC3 CanonicalRequest of a POST to "/": each
// signed header as "name:value\n", its value trimmed of spaces and tabs as
// tencent.Signer trims it (and, for x-tc-action, in lower case, as the
// current signature demo signs it).
func canonicalRequest(method string, signed []string, header func(string) string, payload []byte) string {
	var b strings.Builder
	b.WriteString(method)
	b.WriteString("\n/\n\n")
	for _, n := range signed {
		b.WriteString(n)
		b.WriteByte(':')
		v := strings.Trim(header(n), " \t")
		if n == "x-tc-action" {
			v = strings.ToLower(v)
		}
		b.WriteString(v)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(sha256Hex(payload))
	return b.String()
}

func stringToSign(ts int64, date, service, canonical string) string {
	return "TC3-HMAC-SHA256\n" + strconv.FormatInt(ts, 10) + "\n" + date + "/" + service + "/tc3_request\n" +
		sha256Hex([]byte(canonical))
}

// signature derives the signing key (per request, the plain way) and signs.
func signature(secretKey, date, service, sts string) string {
	kDate := hmacSum([]byte("TC3"+secretKey), date)
	kService := hmacSum(kDate, service)
	kSigning := hmacSum(kService, "tc3_request")
	return hex.EncodeToString(hmacSum(kSigning, sts))
}

func hmacSum(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	io.WriteString(m, msg)
	return m.Sum(nil)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// writeError writes Tencent's error envelope with HTTP 200.
func writeError(w http.ResponseWriter, code string) {
	var reply struct {
		Response struct {
			Error struct {
				Code    string
				Message string
			}
			RequestId string //nolint:revive // the API's own spelling
		}
	}
	reply.Response.Error.Code = code
	reply.Response.Error.Message = errorMessages[code]
	reply.Response.RequestId = requestID()
	writeJSON(w, &reply)
}

// writeVerdict writes a DescribeCaptchaResult reply: CaptchaCode,
// CaptchaMsg, EvilLevel and RequestId always, and the optional fields the
// verdict has.
func writeVerdict(w http.ResponseWriter, v verdict) {
	var reply struct {
		Response struct {
			CaptchaCode        int
			CaptchaMsg         string
			EvilLevel          int
			GetCaptchaTime     *int64  `json:",omitempty"`
			SubmitCaptchaTime  *int64  `json:",omitempty"`
			EvilBitmap         *int64  `json:",omitempty"`
			DeviceRiskCategory *string `json:",omitempty"`
			Score              *int64  `json:",omitempty"`
			RequestId          string  //nolint:revive // the API's own spelling
		}
	}
	r := &reply.Response
	r.CaptchaCode = v.code
	r.CaptchaMsg = captchaMsgs[v.code]
	r.EvilLevel = v.evil
	if !v.fetched.IsZero() {
		t := v.fetched.Unix()
		r.GetCaptchaTime = &t
	}
	if !v.extra.submitted.IsZero() {
		t := v.extra.submitted.Unix()
		r.SubmitCaptchaTime = &t
	}
	r.EvilBitmap, r.DeviceRiskCategory, r.Score = v.extra.evilBitmap, v.extra.deviceRiskCategory, v.extra.score
	r.RequestId = requestID()
	writeJSON(w, &reply)
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// requestID returns a random UUID-shaped request ID.
func requestID() string {
	h := emulator.RandomHex(16)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
