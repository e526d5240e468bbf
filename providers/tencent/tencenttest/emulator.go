package tencenttest

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/captchakit/captcha/internal/emulator"
)

// Public demo credentials from Tencent's documentation (TC3 example key and
// the DescribeCaptchaResult sample app). New(Config{}) knows exactly these.
const (
	DemoSecretID     = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
	DemoSecretKey    = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
	DemoAppID        = 199999164
	DemoAppSecretKey = "E4kwK9AcXQMHkktiItyMEyQPn"
)

// Paths the emulator serves besides the API at "/".
const (
	// ScriptPath serves the stand-in client script, at the same path name as
	// the real one (https://turing.captcha.qcloud.com/TCaptcha.js).
	ScriptPath = "/TCaptcha.js"
	// MintPath mints a ticket for the stand-in script: GET or POST
	// ?appid=<CaptchaAppId> answers {"ret":0,"ticket":…,"randstr":…,"appid":…}
	// with Access-Control-Allow-Origin: *. Optional parameters: risky=1
	// (Risky), score=<n> (WithScore), evilbitmap=<n> (WithEvilBitmap) and
	// category=<text> (WithDeviceRiskCategory).
	MintPath = "/emulator/mint"
)

// Credential is an API key pair the emulator knows.
type Credential struct {
	SecretID  string
	SecretKey string
	// Token, when set, makes the key temporary (STS): requests signed with it
	// must carry it in X-TC-Token.
	Token string
}

// App is a captcha app the emulator knows.
type App struct {
	AppID        uint64
	AppSecretKey string
}

// Config configures an Emulator.
type Config struct {
	// Credentials are the API keys the emulator accepts. Default: the demo
	// key pair (DemoSecretID, DemoSecretKey).
	Credentials []Credential
	// Apps are the captcha apps it knows. Default: DemoAppID with
	// DemoAppSecretKey. Mint without an app ID mints for the first one.
	Apps []App
	// TicketLifetime is how long a minted ticket verifies. Default: 5 minutes,
	// as Tencent.
	TicketLifetime time.Duration
	// MaxSkew is the largest difference between X-TC-Timestamp and the
	// emulator's clock it accepts. Default: 300 s, as Tencent.
	MaxSkew time.Duration
}

// Emulator is an http.Handler that speaks the DescribeCaptchaResult API the
// way Tencent does: it checks the action, version, Authorization, timestamp
// and TC3 signature, answers with Tencent's error envelopes (HTTP 200), and
// verifies the tickets it minted with Tencent's CaptchaCode semantics (single
// use, lifetime, randstr, app). It also serves the stand-in TCaptcha.js and
// the mint endpoint it calls. It is safe for concurrent use.
//
// Its controls (Inject, SetLatency, Advance, Now, Calls) come from
// emulator.Controls. In Tencent's words, FaultInternalError answers the
// InternalError envelope, FaultThrottled RequestLimitExceeded and
// FaultBadCredentials AuthFailure.SecretIdNotFound. The timestamp check
// uses the emulator's clock: point the client's clock at Now.
type Emulator struct {
	*emulator.Controls // Inject, SetLatency, Advance, Now, Calls

	credMu   sync.Mutex                            // serialises AddCredential and RemoveCredential
	creds    atomic.Pointer[map[string]Credential] // replaced whole, read without a lock
	apps     map[uint64]string
	firstApp uint64
	lifetime time.Duration
	skew     time.Duration

	faults  *emulator.Faults
	tickets emulator.Store[minted]
	busy    atomic.Bool
	api     http.Handler
}

type minted struct {
	appID   uint64
	randstr string
	evil    int
	issued  time.Time
	extra   replyExtra
}

// replyExtra holds the optional reply fields a minted ticket verifies with.
type replyExtra struct {
	score, evilBitmap  *int64
	deviceRiskCategory *string
	submitted          time.Time // zero: no SubmitCaptchaTime
}

// New returns an emulator for cfg; see Config for the defaults.
func New(cfg Config) *Emulator {
	e := &Emulator{
		apps:     make(map[uint64]string),
		lifetime: cfg.TicketLifetime,
		skew:     cfg.MaxSkew,
		faults:   emulator.NewFaults(),
	}
	if len(cfg.Credentials) == 0 {
		cfg.Credentials = []Credential{{SecretID: DemoSecretID, SecretKey: DemoSecretKey}}
	}
	creds := make(map[string]Credential, len(cfg.Credentials))
	for _, c := range cfg.Credentials {
		creds[c.SecretID] = c
	}
	e.creds.Store(&creds)
	if len(cfg.Apps) == 0 {
		cfg.Apps = []App{{AppID: DemoAppID, AppSecretKey: DemoAppSecretKey}}
	}
	e.firstApp = cfg.Apps[0].AppID
	for _, a := range cfg.Apps {
		e.apps[a.AppID] = a.AppSecretKey
	}
	if e.lifetime <= 0 {
		e.lifetime = 5 * time.Minute
	}
	if e.skew <= 0 {
		e.skew = 300 * time.Second
	}
	e.Controls = emulator.NewControls(e.faults)
	e.api = e.faults.Wrap(http.HandlerFunc(e.serveAPI), malformedReply)
	return e
}

