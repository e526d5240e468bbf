package geetesttest

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/captchakit/captcha/internal/emulator"
	"github.com/captchakit/captcha/providers/providertest"
)

// Public demo credentials from GeeTest's demos (docs/wire.md#test-vectors),
// so that New(Config{}) works and the GeeTest vectors there verify against
// it.
const (
	DefaultV3CaptchaID  = "c9c4facd1a6feeb80802222cbb74ca8e"
	DefaultV3PrivateKey = "e4e298788aa8c768397639deb9b249a9"
	DefaultV4CaptchaID  = "647f5ed2ed8acb4be36784e01556bb71"
	DefaultV4CaptchaKey = "b09a7aafbfd83f73b35a9b530d0337bf"
)

// Paths the emulator serves.
const (
	RegisterPath = "/register.php"
	ValidatePath = "/validate.php"
	BypassPath   = "/v1/bypass_status.php"
	V4Path       = "/validate"
	// ScriptPath and Script4Path serve the stand-in gt.js and gt4.js.
	ScriptPath  = "/static/gt.js"
	Script4Path = "/static/gt4.js"
	// SolvePath answers GET SolvePath?challenge=<challenge> with
	// {"geetest_challenge","geetest_validate","geetest_seccode"} for a
	// challenge the emulator issued (Access-Control-Allow-Origin: *).
	SolvePath = "/geetest-emulator/v3/solve"
	// MintPath answers GET MintPath?captcha_id=<id> with a passing
	// {"lot_number","captcha_output","pass_token","gen_time"}
	// (Access-Control-Allow-Origin: *).
	MintPath = "/geetest-emulator/v4/mint"
)

// Lifetimes, as GeeTest documents them (v4 publishes none; ten minutes too).
const (
	ChallengeTTL = 10 * time.Minute
	LotTTL       = 10 * time.Minute
)

// maxRequestBody bounds the request body the emulator reads.
const maxRequestBody = 64 << 10

// Config says which captcha IDs and keys the emulator knows.
type Config struct {
	// V3 maps v3 captcha IDs (gt) to private keys. Default:
	// {DefaultV3CaptchaID: DefaultV3PrivateKey}.
	V3 map[string]string
	// V4 maps v4 captcha IDs to captcha keys. Default:
	// {DefaultV4CaptchaID: DefaultV4CaptchaKey}.
	V4 map[string]string
}

// Emulator is an http.Handler speaking GeeTest's v3 and v4 server protocols;
// see the package documentation, which also says what each fault looks
// like. Its controls (Inject, SetLatency, Advance, Now, Calls) come from
// emulator.Controls. It is safe for concurrent use.
type Emulator struct {
	*emulator.Controls // Inject, SetLatency, Advance, Now, Calls

	v3 map[string]string
	v4 map[string]string

	faults       *emulator.Faults
	registerDown atomic.Bool
	bypassFail   atomic.Bool

	challenges emulator.Store[challenge] // by issued (hashed) challenge
	lots       emulator.Store[lot]       // by lot_number

	register, validate, bypass, validate4 http.Handler
}

type challenge struct{ captchaID string }

type lot struct {
	captchaID, output, passToken, genTime string
	answer                                v4Answer
}

// v4Answer is what /validate answers for a minted lot once its captcha ID,
// sign_token and single use check out.
type v4Answer int

const (
	answerJudge        v4Answer = iota // judge the values (MintV4)
	answerDecryptError                 // -50002 (MintV4Undecryptable)
	answerNoVerdict                    // no status, no result (MintV4NoVerdict)
)

