package turnstiletest

import (
	"net/http"
	"time"

	"github.com/captchakit/captcha/internal/emulator"
	"github.com/captchakit/captcha/internal/siteverifyemu"
)

// Cloudflare's published test keys. The test sitekeys produce DummyToken;
// the test secrets accept only DummyToken, on any hostname.
const (
	// TestSitekeyPass always passes, with a visible widget.
	TestSitekeyPass = "1x00000000000000000000AA"
	// TestSitekeyFail always fails, with a visible widget: the stand-in
	// script calls the error callback and no token is produced.
	TestSitekeyFail = "2x00000000000000000000AB"
	// TestSitekeyPassInvisible always passes, with an invisible widget.
	TestSitekeyPassInvisible = "1x00000000000000000000BB"
	// TestSitekeyFailInvisible always fails, with an invisible widget.
	TestSitekeyFailInvisible = "2x00000000000000000000BB"
	// TestSitekeyInteractive forces an interactive challenge: the stand-in
	// script shows a checkbox to click.
	TestSitekeyInteractive = "3x00000000000000000000FF"

	// TestSecretPass passes DummyToken.
	TestSecretPass = "1x0000000000000000000000000000000AA"
	// TestSecretFail fails it with "invalid-input-response".
	TestSecretFail = "2x0000000000000000000000000000000AA"
	// TestSecretSpent fails it with "timeout-or-duplicate" ("token already
	// spent").
	TestSecretSpent = "3x0000000000000000000000000000000AA"

	// DummyToken is the token of the test sitekeys. Production secrets
	// reject it with "invalid-input-response".
	DummyToken = "XXXX.DUMMY.TOKEN.XXXX"
)

// The emulator's own demo widget, the default Site. The keys are made up
// and shaped like Cloudflare's; they work with the emulator only.
const (
	DemoSitekey = "0x4AAAAAAAemulator0Demo0"
	DemoSecret  = "0x4AAAAAAAemulator0Demo0Secret00000"
)

// Paths the emulator serves, the first two at Cloudflare's own.
const (
	// SiteverifyPath is the siteverify API.
	SiteverifyPath = "/turnstile/v0/siteverify"
	// ScriptPath serves the stand-in client script, as
	// https://challenges.cloudflare.com/turnstile/v0/api.js is served.
	ScriptPath = "/turnstile/v0/api.js"
	// MintPath mints a token for the stand-in script: GET or POST
	// ?sitekey=…&hostname=…&action=…&cdata=… answers
	// {"success":true,"token":…,"expires_in":300}, or
	// {"success":false,"error":…,"code":…} with Turnstile's client-side
	// error code, with Access-Control-Allow-Origin: *.
	MintPath = "/emulator/mint"
)

// DefaultHostname is the hostname a token is bound to when Mint is not
// told one, and the one the test secrets answer with.
const DefaultHostname = "localhost"

// Site is a widget the emulator knows: its sitekey and secret.
type Site struct {
	Sitekey string
	Secret  string
}

// Config configures an Emulator.
type Config struct {
	// Sites are the widgets the emulator knows. Default: one, DemoSitekey
	// with DemoSecret. The test keys are always known. Mint without a
	// sitekey mints for the first site.
	Sites []Site
	// TokenLifetime is how long a minted token verifies. Default: 300 s,
	// as Cloudflare.
	TokenLifetime time.Duration
}

// Emulator is an http.Handler that speaks Turnstile's siteverify API the
// way Cloudflare does: form, multipart and JSON bodies; the documented
// error codes with HTTP 200; single use and lifetime ("timeout-or-duplicate"),
// except for a retry with the first call's idempotency_key, which gets the
// first answer again; the test keys and the dummy token. It also serves
// the stand-in api.js and the mint endpoint it calls. It is safe for
// concurrent use.
//
// Its controls (Inject, SetLatency, Advance, Now, Calls) come from
// emulator.Controls. FaultInternalError answers "internal-error" (HTTP
// 200), FaultThrottled HTTP 429 with Cloudflare's "error code: 1015" page,
// FaultBadCredentials "invalid-input-secret".
type Emulator struct {
	*emulator.Controls // Inject, SetLatency, Advance, Now, Calls

	bySecret map[string]Site
	sitekeys map[string]bool
	first    Site
	lifetime time.Duration

	faults *emulator.Faults
	tokens siteverifyemu.Tokens
	api    http.Handler
}

