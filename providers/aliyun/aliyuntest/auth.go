package aliyuntest

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// The API the emulator implements.
const (
	action  = "VerifyIntelligentCaptcha"
	version = "2023-03-05"
)

const timeLayout = "2006-01-02T15:04:05Z"

// apiParams are the API parameters of a request: the form body first, then
// the query, the first value of each.
type apiParams struct{ form, query url.Values }

func (p apiParams) lookup(k string) (string, bool) {
	for _, vs := range []url.Values{p.form, p.query} {
		if v, ok := vs[k]; ok && len(v) > 0 {
			return v[0], true
		}
	}
	return "", false
}

// authenticate checks the request's signature, clock, nonce and AccessKey
// the way the gateway does and returns the API parameters.
func (e *Emulator) authenticate(r *http.Request) (apiParams, *gatewayError) {
	body, ge := readBody(r)
	if ge != nil {
		return apiParams{}, ge
	}
	var query, form url.Values
	var err error
	if r.URL.RawQuery != "" {
		if query, err = url.ParseQuery(r.URL.RawQuery); err != nil {
			return apiParams{}, fail(http.StatusBadRequest, "InvalidParameter", "The query string is malformed.")
		}
	}
	if ct := r.Header.Get("Content-Type"); ct == "application/x-www-form-urlencoded" || isForm(ct) {
		if form, err = url.ParseQuery(string(body)); err != nil {
			return apiParams{}, fail(http.StatusBadRequest, "InvalidParameter", "The form body is malformed.")
		}
	}
	switch {
	case r.Header.Get("Authorization") != "":
		ge = e.checkACS3(r, body, query)
	case query.Get("Signature") != "":
		ge = e.checkRPC(r, query, form)
	default:
		ge = fail(http.StatusBadRequest, "IncompleteSignature", "The request signature does not conform to Aliyun standards.")
	}
	if ge != nil {
		return apiParams{}, ge
	}
	return apiParams{form: form, query: query}, nil
}

func isForm(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "application/x-www-form-urlencoded"
}

// checkAPI checks the action and version.
func checkAPI(act, ver string) *gatewayError {
	switch {
	case act == "":
		return fail(http.StatusBadRequest, "MissingAction", "Action is mandatory for this action.")
	case act != action:
		return fail(http.StatusNotFound, "InvalidApi.NotFound", "Specified api is not found, please check your url and method.")
	case ver == "":
		return fail(http.StatusBadRequest, "MissingVersion", "Version is mandatory for this action.")
	case ver != version:
		return fail(http.StatusBadRequest, "InvalidVersion", "Specified parameter Version is not valid.")
	}
	return nil
}