// New returns an emulator for cfg, with the defaults for empty fields.
func New(cfg Config) *Emulator {
	e := &Emulator{v3: map[string]string{}, v4: map[string]string{}, faults: emulator.NewFaults()}
	for id, k := range cfg.V3 {
		e.v3[id] = k
	}
	if len(e.v3) == 0 {
		e.v3[DefaultV3CaptchaID] = DefaultV3PrivateKey
	}
	for id, k := range cfg.V4 {
		e.v4[id] = k
	}
	if len(e.v4) == 0 {
		e.v4[DefaultV4CaptchaID] = DefaultV4CaptchaKey
	}
	e.Controls = emulator.NewControls(e.faults)
	e.register = e.faults.Wrap(http.HandlerFunc(e.serveRegister), `{"challenge":"`)
	e.validate = e.faults.Wrap(http.HandlerFunc(e.serveValidate), `{"seccode":"`)
	e.bypass = e.faults.Wrap(http.HandlerFunc(e.serveBypass), `{"status":"`)
	e.validate4 = e.faults.Wrap(http.HandlerFunc(e.serveValidate4), `{"status":"success","result":"succ`)
	return e
}

// SetRegisterDown makes register.php answer {"challenge":"0"} (down) or
// issue challenges again (up).
func (e *Emulator) SetRegisterDown(down bool) { e.registerDown.Store(down) }

// SetBypassStatus sets what bypass_status.php reports: "success" when up,
// "fail" when not. Default: up.
func (e *Emulator) SetBypassStatus(up bool) { e.bypassFail.Store(!up) }

// ServeHTTP routes to the API endpoints, the scripts and the solve and mint
// endpoints.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case RegisterPath:
		e.register.ServeHTTP(w, r)
	case ValidatePath:
		e.validate.ServeHTTP(w, r)
	case BypassPath:
		e.bypass.ServeHTTP(w, r)
	case V4Path:
		e.validate4.ServeHTTP(w, r)
	case ScriptPath:
		serveScript(w, scriptV3Body)
	case Script4Path:
		serveScript(w, scriptV4Body)
	case SolvePath:
		e.serveSolve(w, r)
	case MintPath:
		e.serveMint(w, r)
	default:
		http.NotFound(w, r)
	}
}

// vendorFaultV3 answers the vendor-level faults the v3 endpoints share, and
// reports whether it did.
func vendorFaultV3(w http.ResponseWriter, f providertest.Fault) bool {
	switch f {
	case providertest.FaultInternalError:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("00 runtime error\n"))
		return true
	case providertest.FaultThrottled:
		http.Error(w, http.StatusText(http.StatusTooManyRequests), http.StatusTooManyRequests)
		return true
	}
	return false
}

func parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_, _ = w.Write(b)
}

// --- v3 -------------------------------------------------------------------

func (e *Emulator) serveRegister(w http.ResponseWriter, r *http.Request) {
	f := e.faults.Current()
	if vendorFaultV3(w, f) || !parseForm(w, r) {
		return
	}
	q := r.Form
	key, known := e.v3[q.Get("gt")]
	var c string
	switch {
	case !known || f == providertest.FaultBadCredentials:
		c = ""
	case e.registerDown.Load():
		c = "0"
	default:
		// Answer the origin challenge; remember the form the browser will
		// send back, hashed as the customer's server hashes it.
		c = emulator.RandomHex(16)
		e.challenges.Put(hashChallenge(q.Get("digestmod"), c, key), challenge{captchaID: q.Get("gt")}, e.Now())
	}
	if q.Get("json_format") != "1" {
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		_, _ = w.Write([]byte(c))
		return
	}
	writeJSON(w, struct {
		Challenge string `json:"challenge"`
	}{c})
}

