package hcaptchatest

import (
	_ "embed"
	"net/http"
	"testing"
	"time"

	"github.com/captchakit/captcha/internal/emulator"
	"github.com/captchakit/captcha/internal/siteverifyemu"
)

// hCaptcha's publisher test set ("Test Key Set: Publisher Account").
const (
	// TestSitekey always yields TestToken; the stand-in widget shows its
	// checkbox and passes without a challenge.
	TestSitekey = "10000000-ffff-ffff-ffff-000000000001"
	// TestSecret accepts only TestToken; another token is
	// "not-using-dummy-passcode".
	TestSecret = "0x0000000000000000000000000000000000000000"
	// TestToken passes only with TestSecret; with a production secret it is
	// "not-using-dummy-secret".
	TestToken = "10000000-aaaa-bbbb-cccc-000000000001"
	// TestHostname is the hostname a TestToken verifies with. Commonly
	// reported, not documented.
	TestHostname = "dummy-key-pass"
)

// The emulator's own demo site, the default Site. The keys are made up
// and shaped like hCaptcha's; they work with the emulator only.
const (
	DemoSitekey = "5e1f6a2b-0c3d-4e8f-9a7b-6c5d4e3f2a1b"
	DemoSecret  = "0x7e2f8c1d0b9a4e3f5d6c7b8a9e0f1d2c3b4a5e6f"
)

// Paths the emulator serves, the first two at hCaptcha's own
// (api.hcaptcha.com/siteverify, js.hcaptcha.com/1/api.js).
const (
	// SiteverifyPath is the siteverify API.
	SiteverifyPath = "/siteverify"
	// ScriptPath serves the stand-in client script.
	ScriptPath = "/1/api.js"
	// MintPath mints a token for the stand-in script: GET or POST
	// ?sitekey=…&hostname=… answers {"success":true,"token":…,
	// "expires_in":120}, or {"success":false,"error":…,"code":…} with an
	// hCaptcha client error such as "invalid-data", with
	// Access-Control-Allow-Origin: *.
	MintPath = "/emulator/mint"
)

// DefaultHostname is the hostname a token is bound to when Mint is not
// told one.
const DefaultHostname = "localhost"

// Site is a sitekey the emulator knows, with the secret of its account.
type Site struct {
	Sitekey string
	Secret  string
	// Enterprise adds "score" (hCaptcha's risk, higher is more likely a
	// bot) and "score_reason" to successful replies. Default score:
	// DefaultScore.
	Enterprise bool
}

// DefaultScore is the risk score of an Enterprise site's tokens when Mint
// is not told one: a low risk.
const DefaultScore = 0.1

// Config configures an Emulator.
type Config struct {
	// Sites are the sitekeys the emulator knows. Default: one, DemoSitekey
	// with DemoSecret. The test set is always known. Mint without a sitekey
	// mints for the first site.
	Sites []Site
	// TokenLifetime is how long a minted token verifies. Default: 120 s
	// (hCaptcha's lifetime is not documented; 120 s is what integrations
	// report).
	TokenLifetime time.Duration
}

// Emulator is an http.Handler that speaks hCaptcha's siteverify API: form
// bodies; the secret, then the token, then the sitekey checked in that
// order; single use ("already-seen-response") and lifetime
// ("expired-input-response"); the publisher test set with both
// cross-combinations; "credit" in every success, "score" and
// "score_reason" for Enterprise sites. It also serves the stand-in api.js
// and the mint endpoint it calls. It is safe for concurrent use.
//
// Its controls (Inject, SetLatency, Advance, Now, Calls) come from
// emulator.Controls. FaultInternalError answers HTTP 500 with
// {"success":false,"error-codes":["internal-error"]} (hCaptcha documents
// no internal-error reply; this one is Turnstile's code on a 5xx),
// FaultThrottled HTTP 429, FaultBadCredentials "invalid-input-secret".
type Emulator struct {
	*emulator.Controls // Inject, SetLatency, Advance, Now, Calls

	bySecret  map[string][]Site
	bySitekey map[string]Site
	first     Site
	lifetime  time.Duration

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
		bySecret:  make(map[string][]Site),
		bySitekey: make(map[string]Site),
		first:     cfg.Sites[0],
		lifetime:  cfg.TokenLifetime,
		faults:    emulator.NewFaults(),
	}
	for _, s := range cfg.Sites {
		e.bySecret[s.Secret] = append(e.bySecret[s.Secret], s)
		e.bySitekey[s.Sitekey] = s
	}
	if e.lifetime <= 0 {
		e.lifetime = 120 * time.Second
	}
	e.Controls = emulator.NewControls(e.faults)
	e.api = e.faults.Wrap(http.HandlerFunc(e.serveSiteverify), malformedReply)
	return e
}

// malformedReply is the truncated body FaultMalformedJSON answers with.
const malformedReply = `{"success":true,"challenge_ts":"2021-10-02T18:12:10.149Z","hostname":"exa`

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

// Score sets the Enterprise risk score of the token (higher is more likely
// a bot), reported only for an Enterprise site. Default: DefaultScore.
func Score(s float64) MintOption {
	return func(t *siteverifyemu.Token) { t.Score = s }
}

// IssuedAt sets when the challenge was solved (challenge_ts). Default: the
// emulator's current time.
func IssuedAt(at time.Time) MintOption { return func(t *siteverifyemu.Token) { t.Issued = at } }

// Mint mints a token for sitekey ("" for the first site) that verifies once
// within the token lifetime. For TestSitekey it returns TestToken.
func (e *Emulator) Mint(sitekey string, opts ...MintOption) string {
	if sitekey == "" {
		sitekey = e.first.Sitekey
	}
	if sitekey == TestSitekey {
		return TestToken
	}
	t := siteverifyemu.Token{Sitekey: sitekey, Hostname: DefaultHostname, Score: DefaultScore, Issued: e.Now()}
	for _, opt := range opts {
		opt(&t)
	}
	id := siteverifyemu.RandomToken("P1_eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.", 600) + siteverifyemu.RandomToken(".", 32)
	e.tokens.Put(id, t)
	return id
}

// script is the stand-in api.js: the hcaptcha object with render, execute
// (with {async: true} a Promise of {response, key}), reset, getResponse,
// getRespKey and remove; implicit rendering of .h-captcha elements; the
// ?render=explicit, ?onload= and ?recaptchacompat=off parameters; the
// hidden h-captcha-response and g-recaptcha-response fields; minting
// through MintPath. Its header comment lists what it does and leaves out.
//
//go:embed api.js
var script []byte

// Server is an Emulator served on 127.0.0.1. Its URL is the base URL,
// "http://127.0.0.1:<port>": the provider's Endpoint (the provider appends
// SiteverifyPath), and the origin of the stand-in script for pages. Close
// stops it and releases requests held by FaultHang.
type Server struct {
	*Emulator
	*emulator.Server
}

// Start serves a new emulator for cfg on a free loopback port. Close it
// when done.
func Start(cfg Config) (*Server, error) {
	e := New(cfg)
	srv, err := emulator.Serve(e, e.faults)
	if err != nil {
		return nil, err
	}
	return &Server{Emulator: e, Server: srv}, nil
}

// NewServer is Start for tests: it fails t on error and closes the server
// when the test ends.
func NewServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	return emulator.ForTest(t, "hcaptchatest", func() (*Server, error) { return Start(cfg) })
}
