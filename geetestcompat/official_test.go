package geetestcompat_test

// Minimal clients that make the requests GeeTest's official Go server code
// makes and decide as it decides, written from a reading of that code (see
// the package documentation for why it is not imported). Where the official
// code builds its own http.Client with a fixed timeout (5 s in the 3.1.0 SDK
// and the v4 demo, the caller's choice in the legacy SDK, 2 s in its demo),
// these take the client from the test, so that a call is bounded by go
// test's -timeout rather than by a few seconds a loaded machine may exceed.
// That, and never panicking, are the only departures; both are noted where
// they apply.

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
)

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func hmacSHA256Hex(key, msg string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// --- gt3-server-golang-gin-sdk 3.1.0 ------------------------------------

// gt3SDKVersion is the sdk parameter the 3.1.0 SDK sends (its VERSION
// constant).
const gt3SDKVersion = "golang-gin:3.1.0"

// gt3Lib reproduces GeetestLib of GeeTeam/gt3-server-golang-gin-sdk @
// 04ed6cc, controllers/sdk/geetest_lib.go. api is the SDK's API_URL
// ("http://api.geetest.com"), here the server under test. The SDK keeps its
// result in the shared struct (libResult); this reproduction returns it.
type gt3Lib struct {
	id, key, api string
	client       *http.Client
}

// gt3Result is the SDK's GeetestLibResult: Status 1 (online, or passed) or
// 0, Data the register body for the page, Msg why it failed.
type gt3Result struct {
	Status int
	Data   string
	Msg    string
}

// register is GeetestLib.Register: requestRegister, then
// buildRegisterResult. params are the optional parameters the SDK's demo
// passes (digestmod, user_id, client_type, ip_address); digestmod also
// chooses the local hash.
func (g gt3Lib) register(digestmod string, params map[string]string) gt3Result {
	origin := g.requestRegister(params)
	if origin == "" || origin == "0" {
		// Failback: 32 characters drawn from [0-9a-z] with math/rand.
		const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
		b := make([]byte, 32)
		for i := range b {
			b[i] = alphabet[rand.IntN(len(alphabet))]
		}
		return gt3Result{Status: 0, Data: g.pageBody(0, string(b)), Msg: "register.php failed: failback mode"}
	}
	var challenge string
	switch digestmod {
	case "sha256":
		challenge = sha256Hex(origin + g.key)
	case "hmac-sha256":
		challenge = hmacSHA256Hex(g.key, origin)
	default: // "md5" and anything unknown
		challenge = md5Hex(origin + g.key)
	}
	return gt3Result{Status: 1, Data: g.pageBody(1, challenge)}
}

// pageBody is the JSON the SDK hands the page: a map marshalled by
// encoding/json, so with sorted keys.
func (g gt3Lib) pageBody(success int, challenge string) string {
	b, _ := json.Marshal(map[string]any{
		"success": success, "gt": g.id, "challenge": challenge, "new_captcha": true,
	})
	return string(b)
}

// requestRegister is GeetestLib.requestRegister: a GET of register.php
// with params plus gt, json_format=1 and sdk, encoded by url.Values (so in
// sorted order), and the reply's challenge field. A transport error, a
// non-200 status (httpGet then returns an empty body) or a body that is not
// JSON gives "". The SDK asserts the field to a string unchecked and panics
// when it is missing or not a string; here that is "" too.
func (g gt3Lib) requestRegister(params map[string]string) string {
	q := url.Values{}
	for k, v := range params {
		q.Add(k, v)
	}
	q.Set("gt", g.id)
	q.Set("json_format", "1")
	q.Set("sdk", gt3SDKVersion)
	req, err := http.NewRequest(http.MethodGet, g.api+"/register.php", nil)
	if err != nil {
		return ""
	}
	req.URL.RawQuery = q.Encode()
	body, ok := g.do(req)
	if !ok {
		return ""
	}
	var m map[string]any
	if json.Unmarshal([]byte(body), &m) != nil {
		return ""
	}
	c, _ := m["challenge"].(string) // the SDK panics where ok is false
	return c
}

// successValidate is GeetestLib.SuccessValidate: the three values must not
// be blank (after trimming), then validate.php decides. The SDK passes on
// any answer other than "" and "false"; it does not compare the answer with
// md5(seccode).
func (g gt3Lib) successValidate(challenge, validate, seccode string, params map[string]string) gt3Result {
	if !nonBlank(challenge, validate, seccode) {
		return gt3Result{Msg: "online mode: challenge, validate and seccode must not be empty"}
	}
	switch answer := g.requestValidate(challenge, seccode, params); answer {
	case "":
		return gt3Result{Msg: "validate.php request failed"}
	case "false":
		return gt3Result{Msg: "GeeTest did not pass the ticket"}
	default:
		return gt3Result{Status: 1}
	}
}

// requestValidate is GeetestLib.requestValidate: a form POST of
// validate.php with params plus seccode, json_format=1, challenge, sdk and
// captchaid, and the reply's seccode field; failures give "" as in
// requestRegister (the SDK panics on a reply whose seccode is not a string).
func (g gt3Lib) requestValidate(challenge, seccode string, params map[string]string) string {
	q := url.Values{}
	for k, v := range params {
		q.Add(k, v)
	}
	q.Set("seccode", seccode)
	q.Set("json_format", "1")
	q.Set("challenge", challenge)
	q.Set("sdk", gt3SDKVersion)
	q.Set("captchaid", g.id)
	req, err := http.NewRequest(http.MethodPost, g.api+"/validate.php", strings.NewReader(q.Encode()))
	if err != nil {
		return ""
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	body, ok := g.do(req)
	if !ok {
		return ""
	}
	var m map[string]any
	if json.Unmarshal([]byte(body), &m) != nil {
		return ""
	}
	s, _ := m["seccode"].(string)
	return s
}

// failValidate is GeetestLib.FailValidate: in failback mode the SDK passes
// any three non-blank values, without a call ("you may design your own
// logic", its comment says). providers/geetest never does that.
func (g gt3Lib) failValidate(challenge, validate, seccode string) gt3Result {
	if !nonBlank(challenge, validate, seccode) {
		return gt3Result{Msg: "failback mode: challenge, validate and seccode must not be empty"}
	}
	return gt3Result{Status: 1}
}

// do is httpGet/httpPost after the request is built: the body of a 200
// reply; ok is false on a transport error, and a non-200 reply is an empty
// body with no error, as in the SDK.
func (g gt3Lib) do(req *http.Request) (body string, ok bool) {
	resp, err := g.client.Do(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", false
	}
	if resp.StatusCode != http.StatusOK {
		return "", true
	}
	return string(b), true
}

// nonBlank is checkParam: none of the values is empty or only white space.
func nonBlank(values ...string) bool {
	for _, v := range values {
		if strings.TrimSpace(v) == "" {
			return false
		}
	}
	return true
}

// --- gt3-golang-sdk (legacy) ---------------------------------------------

// legacySDKVersion is the sdk parameter the legacy SDK sends on validate.
const legacySDKVersion = "golang_v1.0.0"

// legacyLib reproduces GeetestLib of GeeTeam/gt3-golang-sdk @ 446ca8a,
// geetest/geetestlib.go, whose host is "http://api.geetest.com"; api is the
// server under test. The SDK asks no JSON of either endpoint, so both
// answer raw text.
type legacyLib struct {
	id, key, api string
	client       *http.Client
}

// legacyPage is the SDK's FailbackRegisterRespnse: the JSON it hands the
// page, with new_captcha as the number 1.
type legacyPage struct {
	Success    int    `json:"success"`
	GT         string `json:"gt"`
	Challenge  string `json:"challenge"`
	NewCaptcha int    `json:"new_captcha"`
}

// preProcess is GeetestLib.PreProcess: a GET of register.php with gt,
// new_captcha=1 and, when given, user_id and ip_adress (the SDK's
// spelling), encoded by url.Values. A 32-character body is GeeTest's
// challenge, hashed md5(challenge + key) for the page (status 1); anything
// else, a transport error or a 5xx is failback (status 0) with the constant
// challenge md5("").
func (g legacyLib) preProcess(userID, userIP string) (int8, []byte) {
	q := url.Values{}
	q.Add("gt", g.id)
	q.Add("new_captcha", "1")
	if userID != "" {
		q.Add("user_id", userID)
	}
	if userIP != "" {
		q.Add("ip_adress", userIP)
	}
	req, err := http.NewRequest(http.MethodGet, g.api+"/register.php?"+q.Encode(), nil)
	if err != nil {
		return 0, g.page(0, "")
	}
	body, ok := g.do(req)
	if !ok || len(body) != 32 {
		return 0, g.page(0, "")
	}
	return 1, g.page(1, md5Hex(body+g.key))
}

func (g legacyLib) page(success int, challenge string) []byte {
	if challenge == "" {
		challenge = md5Hex("")
	}
	b, _ := json.Marshal(legacyPage{Success: success, GT: g.id, Challenge: challenge, NewCaptcha: 1})
	return b
}

// successValidate is GeetestLib.SuccessValidate: the values must be
// non-empty (not trimmed), validate must pass the local pre-check
// md5(key + "geetest" + challenge), and validate.php's raw answer must be
// md5(seccode). The form is seccode, challenge, captchaid, sdk and, when
// given, user_id and ip_adress.
func (g legacyLib) successValidate(challenge, validate, seccode, userID, userIP string) bool {
	if challenge == "" || validate == "" || seccode == "" {
		return false
	}
	if md5Hex(g.key+"geetest"+challenge) != validate {
		return false
	}
	q := url.Values{}
	q.Add("seccode", seccode)
	q.Add("challenge", challenge)
	q.Add("captchaid", g.id)
	q.Add("sdk", legacySDKVersion)
	if userID != "" {
		q.Add("user_id", userID)
	}
	if userIP != "" {
		q.Add("ip_adress", userIP)
	}
	req, err := http.NewRequest(http.MethodPost, g.api+"/validate.php", strings.NewReader(q.Encode()))
	if err != nil {
		return false
	}
	body, ok := g.do(req)
	return ok && body == md5Hex(seccode)
}

// failbackValidate is GeetestLib.FailbackValidate: non-empty values whose
// validate is md5(challenge).
func (g legacyLib) failbackValidate(challenge, validate, seccode string) bool {
	if challenge == "" || validate == "" || seccode == "" {
		return false
	}
	return md5Hex(challenge) == validate
}

// do is the SDK's do: it sets the form Content-Type on every request (the
// GET too), and fails on a transport error or a 5xx; a 4xx body is read as
// any other.
func (g legacyLib) do(req *http.Request) (string, bool) {
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := g.client.Do(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	if resp.StatusCode >= http.StatusInternalServerError {
		return "", false
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// --- gt4_golang_demo -----------------------------------------------------

// gt4Ticket is what gt4.js hands the page.
type gt4Ticket struct {
	LotNumber, CaptchaOutput, PassToken, GenTime string
}

// gt4Login reproduces login of GeeTeam/gt4_golang_demo @ c69c6ab, main.go,
// after it has read the four values from the page: sign_token =
// hex(HMAC-SHA256(captcha_key, lot_number)), a PostForm of lot_number,
// captcha_output, pass_token, gen_time and sign_token to
// API_SERVER + "/validate?captcha_id=" + captcha_id, and the demo's answer:
// "success" when result is "success", else "fail". The demo lets the request
// through ("success", letThrough true) when the call fails, the status is
// not 200 or the body is not JSON. (The demo never closes the reply body;
// this does.)
func gt4Login(client *http.Client, api, captchaID, captchaKey string, tk gt4Ticket) (answer string, letThrough bool) {
	form := url.Values{
		"lot_number":     {tk.LotNumber},
		"captcha_output": {tk.CaptchaOutput},
		"pass_token":     {tk.PassToken},
		"gen_time":       {tk.GenTime},
		"sign_token":     {hmacSHA256Hex(captchaKey, tk.LotNumber)},
	}
	resp, err := client.PostForm(api+"/validate"+"?captcha_id="+captchaID, form)
	if err != nil {
		return "success", true
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "success", true
	}
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return "success", true
	}
	if m["result"] == "success" {
		return "success", false
	}
	return "fail", false
}