// New returns an emulator for cfg; see Config for the defaults.
func New(cfg Config) *Emulator {
	if len(cfg.Sites) == 0 {
		cfg.Sites = []Site{{Sitekey: DemoSitekey, Secret: DemoSecret}}
	}
	e := &Emulator{
		bySecret: make(map[string]Site),
		sitekeys: map[string]bool{
			TestSitekeyPass: true, TestSitekeyFail: true, TestSitekeyPassInvisible: true,
			TestSitekeyFailInvisible: true, TestSitekeyInteractive: true,
		},
		first:    cfg.Sites[0],
		lifetime: cfg.TokenLifetime,
		faults:   emulator.NewFaults(),
	}
	for _, s := range cfg.Sites {
		e.bySecret[s.Secret] = s
		e.sitekeys[s.Sitekey] = true
	}
	if e.lifetime <= 0 {
		e.lifetime = 300 * time.Second
	}
	e.Controls = emulator.NewControls(e.faults)
	e.api = e.faults.Wrap(http.HandlerFunc(e.serveSiteverify), malformedReply)
	return e
}

// malformedReply is the truncated body FaultMalformedJSON answers with.
const malformedReply = `{"success":true,"challenge_ts":"2022-02-28T15:14:30.096Z","host`

// ServeHTTP serves siteverify at SiteverifyPath, the script at ScriptPath
// and the mint endpoint at MintPath.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case SiteverifyPath:
		e.api.ServeHTTP(w, r)
	case ScriptPath:
		siteverifyemu.ServeScript(w, r, script)
	case MintPath:
		siteverifyemu.ServeMint(w, r, e.mintFor)
	default:
		http.NotFound(w, r)
	}
}

// MintOption adjusts a minted token.
type MintOption func(*siteverifyemu.Token)

// Hostname binds the token to the site it was solved on. Default:
// DefaultHostname.
func Hostname(h string) MintOption { return func(t *siteverifyemu.Token) { t.Hostname = h } }

// Action binds the token to the widget's action. Default: none.
func Action(a string) MintOption { return func(t *siteverifyemu.Token) { t.Action = a } }

// CData binds the token to the widget's cData. Default: none.
func CData(c string) MintOption { return func(t *siteverifyemu.Token) { t.CData = c } }

// IssuedAt sets when the challenge was solved (challenge_ts), e.g. to test
// expiry or a maximum age with a client whose clock cannot be moved.
// Default: the emulator's current time.
func IssuedAt(at time.Time) MintOption { return func(t *siteverifyemu.Token) { t.Issued = at } }

// Mint mints a token for sitekey ("" for the first site) that verifies once
// within the token lifetime, with the secret of that site. For a test
// sitekey it returns DummyToken.
func (e *Emulator) Mint(sitekey string, opts ...MintOption) string {
	if sitekey == "" {
		sitekey = e.first.Sitekey
	}
	if isTestSitekey(sitekey) {
		return DummyToken
	}
	t := siteverifyemu.Token{Sitekey: sitekey, Hostname: DefaultHostname, Issued: e.Now()}
	for _, opt := range opts {
		opt(&t)
	}
	id := siteverifyemu.RandomToken("0.", 240)
	e.tokens.Put(id, t)
	return id
}

func isTestSitekey(s string) bool {
	switch s {
	case TestSitekeyPass, TestSitekeyFail, TestSitekeyPassInvisible, TestSitekeyFailInvisible, TestSitekeyInteractive:
		return true
	}
	return false
}