// checkClock checks a timestamp against the emulator's clock.
func (e *Emulator) checkClock(ts string) *gatewayError {
	if ts == "" {
		return fail(http.StatusBadRequest, "MissingTimestamp", "Timestamp is mandatory for this action.")
	}
	t, err := time.Parse(timeLayout, ts)
	if err != nil {
		return fail(http.StatusBadRequest, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
	}
	if d := e.Now().Sub(t); d > ClockSkew || d < -ClockSkew {
		return fail(http.StatusBadRequest, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
	}
	return nil
}

// useNonce records the nonce for key id and reports a reuse within
// ClockSkew as SignatureNonceUsed.
func (e *Emulator) useNonce(id, nonce string) *gatewayError {
	now := e.Now()
	k := id + "\x00" + nonce
	e.nonceMu.Lock()
	defer e.nonceMu.Unlock()
	if now.Sub(e.swept) > ClockSkew {
		for n, at := range e.nonces {
			if now.Sub(at) > ClockSkew {
				delete(e.nonces, n)
			}
		}
		e.swept = now
	}
	if at, ok := e.nonces[k]; ok && now.Sub(at) <= ClockSkew {
		return fail(http.StatusBadRequest, "SignatureNonceUsed", "Specified signature nonce was used already.")
	}
	e.nonces[k] = now
	return nil
}

func (e *Emulator) secret(id string) (accessKey, *gatewayError) {
	k, ok := (*e.keys.Load())[id]
	if !ok {
		return accessKey{}, fail(http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
	}
	return k, nil
}

// checkToken checks the STS token a request carried against the one its
// AccessKey requires, if any.
func checkToken(k accessKey, token string) *gatewayError {
	if k.token != "" && subtle.ConstantTimeCompare([]byte(k.token), []byte(token)) != 1 {
		return fail(http.StatusBadRequest, "InvalidSecurityToken.MismatchWithAccessKey", "Specified SecurityToken mismatch with the AccessKey.")
	}
	return nil
}

// checkACS3 verifies an ACS3-HMAC-SHA256 request
// (docs/wire.md#alibaba-acs3-signing) over the headers and body as received.
func (e *Emulator) checkACS3(r *http.Request, body []byte, query url.Values) *gatewayError {
	incomplete := func(msg string) *gatewayError { return fail(http.StatusBadRequest, "IncompleteSignature", msg) }
	auth := r.Header.Get("Authorization")
	const scheme = "ACS3-HMAC-SHA256 "
	if !strings.HasPrefix(auth, scheme) {
		return incomplete("The request signature algorithm is not supported; use ACS3-HMAC-SHA256.")
	}
	var cred, signed, sig string
	for part := range strings.SplitSeq(auth[len(scheme):], ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "Credential":
			cred = v
		case "SignedHeaders":
			signed = v
		case "Signature":
			sig = v
		default:
			return incomplete("The Authorization header is malformed.")
		}
	}
	if cred == "" || signed == "" || sig == "" {
		return incomplete("The Authorization header lacks Credential, SignedHeaders or Signature.")
	}
	if ge := checkAPI(r.Header.Get("x-acs-action"), r.Header.Get("x-acs-version")); ge != nil {
		return ge
	}
	if ge := e.checkClock(r.Header.Get("x-acs-date")); ge != nil {
		return ge
	}
	nonce := r.Header.Get("x-acs-signature-nonce")
	if nonce == "" {
		return fail(http.StatusBadRequest, "MissingSignatureNonce", "SignatureNonce is mandatory for this action.")
	}
	key, ge := e.secret(cred)
	if ge != nil {
		return ge
	}
	if id := r.Header.Get("x-acs-accesskey-id"); id != "" && id != cred {
		return incomplete("The x-acs-accesskey-id header does not match the Credential.")
	}
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	if got := r.Header.Get("x-acs-content-sha256"); subtle.ConstantTimeCompare([]byte(got), []byte(payload)) != 1 {
		return fail(http.StatusBadRequest, "SignatureDoesNotMatch", "The x-acs-content-sha256 header does not match the request body.")
	}

	names := strings.Split(signed, ";")
	if !slices.IsSorted(names) {
		return incomplete("SignedHeaders must be sorted.")
	}
	if !slices.Contains(names, "host") {
		return incomplete("SignedHeaders must include host.")
	}
	for k := range r.Header {
		// Every x-acs-* header, including the required ones, is signed.
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-acs-") && !slices.Contains(names, lk) {
			return incomplete("SignedHeaders must include " + lk + ".")
		}
	}

	var cr strings.Builder
	cr.Grow(512)
	cr.WriteString(r.Method)
	cr.WriteByte('\n')
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	cr.WriteString(sdkEscapes.Replace(path) + "\n")
	keys := make([]string, 0, len(query))
	for k := range query {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			cr.WriteByte('&')
		}
		cr.WriteString(sdkEscapes.Replace(k) + "=" + percentEncode(query.Get(k)))
	}
	cr.WriteString("\n")
	for _, n := range names {
		cr.WriteString(n)
		cr.WriteByte(':')
		switch vals := r.Header.Values(n); {
		case n == "host":
			cr.WriteString(r.Host)
		case len(vals) == 0:
			return incomplete("Signed header " + n + " is absent.")
		case len(vals) == 1:
			cr.WriteString(strings.TrimSpace(vals[0]))
		default:
			// Repeated headers: trimmed values, sorted, joined with ",".
			vs := make([]string, len(vals))
			for i, v := range vals {
				vs[i] = strings.TrimSpace(v)
			}
			slices.Sort(vs)
			cr.WriteString(strings.Join(vs, ","))
		}
		cr.WriteByte('\n')
	}
	cr.WriteByte('\n')
	cr.WriteString(signed)
	cr.WriteByte('\n')
	cr.WriteString(payload)

	crSum := sha256.Sum256([]byte(cr.String()))
	sts := "ACS3-HMAC-SHA256\n" + hex.EncodeToString(crSum[:])
	want := e.hmacSHA256(cred, key.secret, sts)
	if subtle.ConstantTimeCompare([]byte(sig), want[:]) != 1 {
		return fail(http.StatusBadRequest, "SignatureDoesNotMatch",
			"Specified signature is not matched with our calculation. server string to sign is:"+sts)
	}
	// The token is an x-acs-* header, so it was signed above.
	if ge := checkToken(key, r.Header.Get("x-acs-security-token")); ge != nil {
		return ge
	}
	return e.useNonce(cred, nonce)
}