// hashChallenge is GeeTest's challenge hashing per digestmod
// (docs/wire.md#geetest-v3-digestmod); unknown modes hash as md5.
func hashChallenge(mod, origin, key string) string {
	switch mod {
	case "sha256":
		s := sha256.Sum256([]byte(origin + key))
		return hex.EncodeToString(s[:])
	case "hmac-sha256":
		m := hmac.New(sha256.New, []byte(key))
		m.Write([]byte(origin))
		return hex.EncodeToString(m.Sum(nil))
	default:
		s := md5.Sum([]byte(origin + key))
		return hex.EncodeToString(s[:])
	}
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// issued returns the challenge the emulator issued for a submitted one,
// which may carry the slide captcha's two extra characters.
func (e *Emulator) issued(submitted string) (string, bool) {
	if _, ok := e.challenges.Peek(submitted); ok {
		return submitted, true
	}
	if n := len(submitted); n == 34 || n == 66 {
		base := submitted[:n-2]
		if _, ok := e.challenges.Peek(base); ok {
			return base, true
		}
	}
	return "", false
}

// ErrUnknownChallenge is returned by Solve for a challenge the emulator did
// not issue.
var ErrUnknownChallenge = errors.New("geetesttest: challenge not issued by this emulator")

// Solve returns the validate and seccode GeeTest hands the page once the
// puzzle for challenge (as issued, or with two characters appended) is
// solved: validate = md5(key + "geetest" + challenge), seccode = validate +
// "|jordan". It does not use the challenge; validate.php does.
func (e *Emulator) Solve(challenge string) (validate, seccode string, err error) {
	base, ok := e.issued(challenge)
	if !ok {
		return "", "", ErrUnknownChallenge
	}
	rec, _ := e.challenges.Peek(base)
	validate = md5Hex(e.v3[rec.Value.captchaID] + "geetest" + challenge)
	return validate, validate + "|jordan", nil
}

// Register issues a challenge for captchaID as register.php would and
// returns it hashed per digestmod, as the customer's server hands it to the
// browser, without an HTTP round trip. It fails for an unknown ID.
func (e *Emulator) Register(captchaID, digestmod string) (string, error) {
	key, ok := e.v3[captchaID]
	if !ok {
		return "", errors.New("geetesttest: unknown v3 captcha ID")
	}
	c := hashChallenge(digestmod, emulator.RandomHex(16), key)
	e.challenges.Put(c, challenge{captchaID: captchaID}, e.Now())
	return c, nil
}

func (e *Emulator) serveValidate(w http.ResponseWriter, r *http.Request) {
	f := e.faults.Current()
	if vendorFaultV3(w, f) || !parseForm(w, r) {
		return
	}
	q := r.Form
	answer := "false"
	if f != providertest.FaultBadCredentials && e.checkSeccode(q.Get("captchaid"), q.Get("challenge"), q.Get("seccode")) {
		answer = md5Hex(q.Get("seccode"))
	}
	if q.Get("json_format") != "1" {
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		_, _ = w.Write([]byte(answer))
		return
	}
	writeJSON(w, struct {
		Seccode string `json:"seccode"`
	}{answer})
}

// checkSeccode consumes the challenge and reports whether seccode is the one
// Solve gives for it.
//
// captchaID is the request's captchaid, which GeeTest does not require: the
// Go and 3.1.x SDKs send it, but gt3-python-sdk 3.x sends its gt argument
// there, which is None unless the caller sets it (its flask, django and
// tornado demos never do), and requests leaves a None out of the form, so
// its validate requests carry no captchaid at all. Without one (or with an
// empty one) the challenge alone names the captcha ID it was issued for;
// with one, it must be that ID.
func (e *Emulator) checkSeccode(captchaID, submitted, seccode string) bool {
	if captchaID != "" {
		if _, ok := e.v3[captchaID]; !ok {
			return false
		}
	}
	base, ok := e.issued(submitted)
	if !ok {
		return false
	}
	rec, _ := e.challenges.Use(base)
	if rec.Used || (captchaID != "" && rec.Value.captchaID != captchaID) || e.Now().Sub(rec.Issued) > ChallengeTTL {
		return false
	}
	key, ok := e.v3[rec.Value.captchaID]
	if !ok {
		return false
	}
	validate, _, _ := strings.Cut(seccode, "|")
	want := md5Hex(key + "geetest" + submitted)
	return subtle.ConstantTimeCompare([]byte(validate), []byte(want)) == 1
}

func (e *Emulator) serveBypass(w http.ResponseWriter, r *http.Request) {
	f := e.faults.Current()
	if vendorFaultV3(w, f) || !parseForm(w, r) {
		return
	}
	status := "success"
	if _, ok := e.v3[r.Form.Get("gt")]; !ok || e.bypassFail.Load() || f == providertest.FaultBadCredentials {
		status = "fail"
	}
	writeJSON(w, struct {
		Status string `json:"status"`
	}{status})
}

func (e *Emulator) serveSolve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "no-store")
	c := r.URL.Query().Get("challenge")
	validate, seccode, err := e.Solve(c)
	if err != nil {
		http.Error(w, "unknown challenge", http.StatusNotFound)
		return
	}
	writeJSON(w, struct {
		Challenge string `json:"geetest_challenge"`
		Validate  string `json:"geetest_validate"`
		Seccode   string `json:"geetest_seccode"`
	}{c, validate, seccode})
}

