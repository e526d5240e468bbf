package tencenttest

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/captchakit/captcha/internal/emulator"
	"github.com/captchakit/captcha/providers/providertest"
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
	// with Access-Control-Allow-Origin: *.
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
type Emulator struct {
	creds    map[string]Credential
	apps     map[uint64]string
	firstApp uint64
	lifetime time.Duration
	skew     time.Duration

	clock   emulator.Clock
	faults  *emulator.Faults
	tickets emulator.Store[minted]
	calls   atomic.Int64
	busy    atomic.Bool
	api     http.Handler
}

type minted struct {
	appID   uint64
	randstr string
	evil    int
}

// New returns an emulator for cfg; see Config for the defaults.
func New(cfg Config) *Emulator {
	e := &Emulator{
		creds:    make(map[string]Credential),
		apps:     make(map[uint64]string),
		lifetime: cfg.TicketLifetime,
		skew:     cfg.MaxSkew,
		faults:   emulator.NewFaults(),
	}
	if len(cfg.Credentials) == 0 {
		cfg.Credentials = []Credential{{SecretID: DemoSecretID, SecretKey: DemoSecretKey}}
	}
	for _, c := range cfg.Credentials {
		e.creds[c.SecretID] = c
	}
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
		e.calls.Add(1)
		e.api.ServeHTTP(w, r)
	default:
		http.NotFound(w, r)
	}
}

// Inject sets the fault the API answers with; providertest.FaultNone clears
// it. FaultInternalError answers the InternalError envelope, FaultThrottled
// RequestLimitExceeded, FaultBadCredentials AuthFailure.SecretIdNotFound.
func (e *Emulator) Inject(f providertest.Fault) { e.faults.Inject(f) }

// SetLatency delays every API answer by d.
func (e *Emulator) SetLatency(d time.Duration) { e.faults.SetLatency(d) }

// SetSystemBusy makes every well-formed, correctly signed verification answer
// CaptchaCode 26 ("system busy") while on is true, without using the ticket.
func (e *Emulator) SetSystemBusy(on bool) { e.busy.Store(on) }

// Advance moves the emulator's clock forward by d, for expiry tests. Its
// timestamp check uses the same clock: point the client's clock at [Emulator.Now].
func (e *Emulator) Advance(d time.Duration) { e.clock.Advance(d) }

// Now returns the emulator's current time.
func (e *Emulator) Now() time.Time { return e.clock.Now() }

// Calls reports how many API requests the emulator received (script and
// mint requests excluded), faulty ones included.
func (e *Emulator) Calls() int64 { return e.calls.Load() }

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
}

// Risky marks the ticket as malicious: it still verifies (CaptchaCode 1) but
// with EvilLevel 100, as Tencent's invisible mode reports.
func Risky() MintOption { return func(o *mintOptions) { o.evil = 100 } }

// IssuedAt backdates (or postdates) the ticket, e.g. to test expiry with a
// client whose clock cannot be moved.
func IssuedAt(t time.Time) MintOption { return func(o *mintOptions) { o.issued = t } }

// Mint mints a ticket for appID (0: the first configured app) that verifies
// once within the ticket lifetime, with its randstr.
func (e *Emulator) Mint(appID uint64, opts ...MintOption) Ticket {
	if appID == 0 {
		appID = e.firstApp
	}
	o := mintOptions{issued: e.clock.Now()}
	for _, opt := range opts {
		opt(&o)
	}
	t := Ticket{
		Ticket:  "tr03" + emulator.RandomHex(32) + "*",
		Randstr: "@" + emulator.RandomHex(3),
		AppID:   appID,
	}
	e.tickets.Put(t.Ticket, minted{appID: appID, randstr: t.Randstr, evil: o.evil}, o.issued)
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
			strconv.FormatInt(e.clock.Now().Unix(), 10),
		Randstr: "@" + emulator.RandomHex(4),
		AppID:   appID,
	}
}