// sdkEscapes is the rewrite the SDK applies to the canonical URI and query.
var sdkEscapes = strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~")

// percentEncode is RFC 3986 encoding: unreserved characters literal,
// everything else %XX (a space is %20).
func percentEncode(s string) string {
	return sdkEscapes.Replace(url.QueryEscape(s))
}

// rpcRequired lists the common parameters of an RPC-signed request.
var rpcRequired = []string{"AccessKeyId", "Action", "Version", "Timestamp", "SignatureNonce", "SignatureMethod", "SignatureVersion"}

// checkRPC verifies an RPC HMAC-SHA1 request
// (docs/wire.md#alibaba-rpc-signing): the signature covers the query
// parameters except Signature plus the form body.
func (e *Emulator) checkRPC(r *http.Request, query, form url.Values) *gatewayError {
	for _, k := range rpcRequired {
		if query.Get(k) == "" {
			return fail(http.StatusBadRequest, "Missing"+k, k+" is mandatory for this action.")
		}
	}
	if ge := checkAPI(query.Get("Action"), query.Get("Version")); ge != nil {
		return ge
	}
	if query.Get("SignatureMethod") != "HMAC-SHA1" {
		return fail(http.StatusBadRequest, "InvalidSignatureMethod", "Specified signature method is not supported.")
	}
	if query.Get("SignatureVersion") != "1.0" {
		return fail(http.StatusBadRequest, "InvalidSignatureVersion", "Specified signature version is not supported.")
	}
	if ge := e.checkClock(query.Get("Timestamp")); ge != nil {
		return ge
	}
	id := query.Get("AccessKeyId")
	key, ge := e.secret(id)
	if ge != nil {
		return ge
	}
	signed := map[string]string{}
	for _, vs := range []url.Values{form, query} {
		for k, v := range vs {
			if _, dup := signed[k]; !dup && k != "Signature" {
				signed[k] = v[0]
			}
		}
	}
	sts := rpcStringToSign(r.Method, signed)
	want := rpcSignature(key.secret, sts)
	if subtle.ConstantTimeCompare([]byte(query.Get("Signature")), []byte(want)) != 1 {
		return fail(http.StatusBadRequest, "SignatureDoesNotMatch",
			"Specified signature is not matched with our calculation. server string to sign is:"+sts)
	}
	// SecurityToken is a common parameter, so it was signed above.
	if ge := checkToken(key, query.Get("SecurityToken")); ge != nil {
		return ge
	}
	return e.useNonce(id, query.Get("SignatureNonce"))
}

// rpcStringToSign is METHOD&%2F&percentEncode(canonical query).
func rpcStringToSign(method string, params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = percentEncode(k) + "=" + percentEncode(params[k])
	}
	return method + "&%2F&" + percentEncode(strings.Join(pairs, "&"))
}

// rpcSignature is Base64(HMAC-SHA1(secret + "&", stringToSign)).
func rpcSignature(secret, stringToSign string) string {
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// hmacSHA256 returns hex(HMAC-SHA256(secret, msg)) with a keyed state kept
// per AccessKey and secret (AddAccessKey may give an ID another secret).
func (e *Emulator) hmacSHA256(id, secret, msg string) (sum [2 * sha256.Size]byte) {
	k := id + "\x00" + secret
	v, ok := e.macs.Load(k)
	if !ok {
		v, _ = e.macs.LoadOrStore(k, &sync.Pool{New: func() any { return hmac.New(sha256.New, []byte(secret)) }})
	}
	pool, _ := v.(*sync.Pool)
	mac, _ := pool.Get().(hash.Hash)
	mac.Reset()
	_, _ = io.WriteString(mac, msg)
	var raw [sha256.Size]byte
	hex.Encode(sum[:], mac.Sum(raw[:0]))
	pool.Put(mac)
	return sum
}