// --- v4 -------------------------------------------------------------------

// V4Ticket is a v4 value set as gt4.js's getValidate returns it.
type V4Ticket struct {
	LotNumber     string `json:"lot_number"`
	CaptchaOutput string `json:"captcha_output"`
	PassToken     string `json:"pass_token"`
	GenTime       string `json:"gen_time"`
}

// Values returns the ticket as the map captcha.Ticket.Values holds.
func (t V4Ticket) Values() map[string]string {
	return map[string]string{
		"lot_number":     t.LotNumber,
		"captcha_output": t.CaptchaOutput,
		"pass_token":     t.PassToken,
		"gen_time":       t.GenTime,
	}
}

// MintV4 mints a value set for captchaID that /validate accepts once within
// LotTTL. It fails for an unknown ID.
func (e *Emulator) MintV4(captchaID string) (V4Ticket, error) {
	return e.mintV4(captchaID, answerJudge)
}

// MintV4Undecryptable mints a value set whose captcha_output GeeTest could
// not decrypt, as when a client sends a truncated or made-up output:
// /validate answers it, once, with {"status":"error","code":"-50002",
// "msg":"param decrypt error"}. It fails for an unknown ID.
func (e *Emulator) MintV4Undecryptable(captchaID string) (V4Ticket, error) {
	return e.mintV4(captchaID, answerDecryptError)
}

// MintV4NoVerdict mints a value set that /validate answers, once, with a JSON
// object carrying neither status nor result ({"msg":"unknown error",
// "captcha_args":{}}). GeeTest documents no such reply; it stands for any
// answer without a verdict field. It fails for an unknown ID.
func (e *Emulator) MintV4NoVerdict(captchaID string) (V4Ticket, error) {
	return e.mintV4(captchaID, answerNoVerdict)
}

func (e *Emulator) mintV4(captchaID string, answer v4Answer) (V4Ticket, error) {
	if _, ok := e.v4[captchaID]; !ok {
		return V4Ticket{}, errors.New("geetesttest: unknown v4 captcha ID")
	}
	now := e.Now()
	t := V4Ticket{
		LotNumber:     emulator.RandomHex(16),
		CaptchaOutput: "emu_" + emulator.RandomHex(48),
		PassToken:     emulator.RandomHex(32),
		GenTime:       strconv.FormatInt(now.Unix(), 10),
	}
	if answer == answerDecryptError {
		t.CaptchaOutput = t.CaptchaOutput[:len(t.CaptchaOutput)/2] // cut short
	}
	e.lots.Put(t.LotNumber, lot{
		captchaID: captchaID, output: t.CaptchaOutput, passToken: t.PassToken, genTime: t.GenTime, answer: answer,
	}, now)
	return t, nil
}

func (e *Emulator) serveMint(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "no-store")
	t, err := e.MintV4(r.URL.Query().Get("captcha_id"))
	if err != nil {
		http.Error(w, "unknown captcha_id", http.StatusNotFound)
		return
	}
	writeJSON(w, t)
}

// v4Error is the body of a v4 request error.
type v4Error struct {
	Status string `json:"status"`
	Code   string `json:"code"`
	Msg    string `json:"msg"`
	Desc   struct {
		Type string `json:"type"`
	} `json:"desc"`
}

func writeV4Error(w http.ResponseWriter, code, msg string) {
	b := v4Error{Status: "error", Code: code, Msg: msg}
	b.Desc.Type = "defined error"
	writeJSON(w, b)
}

