package aliyuntest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/captchakit/captcha/internal/emulator"
	"github.com/captchakit/captcha/providers/providertest"
)

// Public demo defaults, the credentials of the Alibaba vectors in
// docs/wire.md#test-vectors, so that New(Config{}) works and the published
// vectors verify against it.
const (
	DefaultAccessKeyID     = "YourAccessKeyId"
	DefaultAccessKeySecret = "YourAccessKeySecret"
	DefaultSceneID         = "abc123"
)

// Paths the emulator serves besides the API at "/".
const (
	// ScriptPath serves the stand-in client script, at the real script's
	// name.
	ScriptPath = "/AliyunCaptcha.js"
	// MintPath mints a captchaVerifyParam: GET MintPath?sceneId=<scene>
	// (&risk=1 for one judged F001, &code=<F-code> for one judged as
	// Emulator.MintRejectedParam does) answers {"captchaVerifyParam":"..."}
	// with Access-Control-Allow-Origin: *.
	MintPath = "/aliyun-emulator/mint"
)

// The emulator's windows, as the real service documents them.
const (
	// ClockSkew is how far x-acs-date or Timestamp may be from the
	// emulator's clock (InvalidTimeStamp.Expired beyond it). Nonces are
	// remembered as long.
	ClockSkew = 15 * time.Minute
	// ParamTTL is how long a minted captchaVerifyParam can be verified
	// (F014 after it).
	ParamTTL = 20 * time.Minute
)

// hostID is what the gateway reports as HostId in error replies.
const hostID = "captcha.cn-shanghai.aliyuncs.com"

// maxRequestBody bounds the API request body the emulator reads.
const maxRequestBody = 64 << 10

// Config says which credentials and scenes the emulator knows.
type Config struct {
	// AccessKeys maps AccessKey IDs to secrets. Default:
	// {DefaultAccessKeyID: DefaultAccessKeySecret}.
	AccessKeys map[string]string
	// SecurityTokens maps AccessKey IDs of AccessKeys to the STS security
	// token each is temporary with: a request signed with such a key must
	// carry exactly that token (x-acs-security-token with ACS3, the
	// SecurityToken parameter with the RPC signature), else it gets
	// InvalidSecurityToken.MismatchWithAccessKey. A key without an entry
	// accepts a request with any token or none. Default: none.
	SecurityTokens map[string]string
	// Scenes lists the scene IDs that exist. Default: {DefaultSceneID}.
	Scenes []string
	// MaxParamLen is the longest CaptchaVerifyParam, in bytes, the API
	// accepts; a longer one is answered HTTP 413 with Code InvalidParameter,
	// as the gateway answers an oversized parameter. Alibaba publishes no
	// figure. Default (0 or less): no bound beyond the 64 KiB cap on the
	// request body (over it: also 413 InvalidParameter).
	MaxParamLen int
}

// Emulator is an http.Handler speaking the VerifyIntelligentCaptcha wire
// protocol the way Alibaba's gateway does: it checks ACS3-HMAC-SHA256 and
// the older RPC HMAC-SHA1 signatures, the clock window, nonce reuse, the
// content hash and the AccessKey, answers with the real error envelopes, and
// judges captchaVerifyParam values it minted with the real VerifyCodes. It
// is safe for concurrent use.
//
// Its controls (Inject, SetLatency, Advance, Now, Calls) come from
// emulator.Controls. In the gateway's JSON envelope, FaultInternalError
// answers 500 InternalError, FaultThrottled Throttling.User and
// FaultBadCredentials InvalidAccessKeyId.NotFound. A negative Advance moves
// the clock back: mint, then Advance forward again, to get a param that is
// old on a clock that agrees with the client's signatures.
type Emulator struct {
	*emulator.Controls // Inject, SetLatency, Advance, Now, Calls

	keyMu    sync.Mutex                           // serialises AddAccessKey and RemoveAccessKey
	keys     atomic.Pointer[map[string]accessKey] // replaced whole, read without a lock
	scenes   map[string]bool
	maxParam int

	faults *emulator.Faults
	params emulator.Store[minted]

	macs   sync.Map // AccessKey ID → *sync.Pool of keyed HMAC-SHA256
	nextID atomic.Uint64

	nonceMu sync.Mutex
	nonces  map[string]time.Time
	swept   time.Time

	api      http.Handler
	idPrefix string // "XXXXXXXX-XXXX-XXXX-XXXX-"
}

// minted is what the emulator remembers about a captchaVerifyParam it issued.
type minted struct {
	param   string
	scene   string
	verdict string // the F-code it is judged with once valid; "" for T001
}

// New returns an emulator for cfg, with the defaults for empty fields.
func New(cfg Config) *Emulator {
	e := &Emulator{
		scenes:   map[string]bool{},
		maxParam: cfg.MaxParamLen,
		faults:   emulator.NewFaults(),
		nonces:   map[string]time.Time{},
	}
	h := strings.ToUpper(emulator.RandomHex(10))
	e.idPrefix = h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-"
	keys := make(map[string]accessKey, len(cfg.AccessKeys))
	for id, secret := range cfg.AccessKeys {
		keys[id] = accessKey{secret: secret, token: cfg.SecurityTokens[id]}
	}
	if len(keys) == 0 {
		keys[DefaultAccessKeyID] = accessKey{secret: DefaultAccessKeySecret, token: cfg.SecurityTokens[DefaultAccessKeyID]}
	}
	e.keys.Store(&keys)
	for _, s := range cfg.Scenes {
		e.scenes[s] = true
	}
	if len(e.scenes) == 0 {
		e.scenes[DefaultSceneID] = true
	}
	e.Controls = emulator.NewControls(e.faults)
	e.api = e.faults.Wrap(http.HandlerFunc(e.serveAPI), `{"RequestId":"0A1B2C3D-0000","Success":tr`)
	return e
}