// malformedReply is the truncated body FaultMalformedJSON answers with.
const malformedReply = `{"Response":{"CaptchaCode":1,"CaptchaMsg":"OK","Evil`

// ServeHTTP serves the API at "/", the script at ScriptPath and the mint
// endpoint at MintPath.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case ScriptPath:
		e.serveScript(w, r)
	case MintPath:
		e.serveMint(w, r)
	case "/":
		e.api.ServeHTTP(w, r)
	default:
		http.NotFound(w, r)
	}
}

// AddCredential makes the emulator accept c from now on, replacing a
// credential with the same SecretID: for tests of credentials that rotate
// (a new temporary key, a new token for a key).
func (e *Emulator) AddCredential(c Credential) {
	e.credMu.Lock()
	defer e.credMu.Unlock()
	old := *e.creds.Load()
	creds := make(map[string]Credential, len(old)+1)
	for id, v := range old {
		creds[id] = v
	}
	creds[c.SecretID] = c
	e.creds.Store(&creds)
}

// RemoveCredential makes the emulator refuse secretID from now on
// (AuthFailure.SecretIdNotFound), as Tencent refuses an expired temporary key.
func (e *Emulator) RemoveCredential(secretID string) {
	e.credMu.Lock()
	defer e.credMu.Unlock()
	old := *e.creds.Load()
	creds := make(map[string]Credential, len(old))
	for id, v := range old {
		if id != secretID {
			creds[id] = v
		}
	}
	e.creds.Store(&creds)
}

// SetSystemBusy makes every well-formed, correctly signed verification answer
// CaptchaCode 26 ("system busy") while on is true, without using the ticket.
func (e *Emulator) SetSystemBusy(on bool) { e.busy.Store(on) }

// Ticket is a ticket minted by the emulator, as TCaptcha.js hands it to the
// page callback.
type Ticket struct {
	Ticket  string
	Randstr string
	AppID   uint64
}

// MintOption adjusts a minted ticket.
type MintOption func(*mintOptions)

type mintOptions struct {
	evil   int
	issued time.Time
	extra  replyExtra
}

// Risky marks the ticket as malicious: it still verifies (CaptchaCode 1) but
// with EvilLevel 100, as Tencent's invisible mode reports.
func Risky() MintOption { return func(o *mintOptions) { o.evil = 100 } }

// IssuedAt backdates (or postdates) the ticket, e.g. to test expiry with a
// client whose clock cannot be moved. The issue time is also what the reply's
// GetCaptchaTime says when the request asks for it (NeedGetCaptchaTime 1).
func IssuedAt(t time.Time) MintOption { return func(o *mintOptions) { o.issued = t } }

// WithScore makes the reply to the ticket carry Score, the captcha risk score
// (0 to 100, higher riskier, as Tencent's API reference documents it).
// Without it the reply has no Score.
func WithScore(score int64) MintOption {
	return func(o *mintOptions) { o.extra.score = &score }
}

// WithEvilBitmap makes the reply to the ticket carry EvilBitmap, the
// interception-type bitmap. Without it the reply has no EvilBitmap.
func WithEvilBitmap(bits int64) MintOption {
	return func(o *mintOptions) { o.extra.evilBitmap = &bits }
}

// WithDeviceRiskCategory makes the reply to the ticket carry
// DeviceRiskCategory. Without it the reply has none.
func WithDeviceRiskCategory(category string) MintOption {
	return func(o *mintOptions) { o.extra.deviceRiskCategory = &category }
}

// WithSubmitCaptchaTime makes the reply to the ticket carry
// SubmitCaptchaTime, when the page submitted the captcha, as t in Unix
// seconds. Without it the reply has none.
func WithSubmitCaptchaTime(t time.Time) MintOption {
	return func(o *mintOptions) { o.extra.submitted = t }
}

// Mint mints a ticket for appID (0: the first configured app) that verifies
// once within the ticket lifetime, with its randstr.
func (e *Emulator) Mint(appID uint64, opts ...MintOption) Ticket {
	if appID == 0 {
		appID = e.firstApp
	}
	o := mintOptions{issued: e.Now()}
	for _, opt := range opts {
		opt(&o)
	}
	t := Ticket{
		Ticket:  "tr03" + emulator.RandomHex(32) + "*",
		Randstr: "@" + emulator.RandomHex(3),
		AppID:   appID,
	}
	e.tickets.Put(t.Ticket, minted{appID: appID, randstr: t.Randstr, evil: o.evil, issued: o.issued, extra: o.extra}, o.issued)
	return t
}

// DisasterTicket returns a disaster-recovery ticket as TCaptcha.js's load
// error callback builds it, "trerror_1001_<appid>_<unix>", at the emulator's
// current time. The emulator answers it with CaptchaCode 21.
func (e *Emulator) DisasterTicket(appID uint64) Ticket {
	if appID == 0 {
		appID = e.firstApp
	}
	return Ticket{
		Ticket: "trerror_1001_" + strconv.FormatUint(appID, 10) + "_" +
			strconv.FormatInt(e.Now().Unix(), 10),
		Randstr: "@" + emulator.RandomHex(4),
		AppID:   appID,
	}
}