// v4Verdict is the body of a v4 verdict.
type v4Verdict struct {
	Status      string     `json:"status"`
	Result      string     `json:"result"`
	Reason      string     `json:"reason"`
	CaptchaArgs captchaArg `json:"captcha_args"`
}

type captchaArg struct {
	UsedType  string `json:"used_type,omitempty"`
	UserIP    string `json:"user_ip,omitempty"`
	LotNumber string `json:"lot_number,omitempty"`
	Scene     string `json:"scene,omitempty"`
	Referer   string `json:"referer,omitempty"`
}

func writeV4Verdict(w http.ResponseWriter, result, reason string, args captchaArg) {
	writeJSON(w, v4Verdict{Status: "success", Result: result, Reason: reason, CaptchaArgs: args})
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isHex32(s string) bool {
	if len(s) != 32 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func (e *Emulator) serveValidate4(w http.ResponseWriter, r *http.Request) {
	switch e.faults.Current() {
	case providertest.FaultInternalError:
		writeV4Error(w, "-50000", "runtime error")
		return
	case providertest.FaultThrottled:
		http.Error(w, http.StatusText(http.StatusTooManyRequests), http.StatusTooManyRequests)
		return
	case providertest.FaultBadCredentials:
		writeV4Error(w, "-50103", "captcha_id does not exist")
		return
	}
	if !parseForm(w, r) {
		return
	}
	q := r.Form
	id := q.Get("captcha_id")
	key, known := e.v4[id]
	lotNumber, genTime := q.Get("lot_number"), q.Get("gen_time")
	switch {
	case id == "":
		writeV4Error(w, "-50101", "captcha_id missing")
		return
	case !isHex32(id):
		writeV4Error(w, "-50102", "illegal captcha_id")
		return
	case !known:
		writeV4Error(w, "-50103", "captcha_id does not exist")
		return
	case !isDigits(genTime):
		writeV4Error(w, "-50005", "illegal gen_time")
		return
	case lotNumber == "":
		writeV4Error(w, "-50302", "lot_number missing")
		return
	}
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(lotNumber))
	want := hex.EncodeToString(m.Sum(nil))
	if subtle.ConstantTimeCompare([]byte(q.Get("sign_token")), []byte(want)) != 1 {
		writeV4Verdict(w, "fail", "sign_token error", captchaArg{})
		return
	}
	rec, ok := e.lots.Use(lotNumber)
	switch {
	case !ok:
		writeV4Error(w, "-50301", "no proof")
	case rec.Used:
		writeV4Error(w, "-50003", "illegal verify")
	case rec.Value.captchaID != id:
		writeV4Error(w, "-50304", "lot_number does not match")
	case rec.Value.answer == answerDecryptError:
		writeV4Error(w, "-50002", "param decrypt error")
	case rec.Value.answer == answerNoVerdict:
		writeJSON(w, struct {
			Msg         string   `json:"msg"`
			CaptchaArgs struct{} `json:"captcha_args"`
		}{Msg: "unknown error"})
	case e.Now().Sub(rec.Issued) > LotTTL:
		writeV4Verdict(w, "fail", "pass_token expire", captchaArg{})
	case genTime != rec.Value.genTime:
		writeV4Verdict(w, "fail", "gen_time error", captchaArg{})
	case subtle.ConstantTimeCompare([]byte(q.Get("pass_token")), []byte(rec.Value.passToken)) != 1:
		writeV4Verdict(w, "fail", "pass_token error", captchaArg{})
	case subtle.ConstantTimeCompare([]byte(q.Get("captcha_output")), []byte(rec.Value.output)) != 1:
		writeV4Verdict(w, "fail", "captcha_output error", captchaArg{})
	default:
		writeV4Verdict(w, "success", "", captchaArg{
			UsedType:  "slide",
			UserIP:    "127.0.0.1",
			LotNumber: lotNumber,
			Scene:     "反爬虫",
			Referer:   r.Referer(),
		})
	}
}