// accessKey is an AccessKey the emulator knows: its secret and, for a
// temporary key, the STS token it requires.
type accessKey struct{ secret, token string }

// AddAccessKey makes the emulator accept the AccessKey id with secret from
// now on, temporary with token unless token is empty, replacing a key with
// the same ID: for tests of credentials that rotate (a new STS key, a new
// token).
func (e *Emulator) AddAccessKey(id, secret, token string) {
	e.keyMu.Lock()
	defer e.keyMu.Unlock()
	old := *e.keys.Load()
	keys := make(map[string]accessKey, len(old)+1)
	for k, v := range old {
		keys[k] = v
	}
	keys[id] = accessKey{secret: secret, token: token}
	e.keys.Store(&keys)
}

// RemoveAccessKey makes the emulator refuse the AccessKey id from now on
// (InvalidAccessKeyId.NotFound), as the gateway refuses an expired STS key.
func (e *Emulator) RemoveAccessKey(id string) {
	e.keyMu.Lock()
	defer e.keyMu.Unlock()
	old := *e.keys.Load()
	keys := make(map[string]accessKey, len(old))
	for k, v := range old {
		if k != id {
			keys[k] = v
		}
	}
	e.keys.Store(&keys)
}

// ServeHTTP serves the API at "/", the client script at ScriptPath and the
// mint endpoint at MintPath.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case ScriptPath:
		serveScript(w, r)
	case MintPath:
		e.serveMint(w, r)
	default:
		e.api.ServeHTTP(w, r)
	}
}

// apiError is the gateway's error envelope.
type apiError struct {
	RequestID string `json:"RequestId"`
	HostID    string `json:"HostId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	Recommend string `json:"Recommend"`
}

// gatewayError is a rejection by the gateway before the API runs.
type gatewayError struct {
	status  int
	code    string
	message string
}

func fail(status int, code, message string) *gatewayError {
	return &gatewayError{status: status, code: code, message: message}
}

// requestID returns a request ID shaped like Alibaba's (an upper-case
// UUID): a random per-emulator prefix and a counter.
func (e *Emulator) requestID() string {
	const digits = "0123456789ABCDEF"
	var b [36]byte
	copy(b[:], e.idPrefix)
	n := e.nextID.Add(1)
	for i := 35; i >= 24; i-- {
		b[i] = digits[n&15]
		n >>= 4
	}
	return string(b[:])
}

func (e *Emulator) writeError(w http.ResponseWriter, ge *gatewayError) {
	id := e.requestID()
	writeJSON(w, ge.status, apiError{
		RequestID: id,
		HostID:    hostID,
		Code:      ge.code,
		Message:   ge.message,
		Recommend: "https://api.aliyun.com/troubleshoot?q=" + ge.code + "&product=captcha&requestId=" + id,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (e *Emulator) serveAPI(w http.ResponseWriter, r *http.Request) {
	switch e.faults.Current() {
	case providertest.FaultInternalError:
		e.writeError(w, fail(http.StatusInternalServerError, "InternalError",
			"The request processing has failed due to some unknown error, exception or failure."))
		return
	case providertest.FaultThrottled:
		e.writeError(w, fail(http.StatusBadRequest, "Throttling.User", "Request was denied due to user flow control."))
		return
	case providertest.FaultBadCredentials:
		e.writeError(w, fail(http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found."))
		return
	}
	params, ge := e.authenticate(r)
	if ge != nil {
		e.writeError(w, ge)
		return
	}
	param, ok := params.lookup("CaptchaVerifyParam")
	if !ok {
		e.writeError(w, fail(http.StatusBadRequest, "MissingCaptchaVerifyParam",
			"CaptchaVerifyParam is mandatory for this action."))
		return
	}
	if e.maxParam > 0 && len(param) > e.maxParam {
		e.writeError(w, fail(http.StatusRequestEntityTooLarge, "InvalidParameter",
			"The parameter CaptchaVerifyParam is too long."))
		return
	}
	scene, _ := params.lookup("SceneId")
	code := e.judge(param, scene)
	// The reply, written by hand: every value is a fixed ASCII token.
	b := make([]byte, 0, 192)
	b = append(b, `{"RequestId":"`...)
	b = append(b, e.requestID()...)
	b = append(b, `","Success":true,"Code":"Success","Message":"success","Result":{"VerifyResult":`...)
	b = strconv.AppendBool(b, code[0] == 'T')
	b = append(b, `,"VerifyCode":"`...)
	b = append(b, code...)
	b = append(b, `"}}`...)
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	_, _ = w.Write(b)
}

// readBody reads the request body under maxRequestBody.
func readBody(r *http.Request) ([]byte, *gatewayError) {
	if r.Body == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 && r.ContentLength <= maxRequestBody {
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	n, err := buf.ReadFrom(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return nil, fail(http.StatusBadRequest, "InvalidParameter", "The request body could not be read.")
	}
	if n > maxRequestBody {
		return nil, fail(http.StatusRequestEntityTooLarge, "InvalidParameter", "The request body is too large.")
	}
	return buf.Bytes(), nil
}
